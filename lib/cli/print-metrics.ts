/**
 * How `train --csv` and `evaluate` print a model's figures: accuracy, loss, per-class precision
 * and recall and the confusion matrix for classes (by name when the model has names); R², RMSE,
 * MAE and loss for numbers.
 */
import type { ClassificationMetrics } from '../report/metrics';
import type { RegressionMetrics } from '../regression-metrics';
import type { Output } from './io';

/** A table model's figures on a set of rows. */
export interface TableMetrics {
  task: 'classification' | 'binary' | 'regression';
  loss: number;
  /** The network's outputs `[n, nL]`. */
  outputs: Float32Array;
  classes?: string[];
  classification?: ClassificationMetrics;
  regression?: RegressionMetrics;
  /** The figures as a JSON record. */
  summary: Record<string, unknown> & { n: number };
}

/** Per-class precision, recall and support, then the confusion matrix, named by `names`. */
export function printClassTable(
  out: Output,
  metrics: ClassificationMetrics,
  names: readonly string[],
): void {
  const w0 = Math.max(5, ...names.map((n) => n.length));
  out.line(`${'class'.padStart(w0)}  precision  recall  support`);
  for (const c of metrics.perClass) {
    const p = Number.isFinite(c.precision) ? `${(c.precision * 100).toFixed(1)}%` : '-';
    const r = Number.isFinite(c.recall) ? `${(c.recall * 100).toFixed(1)}%` : '-';
    out.line(
      `${names[c.label].padStart(w0)}  ${p.padStart(9)}  ${r.padStart(6)}  ${String(c.support).padStart(7)}`,
    );
  }
  out.line();
  out.line('confusion matrix (rows: true class, columns: predicted)');
  const w = Math.max(
    4,
    String(Math.max(...metrics.matrix.flat())).length + 1,
    ...names.map((n) => n.length + 1),
  );
  out.line(`${'true'.padStart(w0)} ${names.map((n) => n.padStart(w)).join('')}`);
  metrics.matrix.forEach((row, i) =>
    out.line(`${names[i].padStart(w0)} ${row.map((v) => String(v).padStart(w)).join('')}`),
  );
}

/** Print a table model's figures on `what` (`test` rows, or a file's). */
export function printMetrics(out: Output, m: TableMetrics, what: string): void {
  if (m.regression) {
    const r = m.regression;
    out.line(
      `${what}: R² ${r.r2.toFixed(4)}, RMSE ${r.rmse.toPrecision(4)}, MAE ${r.mae.toPrecision(4)}, loss ${m.loss.toPrecision(4)} (${m.summary.n} rows)`,
    );
    return;
  }
  const c = m.classification as ClassificationMetrics;
  out.line(
    `${what}: accuracy ${(c.accuracy * 100).toFixed(2)}% (${c.correct}/${c.n}), loss ${m.loss.toFixed(4)}`,
  );
  out.line();
  printClassTable(out, c, m.classes ?? c.perClass.map((k) => String(k.label)));
}

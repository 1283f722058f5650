/**
 * `blasnet evaluate MODEL --csv FILE` and `blasnet predict MODEL --csv FILE [--out FILE]` for a
 * model trained by `train --csv`: the file's rows are read through the model's table schema and
 * scaled with its stored scaler, so the model file and the CSV are all they need.
 *
 * predict writes a CSV: every column of the input as it was written, then
 * `predicted_<target>` (the class name, or the number), then for classes one
 * `probability_<class>` column per class. It goes to stdout, or atomically to --out once every
 * row has been read and predicted (a bad row leaves an existing --out file as it was).
 */
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../../atomic-file';
import type { Backend } from '../../backend/types';
import { argmaxRows } from '../../network';
import { CliError, EXIT_CODES } from '../errors';
import type { Output } from '../io';
import { describeNetwork } from '../model';
import { printMetrics } from '../print-metrics';
import { readWithSchema } from '../table';
import { loadTableModel, tableData, tableMetrics, tableProbabilities } from '../table-model';

/** Run `blasnet evaluate MODEL --csv FILE`. */
export async function evaluateCsv(
  modelFile: string,
  csvFile: string,
  be: Backend,
  out: Output,
): Promise<number> {
  const model = loadTableModel(modelFile, be.name);
  const { meta, net } = model;
  const started = performance.now();
  const rows = await readWithSchema(csvFile, meta.schema, true);
  const data = tableData(csvFile, model, rows);
  const metrics = tableMetrics(model, data);
  const seconds = (performance.now() - started) / 1000;
  if (out.json) {
    out.record({
      model: modelFile,
      network: { sizes: net.sizes, activations: net.activations },
      task: net.task,
      target: meta.schema.target,
      ...(net.classes ? { classes: net.classes } : {}),
      data: csvFile,
      ...metrics.summary,
      lossName: meta.loss,
      seconds,
      backend: be.name,
    });
    return EXIT_CODES.ok;
  }
  out.line(
    `model     ${modelFile}: ${describeNetwork(net)}, ${net.task} of "${meta.schema.target}"${net.scaler ? `, ${net.scaler.kind} scaling` : ''}`,
  );
  out.line(`data      ${csvFile} (${rows.n} rows)`);
  printMetrics(out, metrics, csvFile);
  return EXIT_CODES.ok;
}

/** Significant digits of float32 outputs in the CSV: all a float32 holds, no noise after. */
function number(v: number): string {
  return String(Number(v.toPrecision(7)));
}

/** A header name not already taken by an input column. */
function freeName(header: readonly string[], name: string): string {
  let candidate = name;
  for (let k = 2; header.includes(candidate); k++) candidate = `${name}_${k}`;
  return candidate;
}

/** Run `blasnet predict MODEL --csv FILE [--out FILE]`. */
export async function predictCsv(
  modelFile: string,
  csvFile: string,
  outFile: string | undefined,
  be: Backend,
  out: Output,
): Promise<number> {
  const model = loadTableModel(modelFile, be.name);
  const { meta, net } = model;
  const rows = await readWithSchema(csvFile, meta.schema, false);
  // Raw features: the network scales them with the scaler its file carries.
  const outputs = net.predict(rows.x);
  const n = rows.n;
  const target = meta.schema.target;
  const header = [...rows.header];
  const predictedName = freeName(header, `predicted_${target}`);
  header.push(predictedName);
  const records: string[][] = [];
  const predictions: Record<string, unknown>[] = [];
  if (net.task === 'regression') {
    for (let i = 0; i < n; i++) {
      records.push([...rows.cells[i], number(outputs[i])]);
      predictions.push({ row: rows.lines[i], value: Number(number(outputs[i])) });
    }
  } else {
    const classes = net.classes as readonly string[];
    const labels = argmaxRows(outputs, net.outputSize);
    const p = tableProbabilities(net.task, outputs, n);
    const c = classes.length;
    for (const name of classes) header.push(freeName(header, `probability_${name}`));
    for (let i = 0; i < n; i++) {
      const probs = Array.from(p.subarray(i * c, (i + 1) * c));
      records.push([...rows.cells[i], classes[labels[i]], ...probs.map(number)]);
      predictions.push({
        row: rows.lines[i],
        class: classes[labels[i]],
        probabilities: Object.fromEntries(classes.map((k, j) => [k, Number(number(probs[j]))])),
      });
    }
  }
  const text = stringify([header, ...records]);
  if (outFile !== undefined) {
    try {
      writeFileAtomic(outFile, Buffer.from(text, 'utf8'));
    } catch (error) {
      throw new CliError(
        'ERR_BLASNET_IO',
        `${(error as Error).message}. Check that the directory of --out exists and is writable.`,
      );
    }
    out.line(`${n} predictions of "${target}" written to ${outFile}`);
    out.record({ model: modelFile, input: csvFile, out: outFile, rows: n, task: net.task });
    return EXIT_CODES.ok;
  }
  if (out.json) {
    out.record({
      model: modelFile,
      input: csvFile,
      task: net.task,
      target,
      ...(net.classes ? { classes: net.classes } : {}),
      predictions,
    });
  } else {
    out.io.stdout.write(text);
  }
  return EXIT_CODES.ok;
}

/**
 * A model trained on a CSV table, as the CLI saves and loads it: the network with its task,
 * class names and feature scaler, and the table's schema in the file's metadata, so `evaluate`
 * and `predict` need only the model file and a CSV.
 */
import { getEncoding } from '../data/encodings';
import { Scaler, type ScalerJson } from '../data/scaler';
import { evaluate, type TrainingData } from '../evaluate';
import { classificationMetrics } from '../report/metrics';
import { regressionMetrics } from '../report/regression';
import type { TableMetrics } from './print-metrics';
import type { LossName } from '../losses';
import type { Network } from '../network';
import type { BackendName } from '../backend/select';
import { CliError, UsageError } from './errors';
import { readCliModelFile } from './model';
import {
  isTableSchema,
  type SchemaRows,
  type TableSchema,
  targetLabels,
  targetValues,
} from './table';

/** What a model is for: class names, one of two classes, or a number. */
export type TableTask = 'classification' | 'binary' | 'regression';

/** The metadata `blasnet train --csv` writes into a model file. */
export interface CliTableMetadata {
  kind: 'blasnet-table';
  task: TableTask;
  /** The feature columns and the target, as trained. */
  schema: TableSchema;
  /** Class names in output order (classification and binary; binary's second is the positive class). */
  classes?: string[];
  /** The feature scaler fitted on the training rows, or null for `--scale none`. */
  scaler: ScalerJson | null;
  loss: LossName;
  settings?: Record<string, unknown>;
  result?: Record<string, unknown>;
  createdAt?: string;
}

/** A loaded table model. */
export interface TableModel {
  net: Network;
  meta: CliTableMetadata;
  scaler: Scaler | undefined;
}

/** Whether a model file's metadata was written by `train --csv`. */
export function isTableMetadata(m: unknown): m is CliTableMetadata {
  const t = m as CliTableMetadata | undefined;
  return (
    t !== undefined &&
    t !== null &&
    t.kind === 'blasnet-table' &&
    ['classification', 'binary', 'regression'].includes(t.task) &&
    isTableSchema(t.schema)
  );
}

/** Check a table model's metadata against its network and build its scaler. */
export function tableModelOf(file: string, net: Network, meta: CliTableMetadata): TableModel {
  let scaler: Scaler | undefined;
  try {
    scaler = meta.scaler === null ? undefined : Scaler.fromJSON(meta.scaler);
  } catch (error) {
    throw new CliError('ERR_BLASNET_FORMAT', `${file}: its scaler: ${(error as Error).message}`);
  }
  const width = meta.schema.columns.reduce((w, c) => w + (c.categories?.length ?? 1), 0);
  const outputs =
    meta.task === 'classification' ? (meta.classes?.length ?? 0) : meta.task === 'binary' ? 1 : 1;
  if (
    width !== net.inputSize ||
    outputs !== net.outputSize ||
    (scaler !== undefined && scaler.features !== width) ||
    (meta.task === 'binary' && meta.classes?.length !== 2)
  )
    throw new CliError(
      'ERR_BLASNET_FORMAT',
      `${file}: its table metadata (${width} features, task ${meta.task}${meta.classes ? ` of ${meta.classes.length} classes` : ''}) does not match its network [${net.sizes.join(', ')}]`,
    );
  return { net, meta, scaler };
}

/** The network's outputs `[n, nL]` for raw features `x` `[n, features]` (scaled as in training). */
export function tableOutputs(model: TableModel, x: Float32Array): Float32Array {
  return model.net.predict(model.scaler ? model.scaler.transform(x) : x);
}

/** Class indices from outputs: argmax for classification, output > 0.5 for binary. */
export function tableDecode(task: TableTask, outputs: Float32Array, n: number): Uint8Array {
  const labels = new Uint8Array(n);
  const width = outputs.length / n;
  for (let i = 0; i < n; i++) {
    if (task === 'binary') {
      labels[i] = outputs[i] > 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let k = 1; k < width; k++)
      if (outputs[i * width + k] > outputs[i * width + best]) best = k;
    labels[i] = best;
  }
  return labels;
}

/** Per-class probabilities `[n, classes]`: the softmax outputs, or (1 − p, p) for binary. */
export function tableProbabilities(
  task: TableTask,
  outputs: Float32Array,
  n: number,
): Float32Array {
  if (task !== 'binary') return outputs;
  const p = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    p[2 * i] = 1 - outputs[i];
    p[2 * i + 1] = outputs[i];
  }
  return p;
}

/** Load a model saved by `train --csv`; a model of digits is a usage error naming the fix. */
export function loadTableModel(file: string, backend: BackendName): TableModel {
  const { net, raw } = readCliModelFile(file, backend);
  if (!isTableMetadata(raw))
    throw new UsageError(
      `The model ${file} was not trained on a CSV table (by 'blasnet train --csv'), so --csv cannot be read for it; leave out --csv for a model of digits`,
    );
  return tableModelOf(file, net, raw);
}

/**
 * The rows of `file` as the network takes them: features scaled as in training, targets as its
 * outputs (one-hot classes, 0/1 for binary, the values for regression) and class indices.
 */
export function tableData(file: string, model: TableModel, rows: SchemaRows): TrainingData {
  const { meta } = model;
  const x = model.scaler ? model.scaler.transform(rows.x) : rows.x;
  if (meta.task === 'regression') return { x, y: targetValues(file, rows, meta.schema.target) };
  const classes = meta.classes as string[];
  const labels = targetLabels(file, rows, meta.schema.target, classes);
  const y =
    meta.task === 'binary'
      ? Float32Array.from(labels)
      : getEncoding('onehot').encode(labels, classes.length);
  return { x, y, labels };
}

/**
 * The task's metrics of `outputs` on `data` (`x` as the network takes it, scaled; `y` the
 * network's targets; `labels` the classes): accuracy,
 * per-class figures and the confusion matrix for classes; R², RMSE and MAE for numbers.
 */
export function tableMetrics(
  model: TableModel,
  data: TrainingData,
  outputs: Float32Array,
): TableMetrics {
  const { net, meta } = model;
  const n = outputs.length / net.outputSize;
  const loss = evaluate(net, data, { loss: meta.loss }).loss;
  if (meta.task === 'regression') {
    const r = regressionMetrics(data.y, outputs);
    return {
      task: meta.task,
      loss,
      outputs,
      regression: r,
      summary: { n, loss, r2: r.r2, rmse: r.rmse, mae: r.mae },
    };
  }
  const classes = meta.classes as string[];
  const predicted = tableDecode(meta.task, outputs, n);
  const c = classificationMetrics(data.labels as Uint8Array, predicted, classes.length);
  return {
    task: meta.task,
    loss,
    outputs,
    classes,
    classification: c,
    summary: {
      n,
      loss,
      accuracy: c.accuracy,
      correct: c.correct,
      perClass: c.perClass.map((k) => ({ ...k, class: classes[k.label] })),
      confusion: c.matrix,
    },
  };
}

/**
 * A model trained on a CSV table, as the CLI saves and loads it. The network carries its task,
 * class names and feature scaler (the model file keeps them: lib/model-file.ts); the CLI adds the
 * table's schema (feature columns, their kinds and categories, the target) in the file's
 * metadata, so `evaluate` and `predict` need only the model file and a CSV.
 */
import type { BackendName } from '../backend/select';
import { getEncoding } from '../data/encodings';
import { evaluate, type TrainingData } from '../evaluate';
import type { LossName } from '../losses';
import type { Network } from '../network';
import type { ClassMetrics } from '../report/metrics';
import type { Task } from '../task';
import { CliError, UsageError } from './errors';
import { readCliModelFile } from './model';
import type { TableMetrics } from './print-metrics';
import {
  isTableSchema,
  type SchemaRows,
  schemaWidth,
  type TableSchema,
  targetLabels,
  targetValues,
} from './table';

/** The metadata `blasnet train --csv` writes into a model file, besides the network's own fields. */
export interface CliTableMetadata {
  kind: 'blasnet-table';
  /** The feature columns and the target, as trained. */
  schema: TableSchema;
  loss: LossName;
  settings?: Record<string, unknown>;
  result?: Record<string, unknown>;
  createdAt?: string;
}

/** A loaded table model: a network with a task (and class names for classes). */
export interface TableModel {
  net: Network & { readonly task: Task };
  meta: CliTableMetadata;
}

/** Whether a model file's metadata was written by `train --csv`. */
export function isTableMetadata(m: unknown): m is CliTableMetadata {
  const t = m as CliTableMetadata | undefined;
  return t !== undefined && t !== null && t.kind === 'blasnet-table' && isTableSchema(t.schema);
}

/** Load a model saved by `train --csv`; a model of digits is a usage error naming the fix. */
export function loadTableModel(file: string, backend: BackendName): TableModel {
  const { net, raw } = readCliModelFile(file, backend);
  if (!isTableMetadata(raw))
    throw new UsageError(
      `The model ${file} was not trained on a CSV table (by 'blasnet train --csv'), so --csv cannot be read for it; leave out --csv for a model of digits`,
    );
  const width = schemaWidth(raw.schema);
  const task = net.task;
  if (
    task === undefined ||
    width !== net.inputSize ||
    (task !== 'regression' && net.classes === undefined)
  )
    throw new CliError(
      'ERR_BLASNET_FORMAT',
      `${file}: its table metadata (${width} features) does not match its network [${net.sizes.join(', ')}], task ${task ?? 'none'}${net.classes ? '' : ', no class names'}`,
    );
  return { net: net as TableModel['net'], meta: raw };
}

/** Per-class probabilities `[n, classes]`: the softmax outputs, or (1 − p, p) for binary. */
export function tableProbabilities(task: Task, outputs: Float32Array, n: number): Float32Array {
  if (task !== 'binary') return outputs;
  const p = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    p[2 * i] = 1 - outputs[i];
    p[2 * i + 1] = outputs[i];
  }
  return p;
}

/**
 * The rows of `file` as training data: raw features, targets as the network's outputs (one-hot
 * classes, 0/1 for binary, the values for regression) and class indices.
 */
export function tableData(file: string, model: TableModel, rows: SchemaRows): TrainingData {
  const { net, meta } = model;
  if (net.task === 'regression')
    return { x: rows.x, y: targetValues(file, rows, meta.schema.target) };
  const classes = net.classes as readonly string[];
  const labels = targetLabels(file, rows, meta.schema.target, classes);
  const y =
    net.task === 'binary'
      ? Float32Array.from(labels)
      : getEncoding('onehot').encode(labels, classes.length);
  return { x: rows.x, y, labels };
}

/**
 * The task's figures on `data` (raw features; `y` the network's targets; `labels` the classes),
 * as evaluate() measures them: accuracy, per-class figures and the confusion matrix for classes;
 * R², RMSE and MAE for numbers. The network scales the features with its own scaler.
 */
export function tableMetrics(model: TableModel, data: TrainingData): TableMetrics {
  const { net, meta } = model;
  const outputs = net.predict(data.x);
  const e = evaluate(net, data, { loss: meta.loss });
  const { loss, n } = e;
  if (net.task === 'regression') {
    const r = { mae: e.mae as number, rmse: e.rmse as number, r2: e.r2 as number };
    return { task: net.task, loss, outputs, regression: r, summary: { n, loss, ...r } };
  }
  const classes = e.classes ?? [...(net.classes as readonly string[])];
  const accuracy = e.accuracy as number;
  const matrix = e.confusion as number[][];
  const perClass = e.perClass as ClassMetrics[];
  const correct = matrix.reduce((sum, row, i) => sum + row[i], 0);
  return {
    task: net.task,
    loss,
    outputs,
    classes,
    classification: { n, correct, accuracy, matrix, perClass },
    summary: {
      n,
      loss,
      accuracy,
      correct,
      perClass: perClass.map((k) => ({ ...k, class: classes[k.label] })),
      confusion: matrix,
    },
  };
}

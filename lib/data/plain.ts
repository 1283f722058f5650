/**
 * Plain JavaScript data in, float32 out: inputs as arrays of rows or flat arrays, targets as rows,
 * numbers or class names. Everything is converted once, where the data enters the library, and
 * every error names the element (`data.x[12][3]`) so a bad row in a table is found at once.
 *
 * The rules, one per shape:
 * - `x` as `number[][]`: one array of n0 numbers per example.
 * - `x` as `number[]`: row-major `[n, n0]`, its length a multiple of n0 (for n0 = 1, one number
 *   per example). A flat array is never read as anything else.
 * - `x` as `Float32Array`: row-major `[n, n0]`, used as it is (no copy unless a scaler applies).
 * - `y` as `string[]`: one class name per example (tasks `'classification'` and `'binary'`).
 * - `y` as `number[]` of length n for a class task: one class index per example. Otherwise a
 *   `number[]` is row-major targets `[n, nL]`, like a `Float32Array`.
 * - `y` as `number[][]`: one array of nL targets per example.
 * Class labels are one-hot encoded (classification) or 0/1 (binary), and fill `labels`.
 */
import { rangeError, shapeError, typeError } from '../errors';
import { classCount, isClassTask, type Task } from '../task';
import { isArray, isFloat32Array, isObject, isUint8Array } from '../validate';
import { sortCategories } from './categories';
import type { Scaler } from './scaler';

/**
 * Inputs `[n, n0]`: a `Float32Array` or flat `number[]` (row-major), or one `number[]` per row.
 *
 * @example
 * ```ts
 * const rows: Inputs = [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3]]; // two examples of four features
 * const flat: Inputs = [5.1, 3.5, 1.4, 0.2, 6.2, 2.9, 4.3, 1.3]; // the same, row-major
 * ```
 */
export type Inputs = Float32Array | readonly number[] | readonly (readonly number[])[];

/**
 * Targets: a `Float32Array` or flat `number[]` `[n, nL]`, one `number[]` per row, or (for the
 * class tasks) one class name or class index per example.
 *
 * @example
 * ```ts
 * const names: Targets = ['setosa', 'virginica']; // task 'classification': one-hot encoded
 * const values: Targets = [18.0, 15.0]; // task 'regression' with one output
 * ```
 */
export type Targets =
  | Float32Array
  | readonly number[]
  | readonly (readonly number[])[]
  | readonly string[];

/**
 * A dataset in plain JavaScript form, accepted wherever a {@link TrainingData} is.
 *
 * @example
 * ```ts
 * const data: PlainData = { x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: ['no', 'yes', 'yes', 'no'] };
 * ```
 */
export interface PlainData {
  x: Inputs;
  y: Targets;
  /** Class of each example, for accuracy; filled from class-label targets when left out. */
  labels?: Uint8Array | readonly number[];
}

/** What the conversion needs to know of a network. */
export interface DataFrame {
  n0: number;
  nOut: number;
  task?: Task;
  /** Class names the network already has; string labels must be among them. */
  classes?: readonly string[];
  /** Applied to the inputs (a scaled copy; the caller's array is never changed). */
  scaler?: Scaler;
  /** Whether string labels may define the class names when `classes` is unset (training). */
  learnClasses?: boolean;
}

/**
 * What the conversion needs to know of a network: its sizes, task, class names and scaler.
 *
 * @example
 * ```ts
 * const d = toTrainingData('data', frameOf(net), { x: [[1, 2]], y: ['yes'] });
 * ```
 */
export function frameOf(
  net: {
    inputSize: number;
    outputSize: number;
    task?: Task;
    classes?: readonly string[];
    scaler?: Scaler;
  },
  learnClasses = false,
): DataFrame {
  return {
    n0: net.inputSize,
    nOut: net.outputSize,
    task: net.task,
    classes: net.classes,
    scaler: net.scaler,
    learnClasses,
  };
}

/** A dataset converted for the kernels, and the class names found in string labels, if new. */
export interface Converted {
  x: Float32Array;
  y: Float32Array;
  labels?: Uint8Array;
  /** Class names taken from string labels when the frame had none (sorted, as loadCsv sorts). */
  classes?: string[];
}

/**
 * The inputs as a row-major `Float32Array` `[n, n0]` (the same array when it already is one),
 * before any scaling. A ragged row, a non-number or a non-finite value is an error naming it.
 */
export function toInputs(name: string, x: unknown, n0: number): Float32Array {
  if (isFloat32Array(x)) {
    if (x.length === 0 || x.length % n0 !== 0)
      throw shapeError(name, `a whole number (>= 1) of rows of ${n0} inputs`, `length ${x.length}`);
    return x;
  }
  if (!isArray(x))
    throw typeError(
      name,
      `a Float32Array, a number[] of rows of ${n0} inputs, or one number[${n0}] per row`,
      x,
    );
  if (x.length === 0) throw shapeError(name, 'at least one example', 'an empty array');
  if (isArray(x[0])) return fromRows(name, x, n0, 'inputs');
  if (x.length % n0 !== 0)
    throw shapeError(
      name,
      `a whole number of rows of ${n0} inputs (a flat number[] is row-major)`,
      `length ${x.length}`,
    );
  return fromFlat(name, x, n0);
}

/** Rows of `width` numbers each, checked one by one. */
function fromRows(name: string, rows: unknown[], width: number, what: string): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!isArray(row)) throw typeError(`${name}[${i}]`, `an array of ${width} ${what}`, row);
    if (row.length !== width)
      throw shapeError(
        `${name}[${i}]`,
        `a row of ${width} ${what} like the others`,
        `${row.length} values`,
      );
    for (let j = 0; j < width; j++) out[i * width + j] = finite(`${name}[${i}][${j}]`, row[j]);
  }
  return out;
}

/** A flat row-major array; errors name the element, and its row and column when rows are wide. */
function fromFlat(name: string, values: unknown[], width: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const where =
      width === 1
        ? `${name}[${k}]`
        : `${name}[${k}] (row ${Math.floor(k / width)}, column ${k % width})`;
    out[k] = finite(where, values[k]);
  }
  return out;
}

function finite(name: string, value: unknown): number {
  if (typeof value !== 'number') throw typeError(name, 'a finite number', value);
  if (!Number.isFinite(value)) throw rangeError(name, 'a finite number', value);
  return value;
}

/**
 * Convert a dataset (typed or plain) for a network described by `frame`: inputs scaled by the
 * frame's scaler, targets one-hot or 0/1 for class labels, labels filled for the class tasks.
 */
export function toTrainingData(name: string, frame: DataFrame, data: unknown): Converted {
  if (!isObject(data)) throw typeError(name, 'an object { x, y, labels? }', data);
  const raw = toInputs(`${name}.x`, (data as PlainData).x, frame.n0);
  const n = raw.length / frame.n0;
  const x = frame.scaler ? frame.scaler.transform(raw) : raw;
  const targets = toTargets(`${name}.y`, frame, (data as PlainData).y, n);
  const given = (data as PlainData).labels;
  const labels = given === undefined ? targets.labels : toLabels(`${name}.labels`, given, n);
  const out: Converted = { x, y: targets.y, classes: targets.classes };
  if (labels !== undefined) out.labels = labels;
  return out;
}

/** Targets `[n, nOut]` and, for class labels, the labels and any class names found. */
function toTargets(
  name: string,
  frame: DataFrame,
  y: unknown,
  n: number,
): { y: Float32Array; labels?: Uint8Array; classes?: string[] } {
  const { nOut, task } = frame;
  if (isFloat32Array(y)) {
    if (y.length !== n * nOut)
      throw shapeError(
        name,
        `${n} rows of ${nOut} targets (length ${n * nOut})`,
        `length ${y.length}`,
      );
    // A class task's accuracy needs labels: the class each target row stands for.
    return isClassTask(task) ? { y, labels: decodeTargets(y, n, nOut) } : { y };
  }
  if (!isArray(y))
    throw typeError(
      name,
      `a Float32Array, a number[], one number[${nOut}] per row${isClassTask(task) ? ', or class names' : ''}`,
      y,
    );
  if (y.length === 0) throw shapeError(name, `${n} targets (one per example)`, 'an empty array');
  if (typeof y[0] === 'string') {
    if (!isClassTask(task))
      throw typeError(
        name,
        'numbers (class names are targets of a network with task "classification" or "binary")',
        y[0],
      );
    return fromNames(name, frame, y, n, task);
  }
  if (isArray(y[0])) {
    if (y.length !== n)
      throw shapeError(name, `${n} rows of targets (one per example)`, `${y.length} rows`);
    const out = fromRows(name, y, nOut, 'targets');
    return isClassTask(task) ? { y: out, labels: decodeTargets(out, n, nOut) } : { y: out };
  }
  if (isClassTask(task) && y.length === n) return fromIndices(name, y, n, nOut, task);
  if (y.length !== n * nOut)
    throw shapeError(
      name,
      `${n} rows of ${nOut} targets (length ${n * nOut})`,
      `length ${y.length}`,
    );
  const flat = fromFlat(name, y, nOut);
  return isClassTask(task) ? { y: flat, labels: decodeTargets(flat, n, nOut) } : { y: flat };
}

/** Class names → indices: into the frame's classes, or into the sorted names found in `y`. */
function fromNames(
  name: string,
  frame: DataFrame,
  y: unknown[],
  n: number,
  task: 'classification' | 'binary',
): { y: Float32Array; labels: Uint8Array; classes?: string[] } {
  if (y.length !== n) throw shapeError(name, `${n} class names (one per example)`, `${y.length}`);
  const count = classCount(task, frame.nOut);
  for (let i = 0; i < n; i++)
    if (typeof y[i] !== 'string') throw typeError(`${name}[${i}]`, 'a class name (a string)', y[i]);
  const names = y as string[];
  let found: string[] | undefined;
  let classes = frame.classes;
  if (classes === undefined && !frame.learnClasses)
    throw typeError(
      name,
      'class indices (class names need a network with class names: set net.classes, or train it on the names first)',
      y[0],
    );
  if (classes === undefined) {
    found = sortCategories([...new Set(names)]);
    if (found.length !== count)
      throw rangeError(
        name,
        `${count} distinct class names for ${task === 'binary' ? 'task "binary"' : `${frame.nOut} outputs`} (or set the network's classes to name the missing ones)`,
        `${found.length}: ${found.slice(0, 8).join(', ')}${found.length > 8 ? ', …' : ''}`,
      );
    classes = found;
  }
  const index = new Map(classes.map((c, k) => [c, k]));
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = index.get(names[i]);
    if (k === undefined)
      throw rangeError(
        `${name}[${i}]`,
        `one of the classes ${classes.map((c) => `"${c}"`).join(', ')}`,
        names[i],
      );
    labels[i] = k;
  }
  return { y: encodeLabels(labels, frame.nOut), labels, classes: found };
}

/** Class indices → one-hot (classification) or 0/1 targets (binary). */
function fromIndices(
  name: string,
  y: unknown[],
  n: number,
  nOut: number,
  task: 'classification' | 'binary',
): { y: Float32Array; labels: Uint8Array } {
  const count = classCount(task, nOut);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (typeof v !== 'number') throw typeError(`${name}[${i}]`, 'a class index (a number)', v);
    if (!Number.isInteger(v) || v < 0 || v >= count)
      throw rangeError(`${name}[${i}]`, `a class index in [0, ${count - 1}]`, v);
    labels[i] = v;
  }
  return { y: encodeLabels(labels, nOut), labels };
}

function encodeLabels(labels: Uint8Array, nOut: number): Float32Array {
  const y = new Float32Array(labels.length * nOut);
  if (nOut === 1) y.set(labels);
  else for (let i = 0; i < labels.length; i++) y[i * nOut + labels[i]] = 1;
  return y;
}

/** The class each target row stands for: its argmax, or for one output whether it exceeds 0.5. */
function decodeTargets(y: Float32Array, n: number, nOut: number): Uint8Array {
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (nOut === 1) {
      labels[i] = y[i] > 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let j = 1; j < nOut; j++) if (y[i * nOut + j] > y[i * nOut + best]) best = j;
    labels[i] = best;
  }
  return labels;
}

function toLabels(name: string, labels: unknown, n: number): Uint8Array {
  if (isUint8Array(labels)) {
    if (labels.length !== n) throw shapeError(name, `${n} labels`, `length ${labels.length}`);
    return labels;
  }
  if (!isArray(labels)) throw typeError(name, 'a Uint8Array or an array of class indices', labels);
  if (labels.length !== n) throw shapeError(name, `${n} labels`, `length ${labels.length}`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (typeof v !== 'number') throw typeError(`${name}[${i}]`, 'a class index (a number)', v);
    if (!Number.isInteger(v) || v < 0 || v > 255)
      throw rangeError(`${name}[${i}]`, 'a class index in [0, 255]', v);
    out[i] = v;
  }
  return out;
}

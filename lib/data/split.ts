/**
 * Seeded train / validation / test splits of a labelled dataset, stratified by class where labels
 * are given, so each part keeps the classes' proportions.
 */
import type { TrainingData } from '../evaluate';
import { Random, shuffle } from '../random';
import { rangeError, shapeError, typeError } from '../errors';
import {
  checkBoolean,
  checkInt,
  checkNumber,
  checkOptions,
  isFloat32Array,
  isUint8Array,
} from '../validate';

/**
 * Options of {@link splitData}.
 *
 * @example
 * ```ts
 * const opts: SplitOptions = { test: 0.2, validation: 0.1, seed: 7 };
 * ```
 */
export interface SplitOptions {
  /** Fraction of rows for the test part (default 0.2). */
  test?: number;
  /** Fraction of rows for the validation part (default 0: none). */
  validation?: number;
  /** Seed of the shuffle (default 1). */
  seed?: number;
  /** Keep each class's proportion in every part (default: true when `labels` are given). */
  stratify?: boolean;
}

/**
 * The parts of a split, each a {@link TrainingData} of whole rows.
 *
 * @example
 * ```ts
 * const { train, test } = splitData(data, 150, { test: 0.2 });
 * ```
 */
export interface SplitResult {
  train: TrainingData;
  validation?: TrainingData;
  test: TrainingData;
}

/**
 * Split `data` (`n` rows) into train, validation and test parts, shuffled with a seed. With labels,
 * each class is split on its own (stratified), so a rare class appears in every part in proportion.
 * Each part's row count is rounded per class; every part keeps at least one row.
 *
 * @example
 * ```ts
 * const table = await loadCsv('iris.csv', { target: 'species' });
 * const data = { x: table.x, y: getEncoding('onehot').encode(table.target.labels!, 3), labels: table.target.labels };
 * const { train, test } = splitData(data, table.n, { test: 0.2, seed: 1 }); // 120 and 30 rows, 10 of each class in test
 * ```
 */
export function splitData(data: TrainingData, n: number, options?: SplitOptions): SplitResult {
  if (data === null || typeof data !== 'object')
    throw typeError('data', 'an object { x, y, labels? }', data);
  const rows = checkInt('n', n, 2, 2 ** 32 - 1);
  const o = checkOptions('options', options, [
    'test',
    'validation',
    'seed',
    'stratify',
  ]) as SplitOptions;
  const testFraction = o.test === undefined ? 0.2 : checkNumber('options.test', o.test, 0, 1);
  const validFraction =
    o.validation === undefined ? 0 : checkNumber('options.validation', o.validation, 0, 1);
  if (testFraction <= 0 || testFraction + validFraction >= 1)
    throw rangeError('options.test', 'a fraction > 0 with test + validation < 1', testFraction);
  const seed = o.seed === undefined ? 1 : checkInt('options.seed', o.seed, 0, 0xffffffff);
  const { x, y, labels } = data;
  if (!isFloat32Array(x)) throw typeError('data.x', 'a Float32Array', x);
  if (!isFloat32Array(y)) throw typeError('data.y', 'a Float32Array', y);
  if (x.length % rows !== 0) throw shapeError('data.x', `${rows} whole rows`, `length ${x.length}`);
  if (y.length % rows !== 0) throw shapeError('data.y', `${rows} whole rows`, `length ${y.length}`);
  if (labels !== undefined && (!isUint8Array(labels) || labels.length !== rows))
    throw typeError('data.labels', `a Uint8Array of ${rows} labels`, labels);
  const stratify =
    o.stratify === undefined ? labels !== undefined : checkBoolean('options.stratify', o.stratify);
  if (stratify && labels === undefined)
    throw rangeError('options.stratify', 'labels in data to stratify by', true);

  // Groups: one per class when stratified, else one of every row, each shuffled on its own.
  const groups = new Map<number, number[]>();
  for (let i = 0; i < rows; i++) {
    const key = stratify && labels ? labels[i] : 0;
    const group = groups.get(key) ?? [];
    group.push(i);
    groups.set(key, group);
  }
  const rng = new Random(seed);
  const parts: number[][] = [[], [], []]; // train, validation, test
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const group = shuffle(Uint32Array.from(groups.get(key) as number[]), rng);
    const nTest = Math.round(group.length * testFraction);
    const nValid = Math.round(group.length * validFraction);
    // A loop, not push(...rows): spreading a large class overflows the call stack.
    group.forEach((row, i) => {
      parts[i < nTest ? 2 : i < nTest + nValid ? 1 : 0].push(row);
    });
  }
  // Rows in a shuffled order across classes, not class by class.
  const [train, valid, test] = parts.map((p) => shuffle(Uint32Array.from(p), rng));
  for (const [name, part] of [
    ['train', train],
    ['test', test],
  ] as const) {
    if (part.length === 0)
      throw rangeError(
        'options.test',
        `fractions that leave rows in the ${name} part`,
        testFraction,
      );
  }
  if (validFraction > 0 && valid.length === 0)
    throw rangeError(
      'options.validation',
      'a fraction that leaves rows for validation',
      validFraction,
    );
  const take = (indices: Uint32Array): TrainingData => gather(data, rows, indices);
  return {
    train: take(train),
    ...(validFraction > 0 ? { validation: take(valid) } : {}),
    test: take(test),
  };
}

function gather(data: TrainingData, n: number, indices: Uint32Array): TrainingData {
  const dx = data.x.length / n;
  const dy = data.y.length / n;
  const x = new Float32Array(indices.length * dx);
  const y = new Float32Array(indices.length * dy);
  const labels = data.labels ? new Uint8Array(indices.length) : undefined;
  indices.forEach((r, i) => {
    x.set(data.x.subarray(r * dx, (r + 1) * dx), i * dx);
    y.set(data.y.subarray(r * dy, (r + 1) * dy), i * dy);
    if (labels && data.labels) labels[i] = data.labels[r];
  });
  return labels ? { x, y, labels } : { x, y };
}

/**
 * A CSV file as a {@link TrainingStream}: read again from disk for every epoch, a batch of rows
 * at a time, so a table larger than memory trains with memory for one batch (plus `fit`'s
 * shuffle buffer). Parsing, column resolution, encoding and their errors are loadCsv's (csv.ts).
 *
 * Reading a row into numbers needs to know each column's kind and categories and the target's
 * classes, which a single pass cannot know before the end. They come from a schema given up front
 * (a {@link CsvTable} from {@link loadCsv} on a sample, say), or else from the file's first
 * `sampleRows` rows, inferred as loadCsv infers them; a later row with a category or class the
 * schema lacks is an error naming its row and column, never a silently wrong encoding.
 */
import type { Readable } from 'node:stream';
import { blasnetError, rangeError, typeError } from '../errors';
import type { StreamBatch } from '../stream-fit';
import { checkInt, checkOneOf, checkOptions, isArray, isObject } from '../validate';
import {
  buildTable,
  type CsvColumn,
  type CsvOptions,
  type CsvTarget,
  checkSettings,
  CSV_OPTION_NAMES,
  columnIndex,
  csvRecords,
  missingTarget,
  openSource,
  type RawRow,
  rowEncoder,
  type Settings,
  targetValue,
} from './csv';
import { type EncodingName, getEncoding } from './encodings';
import { Scaler, type ScalerKind } from './scaler';

/**
 * What {@link csvBatches} reads a CSV's rows by: its feature columns in order (a numeric or
 * one-hot column each) and its target. A {@link CsvTable} is one, so `loadCsv` on a sample gives
 * it.
 *
 * @example
 * ```ts
 * const schema: CsvSchema = {
 *   columns: [{ name: 'area', kind: 'numeric' }, { name: 'city', kind: 'categorical', categories: ['Lyon', 'Paris'] }],
 *   target: { name: 'price', kind: 'numbers' },
 * };
 * ```
 */
export interface CsvSchema {
  columns: readonly Pick<CsvColumn, 'name' | 'kind' | 'categories' | 'imputed'>[];
  target: Pick<CsvTarget, 'name' | 'kind' | 'classes'>;
}

/**
 * Options of {@link csvBatches}: those of {@link loadCsv}, and how to batch, encode and scale.
 *
 * @example
 * ```ts
 * const options: CsvBatchOptions = { target: 'species', batchSize: 512, sampleRows: 5000, scale: 'standard' };
 * ```
 */
export interface CsvBatchOptions extends Omit<CsvOptions, 'target'> {
  /** The target column (default: the schema's). */
  target?: string | number;
  /** The columns to read by; `columns`, `categorical` and `targetKind` are then not given. Default: inferred from a sample. */
  schema?: CsvSchema;
  /** Rows read first to infer the schema, or to fit `scale` (default 10,000). */
  sampleRows?: number;
  /** Rows per batch the stream yields (default 1,000); `fit` re-batches them to its own size. */
  batchSize?: number;
  /** How classes become targets `y` (default `'onehot'`); a numeric target is `y` as it is. */
  encoding?: EncodingName;
  /** Scale the features: a {@link Scaler}, or a kind fitted on the first `sampleRows` rows. Default none. */
  scale?: ScalerKind | Scaler;
}

/**
 * A CSV file read as a stream of training batches, again on every iteration (every epoch of
 * {@link fit}); made by {@link csvBatches}.
 *
 * @example
 * ```ts
 * const rows = await csvBatches('big.csv', { target: 'label', scale: 'standard' });
 * const net = new Network({ sizes: [rows.features, 32, rows.outputs], activations: ['relu', 'softmax'] });
 * await fit(net, rows, { epochs: 5, shuffleBuffer: 100_000 });
 * ```
 */
export class CsvBatches implements AsyncIterable<StreamBatch> {
  /** Inputs per row (a one-hot column counts one per category). */
  readonly features: number;
  /** Targets per row: the classes (one-hot), or 1. */
  readonly outputs: number;
  /** One name per feature, as {@link CsvTable}'s. */
  readonly featureNames: string[];
  /** The feature columns, where each sits in a row of `x`. */
  readonly columns: CsvColumn[];
  /**
   * The scaler applied to `x`, when one was given or fitted. `fit` does not scale the rows again
   * for a network whose `scaler` is this one, so `net.scaler = rows.scaler` lets `predict` take
   * raw inputs; a network with another scaler is refused.
   */
  scaler: Scaler | undefined;
  /** The target column: its name, kind and classes. */
  readonly target: Pick<CsvTarget, 'name' | 'kind' | 'classes'>;
  private readonly classes: number;
  private readonly classIndex: Map<string, number> | undefined;

  /**
   * Made by {@link csvBatches}, which checks the options and reads the sample first.
   *
   * @internal
   * @example
   * ```ts
   * const rows: CsvBatches = await csvBatches('big.csv', { target: 'label' });
   * ```
   */
  constructor(
    private readonly source: string | (() => Readable),
    private readonly settings: Settings,
    target: Pick<CsvTarget, 'name' | 'kind' | 'classes'>,
    columns: readonly Pick<CsvColumn, 'name' | 'kind' | 'categories' | 'imputed'>[],
    private readonly batchSize: number,
    private readonly encoding: EncodingName,
  ) {
    this.target = { name: target.name, kind: target.kind, classes: target.classes?.slice() };
    let offset = 0;
    this.columns = columns.map((c) => {
      const width = c.kind === 'numeric' ? 1 : (c.categories as string[]).length;
      const column: CsvColumn = { ...c, offset, width, missing: 0 };
      offset += width;
      return column;
    });
    this.features = offset;
    this.featureNames = this.columns.flatMap((c) =>
      c.kind === 'numeric' ? [c.name] : (c.categories as string[]).map((v) => `${c.name}=${v}`),
    );
    const classes = target.classes;
    this.classes = classes?.length ?? 0;
    this.outputs = classes ? getEncoding(encoding).width(classes.length) : 1;
    this.classIndex = classes && new Map(classes.map((v, i) => [v, i]));
  }

  /**
   * The rows from the start of the file, `batchSize` at a time (the last batch shorter).
   *
   * @example
   * ```ts
   * for await (const batch of rows) console.log(batch.x.length / rows.features, 'rows');
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<StreamBatch> {
    return this.read();
  }

  private async *read(): AsyncGenerator<StreamBatch> {
    const { settings, features, target, batchSize } = this;
    const label = labelOf(this.source);
    const stream = open(this.source);
    const isMissing = (cell: string) => settings.missingValues.has(cell);
    let encode: ((row: RawRow, x: Float32Array, at: number) => boolean) | undefined;
    let targetAt = -1;
    let x = new Float32Array(batchSize * features);
    let values = new Float32Array(batchSize);
    let rows = 0;
    try {
      for await (const record of csvRecords(stream, label, settings)) {
        if (encode === undefined) {
          const names = record.isHeader
            ? record.cells
            : record.cells.map((_, i) => `column ${i + 1}`);
          const at = (name: string, what: string) => columnIndex(label, what, names, name);
          targetAt = at(target.name, 'the target');
          const indices = this.columns.map((c, k) => at(c.name, `schema column ${k}`));
          encode = rowEncoder(label, this.columns, indices, isMissing, settings.missing);
          if (record.isHeader) continue;
        }
        if (isMissing(record.cells[targetAt])) throw missingTarget(label, record, target.name);
        if (!encode(record, x, rows * features)) continue;
        values[rows] = targetValue(label, target.name, record, targetAt, this.classIndex);
        if (++rows < batchSize) continue;
        yield this.batch(x, values);
        x = new Float32Array(batchSize * features);
        values = new Float32Array(batchSize);
        rows = 0;
      }
      if (rows > 0) yield this.batch(x.slice(0, rows * features), values.slice(0, rows));
    } finally {
      stream.destroy();
    }
  }

  /** A batch: `x` scaled, the target encoded. */
  private batch(x: Float32Array, values: Float32Array): StreamBatch {
    const scaled = this.scaler ? this.scaler.transform(x) : x;
    if (this.target.kind === 'numbers') return { x: scaled, y: values };
    const labels = Uint8Array.from(values);
    return { x: scaled, y: getEncoding(this.encoding).encode(labels, this.classes), labels };
  }
}

const OPTION_NAMES = [
  ...CSV_OPTION_NAMES,
  'schema',
  'sampleRows',
  'batchSize',
  'encoding',
  'scale',
] as const;

/**
 * A CSV file as a restartable stream of training batches for {@link fit}: each epoch reads the
 * file again, `batchSize` rows at a time, so memory holds a batch and `fit`'s shuffle buffer,
 * never the table. Cells are read as {@link loadCsv} reads them, with the same errors (naming
 * the file, row and column), by the columns of `options.schema` or, without one, of the file's
 * first `sampleRows` rows (read once, here).
 *
 * @param source a path, or a function that opens a new readable stream of CSV text each time.
 * @example
 * ```ts
 * const rows = await csvBatches('iris.csv', { target: 'species', scale: 'standard' });
 * const net = new Network({ sizes: [rows.features, 8, rows.outputs], activations: ['tanh', 'softmax'] });
 * await fit(net, rows, { epochs: 100, batchSize: 16, shuffleBuffer: 10_000 });
 * ```
 */
export async function csvBatches(
  source: string | (() => Readable),
  options: CsvBatchOptions,
): Promise<CsvBatches> {
  const opts = checkOptions('options', options, OPTION_NAMES) as CsvBatchOptions;
  if (typeof source !== 'string' && typeof source !== 'function')
    throw typeError('source', 'a file path or a function returning a readable stream', source);
  const sampleRows = checkInt('options.sampleRows', opts.sampleRows ?? 10_000, 1);
  const batchSize = checkInt('options.batchSize', opts.batchSize ?? 1000, 1, 2 ** 24);
  const encoding = checkOneOf('options.encoding', opts.encoding ?? 'onehot', [
    'onehot',
    'binary',
    'regression',
  ] as const);
  const settings = checkSettings({ ...opts, target: opts.target ?? 0 });
  let schema = opts.schema;
  if (schema === undefined) {
    if (opts.target === undefined)
      throw typeError('options.target', 'a column name or index (or a schema)', undefined);
    const label = labelOf(source);
    const { header, rows } = await readSample(source, label, settings, sampleRows);
    schema = buildTable(label, header, rows, { ...opts, target: opts.target }, settings);
  } else {
    checkSchema(schema, opts);
  }
  const stream = new CsvBatches(
    source,
    settings,
    schema.target,
    schema.columns,
    batchSize,
    encoding,
  );
  if (opts.scale instanceof Scaler) {
    if (opts.scale.features !== stream.features)
      throw rangeError(
        'options.scale',
        `a Scaler of ${stream.features} features (the stream's)`,
        opts.scale.features,
      );
    stream.scaler = opts.scale;
  } else if (opts.scale !== undefined) {
    const kind = checkOneOf('options.scale', opts.scale, ['standard', 'minmax'] as const);
    stream.scaler = Scaler.fit(await firstRows(stream, sampleRows), stream.features, kind);
  }
  return stream;
}

function labelOf(source: string | (() => Readable)): string {
  return typeof source === 'string' ? source : 'the CSV stream';
}

/** A new stream of the source's text: the file opened, or the function called. */
function open(source: string | (() => Readable)): Readable {
  if (typeof source === 'string') return openSource(source);
  const stream = source();
  if (!isObject(stream) || typeof (stream as Readable).pipe !== 'function')
    throw typeError('source', 'a function returning a readable stream', stream);
  return stream;
}

/** The header and the first `count` rows of the source. */
async function readSample(
  source: string | (() => Readable),
  label: string,
  settings: Settings,
  count: number,
): Promise<{ header: string[] | undefined; rows: RawRow[] }> {
  const stream = open(source);
  let header: string[] | undefined;
  const rows: RawRow[] = [];
  try {
    for await (const record of csvRecords(stream, label, settings)) {
      if (record.isHeader) header = record.cells;
      else rows.push(record);
      if (rows.length >= count) break;
    }
  } finally {
    stream.destroy();
  }
  if (rows.length === 0) throw blasnetError('ERR_BLASNET_FORMAT', `${label}: no data rows`);
  return { header, rows };
}

/** The features of the stream's first `count` rows (unscaled), `[count, features]`. */
async function firstRows(stream: CsvBatches, count: number): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  let rows = 0;
  for await (const batch of stream) {
    parts.push(batch.x);
    rows += batch.x.length / stream.features;
    if (rows >= count) break;
  }
  const x = new Float32Array(Math.min(rows, count) * stream.features);
  let at = 0;
  for (const part of parts) {
    x.set(part.subarray(0, x.length - at), at);
    at += Math.min(part.length, x.length - at);
  }
  return x;
}

function checkSchema(schema: CsvSchema, opts: CsvBatchOptions): void {
  for (const name of ['columns', 'categorical', 'targetKind'] as const)
    if (opts[name] !== undefined)
      throw rangeError(`options.${name}`, 'nothing with a schema (the schema says it)', opts[name]);
  if (!isObject(schema) || !isArray(schema.columns) || !isObject(schema.target))
    throw typeError('options.schema', 'a schema { columns, target } (a CsvTable is one)', schema);
  const { target } = schema;
  if (typeof target.name !== 'string')
    throw typeError('options.schema.target.name', 'a column name', target.name);
  if (opts.target !== undefined && opts.target !== target.name)
    throw rangeError('options.target', `the schema's target "${target.name}"`, opts.target);
  checkOneOf('options.schema.target.kind', target.kind, ['classes', 'numbers'] as const);
  if (target.kind === 'classes') checkNames('options.schema.target.classes', target.classes, 256);
  if (schema.columns.length === 0)
    throw rangeError('options.schema.columns', 'at least one feature column', 'none');
  schema.columns.forEach((column, k) => {
    const name = `options.schema.columns[${k}]`;
    if (!isObject(column) || typeof column.name !== 'string')
      throw typeError(name, 'a column { name, kind, categories? }', column);
    checkOneOf(`${name}.kind`, column.kind, ['numeric', 'categorical'] as const);
    if (column.kind === 'categorical') checkNames(`${name}.categories`, column.categories);
  });
}

function checkNames(name: string, values: unknown, max = Infinity): void {
  if (!isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string'))
    throw typeError(name, 'a non-empty array of strings', values);
  if (values.length > max) throw rangeError(name, `at most ${max} names`, values.length);
}

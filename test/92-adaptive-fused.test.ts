/**
 * Adam, AdamW and RMSprop fused into the weight-gradient product's store (kernel_isa.inc's
 * adam_tile / rmsprop_tile, reached through bn_sgemm_adaptive and the team's blocks):
 * - where the unfused reference runs the same products (the per-batch path: the addon's
 *   trainBatch, whose gradient is the same product written out, then update's
 *   bn_adaptive_step), the fused many-batches path gives exactly its bits: on a team of threads,
 *   on one thread (the product split over the pool), and with the batch beyond one pass of the
 *   kernel (k > 256, partial sums between passes). A step that dropped Adam's bias correction, the
 *   l2 term, AdamW's decay or rounded a product into a fused multiply-add fails here.
 * - with w^1 kept transposed in column blocks on a team ([784, 800, 10], batch 128, and [784, 330,
 *   10] with a padded last block, momentum too), where the forward products differ from the
 *   per-batch path's, 1, 2 and 3 threads give the same bits and the result stays within float32
 *   rounding of the js backend.
 * Under BLASNET_KERNELS=blas or avx2 the same checks hold on the unfused fallback.
 */
import { expect } from 'chai';
import { getBackend, nativeAvailability } from '../lib/backend/select';
import { Network } from '../lib/network';
import { type FitOptions, fitSync } from '../lib/train';
import { differingBits as differing, maxRelative } from './helpers/compare';
import { mulberry32, randomFloat32 } from './helpers/random';

type Act = 'relu' | 'tanh' | 'sigmoid' | 'softmax';

const OPTIMIZERS: Array<[string, FitOptions]> = [
  ['adam', { optimizer: 'adam', learningRate: 0.002 }],
  [
    'adam with l2',
    {
      optimizer: { type: 'adam', beta1: 0.8, beta2: 0.95, eps: 1e-6 },
      learningRate: 0.002,
      weightDecay: 40,
    },
  ],
  [
    'adamw with l2',
    { optimizer: { type: 'adamw', weightDecay: 0.5 }, learningRate: 0.002, weightDecay: 40 },
  ],
  ['rmsprop', { optimizer: 'rmsprop', learningRate: 0.001 }],
  [
    'rmsprop with l2',
    { optimizer: { type: 'rmsprop', alpha: 0.9, eps: 1e-6 }, learningRate: 0.001, weightDecay: 40 },
  ],
];

interface Shape {
  sizes: number[];
  activations: Act[];
  batch: number;
  what: string;
}

function data(shape: Shape, batches: number): { x: Float32Array; y: Float32Array } {
  const n = shape.batch * batches;
  const rng = mulberry32(92);
  const out = shape.sizes[shape.sizes.length - 1];
  const x = randomFloat32(rng, n * shape.sizes[0], 0, 1);
  const y = new Float32Array(n * out);
  for (let i = 0; i < n; i++) y[i * out + Math.floor(rng() * out)] = 1;
  return { x, y };
}

/** Parameters after one epoch in batch order, fused (one call) or per batch (trainBatch, update). */
function train(
  shape: Shape,
  options: FitOptions,
  set: { x: Float32Array; y: Float32Array },
  how: { backend: 'native' | 'js'; perBatch?: boolean },
): Float32Array {
  const net = new Network({
    sizes: shape.sizes,
    activations: shape.activations,
    seed: 92,
    backend: how.backend,
  });
  fitSync(net, set, {
    ...options,
    batchSize: shape.batch,
    epochs: 1,
    shuffle: false,
    onBatch: how.perBatch ? () => {} : undefined,
  });
  return net.params;
}

/** Runs fn with the native backend on `threads` threads, then restores the count. */
function withThreads<T>(threads: number, fn: () => T): T {
  const be = getBackend('native');
  const before = be.info().threads;
  be.setThreads(threads);
  try {
    return fn();
  } finally {
    be.setThreads(before);
  }
}

describe('adaptive optimizers fused into the weight-gradient product', () => {
  before(function () {
    if (!nativeAvailability().available) this.skip();
  });

  // Shapes where the fused path runs the per-batch path's products, so the same bits are due.
  const EXACT: Shape[] = [
    // A team of two (11.5M multiply-adds in the widest product), w^1 not transposed (1M).
    {
      sizes: [50, 600, 600, 10],
      activations: ['relu', 'relu', 'softmax'],
      batch: 32,
      what: 'a team',
    },
    // One layer, batch 512: the kernel's k passes of 256 meet in C between them.
    { sizes: [600, 50], activations: ['sigmoid'], batch: 512, what: 'k beyond one pass' },
    { sizes: [10, 12, 4], activations: ['tanh', 'softmax'], batch: 4, what: 'small' },
  ];
  for (const shape of EXACT) {
    const set = data(shape, 3);
    for (const [name, options] of OPTIMIZERS) {
      it(`${name}, [${shape.sizes}] batch ${shape.batch} (${shape.what}): the bits of product + step`, () => {
        for (const threads of [1, 2]) {
          withThreads(threads, () => {
            const fused = train(shape, options, set, { backend: 'native' });
            const reference = train(shape, options, set, { backend: 'native', perBatch: true });
            expect(differing(fused, reference), `${threads} thread(s)`).to.equal(0);
            // It trained: three steps moved the weights well beyond float32 rounding.
            const start = train(shape, { ...options, learningRate: 0 }, set, { backend: 'native' });
            expect(maxRelative(fused, start)).to.be.above(1e-3);
          });
        }
      });
    }
  }

  // w^1 kept transposed in column blocks of 16 (bn_w1t_index): 800 units fill 50 blocks; 330 leave
  // the last block 10 wide, so its padding lanes must stay out of every result. SGD with momentum
  // and Nesterov take the same layout through the momentum epilogue.
  const TRANSPOSED: Array<[Shape, Array<[string, FitOptions]>]> = [
    [
      { sizes: [784, 800, 10], activations: ['relu', 'softmax'], batch: 128, what: 'W3' },
      OPTIMIZERS,
    ],
    [
      {
        sizes: [784, 330, 10],
        activations: ['relu', 'softmax'],
        batch: 64,
        what: 'a padded block',
      },
      [
        ...OPTIMIZERS,
        ['momentum', { momentum: 0.9, learningRate: 0.01 }],
        ['nesterov with l2', { momentum: 0.9, nesterov: true, learningRate: 0.01, weightDecay: 1 }],
      ],
    ],
  ];
  for (const [shape, optimizers] of TRANSPOSED) {
    it(`[${shape.sizes}] batch ${shape.batch} (w^1 transposed, a team, ${shape.what}): 1, 2, 3 threads alike, and js`, function () {
      this.timeout(600000);
      const set = data(shape, 3);
      for (const [name, options] of optimizers) {
        const one = withThreads(1, () => train(shape, options, set, { backend: 'native' }));
        for (const threads of [2, 3]) {
          const other = withThreads(threads, () =>
            train(shape, options, set, { backend: 'native' }),
          );
          expect(differing(other, one), `${name}: ${threads} threads`).to.equal(0);
        }
        const js = train(shape, options, set, { backend: 'js' });
        expect(maxRelative(one, js), `${name}: native vs js`).to.be.at.most(1e-5);
      }
    });
  }
});

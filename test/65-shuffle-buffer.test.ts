/**
 * The shuffle buffer of training on a stream (lib/data/shuffle-buffer.ts), fed rows whose input is
 * their index in the stream, so the order it emits can be read back:
 * - every epoch emits each row exactly once, holding at most capacity + batchSize rows;
 * - no row leaves more than `capacity` − 1 places early (it must have been read), and some do (the bound is reached);
 * - rows move about as far as a buffer of this size moves them (the mean |displacement| of a
 *   tf.data-style buffer is about 0.74 capacity: a row waits a geometric time of mean capacity),
 *   far from both no shuffling (0) and a full shuffle (n/3);
 * - the order is a function of the seed alone: the same seed repeats it, another seed or the
 *   next epoch changes it;
 * - a buffer that holds the epoch emits exactly the permutation in-memory training draws:
 *   each epoch a fresh `range(n)` shuffled by the generator, which carries on from epoch to epoch;
 * - capacity 0 keeps the stream's order.
 */
import { expect } from 'chai';
import { ShuffleBuffer } from '../lib/data/shuffle-buffer';
import { Random, range } from '../lib/random';

/**
 * Streams rows 0..n-1 in pieces of `piece` rows through `buffer` for `epochs` epochs; returns
 * each epoch's emitted order and the most rows held at once.
 */
function run(buffer: ShuffleBuffer, n: number, piece: number, epochs = 1) {
  const orders: number[][] = [];
  let maxHeld = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    buffer.reset();
    const order: number[] = [];
    const emit = (count: number) => {
      for (let i = 0; i < count; i++) order.push(buffer.x[buffer.order[i]]);
    };
    for (let start = 0; start < n; start += piece) {
      const end = Math.min(n, start + piece);
      const x = Float32Array.from({ length: end - start }, (_, i) => start + i);
      for (let row = 0; row < x.length; ) {
        row += buffer.add(x, x, undefined, row);
        maxHeld = Math.max(maxHeld, start + row - order.length);
        if (buffer.batchCount === buffer.batchSize) {
          emit(buffer.batchCount);
          buffer.release(buffer.batchCount);
        }
      }
    }
    emit(buffer.drain());
    orders.push(order);
  }
  return { orders, maxHeld };
}

const make = (capacity: number, batchSize: number, seed: number | null) =>
  new ShuffleBuffer(capacity, batchSize, 1, 1, false, seed === null ? null : new Random(seed));

describe('65 shuffle buffer', () => {
  const n = 20_000;
  const capacity = 200;
  const batchSize = 16;

  it('emits every row once per epoch and holds at most capacity + batchSize rows', () => {
    const { orders, maxHeld } = run(make(capacity, batchSize, 1), n, 333, 2);
    for (const order of orders)
      expect([...order].sort((a, b) => a - b)).to.deep.equal([...range(n)]);
    expect(maxHeld).to.be.at.most(capacity + batchSize);
    expect(maxHeld).to.be.above(capacity); // the pool fills, and a batch forms beside it
  });

  it('moves rows at most capacity − 1 places early, and about 0.74 capacity on average', () => {
    const { orders } = run(make(capacity, batchSize, 7), n, 1000);
    const order = orders[0];
    let earliest = 0;
    let sum = 0;
    let counted = 0;
    order.forEach((row, position) => {
      earliest = Math.max(earliest, row - position);
      // Away from the ends, where the pool fills and drains.
      if (position > 2 * capacity && position < n - 2 * capacity) {
        sum += Math.abs(position - row);
        counted++;
      }
    });
    const mean = sum / counted;
    console.log(
      `      capacity ${capacity}: mean |displacement| ${(mean / capacity).toFixed(3)} capacity, earliest ${earliest} places early`,
    );
    expect(earliest).to.equal(capacity - 1);
    expect(mean / capacity).to.be.within(0.6, 0.9);
    // Neighbours in the stream land far apart: few consecutive rows stay consecutive.
    let kept = 0;
    for (let i = 1; i < n; i++) if (order[i] === order[i - 1] + 1) kept++;
    expect(kept / n).to.be.below(0.02);
  });

  it('repeats its order for a seed, and changes it for another seed and in the next epoch', () => {
    const a = run(make(capacity, batchSize, 3), 5000, 64, 2).orders;
    const b = run(make(capacity, batchSize, 3), 5000, 97, 2).orders; // other piece sizes, same order
    const c = run(make(capacity, batchSize, 4), 5000, 64, 1).orders;
    expect(b).to.deep.equal(a);
    expect(c[0]).to.not.deep.equal(a[0]);
    expect(a[1]).to.not.deep.equal(a[0]);
  });

  it('emits the permutations of training in memory when it holds the whole epoch', () => {
    const rng = new Random(11);
    const { orders } = run(make(500, 32, 11), 500, 45, 3);
    for (let epoch = 0; epoch < 3; epoch++) {
      const order = range(500);
      rng.shuffle(order);
      expect(orders[epoch]).to.deep.equal([...order]);
    }
  });

  it('keeps the stream order with capacity 0', () => {
    const { orders, maxHeld } = run(make(0, 8, null), 100, 13, 2);
    expect(orders).to.deep.equal([[...range(100)], [...range(100)]]);
    expect(maxHeld).to.be.at.most(8);
  });
});

import { expect } from 'chai';
import { batches, gatherRows, miniBatches, permutation, shuffleInPlace } from '../lib/data/shuffle';
import { Random, range } from '../lib/random';
import { expectArgError } from './fixtures/data-helpers';

// Cross-checked against a straight Python transcription of the reference xoshiro128** and splitmix32.
const PINNED_SEED0 = [3809008728, 1133695204, 53579671];

function isPermutation(p: Uint32Array, n: number): boolean {
  if (p.length !== n) return false;
  const seen = new Uint8Array(n);
  for (const v of p) {
    if (v >= n || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

describe('41 seeded shuffling and mini-batches', () => {
  describe('Random', () => {
    it('is deterministic per seed and differs across seeds', () => {
      const a = new Random(42);
      const b = new Random(42);
      const c = new Random(43);
      const sa = Array.from({ length: 20 }, () => a.nextUint32());
      const sb = Array.from({ length: 20 }, () => b.nextUint32());
      const sc = Array.from({ length: 20 }, () => c.nextUint32());
      expect(sa).to.deep.equal(sb);
      expect(sa).to.not.deep.equal(sc);
      for (const v of sa) expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).to.equal(true);
    });

    it('pins its stream (xoshiro128** seeded by splitmix32) so shuffles stay reproducible across releases', () => {
      const r = new Random(0);
      const first = [r.nextUint32(), r.nextUint32(), r.nextUint32()];
      // Recorded from this implementation; a change here changes every seeded shuffle and the bundled split.
      expect(first).to.deep.equal(PINNED_SEED0);
    });

    it('uniform() is in [0, 1) and below(n) is in [0, n) and roughly uniform', () => {
      const r = new Random(7);
      const counts = new Array<number>(10).fill(0);
      for (let i = 0; i < 20000; i++) {
        const u = r.uniform();
        expect(u >= 0 && u < 1).to.equal(true);
        counts[r.below(10)]++;
      }
      for (const c of counts) expect(c).to.be.within(1800, 2200);
      expect(new Random(1).below(1)).to.equal(0);
    });

    it('rejects bad input', () => {
      for (const bad of [-1, 1.5, 2 ** 32, NaN, '1', null, undefined])
        expectArgError(() => new Random(bad as never), 'seed');
      const r = new Random(1);
      for (const bad of [0, -3, 1.5, 2 ** 32 + 1, 'x', null])
        expectArgError(() => r.below(bad as never), 'n');
    });
  });

  describe('permutation / shuffleInPlace', () => {
    it('a seeded shuffle is deterministic and a permutation', () => {
      for (const n of [0, 1, 2, 7, 1000, 60000]) {
        const a = permutation(n, 123);
        expect(isPermutation(a, n), `n=${n}`).to.equal(true);
        expect(Array.from(permutation(n, 123))).to.deep.equal(Array.from(a));
      }
      expect(Array.from(permutation(1000, 1))).to.not.deep.equal(Array.from(permutation(1000, 2)));
      // It does move things: far from the identity.
      const p = permutation(1000, 5);
      let fixed = 0;
      p.forEach((v, i) => {
        if (v === i) fixed++;
      });
      expect(fixed).to.be.lessThan(10);
    });

    it('continues a generator stream: successive shuffles differ, and replay from the same seed', () => {
      const order = range(100);
      const rng = new Random(9);
      const e1 = Array.from(shuffleInPlace(order, rng));
      const e2 = Array.from(shuffleInPlace(order, rng));
      expect(e1).to.not.deep.equal(e2);
      expect(isPermutation(order, 100)).to.equal(true);
      const again = range(100);
      const rng2 = new Random(9);
      shuffleInPlace(again, rng2);
      expect(Array.from(again)).to.deep.equal(e1);
      expect(Array.from(shuffleInPlace(again, rng2))).to.deep.equal(e2);
    });

    it('is unbiased enough: each position takes each value about equally often', () => {
      const n = 4;
      const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      const rng = new Random(11);
      for (let t = 0; t < 8000; t++) {
        const p = permutation(n, rng);
        p.forEach((v, i) => counts[i][v]++);
      }
      for (const row of counts) for (const c of row) expect(c).to.be.within(1800, 2200);
    });

    it('accepts any { nextUint32 } source', () => {
      let x = 0;
      const counter = { nextUint32: () => (x = (x + 2654435761) >>> 0) };
      expect(isPermutation(permutation(50, counter), 50)).to.equal(true);
    });

    it('rejects bad input', () => {
      for (const bad of [[1, 2], new Int32Array(3), null, 'abc'])
        expectArgError(() => shuffleInPlace(bad as never, 1), 'indices');
      for (const bad of [-1, 1.5, 'seed', null, {}, { nextUint32: 5 }]) {
        expectArgError(() => shuffleInPlace(new Uint32Array(3), bad as never), 'rng');
        expectArgError(() => permutation(3, bad as never), 'rng');
      }
      for (const bad of [-1, 1.5, 2 ** 32, 'n', null]) {
        expectArgError(() => permutation(bad as never, 1), 'n');
        expectArgError(() => range(bad as never), 'n');
      }
    });
  });

  describe('gatherRows', () => {
    it('copies the chosen rows in order, into a given buffer or a new one', () => {
      const x = new Float32Array([0, 1, 10, 11, 20, 21]);
      expect(Array.from(gatherRows(x, 2, new Uint32Array([2, 0, 2])))).to.deep.equal([
        20, 21, 0, 1, 20, 21,
      ]);
      const out = new Float32Array(10).fill(-1);
      const got = gatherRows(x, 2, new Uint32Array([1]), out);
      expect(got).to.equal(out);
      expect(Array.from(out.subarray(0, 3))).to.deep.equal([10, 11, -1]);
      const bytes = new Uint8Array([1, 2, 3, 4]);
      expect(gatherRows(bytes, 1, new Uint32Array([3, 0]))).to.be.instanceOf(Uint8Array);
    });

    it('rejects bad input', () => {
      const x = new Float32Array(6);
      for (const bad of [null, [1, 2], new Float64Array(6)])
        expectArgError(() => gatherRows(bad as never, 2, new Uint32Array(1)), 'source');
      for (const bad of [0, -1, 1.5, '2'])
        expectArgError(() => gatherRows(x, bad as never, new Uint32Array(1)), 'rowSize');
      expectArgError(() => gatherRows(x, 4, new Uint32Array(1)), 'source');
      for (const bad of [[0], new Int32Array(1), null])
        expectArgError(() => gatherRows(x, 2, bad as never), 'indices');
      expectArgError(() => gatherRows(x, 2, new Uint32Array([0, 3])), 'indices[1]');
      expectArgError(() => gatherRows(x, 2, new Uint32Array(2), new Float32Array(3)), 'out');
      expectArgError(() => gatherRows(x, 2, new Uint32Array(2), new Uint8Array(4) as never), 'out');
    });
  });

  describe('miniBatches', () => {
    it('covers every index exactly once per epoch, as views of one order', () => {
      const seen = new Uint8Array(103);
      let count = 0;
      let buffer: ArrayBufferLike | undefined;
      for (const b of miniBatches(103, { batchSize: 10, rng: 3 })) {
        expect(b.index).to.equal(count++);
        expect(b.end - b.start).to.equal(b.indices.length);
        expect(b.indices.length).to.equal(b.index === 10 ? 3 : 10);
        buffer ??= b.indices.buffer;
        expect(b.indices.buffer).to.equal(buffer); // views, no copies
        for (const i of b.indices) seen[i]++;
      }
      expect(count).to.equal(11);
      expect(Array.from(seen).every((s) => s === 1)).to.equal(true);
    });

    it('dropLast, no shuffle, a reused order buffer, and a new order per epoch from one generator', () => {
      expect([...miniBatches(103, { batchSize: 10, dropLast: true })].length).to.equal(10);
      const plain = [...miniBatches(5, { batchSize: 2, shuffle: false })].map((b) =>
        Array.from(b.indices),
      );
      expect(plain).to.deep.equal([[0, 1], [2, 3], [4]]);
      const order = new Uint32Array(50);
      const rng = new Random(1);
      const epoch1 = [...miniBatches(50, { batchSize: 50, rng, order })][0];
      expect(epoch1.indices.buffer).to.equal(order.buffer);
      const first = Array.from(epoch1.indices);
      const second = Array.from([...miniBatches(50, { batchSize: 50, rng, order })][0].indices);
      expect(first).to.not.deep.equal(second);
      const replay = new Random(1);
      expect(
        Array.from([...miniBatches(50, { batchSize: 50, rng: replay })][0].indices),
      ).to.deep.equal(first);
      expect([...miniBatches(0, { batchSize: 4 })]).to.deep.equal([]);
    });

    it('rejects bad input at the call, not at the first iteration', () => {
      for (const bad of [-1, 1.5, 'n', null])
        expectArgError(() => miniBatches(bad as never, { batchSize: 1 }), 'n');
      for (const bad of [undefined, null, 5, 'x'])
        expectArgError(() => miniBatches(10, bad as never), 'options');
      for (const bad of [0, -1, 1.5, '10', undefined])
        expectArgError(() => miniBatches(10, { batchSize: bad as never }), 'options.batchSize');
      for (const bad of ['yes', 1, null]) {
        expectArgError(
          () => miniBatches(10, { batchSize: 1, shuffle: bad as never }),
          'options.shuffle',
        );
        expectArgError(
          () => miniBatches(10, { batchSize: 1, dropLast: bad as never }),
          'options.dropLast',
        );
      }
      for (const bad of [-1, 'x', {}])
        expectArgError(() => miniBatches(10, { batchSize: 1, rng: bad as never }), 'options.rng');
      for (const bad of [new Uint32Array(9), [0, 1], new Int32Array(10)])
        expectArgError(
          () => miniBatches(10, { batchSize: 1, order: bad as never }),
          'options.order',
        );
    });
  });

  describe('batches', () => {
    const n = 23;
    const inputSize = 3;
    const images = new Float32Array(n * inputSize);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 10;
      for (let k = 0; k < inputSize; k++) images[i * inputSize + k] = i * 100 + k;
    }

    it('gathers matching rows and labels into reused buffers', () => {
      let total = 0;
      let xBuffer: ArrayBufferLike | undefined;
      for (const b of batches({ images, labels }, { batchSize: 5, rng: 4 })) {
        expect(b.images.length).to.equal(b.size * inputSize);
        expect(b.labels.length).to.equal(b.size);
        xBuffer ??= b.images.buffer;
        expect(b.images.buffer).to.equal(xBuffer);
        for (let i = 0; i < b.size; i++) {
          const r = b.indices[i];
          expect(b.labels[i]).to.equal(labels[r]);
          expect(Array.from(b.images.subarray(i * inputSize, (i + 1) * inputSize))).to.deep.equal([
            r * 100,
            r * 100 + 1,
            r * 100 + 2,
          ]);
        }
        total += b.size;
      }
      expect(total).to.equal(n);
    });

    it('rejects bad input', () => {
      for (const bad of [null, 5, 'set'])
        expectArgError(() => batches(bad as never, { batchSize: 1 }), 'set');
      expectArgError(
        () => batches({ images: [1] as never, labels }, { batchSize: 1 }),
        'set.images',
      );
      expectArgError(
        () => batches({ images, labels: [1] as never }, { batchSize: 1 }),
        'set.labels',
      );
      expectArgError(
        () => batches({ images: new Float32Array(10), labels }, { batchSize: 1 }),
        'set.images',
      );
      expectArgError(() => batches({ images, labels }, { batchSize: 0 }), 'options.batchSize');
    });
  });
});

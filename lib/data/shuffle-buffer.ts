/**
 * The shuffle buffer of training on a stream: rows go in as they are read and come out as
 * mini-batches in a seeded random order, with at most `capacity + batchSize` rows held at once,
 * however long the stream.
 *
 * The order is tf.data's shuffle buffer: the first `capacity` rows fill a pool; from then on each
 * row read takes the place of a pool row drawn uniformly at random, which goes into the batch
 * being formed; when the stream ends, the pool is emptied in a random permutation. A row can thus
 * leave at most `capacity` − 1 places before its place in the stream (it must have been read) and
 * arbitrarily late (it may stay in the pool).
 *
 * When the pool holds the whole epoch (`capacity` >= the rows of an epoch), no row leaves before
 * the end, and the final permutation is drawn as in-memory training draws its epoch order: a fresh
 * `range(m)` shuffled by the same generator (the network's shuffle stream, training-state.ts), so
 * the same seed gives the same batches as `fit` on the data in memory.
 *
 * Rows live in slots of `x` `[slots, n0]`, `y` `[slots, nL]` and `labels` `[slots]`; a batch is a
 * list of slot numbers (`order`), the form the backends' `trainBatches` gathers from.
 */
import { type Random, range, uniformBelow } from '../random';

export class ShuffleBuffer {
  /** Inputs of the held rows, `[slots, n0]`. */
  readonly x: Float32Array;
  /** Targets of the held rows, `[slots, nL]`. */
  readonly y: Float32Array;
  /** Labels of the held rows, `[slots]` (length 0 without labels). */
  readonly labels: Uint8Array;
  /**
   * Slot numbers of the rows to train on, in order: `[0, batchCount)` is the batch being formed;
   * after {@link drain}, `[0, total)` is the rest of the epoch, batch after batch.
   */
  readonly order: Uint32Array;
  /** Rows of the batch being formed. */
  batchCount = 0;
  private readonly free: Uint32Array;
  private freeCount = 0;
  private readonly pool: Uint32Array;
  private poolCount = 0;

  /**
   * @param capacity rows in the pool; 0 keeps the stream's order (no shuffling, no generator).
   * @param rng the generator of the draws (`null` with capacity 0).
   */
  constructor(
    readonly capacity: number,
    readonly batchSize: number,
    private readonly n0: number,
    private readonly nL: number,
    withLabels: boolean,
    private rng: Random | null,
  ) {
    const slots = capacity + batchSize;
    this.x = new Float32Array(slots * n0);
    this.y = new Float32Array(slots * nL);
    this.labels = new Uint8Array(withLabels ? slots : 0);
    this.order = new Uint32Array(slots);
    this.free = new Uint32Array(slots);
    this.pool = new Uint32Array(capacity);
    this.reset(rng);
  }

  /** Slots below this have held a row: `x.subarray(0, used · n0)` are rows of the stream. */
  used = 0;

  /**
   * Empty, for a new epoch: slots are handed out 0, 1, 2, … again. `rng` draws this epoch's
   * order (training passes its shuffle stream at the epoch's position); by default the generator
   * carries on.
   */
  reset(rng: Random | null = this.rng): void {
    this.rng = rng;
    const slots = this.free.length;
    // A stack popped from its end: slot 0 first, so that row i of an epoch that fits lands in slot i.
    for (let i = 0; i < slots; i++) this.free[i] = slots - 1 - i;
    this.freeCount = slots;
    this.poolCount = 0;
    this.batchCount = 0;
  }

  /**
   * Takes rows `from ..` of `x` `[rows, n0]`, `y` and `labels` until the batch being formed is
   * full or the rows run out; returns how many it took. Train on the batch and {@link release} it
   * when `batchCount === batchSize`.
   */
  add(x: Float32Array, y: Float32Array, labels: Uint8Array | undefined, from: number): number {
    const { n0, nL } = this;
    const rows = x.length / n0;
    let row = from;
    while (row < rows && this.batchCount < this.batchSize) {
      const slot = this.free[--this.freeCount];
      if (slot >= this.used) this.used = slot + 1;
      this.x.set(x.subarray(row * n0, (row + 1) * n0), slot * n0);
      this.y.set(y.subarray(row * nL, (row + 1) * nL), slot * nL);
      if (labels) this.labels[slot] = labels[row];
      row++;
      if (this.rng === null) {
        this.order[this.batchCount++] = slot;
      } else if (this.poolCount < this.capacity) {
        this.pool[this.poolCount++] = slot;
      } else {
        const j = uniformBelow(this.rng, this.capacity);
        this.order[this.batchCount++] = this.pool[j];
        this.pool[j] = slot;
      }
    }
    return row - from;
  }

  /** Frees the slots of the first `count` rows of `order` (a batch trained on). */
  release(count: number): void {
    for (let i = 0; i < count; i++) this.free[this.freeCount++] = this.order[i];
    this.order.copyWithin(0, count, this.batchCount);
    this.batchCount -= count;
  }

  /**
   * The stream has ended: appends the pool, in a random permutation, to the batch being formed.
   * Returns the rows left to train on, `order[0 .. total)`.
   */
  drain(): number {
    const m = this.poolCount;
    if (m > 0 && this.rng !== null) {
      const permutation = range(m);
      this.rng.shuffle(permutation);
      for (let i = 0; i < m; i++) this.order[this.batchCount + i] = this.pool[permutation[i]];
    }
    this.poolCount = 0;
    this.batchCount += m;
    return this.batchCount;
  }
}

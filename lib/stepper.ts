/**
 * The optimizer steps of one training call, the same for data in memory (train.ts) and for a
 * stream of batches (stream-fit.ts): the training state carried across calls (optimizer state,
 * steps and epochs taken, shuffle position: training-state.ts), the dropout masks counted by those
 * steps, the optimizer's hyperparameters, and gradient clipping on the per-batch path.
 */
import { clipGradNorm } from './clip';
import type { Loss } from './losses';
import type { Network } from './network';
import { makeHyper, type OptimizerSettings } from './optimizers';
import { TrainingStep } from './step';
import { stateForTraining, type TrainingState } from './training-state';

/** The settings the steps read. */
export interface StepSettings {
  optimizer: OptimizerSettings;
  loss: Loss;
  batchSize: number;
  l2: number;
  seed: number;
  clipNorm?: number;
}

export class Stepper {
  /** The network's training state, continued from the last call (or fresh). */
  readonly st: TrainingState;
  readonly step: TrainingStep;
  /** The backends' `UpdateHyper`: `hyper[0]` is η, set per epoch; `hyper[9]` the steps taken. */
  readonly hyper: Float64Array;
  readonly clip: number | undefined;

  constructor(
    private readonly net: Network,
    s: StepSettings,
  ) {
    this.st = stateForTraining(net, s.optimizer, s.seed);
    // The dropout masks continue from the fit's seed, step by step (docs/dropout.md).
    this.step = new TrainingStep(net, s.loss, s.batchSize, this.st.state, s.seed);
    this.step.steps = this.st.steps;
    this.hyper = makeHyper(s.optimizer, 0, s.l2);
    this.clip = s.clipNorm;
  }

  /**
   * One step on rows `order[start .. start + count)` of `x` `[n, n0]` (bytes converted by `scale`
   * and `offset`) and `y` `[n, nL]`; returns the batch's loss before the step. With clipping: the
   * gradient alone, clipped, then the step in a second call.
   */
  one(
    x: Float32Array | Uint8Array,
    y: Float32Array,
    order: Uint32Array,
    start: number,
    count: number,
    scale = 1,
    offset = 0,
  ): number {
    const { net, st, step, hyper, clip } = this;
    hyper[9] = st.steps;
    const value = step.run(
      x,
      y,
      order,
      start,
      count,
      clip === undefined ? hyper : null,
      scale,
      offset,
    );
    if (clip !== undefined) {
      clipGradNorm(step.grad, clip);
      net.backend.update(net.spec, net.params, step.grad, st.state, hyper);
    }
    st.steps += 1;
    return value;
  }

  /**
   * `count` fused steps (no clipping: see `one`), as `TrainingStep.runBatches`; returns the batches
   * done.
   */
  many(
    x: Float32Array | Uint8Array,
    scale: number,
    offset: number,
    y: Float32Array,
    labels: Uint8Array | null,
    order: Uint32Array,
    start: number,
    count: number,
    results: Float64Array,
  ): number {
    const { st, hyper } = this;
    hyper[9] = st.steps;
    const done = this.step.runBatches(
      x,
      scale,
      offset,
      y,
      labels,
      order,
      start,
      count,
      hyper,
      results,
    );
    st.steps += done;
    return done;
  }

  /**
   * What restores the weights and the state (buffer, counters, shuffle position) as they are now,
   * the start of an epoch, when the epoch diverges or fails.
   */
  restorePoint(): () => void {
    const { net, st } = this;
    const params = net.params.slice();
    const state = st.state.slice();
    const { steps, epochs, shuffle } = st;
    return () => {
      net.params.set(params);
      st.state.set(state);
      Object.assign(st, { steps, epochs, shuffle });
      this.step.steps = steps;
    };
  }
}

/**
 * What training keeps between `fitSync`/`fit` calls, as a PyTorch optimizer object and a data
 * loader's generator do: the optimizer's state (momentum's velocity, Adam's m and v, RMSprop's
 * square average), the steps and epochs taken, and the position of the shuffle stream. It lives on
 * the network (a WeakMap, so a Network stays a plain object), belongs to a checkpoint
 * (`saveNetwork(path, net, metadata, { optimizerState: true })`), and starts over when the
 * optimizer or its hyper-parameters change; a new seed restarts the shuffle stream only.
 */
import type { Network } from './network';
import { type OptimizerSettings, stateSlots } from './optimizers';
import { Random } from './random';

/**
 * The training state of one network (see the module comment). `state` holds `stateSlots(optimizer)`
 * blocks of `paramCount` floats in the parameter layout.
 *
 * @example
 * ```ts
 * fitSync(net, train, { optimizer: 'adam', epochs: 1 });
 * trainingState(net)?.steps; // the mini-batch steps taken so far
 * ```
 */
export interface TrainingState {
  optimizer: OptimizerSettings;
  state: Float32Array;
  /** Optimizer steps taken (Adam's t before the next step). */
  steps: number;
  /** Whole epochs trained (for information: a schedule counts the epochs of each call from 0). */
  epochs: number;
  /** The seed of the shuffle stream, and the stream's position (Random.save). */
  seed: number;
  shuffle: [number, number, number, number];
}

const states = new WeakMap<Network, TrainingState>();

/**
 * The training state `net` carries, if it has been trained (or loaded with one).
 *
 * @example
 * ```ts
 * trainingState(net)?.optimizer.type; // 'adam'
 * ```
 */
export function trainingState(net: Network): TrainingState | undefined {
  return states.get(net);
}

/**
 * Replace (or with undefined drop) the training state of `net`: the next `fitSync` starts its
 * optimizer from zero and its shuffle stream from the seed.
 *
 * @example
 * ```ts
 * setTrainingState(net, undefined); // forget momentum, Adam's moments and the shuffle position
 * ```
 */
export function setTrainingState(net: Network, state: TrainingState | undefined): void {
  if (state === undefined) states.delete(net);
  else states.set(net, state);
}

/**
 * The shuffle stream's seed for a training seed: another stream than the one `new Network({ seed })`
 * draws its initial weights from, so the default seed 1 of both does not reuse those numbers.
 */
export function shuffleSeed(seed: number): number {
  return (Math.imul(seed ^ 0x5348_5546, 0x2c1b_3c6d) + 0x297a_2d39) >>> 0;
}

function sameOptimizer(a: OptimizerSettings, b: OptimizerSettings): boolean {
  return (Object.keys(a) as (keyof OptimizerSettings)[]).every((key) => a[key] === b[key]);
}

/**
 * The state a training call continues from: the network's own when the optimizer (type and
 * hyper-parameters; not the learning rate) is the same, else a fresh one; the shuffle stream
 * restarts when `seed` differs from the one it was started with.
 */
export function stateForTraining(
  net: Network,
  optimizer: OptimizerSettings,
  seed: number,
): TrainingState {
  let st = states.get(net);
  if (st === undefined || !sameOptimizer(st.optimizer, optimizer)) {
    st = {
      optimizer,
      state: new Float32Array(stateSlots(optimizer) * net.params.length),
      steps: 0,
      epochs: 0,
      seed,
      shuffle: new Random(shuffleSeed(seed)).save(),
    };
    states.set(net, st);
  }
  if (st.seed !== seed) {
    st.seed = seed;
    st.shuffle = new Random(shuffleSeed(seed)).save();
  }
  return st;
}

/**
 * The training state in a model file (format version 3, lib/model-file.ts): the header's
 * `training` field says which optimizer, its step and epoch counts and the shuffle stream's
 * position, and `stateCount` float32 values of the optimizer's state follow the parameters in
 * the payload (in the layout of `TrainingState.state`), covered by the same checksum.
 */
import type { BlasnetError } from './errors';
import type { Network } from './network';
import { type Optimizer, type OptimizerSettings, resolveOptimizer, stateSlots } from './optimizers';
import { setTrainingState, type TrainingState, trainingState } from './training-state';

/** The header's `training` field. */
export interface TrainingHeader {
  /** The optimizer with every option, as {@link OptimizerSettings} (`momentum` and `nesterov` for SGD). */
  optimizer: OptimizerSettings;
  steps: number;
  epochs: number;
  seed: number;
  shuffle: number[];
  /** float32 values of optimizer state after the parameters. */
  stateCount: number;
}

/** The header field and the state's bytes of `net`, or undefined when it has not been trained. */
export function savedTraining(net: Network): { header: TrainingHeader; bytes: Buffer } | undefined {
  const st = trainingState(net);
  if (st === undefined) return undefined;
  return {
    header: {
      optimizer: { ...st.optimizer },
      steps: st.steps,
      epochs: st.epochs,
      seed: st.seed,
      shuffle: [...st.shuffle],
      stateCount: st.state.length,
    },
    bytes: Buffer.from(st.state.buffer, st.state.byteOffset, st.state.byteLength),
  };
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isWord = (v: unknown): v is number => isCount(v) && (v as number) <= 0xffffffff;

/** Checks a header's `training` field against the parameter count; returns its stateCount. */
export function checkTrainingHeader(
  value: unknown,
  paramCount: number,
  bad: (what: string) => BlasnetError,
): number {
  const t = value as TrainingHeader;
  const fail = (why: string) => bad(`the training state in the header is invalid: ${why}`);
  if (t === null || typeof t !== 'object' || Array.isArray(t)) throw fail('not an object');
  let optimizer: OptimizerSettings;
  try {
    const o = t.optimizer;
    const { type, beta1, beta2, eps, weightDecay } = o;
    const given =
      type === 'sgd'
        ? type
        : type === 'rmsprop'
          ? { type, alpha: beta1, eps }
          : type === 'adam'
            ? { type, beta1, beta2, eps }
            : { type, beta1, beta2, eps, weightDecay };
    optimizer = resolveOptimizer(given as Optimizer, 'optimizer', o.momentum, o.nesterov);
    const { momentum, nesterov } = optimizer;
    if (!(Number.isFinite(momentum) && momentum >= 0 && momentum < 1) || nesterov !== !!nesterov)
      throw new Error('momentum must be in [0, 1), nesterov a boolean');
    if (JSON.stringify(optimizer) !== JSON.stringify(o)) throw new Error('not in canonical form');
  } catch (error) {
    throw fail(
      `optimizer ${JSON.stringify(t.optimizer)?.slice(0, 200)} (${(error as Error).message})`,
    );
  }
  if (!isCount(t.steps) || !isCount(t.epochs) || !isWord(t.seed))
    throw fail('steps, epochs and seed must be integers >= 0');
  if (
    !Array.isArray(t.shuffle) ||
    t.shuffle.length !== 4 ||
    !t.shuffle.every(isWord) ||
    t.shuffle.every((w) => w === 0)
  )
    throw fail('shuffle must be four 32-bit words, not all 0');
  if (t.stateCount !== stateSlots(optimizer) * paramCount)
    throw fail(
      `stateCount ${t.stateCount} does not fit ${optimizer.type} on ${paramCount} parameters`,
    );
  return t.stateCount;
}

/** Gives `net` the training state of a checked header and its state's bytes. */
export function restoreTraining(net: Network, header: TrainingHeader, bytes: Uint8Array): void {
  const state = new Float32Array(header.stateCount);
  new Uint8Array(state.buffer).set(bytes);
  const st: TrainingState = {
    optimizer: { ...header.optimizer },
    state,
    steps: header.steps,
    epochs: header.epochs,
    seed: header.seed,
    shuffle: header.shuffle.slice(0, 4) as TrainingState['shuffle'],
  };
  setTrainingState(net, st);
}

/**
 * Learning-rate schedules: the lecture's α_i, as a function of the epoch (0-based).
 */
import { rangeError, typeError } from './errors';
import { checkInt, checkNumber } from './validate';

/**
 * - `'constant'`: α_i = η.
 * - `{ type: 'step', every, factor }`: α_i = η · factor^⌊i / every⌋.
 * - `{ type: 'exponential', decay }`: α_i = η · e^(−decay · i).
 * - `{ type: 'inverse', decay }`: α_i = η / (1 + decay · i)  (the 1/t schedule).
 * - a function `(epoch, learningRate) => α_i`.
 *
 * @example
 * ```ts
 * await fit(net, train, { epochs: 30, learningRate: 3.0, schedule: { type: 'step', every: 10, factor: 0.5 } });
 * await fit(net, train, { epochs: 30, learningRate: 0.5, schedule: (epoch, eta) => eta / Math.sqrt(epoch + 1) });
 * ```
 */
export type Schedule =
  | 'constant'
  | { type: 'step'; every: number; factor: number }
  | { type: 'exponential'; decay: number }
  | { type: 'inverse'; decay: number }
  | ((epoch: number, learningRate: number) => number);

/**
 * Turn a {@link Schedule} into a checked function of the epoch.
 *
 * @example
 * ```ts
 * const alpha = scheduleFunction({ type: 'step', every: 10, factor: 0.5 }, 3.0);
 * alpha(0); // 3.0
 * alpha(10); // 1.5
 * ```
 */
export function scheduleFunction(
  schedule: Schedule | undefined,
  learningRate: number,
): (epoch: number) => number {
  const eta = learningRate;
  if (schedule === undefined || schedule === 'constant') return () => eta;
  if (typeof schedule === 'function') {
    return (epoch) => checkNumber(`schedule(${epoch})`, schedule(epoch, eta), 0);
  }
  if (typeof schedule !== 'object' || schedule === null)
    throw typeError('schedule', "'constant', a schedule object or a function", schedule);
  switch (schedule.type) {
    case 'step': {
      const every = checkInt('schedule.every', schedule.every, 1);
      const factor = checkNumber('schedule.factor', schedule.factor, 0);
      return (epoch) => eta * factor ** Math.floor(epoch / every);
    }
    case 'exponential': {
      const decay = checkNumber('schedule.decay', schedule.decay, 0);
      return (epoch) => eta * Math.exp(-decay * epoch);
    }
    case 'inverse': {
      const decay = checkNumber('schedule.decay', schedule.decay, 0);
      return (epoch) => eta / (1 + decay * epoch);
    }
    default:
      throw rangeError(
        'schedule.type',
        '"step", "exponential" or "inverse"',
        (schedule as { type: unknown }).type,
      );
  }
}

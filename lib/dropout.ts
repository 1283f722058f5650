/**
 * Dropout rates as a network holds them (Nielsen, chapter 3; `torch.nn.Dropout` as part of the
 * model, active in training only): one rate per hidden layer, the probability that each of its
 * units is dropped at a training step. `predict` and `evaluate` never drop anything.
 * The mask itself is computed by the backends (see docs/dropout.md).
 */
import type { Dropout } from './backend/types';
import { rangeError, typeError } from './errors';
import { isArray } from './validate';

/**
 * Check `dropout` for a network of L weight layers: one rate for every hidden layer, or an array of
 * L − 1 of them, each in [0, 1). Returns the L − 1 rates (empty for a network without hidden
 * layers, which takes only 0 or []).
 */
export function checkDropoutRates(value: unknown, L: number): number[] {
  const hidden = L - 1;
  if (typeof value === 'number') {
    if (!(value >= 0 && value < 1)) throw rangeError('dropout', 'a rate in [0, 1)', value);
    if (value > 0 && hidden === 0)
      throw rangeError('dropout', '0 for a network without hidden layers', value);
    return new Array<number>(hidden).fill(value);
  }
  if (!isArray(value))
    throw typeError('dropout', 'a rate in [0, 1) or an array of one per hidden layer', value);
  if (value.length !== hidden)
    throw rangeError('dropout', `${hidden} rates (one per hidden layer)`, value);
  const rates: number[] = [];
  for (let i = 0; i < hidden; i++) {
    const p = value[i];
    if (typeof p !== 'number') throw typeError(`dropout[${i}]`, 'a rate in [0, 1)', p);
    if (!(p >= 0 && p < 1)) throw rangeError(`dropout[${i}]`, 'a rate in [0, 1)', p);
    rates.push(p);
  }
  return rates;
}

/**
 * The backends' {@link Dropout} argument `[seed, step, p_1..p_(L−1)]` for these rates, or null when
 * every rate is 0 (no mask at all: the same step as without dropout).
 */
export function dropoutArgument(rates: readonly number[], seed: number): Dropout | null {
  if (!rates.some((p) => p > 0)) return null;
  return Float64Array.from([seed, 0, ...rates]);
}

/**
 * Whether a model file's `dropout` header field is valid for a network of these sizes: absent, or
 * one rate in [0, 1) per hidden layer.
 */
export function isStoredDropout(dropout: unknown, sizes: readonly number[]): boolean {
  return (
    dropout === undefined ||
    (Array.isArray(dropout) &&
      dropout.length === sizes.length - 2 &&
      dropout.every((p) => typeof p === 'number' && p >= 0 && p < 1))
  );
}

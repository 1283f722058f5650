/**
 * The one throughput figure of a training run, shared by the CLI's summary and the HTML report.
 *
 * Defined on training time only: the examples trained divided by the seconds the epochs' batches
 * took (each {@link EpochReport}'s `seconds`), so evaluation on held-out data, data loading and
 * saving are not in it. It is a ratio of totals, not the mean of the per-epoch rates: the two
 * differ whenever epochs run at different speeds (a slow first epoch while caches warm, a slow
 * spell on a shared machine), and only the ratio of totals agrees with the training time shown
 * beside it.
 */
import type { EpochReport } from '../train';

/**
 * Examples per second of training time over `history`, or `undefined` for no epochs or no time.
 *
 * @example
 * ```ts
 * const { history } = await fit(net, train, { epochs: 3 });
 * console.log(`${Math.round(trainingThroughput(history) ?? 0)} examples/s`);
 * ```
 */
export function trainingThroughput(history: readonly EpochReport[]): number | undefined {
  let examples = 0;
  let seconds = 0;
  for (const e of history) {
    // An epoch's examples: its rate times its time (the rate was computed as n / seconds).
    examples += e.examplesPerSecond * e.seconds;
    seconds += e.seconds;
  }
  return seconds > 0 ? examples / seconds : undefined;
}

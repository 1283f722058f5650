/**
 * What training does after each epoch's batches, the same for in-memory data (train.ts) and for a
 * stream of batches (stream-fit.ts): the epoch's report, the validation pass, the `onEpoch`
 * callback, early stopping with the best weights kept, the target loss; and the result.
 */
import { type Decoder, type Evaluation, evaluateConverted, type TrainingData } from './evaluate';
import type { Loss } from './losses';
import type { Network } from './network';
import type { EpochReport, FitResult, StopReason } from './train';

/** The settings an epoch's end reads. */
export interface EpochEndSettings {
  loss: Loss;
  decode: Decoder;
  targetLoss?: number;
  patience?: number;
  /** The validation data, converted and scaled once. */
  validation?: TrainingData;
  options: { onEpoch?: (report: EpochReport) => void };
}

/** The history of one training run, and the weights of its best validation epoch. */
export class FitProgress {
  readonly history: EpochReport[] = [];
  readonly started = performance.now();
  private readonly best: Float32Array | undefined;
  private bestLoss = Infinity;
  private bestEpoch: number | undefined;

  constructor(
    private readonly net: Network,
    private readonly s: EpochEndSettings,
  ) {
    this.best = s.patience === undefined ? undefined : new Float32Array(net.params.length);
  }

  /**
   * Ends epoch `epoch` (0-based) over `n` examples whose batch losses sum to `lossSum` (each
   * weighted by its batch's size) and of which `correct` were classified right (`correct` undefined
   * without labels). Returns why training stops here, or undefined to go on.
   */
  endEpoch(
    epoch: number,
    n: number,
    lossSum: number,
    correct: number | undefined,
    learningRate: number,
    epochStart: number,
  ): StopReason | undefined {
    const { net, s } = this;
    const epochSeconds = seconds(epochStart);
    const report: EpochReport = {
      epoch: epoch + 1,
      loss: lossSum / n,
      learningRate,
      seconds: epochSeconds,
      examplesPerSecond: n / epochSeconds,
      elapsed: 0,
    };
    if (correct !== undefined) report.accuracy = correct / n;
    let held: Evaluation | undefined;
    const { validation } = s;
    const { onEpoch } = s.options;
    if (validation) {
      held = evaluateConverted(net, validation, { loss: s.loss, decode: s.decode });
      report.validationLoss = held.loss;
      if (held.accuracy !== undefined) report.validationAccuracy = held.accuracy;
      if (net.task !== undefined) report.validationMetrics = held;
    }
    report.elapsed = seconds(this.started);
    this.history.push(report);
    onEpoch?.(report);
    if (this.best && held) {
      if (held.loss < this.bestLoss) {
        this.bestLoss = held.loss;
        this.bestEpoch = epoch + 1;
        this.best.set(net.params);
      } else if (epoch + 1 - (this.bestEpoch ?? 0) >= (s.patience ?? Infinity)) {
        return 'earlyStopping';
      }
    }
    if (s.targetLoss !== undefined && report.loss <= s.targetLoss) return 'targetLoss';
    return undefined;
  }

  /** The run's result; early stopping and a run to the last epoch leave the best weights in `net`. */
  result(stopReason: StopReason): FitResult {
    if ((stopReason === 'earlyStopping' || stopReason === 'epochs') && this.best && this.bestEpoch)
      this.net.params.set(this.best);
    return {
      history: this.history,
      stopReason,
      bestEpoch: this.bestEpoch,
      elapsed: seconds(this.started),
    };
  }
}

/** Seconds since `since` (a `performance.now()`). */
export function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

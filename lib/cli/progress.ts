/**
 * Training progress for the CLI: on a terminal, a cli-progress bar per epoch (running loss,
 * examples per second, ETA) replaced by a summary line when the epoch ends; otherwise one plain
 * line per epoch; with --json, one JSON line per epoch.
 */
import { SingleBar } from 'cli-progress';
import type { BatchReport, EpochReport } from '../train';
import type { Output } from './io';

/** Receives the training loop's reports. */
export interface TrainingProgress {
  batch(report: BatchReport): void;
  epoch(report: EpochReport): void;
  /** Remove any bar (before an error message or the final summary). */
  stop(): void;
}

/** The summary line of one epoch. */
export function epochLine(r: EpochReport, epochs: number, heldOut: 'validation' | 'test'): string {
  const width = String(epochs).length;
  const parts = [`epoch ${String(r.epoch).padStart(width)}/${epochs}`, `loss ${r.loss.toFixed(4)}`];
  if (r.accuracy !== undefined) parts.push(`train acc ${(r.accuracy * 100).toFixed(2)}%`);
  if (r.validationAccuracy !== undefined)
    parts.push(`${heldOut} acc ${(r.validationAccuracy * 100).toFixed(2)}%`);
  else if (r.validationLoss !== undefined)
    parts.push(`${heldOut} loss ${r.validationLoss.toFixed(4)}`);
  parts.push(
    `${r.seconds.toFixed(2)} s`,
    `${Math.round(r.examplesPerSecond).toLocaleString('en-US')} ex/s`,
  );
  return parts.join('  ');
}

/** The JSON record of one epoch. */
export function epochRecord(
  r: EpochReport,
  epochs: number,
  heldOut: 'validation' | 'test',
): Record<string, unknown> {
  return {
    type: 'epoch',
    epoch: r.epoch,
    epochs,
    loss: r.loss,
    accuracy: r.accuracy ?? null,
    heldOut,
    heldOutLoss: r.validationLoss ?? null,
    heldOutAccuracy: r.validationAccuracy ?? null,
    learningRate: r.learningRate,
    seconds: r.seconds,
    examplesPerSecond: r.examplesPerSecond,
    elapsed: r.elapsed,
  };
}

/** The progress display for `out` (bar, plain lines or JSON lines). */
export function createProgress(
  out: Output,
  epochs: number,
  heldOut: 'validation' | 'test',
): TrainingProgress {
  if (out.json) {
    return { batch() {}, epoch: (r) => out.record(epochRecord(r, epochs, heldOut)), stop() {} };
  }
  if (!out.interactive) {
    return { batch() {}, epoch: (r) => out.line(epochLine(r, epochs, heldOut)), stop() {} };
  }
  return new BarProgress(out, epochs, heldOut);
}

class BarProgress implements TrainingProgress {
  private bar: SingleBar | undefined;
  private lossSum = 0;
  private examples = 0;
  constructor(
    private readonly out: Output,
    private readonly epochs: number,
    private readonly heldOut: 'validation' | 'test',
  ) {}

  batch(r: BatchReport): void {
    const bar = !this.bar || r.batch === 1 ? this.begin(r) : this.bar;
    const count = r.examples - this.examples;
    this.lossSum += r.loss * count;
    this.examples = r.examples;
    bar.update(r.batch, {
      loss: (this.lossSum / Math.max(1, this.examples)).toFixed(4),
      speed: Math.round(r.examplesPerSecond).toLocaleString('en-US').padStart(7),
    });
  }

  epoch(r: EpochReport): void {
    this.stop();
    this.out.line(epochLine(r, this.epochs, this.heldOut));
  }

  stop(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
    }
  }

  private begin(r: BatchReport): SingleBar {
    this.stop();
    this.lossSum = 0;
    this.examples = 0;
    const width = String(this.epochs).length;
    this.bar = new SingleBar({
      format: `epoch ${String(r.epoch).padStart(width)}/${this.epochs} {bar} {percentage}% | loss {loss} | {speed} ex/s | ETA {eta_formatted}`,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      barsize: 28,
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: false,
      etaBuffer: 50,
      fps: 12,
      stream: this.out.io.stdout,
    });
    this.bar.start(r.batches, 0, { loss: '  -   ', speed: '      -' });
    return this.bar;
  }
}

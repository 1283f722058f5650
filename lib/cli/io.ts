/**
 * Where the CLI writes: text lines or JSON to stdout, messages to stderr, and whether stdout is
 * a terminal (progress bars only then).
 */

/** The CLI's output channels. */
export interface CliIo {
  /** stdout, as a stream (cli-progress draws on it). */
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** stderr. */
  stderr: NodeJS.WritableStream;
}

/** Text and JSON output for one command run. */
export class Output {
  /** `--json` was given: stdout carries only JSON. */
  readonly json: boolean;
  /** stdout is a terminal and not in JSON mode: bars may be drawn. */
  readonly interactive: boolean;
  constructor(
    readonly io: CliIo,
    json: boolean,
  ) {
    this.json = json;
    this.interactive =
      !json &&
      io.stdout.isTTY === true &&
      process.env.TERM !== 'dumb' &&
      process.env.CI === undefined;
  }

  /** A line of human-readable output (ignored in JSON mode). */
  line(text = ''): void {
    if (!this.json) this.io.stdout.write(`${text}\n`);
  }

  /** One JSON value on one line (JSON mode only). */
  record(value: unknown): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(value, jsonReplacer)}\n`);
  }

  /** A note on stderr (never mixed into stdout's data). */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}

/** JSON.stringify replacer: NaN/Infinity become null, typed arrays plain arrays. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

/**
 * When the reader of `stream` goes away (`blasnet info | head -1`), exit at once with status 0
 * and no message, as `yes | head -1` does: nobody is left to read the rest, and a pipeline run
 * with `set -o pipefail` should not fail because its reader had seen enough. (A C tool is killed
 * by SIGPIPE there; Node ignores SIGPIPE and reports EPIPE as an error event instead, which,
 * unhandled, was a stack trace and status 1.) `train` then stops without saving, like any tool
 * killed mid-pipeline; the model file is written atomically, so no half file is left either.
 * Other stream errors are rethrown.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WritableStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

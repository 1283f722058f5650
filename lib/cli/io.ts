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

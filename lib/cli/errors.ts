/**
 * The CLI's exit codes and its two error kinds: a usage error (the command line is wrong: exit 2)
 * and a runtime failure (the command line was fine but the work failed: exit 1).
 */

/**
 * What `blasnet` exits with.
 *
 * @example
 * ```ts
 * if (result.status === EXIT_CODES.usage) console.error('fix the command line');
 * ```
 */
export const EXIT_CODES = Object.freeze({
  /** Success. */
  ok: 0,
  /** A runtime failure: unreadable data or model, size mismatch, diverged training, native backend unavailable. */
  failure: 1,
  /** A usage error: unknown command or option, a bad option value, a missing argument. */
  usage: 2,
  /** Interrupted by Ctrl-C (SIGINT); `train` still saves the weights reached so far. */
  interrupted: 130,
});

/**
 * A wrong command line. Exit code 2; the message names the command whose help to read.
 * @example
 * ```ts
 * throw new UsageError('Expected an integer >= 1 for --epochs but received "abc"', 'train');
 * ```
 */
export class UsageError extends Error {
  readonly exitCode = EXIT_CODES.usage;
  readonly code = 'ERR_BLASNET_USAGE';
  /** The command it concerns, for the "run blasnet <command> --help" hint. */
  readonly command: string | undefined;
  /** @example `new UsageError('Missing <model>', 'evaluate')` */
  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/**
 * A runtime failure with a hint saying what to do. Exit code 1.
 * @example
 * ```ts
 * throw new CliError('ERR_BLASNET_IO', `Cannot read the model ${file}: no such file. Train one with 'blasnet train --out ${file}'.`);
 * ```
 */
export class CliError extends Error {
  readonly exitCode = EXIT_CODES.failure;
  readonly code: string;
  /** @example `new CliError('ERR_BLASNET_SHAPE', 'The model expects 784 inputs but the data has 196')` */
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
}

/** The exit code an error stands for: 2 for usage errors, else 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError ? EXIT_CODES.usage : EXIT_CODES.failure;
}

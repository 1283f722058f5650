#!/usr/bin/env node
/**
 * The `blasnet` command line: train, evaluate, predict, download, info.
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage error, 130 interrupted (see {@link EXIT_CODES}).
 */
import { parseArgs } from 'node:util';
import { version } from '../version';
import { closest, COMMON_OPTIONS } from './args';
import { downloadCommand } from './commands/download';
import { evaluateCommand } from './commands/evaluate';
import { exportCommand } from './commands/export';
import { infoCommand } from './commands/info';
import { predictCommand } from './commands/predict';
import { trainCommand } from './commands/train';
import { EXIT_CODES, exitCodeOf, UsageError } from './errors';
import { HELP, MAIN_HELP } from './help';
import { type CliIo, exitQuietlyOnClosedPipe, Output } from './io';

export { EXIT_CODES, UsageError, CliError } from './errors';

type Command = (args: string[], out: Output) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  train: trainCommand,
  evaluate: evaluateCommand,
  predict: predictCommand,
  download: downloadCommand,
  info: infoCommand,
  export: exportCommand,
};

/** The top level: `blasnet [--help|--version|--json] <command> ...`. */
async function dispatch(argv: string[], out: Output, io: CliIo): Promise<number> {
  const first = argv.findIndex((a) => !a.startsWith('-'));
  const globalArgs = first < 0 ? argv : argv.slice(0, first);
  const { values } = parseTopLevel(globalArgs);
  if (first < 0) {
    if (values.version) {
      if (out.json) out.record({ version });
      else io.stdout.write(`${version}\n`);
      return EXIT_CODES.ok;
    }
    if (values.help) {
      io.stdout.write(MAIN_HELP);
      return EXIT_CODES.ok;
    }
    throw new UsageError(
      'Missing <command>: one of train, evaluate, predict, download, info, export',
    );
  }
  const name = argv[first];
  // Global flags before the command (blasnet --json info) apply to it.
  const rest = [...globalArgs.filter((a) => a === '--json'), ...argv.slice(first + 1)];
  if (name === 'help') {
    const topic = argv[first + 1];
    if (topic === undefined) {
      io.stdout.write(MAIN_HELP);
      return EXIT_CODES.ok;
    }
    const text = HELP[topic];
    if (!text) throw unknownCommand(topic);
    io.stdout.write(text);
    return EXIT_CODES.ok;
  }
  const command = COMMANDS[name];
  if (!command) throw unknownCommand(name);
  if (values.help) {
    io.stdout.write(HELP[name]);
    return EXIT_CODES.ok;
  }
  return command(rest, out);
}

function parseTopLevel(args: string[]): {
  values: { help?: boolean; version?: boolean; json?: boolean };
} {
  try {
    return parseArgs({
      args,
      options: { ...COMMON_OPTIONS, version: { type: 'boolean', short: 'v' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    const option = /'([^']+)'/.exec((error as Error).message)?.[1] ?? (error as Error).message;
    throw new UsageError(
      `Unknown option ${option} (before the command; options of a command go after it: blasnet train --epochs 5)`,
    );
  }
}

function unknownCommand(name: string): UsageError {
  const guess = closest(name, Object.keys(COMMANDS));
  return new UsageError(
    `Unknown command ${JSON.stringify(name)}${guess ? ` (did you mean ${guess}?)` : ''}: expected one of train, evaluate, predict, download, info, export`,
  );
}

/**
 * Run the CLI on `argv` (without `node` and the script) and return the exit code. Errors are
 * printed, never thrown: a usage error gives 2, any other failure 1.
 *
 * @example
 * ```ts
 * const code = await main(['train', '--epochs', '3', '--out', 'digits.blasnet']);
 * process.exitCode = code;
 * ```
 */
export async function main(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  // --json is looked up before parsing so that even a parse error is reported as JSON.
  const json = argv.includes('--json');
  const out = new Output(io, json);
  try {
    return await dispatch(argv, out, io);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const code = exitCodeOf(e);
    const errorCode = (e as { code?: string }).code ?? 'ERR_BLASNET_INTERNAL';
    if (json) {
      io.stderr.write(
        `${JSON.stringify({ type: 'error', exitCode: code, code: errorCode, message: e.message })}\n`,
      );
    } else if (e instanceof UsageError) {
      io.stderr.write(
        `blasnet: ${e.message}\nRun 'blasnet ${e.command ? `${e.command} ` : ''}--help' for usage.\n`,
      );
    } else if (errorCode.startsWith('ERR_BLASNET')) {
      io.stderr.write(`blasnet: error: ${e.message}\n`);
    } else {
      io.stderr.write(`blasnet: unexpected error (please report it): ${e.stack ?? e.message}\n`);
    }
    return code;
  }
}

if (require.main === module) {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

/**
 * Command-line parsing on `node:util` parseArgs, with its errors turned into usage errors that
 * name the option and the command, and checked conversions of option values (same message form
 * as the library: `Expected <what> for <name> but received <value>`).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';

/** parseArgs option descriptors. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every command takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const satisfies OptionSpec;

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...new Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length][b.length];
}

/** The known name closest to `name`, when close enough to be a likely typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Parse `args` for `command` against `options` (strict: an unknown option is a usage error
 * naming it, with a suggestion when it looks like a typo).
 */
export function parseCommand<T extends OptionSpec>(
  command: string,
  args: string[],
  options: T,
  positionals: { min?: number; max?: number; names?: string } = {},
): {
  values: { [K in keyof T]?: T[K] extends { type: 'boolean' } ? boolean : string };
  positionals: string[];
} {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(e.message)?.[1] ?? e.message;
      const known = Object.keys(options).map((k) => `--${k}`);
      const guess = option.startsWith('--') ? closest(option, known) : undefined;
      throw new UsageError(
        `Unknown option ${option} for 'blasnet ${command}'${guess ? ` (did you mean ${guess}?)` : ''}`,
        command,
      );
    }
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new UsageError(
        `${e.message.replace(/^Option /, 'Option ')} (in 'blasnet ${command}')`,
        command,
      );
    }
    throw new UsageError(`${e.message} (in 'blasnet ${command}')`, command);
  }
  const values = parsed.values as {
    [K in keyof T]?: T[K] extends { type: 'boolean' } ? boolean : string;
  };
  if (!(values as { help?: boolean }).help) {
    const n = parsed.positionals.length;
    if (positionals.min !== undefined && n < positionals.min) {
      throw new UsageError(
        `Missing ${positionals.names ?? 'argument'} for 'blasnet ${command}'`,
        command,
      );
    }
    if (positionals.max !== undefined && n > positionals.max) {
      const extra = parsed.positionals[positionals.max];
      const hint = extra.startsWith('-') ? '' : ' (options start with --)';
      throw new UsageError(
        `Unexpected argument ${JSON.stringify(extra)} for 'blasnet ${command}'${hint}`,
        command,
      );
    }
  }
  return { values, positionals: parsed.positionals };
}

function received(value: string): string {
  return JSON.stringify(value);
}

/** An integer option in [min, max]. */
export function intOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    const what =
      max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new UsageError(`Expected ${what} for --${name} but received ${received(value)}`, command);
  }
  return n;
}

/** A finite number option in [min, max]. */
export function numberOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
  min = -Infinity,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    const what =
      max === Infinity
        ? min === -Infinity
          ? 'a number'
          : `a number >= ${min}`
        : `a number in [${min}, ${max}]`;
    throw new UsageError(`Expected ${what} for --${name} but received ${received(value)}`, command);
  }
  return n;
}

/** One of a list of names; aliases map extra spellings to names. */
export function choiceOption<T extends string>(
  command: string,
  name: string,
  value: string | undefined,
  fallback: T,
  allowed: readonly T[],
  aliases: Record<string, T> = {},
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  if (Object.hasOwn(aliases, value)) return aliases[value];
  throw new UsageError(
    `Expected one of ${allowed.join(', ')} for --${name} but received ${received(value)}`,
    command,
  );
}

/** A comma-separated list of positive integers, e.g. `784,100,10`. */
export function sizesOption(command: string, name: string, value: string): number[] {
  const parts = value.split(/[,x ]+/).filter((p) => p !== '');
  const sizes = parts.map(Number);
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 1 << 24)) {
    throw new UsageError(
      `Expected at least two comma-separated layer sizes like 784,100,10 for --${name} but received ${received(value)}`,
      command,
    );
  }
  return sizes;
}

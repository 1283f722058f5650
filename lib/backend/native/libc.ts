/**
 * Which prebuilt binary fits this system. On Linux a binary is tagged with the C library it was
 * built against, as prebuildify does (`prebuilds/linux-x64/blasnet.glibc.node`,
 * `blasnet.musl.node`), so a glibc build is never tried on musl (Alpine), where it would not
 * load or, with a glibc shim, could crash later. scripts/prebuild-target.js names the files the
 * same way for the install and prebuild scripts. Nothing here spawns a process.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Linux C library a prebuild can be built against. */
export type Libc = 'glibc' | 'musl';

/**
 * The C library this Node runs on (`null` off Linux), read from the libraries mapped into this
 * process (/proc/self/maps). Without /proc, the diagnostic report, which names a glibc version
 * only on glibc.
 */
export function runtimeLibc(): Libc | null {
  if (process.platform !== 'linux') return null;
  let maps: string | undefined;
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {
    // no /proc: ask the report below
  }
  const fromMaps = maps === undefined ? undefined : libcInMaps(maps);
  if (fromMaps) return fromMaps;
  return glibcVersion() === undefined ? 'musl' : 'glibc';
}

/**
 * The C library named by a process's memory map: musl's loader is ld-musl-<arch>.so.1; glibc
 * >= 2.34 maps libc.so.6 itself, older ones the versioned file (libc-2.31.so).
 */
export function libcInMaps(maps: string): Libc | undefined {
  if (/\/ld-musl-[^/\s]*\.so/.test(maps)) return 'musl';
  if (/\/libc(\.so\.6|-2\.\d+\.so)\b/.test(maps)) return 'glibc';
  return undefined;
}

/**
 * glibc's version in this process (`'2.36'`), or undefined off glibc. From the diagnostic report,
 * which takes tens of milliseconds, so only for messages, after a load has failed.
 */
export function glibcVersion(): string | undefined {
  const report = process.report?.getReport() as
    | { header?: { glibcVersionRuntime?: string } }
    | undefined;
  return report?.header?.glibcVersionRuntime;
}

/** The prebuilt binary for a platform, arch and C library, relative to the package root. */
export function prebuildRelative(platform: string, arch: string, libc: Libc | null): string {
  const name = platform === 'linux' ? `blasnet.${libc ?? 'glibc'}.node` : 'blasnet.node';
  return join('prebuilds', `${platform}-${arch}`, name);
}

/** The oldest C and C++ runtimes the Linux glibc prebuilds need (package.json's `binary`). */
export interface RuntimeMinimums {
  glibc?: string;
  glibcxx?: string;
}

/**
 * Why a prebuild failed to load, in words, when the dynamic loader refused it for a symbol
 * version this system's glibc or libstdc++ lacks (`version 'GLIBC_2.34' not found`): the
 * binary's minimums and what this system has. Undefined for any other failure.
 */
export function explainRuntimeTooOld(
  message: string,
  minimums: RuntimeMinimums,
): string | undefined {
  const missing = /version [`']((GLIBC|GLIBCXX|CXXABI)_[0-9.]+)' not found/.exec(message);
  if (!missing) return undefined;
  const have = glibcVersion();
  return (
    `this system's ${missing[2] === 'GLIBC' ? 'glibc' : 'libstdc++'} lacks ${missing[1]}: the prebuilt binaries need ` +
    `glibc >= ${minimums.glibc ?? '?'} and libstdc++ with GLIBCXX_${minimums.glibcxx ?? '?'} (GCC 12; Debian 12, Ubuntu 22.04 or newer)` +
    (have ? `, and this system has glibc ${have}` : '')
  );
}

/**
 * The prebuilt binaries the package holds, as `linux-x64 (glibc)`, `darwin-arm64`: for saying
 * what exists when none fits.
 */
export function shippedPrebuilds(root: string): string[] {
  const dir = join(root, 'prebuilds');
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const target of readdirSync(dir).sort()) {
    let files: string[];
    try {
      files = readdirSync(join(dir, target));
    } catch {
      continue;
    }
    for (const file of files.sort()) {
      const tag = /^blasnet\.(?:([a-z]+)\.)?node$/.exec(file);
      if (tag) found.push(tag[1] ? `${target} (${tag[1]})` : target);
    }
  }
  return found;
}

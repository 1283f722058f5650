// Where a prebuilt binary lives, shared by scripts/install.js and scripts/prebuild.js (the loader,
// lib/backend/native/libc.ts, follows the same rule):
//
//   prebuilds/<platform>-<arch>/blasnet.<libc>.node   on Linux, libc 'glibc' or 'musl' (the tag
//                                                      prebuildify uses), so a glibc build is
//                                                      never tried on musl (Alpine)
//   prebuilds/<platform>-<arch>/blasnet.node          elsewhere (one C library per OS)
const fs = require('node:fs');
const path = require('node:path');

/**
 * The C library this Node runs on: 'glibc' or 'musl' on Linux, null elsewhere. Read from the
 * libraries mapped into this process (no child process): musl's loader is ld-musl-*.so.1.
 */
function runtimeLibc() {
  if (process.platform !== 'linux') return null;
  try {
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    if (/\/ld-musl-[^/\s]*\.so/.test(maps)) return 'musl';
    // glibc >= 2.34 maps libc.so.6 itself; older ones map the versioned file, libc-2.31.so.
    if (/\/libc(\.so\.6|-2\.\d+\.so)\b/.test(maps)) return 'glibc';
  } catch {
    // No /proc: ask the diagnostic report, which names glibc's version only on glibc.
  }
  const header = process.report?.getReport?.().header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The prebuilt binary's path relative to the package root, for a platform, arch and libc. */
function prebuildRelative(platform, arch, libc) {
  const name = platform === 'linux' ? `blasnet.${libc}.node` : 'blasnet.node';
  return path.join('prebuilds', `${platform}-${arch}`, name);
}

module.exports = { runtimeLibc, prebuildRelative };

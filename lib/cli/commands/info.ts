/**
 * `blasnet info`: the backend in use, its BLAS and threads, the native binary, versions, and
 * why native is not in use when it is not.
 */
import * as os from 'node:os';
import { type BackendName, nativeAvailability } from '../../backend/select';
import { version } from '../../version';
import { choiceOption, COMMON_OPTIONS, parseCommand } from '../args';
import { cliBackend } from '../backend';
import { EXIT_CODES } from '../errors';
import { INFO_HELP } from '../help';
import type { Output } from '../io';

const OPTIONS = {
  ...COMMON_OPTIONS,
  backend: { type: 'string' },
} as const;

const C = 'info';

/** Run `blasnet info`. */
export async function infoCommand(args: string[], out: Output): Promise<number> {
  const { values } = parseCommand(C, args, OPTIONS, { max: 0 });
  if (values.help) {
    out.io.stdout.write(INFO_HELP);
    return EXIT_CODES.ok;
  }
  const env = process.env.BLASNET_BACKEND;
  const requested = choiceOption<BackendName>(
    C,
    'backend',
    values.backend ?? (env === '' ? undefined : env),
    'auto',
    ['auto', 'native', 'js'],
  );
  const be = cliBackend(requested, undefined);
  const info = be.info();
  const native = nativeAvailability();
  let fallbackReason: string | null = null;
  if (info.name === 'js')
    fallbackReason =
      requested === 'js' ? 'the js backend was requested' : (native.reason ?? 'unknown');
  const record = {
    version,
    backend: info.name,
    requested,
    blas: info.blas,
    threads: info.threads,
    binary: info.binary ?? null,
    nativeAvailable: native.available,
    fallbackReason,
    node: process.version,
    napi: process.versions.napi ?? null,
    platform: os.platform(),
    arch: os.arch(),
    cpus: os.cpus().length,
  };
  if (out.json) {
    out.record(record);
    return EXIT_CODES.ok;
  }
  out.line(`blasnet   ${version}`);
  out.line(
    `backend   ${info.name} (requested: ${requested}${values.backend === undefined && env ? ' via BLASNET_BACKEND' : ''})`,
  );
  out.line(`blas      ${info.blas}`);
  out.line(`threads   ${info.threads}`);
  out.line(`binary    ${info.binary ?? '-'}`);
  out.line(`native    ${native.available ? 'available' : 'not available'}`);
  if (fallbackReason) out.line(`fallback  ${fallbackReason.split('\n').join('\n          ')}`);
  out.line(
    `node      ${process.version} (N-API ${process.versions.napi ?? '?'}), ${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs`,
  );
  return EXIT_CODES.ok;
}

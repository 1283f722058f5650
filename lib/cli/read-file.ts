/**
 * How the CLI words a file it could not read. The files themselves are read by
 * readRegularFileSync (lib/regular-file.ts): regular files only, under a size cap, so a FIFO or a
 * device named by mistake is refused at once instead of blocking or reading forever.
 */

/** The reason in a user's words: "no such file", or the system's or blasnet's own message. */
export function readFailure(error: unknown): string {
  const cause = (error as { cause?: NodeJS.ErrnoException } | null)?.cause;
  if (cause?.code === 'ENOENT' || (error as NodeJS.ErrnoException | null)?.code === 'ENOENT')
    return 'no such file';
  const message = error instanceof Error ? error.message : String(error);
  // readRegularFileSync says "<file>: cannot read: <why>"; the CLI names the file itself.
  const why = message.indexOf(': cannot read: ');
  return why >= 0 ? message.slice(why + ': cannot read: '.length) : message;
}

/** The blasnet code to report: the error's own (IO, or FORMAT for a file over the cap), else IO. */
export function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_BLASNET_') ? code : 'ERR_BLASNET_IO';
}

/**
 * A problem that stops the server from starting (bad environment, unusable data directory, port
 * taken). `main` prints its message alone, without a stack, and exits with code 2.
 */
export class StartupError extends Error {}

/** What a file-system or SQLite error code means, in words a person starting the server can act on. */
const CAUSES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'a file of that name is in the way',
  EISDIR: 'a directory is where the database file should be',
  SQLITE_CANTOPEN: 'the database file cannot be opened',
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_CORRUPT: 'the database file is corrupt',
  SQLITE_FULL: 'the disk is full',
  EADDRINUSE: 'the port is already in use',
  EADDRNOTAVAIL: 'the address is not one of this machine’s',
  ENOTFOUND: 'the host name does not resolve',
};

/** "permission denied (EACCES)", or the error's own message when its code is not one we know. */
export function causeOf(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const known = code === undefined ? undefined : (CAUSES[code] ?? CAUSES[code.replace(/_[A-Z]+$/, '')]);
  if (known !== undefined) return `${known} (${code})`;
  return code === undefined ? String(e?.message ?? error) : `${e.message ?? 'error'} (${code})`;
}

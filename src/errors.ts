/** Exit codes of the command-line contract (sysexits). `src/cli.ts` is the only place that turns them into a process exit. */
export const ExitCode = {
  ok: 0,
  usage: 64,
  dataError: 65,
  noInput: 66,
  /** an output file cannot be created or written: its folder, a refused path (the database, an input), a full disk */
  cantCreate: 73,
  /** reading or writing failed on the way: a closed stdout, an I/O error */
  ioError: 74,
  internal: 70,
  tempFail: 75,
  config: 78,
  /** cancelled at a prompt with Ctrl-C (128 + SIGINT, as shells report it) */
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The kinds of error that scripts can tell apart by the `code` of the `--json` error document, beyond the word for
 * each exit code (`errorKindOfExit`). Stable: new kinds may be added, none is renamed.
 */
export type ErrorKind =
  | 'not_found'
  | 'ambiguous'
  | 'exists'
  | 'database_unreachable'
  | 'schema_newer'
  | 'lock_held'
  | 'database_busy'
  | 'concurrent_change';

/** A problem the user can fix: printed as one line (plus an optional hint), never with a stack trace. */
export class UserError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  /** what kind of error it is, for scripts (the `code` of the `--json` error document); else the exit code's word */
  readonly kind: ErrorKind | undefined;

  constructor(message: string, options: { exitCode?: ExitCode; hint?: string; kind?: ErrorKind } = {}) {
    super(message);
    this.name = 'UserError';
    this.exitCode = options.exitCode ?? ExitCode.usage;
    this.hint = options.hint;
    this.kind = options.kind;
  }
}

export const usageError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.usage, hint });
export const dataError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.dataError, hint });
export const inputError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.noInput, hint });
export const cantCreateError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.cantCreate, hint });
export const ioError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.ioError, hint });
export const configError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.config, hint });
export const tempError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.tempFail, hint });
/** A reference, name, number or id that matches nothing (65): `no plan named "Hot Dsk"`. */
export const notFoundError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.dataError, hint, kind: 'not_found' });

/** Something whose name or key must be unique exists already (65): a plan's name, a member's e-mail. */
export const existsError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.dataError, hint, kind: 'exists' });

/** The `code` of the `--json` error document of an error that names no kind of its own: a word for its exit code. */
export const errorKindOfExit: Record<number, string> = {
  [ExitCode.usage]: 'usage',
  [ExitCode.dataError]: 'data',
  [ExitCode.noInput]: 'no_input',
  [ExitCode.internal]: 'internal',
  [ExitCode.cantCreate]: 'cannot_create',
  [ExitCode.ioError]: 'io_error',
  [ExitCode.tempFail]: 'temporary',
  [ExitCode.config]: 'config',
  [ExitCode.cancelled]: 'cancelled',
};

/** The database refused because another connection holds a lock: safe to try again (exit 75). */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  // SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_TIMEOUT... are extended codes of SQLITE_BUSY
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)(_|$)/.test(code)) return true;
  return code === '55P03' /* pg lock_not_available */;
}

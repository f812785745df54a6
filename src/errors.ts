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

/** A problem the user can fix: printed as one line (plus an optional hint), never with a stack trace. */
export class UserError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, options: { exitCode?: ExitCode; hint?: string } = {}) {
    super(message);
    this.name = 'UserError';
    this.exitCode = options.exitCode ?? ExitCode.usage;
    this.hint = options.hint;
  }
}

export const usageError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.usage, hint });
export const dataError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.dataError, hint });
export const inputError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.noInput, hint });
export const cantCreateError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.cantCreate, hint });
export const ioError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.ioError, hint });
export const configError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.config, hint });
export const tempError = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.tempFail, hint });

/** The database refused because another connection holds a lock: safe to try again (exit 75). */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  // SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_TIMEOUT... are extended codes of SQLITE_BUSY
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)(_|$)/.test(code)) return true;
  return code === '55P03' /* pg lock_not_available */;
}

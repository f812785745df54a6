import type { ProblemCode } from '../core/kernel/problems.js';
import { ExitCode, UserError } from '../errors.js';

/**
 * A member file that cannot be read as a whole: missing or unreadable (66), not a spreadsheet memberctl reads (66),
 * or without a header row (65). `validate --json` and `import --json` turn it into their document, with the
 * file-level problem code docs/importing.md gives it, so that scripts always get one document.
 */
export class FileError extends UserError {
  readonly problemCode: Extract<ProblemCode, 'unreadable_file' | 'unsupported_format' | 'empty_file'>;

  constructor(problemCode: FileError['problemCode'], message: string, options: { exitCode: ExitCode; hint?: string }) {
    super(message, options);
    this.problemCode = problemCode;
  }
}

export const unreadableFile = (message: string, hint?: string) => new FileError('unreadable_file', message, { exitCode: ExitCode.noInput, hint });
export const unsupportedFormat = (message: string, hint?: string) => new FileError('unsupported_format', message, { exitCode: ExitCode.noInput, hint });
/** No header row: the file is empty, or holds nothing but empty rows. */
export const noHeaderRow = (message: string, hint?: string) => new FileError('empty_file', message, { exitCode: ExitCode.dataError, hint });

/**
 * The FileError (66) for a system error met opening or reading an input the user named (a member file, a Stripe
 * export, a plans file): what is wrong with the path, in words, never "this is a bug".
 */
export function inputFailure(file: string, error: unknown): FileError {
  const code = (error as { code?: unknown })?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return unreadableFile(`${file}: no such file`);
    case 'EISDIR':
      return unreadableFile(`${file} is a directory, not a file`);
    case 'EACCES':
    case 'EPERM':
      return unreadableFile(`${file} cannot be read: permission denied`);
    case 'ELOOP':
      return unreadableFile(`${file} cannot be read: it is a symbolic link loop`, 'Check where the link points (ls -l) and give the file itself.');
    case 'ENAMETOOLONG':
      return unreadableFile(`${file} cannot be read: its path is too long`, 'Move the file to a folder with a shorter path, or give a relative path.');
    case 'EMFILE':
    case 'ENFILE':
      return unreadableFile(`${file} cannot be read: too many files are open`, 'Close other programs, or raise the limit of open files (ulimit -n).');
    case 'EIO':
      return unreadableFile(`${file} cannot be read: input/output error`, 'Check the disk or the network share it is on, or copy the file elsewhere.');
    default:
      return unreadableFile(`${file} cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * The FileError that an error met while opening the inputs stands for, or null when it is not about an input:
 * a FileError, or any other 66 (a sheet the workbook does not have, a `--map` file that cannot be read).
 */
export function asFileError(error: unknown): FileError | null {
  if (error instanceof FileError) return error;
  if (error instanceof UserError && error.exitCode === ExitCode.noInput) {
    return new FileError('unreadable_file', error.message, { exitCode: error.exitCode, hint: error.hint });
  }
  return null;
}

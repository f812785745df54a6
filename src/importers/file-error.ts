import type { ProblemCode } from '../core/problems.js';
import { ExitCode, UserError } from '../errors.js';

/**
 * A member file that cannot be read as a whole: missing or unreadable (66), not a spreadsheet memberctl reads (66),
 * or without a header row (65). `validate --json` and `import --json` turn it into their document, with the
 * file-level problem code formats.md gives it, so that scripts always get one document.
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

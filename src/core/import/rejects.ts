import { UserError } from '../../errors.js';
import type { Cell } from '../../importers/types.js';
import { OutputFile } from '../../safe-file.js';
import { csvLines, utf8Bom } from '../../writers/cells.js';
import type { Problem } from '../kernel/problems.js';

/** The column added to a rejects file; a file with it can be fixed and imported again as it is (the column is ignored). */
export const errorColumn = 'Error';

const cellCsv = (cell: Cell | undefined): string => {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return cell;
  return cell.kind === 'date' ? cell.date : `=${cell.formula}`;
};

/** What went wrong with a row, in one cell: every error, with the column it concerns. */
export function rejectReason(problems: readonly Problem[]): string {
  return problems
    .filter((p) => p.severity === 'error')
    .map((p) => `${p.column ? `${p.column}: ` : ''}${p.message}${p.suggestion ? ` (did you mean "${p.suggestion}"?)` : ''}`)
    .join('; ');
}

/**
 * The rejected rows of an import, as a UTF-8 CSV (with a BOM, for spreadsheet programs) with the original
 * headers and cells plus an `Error` column, through the shared cell writer (a cell a spreadsheet would run as a
 * formula gets an apostrophe, which the importer takes off again). Written through the safe-file module and moved
 * into place by `commit`, so a failed import leaves no half-written rejects file; into a device or a pipe it is
 * copied by `commit` instead. `imported` says whether the import is committed already when rows are added (Stripe
 * imports write their rejects after the transaction), for the message of a failure.
 */
export class RejectsFile {
  readonly file: string;
  private readonly width: number;
  private readonly headers: readonly string[];
  private readonly imported: boolean;
  private out: OutputFile | null = null;
  count = 0;

  constructor(file: string, headers: readonly string[], width: number, options: { imported?: boolean } = {}) {
    this.file = file;
    this.headers = headers;
    this.width = Math.max(width, headers.length);
    this.imported = options.imported ?? false;
  }

  add(cells: readonly Cell[], reason: string): void {
    try {
      if (this.out === null) {
        this.out = OutputFile.create(this.file, '--rejects');
        const header = [...this.headers, ...Array.from({ length: this.width - this.headers.length }, () => ''), errorColumn];
        this.out.write(`${utf8Bom}${csvLines([header])}`);
      }
      const row = Array.from({ length: this.width }, (_, i) => cellCsv(cells[i]));
      this.out.write(csvLines([[...row, reason]]));
    } catch (error) {
      throw this.failed(error, this.imported);
    }
    this.count += 1;
  }

  /**
   * Moves the file into place; returns its name, or null when no row was rejected. `imported`: whether the import
   * committed (it did unless it changed nothing).
   */
  commit(imported = true): string | null {
    if (this.out === null) return null;
    const out = this.out;
    this.out = null;
    try {
      out.commit();
    } catch (error) {
      throw this.failed(error, imported);
    }
    return this.file;
  }

  discard(): void {
    this.out?.discard();
    this.out = null;
  }

  /** The error of a failed write, saying what became of the import. */
  private failed(error: unknown, imported: boolean): unknown {
    if (!(error instanceof UserError)) return error;
    this.discard();
    const after = imported
      ? '. The import itself is committed (`memberctl import list` shows it): once the file can be written, run the same import again to write the rejected rows (the rows imported already stay as they are)'
      : '; nothing was imported';
    return new UserError(`${error.message}${after}`, { exitCode: error.exitCode, hint: error.hint });
  }
}

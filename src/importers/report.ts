import path from 'node:path';
import type { Writable } from 'node:stream';
import type { ProblemList } from '../core/kernel/problem-list.js';
import { documented, type Problem } from '../core/kernel/problems.js';
import { usageError } from '../errors.js';
import { type OutputFile, writeOutput } from '../safe-file.js';
import { csvLines, utf8Bom, xlsxCell } from '../writers/cells.js';
import { drained } from '../writers/drained.js';
import { jsonDocumentPieces } from '../writers/json-document.js';
import { openTable } from './open-table.js';
import type { Cell } from './types.js';

/** What `validate --json` prints; the .json report is the same document. */
export interface ValidationReport {
  file: string;
  source: 'template' | 'stripe';
  rows: number;
  valid: boolean;
  errors: number;
  warnings: number;
  /** in file order: file-level problems first, then by row */
  problems: ProblemList | readonly Problem[];
}

export type ReportFormat = 'json' | 'csv' | 'xlsx';

/** The report format from the file's extension; anything else is a usage error (64). */
export function reportFormat(file: string): ReportFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json' || ext === '.csv' || ext === '.xlsx') return ext.slice(1) as ReportFormat;
  throw usageError(`--report ${file}: the report must end in .json, .csv or .xlsx`);
}

const problemColumns = ['Row', 'Column', 'Value', 'Code', 'Severity', 'Message', 'Suggestion'] as const;
const problemCells = (p: Problem) => [p.row ?? '', p.column ?? '', p.value ?? '', p.code, p.severity, p.message, p.suggestion ?? ''];

function* mapped<T, U>(items: Iterable<T>, f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}

/** The rows an xlsx sheet holds, its header included. */
export const xlsxMaxRows = 1_048_576;
/** Cells of the Data sheet that get a comment; past them, cells are still coloured and the Problems sheet says it all. */
export const xlsxMaxNotes = 10_000;
const csvBatch = 2000;

/**
 * Writes the validation report, every problem in it however many there are. `.json`: the validate document. `.csv`:
 * one line per problem. `.xlsx`: a copy of the data (`sheet` of `source`) with error cells filled red, warning
 * cells yellow and cells with a note (a computed value) blue, the first `xlsxMaxNotes` of them with a comment saying what is wrong, and a Problems sheet listing
 * every problem (continued on "Problems 2"... past an xlsx sheet's rows). Written through the safe-file module
 * (`--report`): whole or not at all.
 */
export async function writeReport(
  reportFile: string,
  report: ValidationReport,
  source: { file: string; sheet?: string | undefined },
  /** the rows of an xlsx sheet; smaller only in tests of the Problems sheet's continuation */
  sheetRows = xlsxMaxRows,
): Promise<void> {
  const format = reportFormat(reportFile);
  if (format === 'xlsx' && report.rows + 1 > sheetRows) {
    throw usageError(
      `--report ${reportFile}: ${source.file} has ${report.rows} rows, more than an xlsx sheet holds (${sheetRows}, the header included)`,
      'Write the report as .csv or .json: they have no such limit.',
    );
  }
  await writeOutput(reportFile, '--report', async (out) => {
    switch (format) {
      case 'json':
        for (const piece of jsonDocumentPieces({ ...report }, 'problems', mapped(report.problems, documented))) out.write(piece);
        return;
      case 'csv': {
        out.write(`${utf8Bom}${csvLines([[...problemColumns]])}`);
        let batch: Array<ReturnType<typeof problemCells>> = [];
        for (const p of report.problems) {
          batch.push(problemCells(documented(p)));
          if (batch.length >= csvBatch) {
            out.write(csvLines(batch));
            batch = [];
          }
        }
        if (batch.length > 0) out.write(csvLines(batch));
        return;
      }
      case 'xlsx':
        await writeXlsxReport(out, report, source, sheetRows);
        return;
    }
  });
}

const fills = {
  error: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFF9999' } },
  warning: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFFF66' } },
  info: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFCCE5FF' } },
} as const;

// Values are copied as they are, as text cells (never formulas: xlsxCell); a formula without a value is shown as
// its text.
const cellValue = (cell: Cell | undefined): string | Date | null => {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'string') return cell;
  if (cell.kind === 'date') return new Date(`${cell.date}T00:00:00Z`);
  return `=${cell.formula}`;
};

/**
 * exceljs writes a sheet's rows into its zip without waiting for the compression, which runs off the main thread:
 * left alone, a large sheet piles up in memory ahead of it. Every few thousand rows, this waits until the
 * compression of the sheet's part has caught up (or, before the zip reaches the part, until little is waiting).
 */
function pacer(): (sheet: unknown) => Promise<void> {
  let rows = 0;
  return async (sheet) => {
    rows += 1;
    if (rows % 2000 !== 0) return;
    const part = (sheet as { stream?: { pipes?: Array<Writable & { _writableState?: { needDrain?: boolean } }>; buffers?: unknown[] } }).stream;
    for (;;) {
      // the zip's stream into the compression (archiver's readable-stream PassThrough, which has no writableNeedDrain)
      const compression = part?.pipes?.[0];
      if (compression) {
        if (compression.writableNeedDrain ?? compression._writableState?.needDrain) await drained(compression);
        return;
      }
      // 64 KB buffers of the part, waiting for the zip to reach it
      if ((part?.buffers?.length ?? 0) < 64) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
}

async function writeXlsxReport(out: OutputFile, report: ValidationReport, source: { file: string; sheet?: string | undefined }, sheetRows: number): Promise<void> {
  const { default: ExcelJS } = await import('exceljs');
  const table = await openTable(source.file, { sheet: source.sheet });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out.stream(), useSharedStrings: false, useStyles: true });
  const keepUp = pacer();
  const data = workbook.addWorksheet('Data', { views: [{ state: 'frozen', ySplit: table.headerRow }] });

  // the problems are in row order, as the rows are: each row takes those of its number as it is written
  const columnIndex = new Map(table.headers.map((h, i) => [h, i]));
  const pending = report.problems[Symbol.iterator]();
  let next = pending.next();
  const problemsOf = (rowNumber: number): Map<number, Problem[]> | undefined => {
    while (!next.done && (next.value.row === null || next.value.row < rowNumber)) next = pending.next();
    let marks: Map<number, Problem[]> | undefined;
    while (!next.done && next.value.row === rowNumber) {
      const p = next.value;
      const col = p.column !== null && columnIndex.has(p.column) ? columnIndex.get(p.column)! : 0;
      marks ??= new Map();
      marks.set(col, [...(marks.get(col) ?? []), p]);
      next = pending.next();
    }
    return marks;
  };
  let notes = 0;
  const mark = (row: { getCell(i: number): any }, marks: Map<number, Problem[]> | undefined) => {
    if (!marks) return;
    for (const [col, problems] of marks) {
      const cell = row.getCell(col + 1);
      cell.fill = problems.some((p) => p.severity === 'error') ? fills.error : problems.some((p) => p.severity === 'warning') ? fills.warning : fills.info;
      // comments wait in memory until the sheet is done: past the first ones, the Problems sheet says what is wrong
      if (notes >= xlsxMaxNotes) continue;
      notes += 1;
      cell.note = problems.map((p) => `${p.severity}: ${p.message}${p.suggestion ? ` (did you mean "${p.suggestion}"?)` : ''} [${p.code}]`).join('\n');
    }
  };

  // every row keeps its number from the source file, so "row 14" in a message is row 14 here too
  const header = data.getRow(table.headerRow);
  table.headers.forEach((h, i) => {
    header.getCell(i + 1).value = xlsxCell(h);
  });
  header.font = { bold: true };
  mark(header, problemsOf(table.headerRow));
  header.commit();
  for await (const raw of table.rows) {
    const row = data.getRow(raw.row);
    raw.cells.forEach((cell, i) => {
      const value = cellValue(cell);
      const target = row.getCell(i + 1);
      target.value = xlsxCell(value);
      if (value instanceof Date) target.numFmt = 'yyyy-mm-dd';
    });
    mark(row, problemsOf(raw.row));
    row.commit();
    await keepUp(data);
  }
  data.commit();

  const problemsSheet = (n: number) => {
    const sheet = workbook.addWorksheet(n === 1 ? 'Problems' : `Problems ${n}`, { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = problemColumns.map((header) => ({ header, width: header === 'Message' ? 70 : 14 }));
    sheet.getRow(1).font = { bold: true };
    return sheet;
  };
  let sheets = 1;
  let sheet = problemsSheet(sheets);
  let rows = 1;
  for (const p of report.problems) {
    if (rows >= sheetRows) {
      sheet.commit();
      sheets += 1;
      sheet = problemsSheet(sheets);
      rows = 1;
    }
    const row = sheet.addRow(problemCells(p).map(xlsxCell));
    row.getCell(5).fill = fills[p.severity];
    row.commit();
    rows += 1;
    await keepUp(sheet);
  }
  sheet.commit();
  await workbook.commit();
}

import path from 'node:path';
import { documented, type Problem } from '../core/problems.js';
import { usageError } from '../errors.js';
import { type OutputFile, writeOutput } from '../safe-file.js';
import { csvLines, utf8Bom, xlsxCell } from '../writers/cells.js';
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
  problems: Problem[];
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

/**
 * Writes the validation report. `.json`: the validate document. `.csv`: one line per problem. `.xlsx`: a copy of the
 * data (`sheet` of `source`) with error cells filled red and warning cells yellow, each with a comment saying what is
 * wrong, and a Problems sheet listing every problem. Written through the safe-file module (`--report`): whole or
 * not at all.
 */
export async function writeReport(reportFile: string, report: ValidationReport, source: { file: string; sheet?: string | undefined }): Promise<void> {
  const format = reportFormat(reportFile);
  await writeOutput(reportFile, '--report', async (out) => {
    switch (format) {
      case 'json':
        out.write(`${JSON.stringify({ ...report, problems: report.problems.map(documented) }, null, 2)}\n`);
        return;
      case 'csv':
        out.write(`${utf8Bom}${csvLines([[...problemColumns], ...report.problems.map((p) => problemCells(documented(p)))])}`);
        return;
      case 'xlsx':
        await writeXlsxReport(out, report, source);
        return;
    }
  });
}

const fills = {
  error: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFF9999' } },
  warning: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFFF66' } },
} as const;

// Values are copied as they are, as text cells (never formulas: xlsxCell); a formula without a value is shown as
// its text.
const cellValue = (cell: Cell | undefined): string | Date | null => {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'string') return cell;
  if (cell.kind === 'date') return new Date(`${cell.date}T00:00:00Z`);
  return `=${cell.formula}`;
};

async function writeXlsxReport(out: OutputFile, report: ValidationReport, source: { file: string; sheet?: string | undefined }): Promise<void> {
  const { default: ExcelJS } = await import('exceljs');
  const table = await openTable(source.file, { sheet: source.sheet });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out.stream(), useSharedStrings: false, useStyles: true });
  const data = workbook.addWorksheet('Data', { views: [{ state: 'frozen', ySplit: table.headerRow }] });

  // problems by row, then by column index (a problem without a column marks the row's first cell)
  const columnIndex = new Map(table.headers.map((h, i) => [h, i]));
  const byRow = new Map<number, Map<number, Problem[]>>();
  for (const p of report.problems) {
    if (p.row === null) continue;
    const col = p.column !== null && columnIndex.has(p.column) ? columnIndex.get(p.column)! : 0;
    const row = byRow.get(p.row) ?? new Map<number, Problem[]>();
    row.set(col, [...(row.get(col) ?? []), p]);
    byRow.set(p.row, row);
  }
  const mark = (row: { getCell(i: number): any }, marks: Map<number, Problem[]> | undefined) => {
    if (!marks) return;
    for (const [col, problems] of marks) {
      const cell = row.getCell(col + 1);
      cell.fill = problems.some((p) => p.severity === 'error') ? fills.error : fills.warning;
      cell.note = problems.map((p) => `${p.severity}: ${p.message}${p.suggestion ? ` (did you mean "${p.suggestion}"?)` : ''} [${p.code}]`).join('\n');
    }
  };

  // every row keeps its number from the source file, so "row 14" in a message is row 14 here too
  const header = data.getRow(table.headerRow);
  table.headers.forEach((h, i) => {
    header.getCell(i + 1).value = xlsxCell(h);
  });
  header.font = { bold: true };
  mark(header, byRow.get(table.headerRow));
  header.commit();
  for await (const raw of table.rows) {
    const row = data.getRow(raw.row);
    raw.cells.forEach((cell, i) => {
      const value = cellValue(cell);
      const target = row.getCell(i + 1);
      target.value = xlsxCell(value);
      if (value instanceof Date) target.numFmt = 'yyyy-mm-dd';
    });
    mark(row, byRow.get(raw.row));
    row.commit();
  }
  data.commit();

  const sheet = workbook.addWorksheet('Problems', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = problemColumns.map((header) => ({ header, width: header === 'Message' ? 70 : 14 }));
  sheet.getRow(1).font = { bold: true };
  for (const p of report.problems) {
    const row = sheet.addRow(problemCells(p).map(xlsxCell));
    row.getCell(5).fill = fills[p.severity];
    row.commit();
  }
  sheet.commit();
  await workbook.commit();
}

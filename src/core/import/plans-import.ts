import type { Queryable } from '../../db/connect.js';
import type { Cell, Table } from '../../importers/types.js';
import type { AuditSource } from '../kernel/audit.js';
import {
  defaultPlanValues,
  findPlan,
  insertPlan,
  replacePlanValues,
  type PlanField,
  type PlanInput,
  type PlanValues,
  planValues,
  validatePlanInput,
} from '../billing/plans.js';
import { cellCharacterProblems } from '../kernel/cell-characters.js';
import { type Problem, type ProblemCode, problem } from '../kernel/problems.js';
import { normalizeName } from '../kernel/suggest.js';

/** Columns of a plans file, with English and French headers. */
const planColumns: Array<{ field: PlanField; header: string; aliases: string[]; required?: boolean }> = [
  { field: 'name', header: 'Name', aliases: ['name', 'plan', 'plan name', 'nom', 'nom du forfait', 'forfait'], required: true },
  { field: 'price', header: 'Price', aliases: ['price', 'amount', 'prix', 'montant', 'tarif'], required: true },
  { field: 'currency', header: 'Currency', aliases: ['currency', 'devise', 'monnaie'] },
  { field: 'interval', header: 'Interval', aliases: ['interval', 'intervalle', 'periodicite'] },
  { field: 'every', header: 'Every', aliases: ['every', 'interval count', 'tous les'] },
  { field: 'taxRate', header: 'Tax rate', aliases: ['tax rate', 'tax', 'vat', 'taux de tva', 'tva', 'taxe'] },
  { field: 'credits', header: 'Credits', aliases: ['credits'] },
  { field: 'passes', header: 'Passes', aliases: ['passes', 'pass'] },
  { field: 'autoRenew', header: 'Auto renew', aliases: ['auto renew', 'auto-renew', 'renouvellement automatique'] },
];

const fieldCode: Record<PlanField, ProblemCode> = {
  name: 'invalid_value',
  price: 'invalid_number',
  currency: 'invalid_value',
  interval: 'invalid_value',
  every: 'invalid_number',
  taxRate: 'invalid_number',
  credits: 'invalid_number',
  passes: 'invalid_number',
  autoRenew: 'invalid_boolean',
};

export interface PlanRow {
  row: number;
  values: PlanValues;
  given: Set<PlanField>;
  /** the Name column as headed in the file */
  nameColumn: string;
}

export interface PlanRows {
  /** the rows without an error, ready for `applyPlanRows` */
  rows: PlanRow[];
  problems: Problem[];
  /** every data row read, rejected ones included */
  dataRows: number;
  /** fully empty rows skipped between the header and the last data row */
  emptyRows: number;
}

const cellText = (cell: Cell | undefined): string => {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return cell;
  return cell.kind === 'date' ? cell.date : '';
};

/**
 * Reads and validates every row of a plans file. A row naming a plan in `existing` is read against that plan:
 * its empty cells keep the plan's values (so an empty Price is no error) and amounts use its currency.
 * Never throws for bad data: every problem of every row is returned.
 */
export async function readPlanRows(table: Table, defaultCurrency: string, existing: ReadonlyMap<string, PlanValues> = new Map()): Promise<PlanRows> {
  const problems: Problem[] = [...table.problems];
  const columnOf = new Map<PlanField, number>();
  table.headers.forEach((header, index) => {
    const key = normalizeName(header);
    const column = planColumns.find((c) => c.aliases.includes(key));
    if (!column) {
      if (header.trim() !== '') {
        problems.push(problem({ row: table.headerRow, column: header, code: 'unknown_column', severity: 'warning', message: `column "${header}" is not a plan column and is ignored` }));
      }
      return;
    }
    if (columnOf.has(column.field)) {
      problems.push(problem({ row: table.headerRow, column: header, code: 'duplicate_column', severity: 'error', message: `column ${column.header} appears twice` }));
      return;
    }
    columnOf.set(column.field, index);
  });
  for (const column of planColumns) {
    if (column.required && !columnOf.has(column.field)) {
      problems.push(problem({ column: column.header, code: 'missing_column', severity: 'error', message: `the file has no ${column.header} column` }));
    }
  }
  // only the plan columns are imported: only their cells may keep a row out
  const imported = new Set(columnOf.values());
  problems.push(...cellCharacterProblems(table.headerRow, table.headers, [], imported));
  const rows: PlanRow[] = [];
  if (problems.some((p) => p.severity === 'error')) return { rows, problems, dataRows: 0, emptyRows: 0 };

  const headerOf = (field: PlanField) => table.headers[columnOf.get(field) ?? -1] ?? planColumns.find((c) => c.field === field)!.header;
  const seen = new Map<string, number>();
  for await (const raw of table.rows) {
    if (raw.cells.length > table.headers.length && raw.cells.slice(table.headers.length).some((c) => cellText(c) !== '')) {
      problems.push(problem({ row: raw.row, code: 'extra_cells', severity: 'error', message: `row has ${raw.cells.length} cells but the header has ${table.headers.length}` }));
      continue;
    }
    const rowProblems: Problem[] = cellCharacterProblems(raw.row, raw.cells, table.headers, imported);
    const fail = (field: PlanField, value: string, code: ProblemCode, message: string) =>
      rowProblems.push(problem({ row: raw.row, column: headerOf(field), value, code, severity: 'error', message }));
    // an empty cell is not given: a new plan gets the default, an existing plan keeps its value
    const input: PlanInput = {};
    const given = new Set<PlanField>();
    for (const [field, index] of columnOf) {
      const cell = raw.cells[index];
      if (typeof cell === 'object' && cell?.kind === 'formula') {
        fail(field, `=${cell.formula}`, 'formula_without_value', `the formula =${cell.formula} has no saved result: open the file in a spreadsheet program, let it calculate, and save it again`);
        continue;
      }
      const text = cellText(cell);
      if (text === '') continue;
      input[field] = text;
      given.add(field);
    }
    const name = input.name?.trim() ?? '';
    const current = name === '' ? undefined : existing.get(name);
    const { values, errors } = validatePlanInput(input, current ?? defaultPlanValues(defaultCurrency));
    if (!given.has('name') && !rowProblems.some((p) => p.column === headerOf('name'))) fail('name', '', 'required', 'a plan needs a name');
    for (const e of errors) fail(e.field, e.value, fieldCode[e.field], e.message);
    if (!given.has('price') && !current && !rowProblems.some((p) => p.column === headerOf('price'))) fail('price', '', 'required', 'a new plan needs a price');
    const validName = given.has('name') && !errors.some((e) => e.field === 'name');
    const first = validName ? seen.get(values.name) : undefined;
    if (first !== undefined) {
      fail('name', values.name, 'duplicate_name', `plan "${values.name}" is already on row ${first}`);
    } else if (validName) seen.set(values.name, raw.row);
    problems.push(...rowProblems);
    if (rowProblems.length === 0) rows.push({ row: raw.row, values, given, nameColumn: headerOf('name') });
  }
  return { rows, problems, dataRows: table.stats.dataRows, emptyRows: table.stats.emptyRows };
}

export interface PlansImportResult {
  created: string[];
  updated: string[];
  unchanged: string[];
  problems: Problem[];
}

const sameValues = (a: PlanValues, b: PlanValues) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Applies validated plan rows: new names are added; an existing name is unchanged when equal, updated with
 * `update`, else a `conflict_existing` error. Call inside a transaction: the caller rolls back on errors.
 */
export async function applyPlanRows(db: Queryable, rows: PlanRow[], options: { update: boolean }, source: AuditSource): Promise<PlansImportResult> {
  const result: PlansImportResult = { created: [], updated: [], unchanged: [], problems: [] };
  for (const row of rows) {
    const existing = await findPlan(db, row.values.name);
    if (!existing) {
      await insertPlan(db, row.values, source);
      result.created.push(row.values.name);
      continue;
    }
    // columns left empty keep the existing plan's value
    const current = planValues(existing);
    const merged: PlanValues = { ...current };
    for (const field of row.given) Object.assign(merged, { [field]: row.values[field] });
    if (sameValues(merged, current)) {
      result.unchanged.push(row.values.name);
      continue;
    }
    if (!options.update) {
      result.problems.push(problem({ row: row.row, column: row.nameColumn, value: row.values.name, code: 'conflict_existing', severity: 'error', message: `plan "${row.values.name}" exists with other values; use --update to change it` }));
      continue;
    }
    await replacePlanValues(db, existing, merged, source);
    result.updated.push(row.values.name);
  }
  return result;
}

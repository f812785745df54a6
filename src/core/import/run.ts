/**
 * Validating and importing a member file, in two passes over its rows: the first collects compact keys
 * (scan.ts), the second validates each row (validate-rows.ts) and, for an import, writes it (write-import.ts),
 * all in one transaction. A file small enough is kept in memory between the passes; a large one is read twice,
 * so memory stays bounded by the keys, not the rows.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'kysely';
import { type Db, type Queryable, withRollbackJournal } from '../../db/connect.js';
import { openTable } from '../../importers/open-table.js';
import type { Cell, RawRow, Table } from '../../importers/types.js';
import { type AuditSource, auditSource } from '../kernel/audit.js';
import type { DateConvention } from '../kernel/dates.js';
import { withJobLock } from '../kernel/lock.js';
import { cellCharacterProblems } from '../kernel/cell-characters.js';
import { ProblemList } from '../kernel/problem-list.js';
import { type Problem, problem } from '../kernel/problems.js';
import { orgCountry } from '../org/org-store.js';
import { getSetting } from '../kernel/settings.js';
import { bulkTarget, deferIndexes } from '../kernel/bulk.js';
import { type Existing, loadExisting } from './existing.js';
import { buildLayout, type DateReading, type ImportMode, type Layout } from './member-row.js';
import { type PayerResolution, resolvePayers } from './resolve-payers.js';
import { type DelegateResolution, noDelegates, resolveDelegates } from './resolve-delegates.js';
import { writeDelegates } from './write-delegates.js';
import { RejectsFile, rejectReason } from './rejects.js';
import { emptyIndex, type FileIndex, indexProblems, inferredConvention, scanRow } from './scan.js';
import { personRows } from './person-rows.js';
import { type CheckedRow, checkRow, findCompanyVariants, planSuggester, type RowChecks, templateRow } from './validate-rows.js';
import { bindMapping, type ColumnMapping } from './column-mapping.js';
import { type NextInvoiceRule, nextInvoiceHeaderProblems } from './next-invoice.js';
import { type Preset, presetAdvice, presetMapping } from './presets.js';
import { readDate } from './values.js';
import { guessColumns, missingColumns, sampleRows, suggestMissingColumns } from './column-guess.js';
import { bindCompanyMap, type CompanyMap, checkCompanyMap } from './company-spellings.js';
import { countRowWidth, noRowWidths, rowWidth } from './header-mapping.js';
import { type ImportCounts, ImportWriter, noCounts } from './write-import.js';

export type Phase = 'scan' | 'check';

export interface ReadOptions {
  /** the file as messages and results name it */
  file: string;
  /** where it is read, when not at `file` (a copy of standard input or of a pipe: importers/input-file.ts) */
  path?: string | undefined;
  sheet?: string | undefined;
  /** --date-format; null infers the convention from the file */
  dateFormat?: DateConvention | null;
  mode: ImportMode;
  /** the date the import acts as of */
  today: string;
  /** plan names of the file -> existing plan names */
  planMap?: ReadonlyMap<string, string>;
  /** how the file's columns feed the template's (--column, --columns); none: the file is in the template layout */
  columns?: ColumnMapping | undefined;
  /** --preset: the vendor export the file is, read through its mapping under `columns` */
  preset?: Preset | undefined;
  /** --next-invoice: how a membership without a next invoice date gets one */
  nextInvoice?: NextInvoiceRule | null;
  /** which company each spelling of the file is (--companies and the answers to prompts) */
  companies?: CompanyMap | undefined;
  /** --strict-companies: company spellings that differ only by formatting are errors */
  strictCompanies?: boolean | undefined;
  /** called every few thousand rows of each pass, and at the end of it */
  onRows?: (phase: Phase, rows: number) => void;
}

export interface Analysis {
  table: Table;
  layout: Layout;
  /** problems of the whole file: reading, headers, dates */
  fileProblems: Problem[];
  /** the headers have an error: rows are not checked */
  fatal: boolean;
  index: FileIndex;
  existing: Existing;
  payers: PayerResolution;
  delegates: DelegateResolution;
  checks: RowChecks;
  /** the widest row, in cells */
  width: number;
  rows: () => AsyncIterable<RawRow>;
}

/** Characters of cells kept in memory between the passes before falling back to reading the file again. */
const memoryBudget = 40_000_000;
const progressEvery = 2000;

// A kept row is one string: its cells joined by a separator, a date cell and a formula cell marked by their first
// character, an empty cell empty (the readers never give ''). A hundred thousand strings cost a fraction of a
// hundred thousand arrays of cells, and survive garbage collections without growing the heap.
const separator = '\u0000';
const dateMark = '\u0001';
const formulaMark = '\u0002';
const special = /[\u0000-\u0002]/;

function pack(row: RawRow): string | null {
  const parts: string[] = [];
  for (const cell of row.cells) {
    if (cell === null || cell === undefined) parts.push('');
    else if (typeof cell === 'string') {
      if (special.test(cell)) return null;
      parts.push(cell);
    } else if (cell.kind === 'date') parts.push(dateMark + cell.date);
    else {
      if (special.test(cell.formula)) return null;
      parts.push(formulaMark + cell.formula);
    }
  }
  // the trailing empty cells of a wider row (RawRow.width) as empty parts: the cells themselves never end with one
  for (let i = row.cells.length; i < (row.width ?? 0); i += 1) parts.push('');
  // join gives one flat string; appending with += would keep a rope of every cell alive
  return parts.join(separator);
}

function unpack(row: number, packed: string): RawRow {
  if (packed === '') return { row, cells: [] };
  const parts = packed.split(separator);
  let end = parts.length;
  while (end > 0 && parts[end - 1] === '') end -= 1;
  const cells = (end === parts.length ? parts : parts.slice(0, end)).map((text): Cell => {
    if (text === '') return null;
    if (text[0] === dateMark) return { kind: 'date', date: text.slice(1) };
    if (text[0] === formulaMark) return { kind: 'formula', formula: text.slice(1) };
    return text;
  });
  return end === parts.length ? { row, cells } : { row, cells, width: parts.length };
}

/** Keeps the rows of the first pass while they fit in the budget. */
class RowMemory {
  private numbers: number[] | null = [];
  /** packed cells, or the row itself when its text holds a separator */
  private rows: Array<string | RawRow> = [];
  private size = 0;

  keep(row: RawRow): void {
    if (this.numbers === null) return;
    const packed = pack(row);
    this.size += 16 + (packed?.length ?? 1000);
    if (this.size > memoryBudget) {
      this.numbers = null;
      this.rows = [];
      return;
    }
    this.numbers.push(row.row);
    this.rows.push(packed ?? row);
  }

  /** The rows again, or null when they did not fit. */
  replay(): (() => AsyncIterable<RawRow>) | null {
    const numbers = this.numbers;
    const rows = this.rows;
    if (numbers === null) return null;
    return async function* () {
      for (let i = 0; i < rows.length; i += 1) {
        const kept = rows[i]!;
        yield typeof kept === 'string' ? unpack(numbers[i]!, kept) : kept;
      }
    };
  }
}

/** Reads the file's headers and first pass, and prepares the checks of the second one. Opens the file (66 when it cannot). */
export async function analyzeFile(db: Queryable, options: ReadOptions): Promise<Analysis> {
  const table = await openTable(options.file, { sheet: options.sheet, path: options.path });
  // a mapping that does not fit the file is refused (64) before any row is read
  const mapping = options.preset ? presetMapping(options.preset, table.headers, options.columns) : options.columns;
  const columns = mapping && mapping.entries.length > 0 ? bindMapping(mapping, table.headers) : null;
  const built = buildLayout(table.headers, table.headerRow, options.mode, columns);
  const headerProblems = built.problems;
  // an export's contacts have a sign-up date but no plan
  const layout: Layout = options.preset ? { ...built.layout, planlessDates: 'ignored' } : built.layout;
  if (options.mode === 'import') nextInvoiceHeaderProblems(headerProblems, options.nextInvoice ?? null, layout.hasPlanColumns);
  if (!options.preset && !options.columns) presetAdvice(table.headers, headerProblems);
  headerProblems.push(...cellCharacterProblems(table.headerRow, layout.headers, [], layout.imported));
  const fatal = headerProblems.some((p) => p.severity === 'error');
  const existing = await loadExisting(db);
  const companyPosition = layout.index.company;
  const respelling = options.companies && companyPosition !== undefined ? bindCompanyMap(options.companies, companyPosition) : null;
  const index = emptyIndex();
  const memory = new RowMemory();
  // the first rows of a file missing columns: which of its columns they probably are (column-guess.ts)
  const sample: RawRow[] = [];
  const headerWidth = table.headerWidth ?? table.headers.length;
  const widths = noRowWidths();
  let width = table.headers.length;
  for await (const raw of table.rows) {
    if (!fatal) scanRow(index, templateRow(raw, columns, respelling), layout, existing, options.mode);
    else {
      index.dataRows += 1;
      if (sample.length < sampleRows) sample.push(templateRow(raw, columns));
    }
    memory.keep(raw);
    countRowWidth(widths, headerWidth, raw);
    if (raw.cells.length > width) width = raw.cells.length;
    if (index.dataRows % progressEvery === 0) options.onRows?.('scan', index.dataRows);
  }
  options.onRows?.('scan', index.dataRows);
  if (respelling && !fatal) checkCompanyMap(respelling, existing.companies, index.companies.keys());
  const missing = options.mode === 'import' ? missingColumns(headerProblems) : [];
  if (missing.length > 0) suggestMissingColumns(headerProblems, guessColumns(missing, layout, sample, [...existing.plans.keys()], columns?.ignored));

  const fileProblems = [...table.problems, ...headerProblems];
  const timeZone = await getSetting(db, 'timezone');
  const dates: DateReading = {
    convention: options.dateFormat ?? options.preset?.dateFormat ?? null,
    given: Boolean(options.dateFormat),
    timeZone,
    nextInvoice: options.mode === 'import' ? (options.nextInvoice ?? null) : null,
  };
  if (!dates.convention) {
    dates.convention = inferredConvention(index.dates);
    const { provesDMY, provesMDY } = index.dates;
    if (provesDMY && provesMDY) dates.mixed = { DMY: provesDMY, MDY: provesMDY };
    const proof = index.dates.provesDMY ?? index.dates.provesMDY;
    if (dates.convention && proof && index.dates.ambiguous > 0) {
      const shape = dates.convention === 'DMY' ? 'DD/MM/YYYY (day first)' : 'MM/DD/YYYY (month first)';
      fileProblems.push(
        problem({
          code: 'date_format_inferred',
          severity: 'warning',
          value: proof.text,
          message: `dates are read as ${shape}: "${proof.text}" (row ${proof.row}, ${proof.column}) can only be read that way and no date contradicts it; give --date-format to read them otherwise`,
        }),
      );
    }
  }
  const stamp = index.dates.timestamp;
  if (stamp) {
    const read = readDate(stamp.text, dates.convention, dates.given, dates.mixed, timeZone);
    fileProblems.push(
      problem({
        code: 'timestamps_read',
        severity: 'info',
        value: stamp.text,
        message: `dates with a time of day are read as their date in ${timeZone} (the timezone setting)${read.ok ? `: "${stamp.text}" (row ${stamp.row}, ${stamp.column}) is ${read.value}` : ''}; a time with Z, UTC or an offset is converted to ${timeZone} first, one without is a time in ${timeZone}`,
      }),
    );
  }
  if (index.dataRows === 0 && !fatal) {
    fileProblems.push(problem({ code: 'empty_file', severity: 'warning', message: `${options.file} has a header row but no data rows: nothing to import` }));
  }
  const payers = fatal ? { targets: new Map(), problems: new Map(), payerRows: new Set<number>() } : resolvePayers(index, existing, layout);
  const delegates = fatal ? noDelegates() : await resolveDelegates(db, index, existing, layout, options.today, options.planMap ?? new Map());
  const checks: RowChecks = {
    layout,
    columns,
    rowWidth: rowWidth(widths, headerWidth),
    mode: options.mode,
    dates,
    index,
    payers,
    delegates,
    existing,
    today: options.today,
    planMap: options.planMap ?? new Map(),
    companies: respelling,
    companyVariants: fatal ? new Map() : findCompanyVariants(index, existing, respelling),
    strictCompanies: options.strictCompanies ?? false,
    suggestPlan: planSuggester(existing),
    billingDay: await getSetting(db, 'billing-day'),
    orgCountry: await orgCountry(db),
  };
  const kept = memory.replay();
  return { table, layout, fileProblems, fatal, index, existing, payers, delegates, checks, width, rows: kept ?? (() => table.rows) };
}

/** The rows whose member id the writer keeps: payers, delegates and holders. */
const keptRows = (analysis: Analysis): ReadonlySet<number> =>
  analysis.delegates.rows.size === 0 ? analysis.payers.payerRows : new Set([...analysis.payers.payerRows, ...analysis.delegates.rows]);

/** The second pass: every row checked, in file order. */
export async function* checkedRows(analysis: Analysis, onRows?: ReadOptions['onRows']): AsyncGenerator<CheckedRow> {
  if (analysis.fatal) return;
  let count = 0;
  for await (const raw of analysis.rows()) {
    yield checkRow(raw, analysis.checks);
    count += 1;
    if (count % progressEvery === 0) onRows?.('check', count);
  }
  onRows?.('check', count);
}

/** The second pass as people: the rows of a person with several memberships come as one, after their last row. */
export function checkedPeople(analysis: Analysis, onRows?: ReadOptions['onRows']): AsyncGenerator<CheckedRow> {
  const rows = checkedRows(analysis, onRows);
  if (analysis.index.personLastRow.size === 0) return rows;
  const { layout, index, existing, checks } = analysis;
  return personRows(rows, layout, (row) =>
    indexProblems(templateRow({ row: row.row, cells: row.cells }, checks.columns, checks.companies ?? null), layout, index, existing, checks.mode, true),
  );
}

export interface ValidationResult {
  file: string;
  source: 'template';
  rows: number;
  valid: boolean;
  errors: number;
  warnings: number;
  /** every problem, file-level ones first, then in row order */
  problems: ProblemList;
  /** fully empty rows skipped */
  emptyRows: number;
}

/** Validates a member file against the database without writing anything. Problems are returned, never thrown. */
export async function validateFile(db: Queryable, options: ReadOptions & { update?: boolean }): Promise<ValidationResult> {
  const analysis = await analyzeFile(db, options);
  const problems = new ProblemList(analysis.fileProblems);
  // rows standing for existing members are compared with them, as the import does: a row that differs is a
  // conflict_existing error without --update
  const compare = new ImportWriter(db, analysis.existing, {
    bulk: null,
    update: options.update ?? options.mode === 'update',
    layout: analysis.layout,
    matches: analysis.index.matches,
    payerRows: keptRows(analysis),
    onReject: (_row, p) => problems.add(p),
    onWarning: (_row, p) => problems.add(p),
    mode: options.mode,
    today: options.today,
    mandateReferences: analysis.index.mandateReferences,
  });
  for await (const row of checkedPeople(analysis, options.onRows)) {
    for (const p of row.problems) problems.add(p);
    // existing members differ from their rows, and companies from the SIREN or VAT number rows give them
    const identifies = row.values.company !== null && (row.values.companySiren !== null || row.values.companyVatId !== null);
    if ((row.match !== null || identifies) && !row.hasErrors) await compare.add(row);
  }
  await compare.finish();
  const { errors, warnings } = problems;
  return { file: options.file, source: 'template', rows: analysis.index.dataRows, valid: errors === 0, errors, warnings, problems, emptyRows: analysis.table.stats.emptyRows };
}

export interface ImportOptions extends ReadOptions {
  dryRun: boolean;
  onError: 'abort' | 'skip';
  /** change existing members that differ from their row */
  update: boolean;
  /** where --on-error skip writes the rejected rows */
  rejectsFile: string;
  /** the batch's source, shown by `import list` */
  source: string;
  env: NodeJS.ProcessEnv;
}

export interface ImportResult extends ImportCounts {
  batch: string | null;
  dryRun: boolean;
  rows: number;
  rejected: number;
  /** delegates the file named that were not yet (docs/importing.md, "Delegates") */
  delegates: number;
  /** every problem, file-level ones first, then in row order */
  problems: ProblemList;
  /** the rejects file written, if any */
  rejects: string | null;
  emptyRows: number;
  /** whether the database was changed */
  written: boolean;
}

/** Thrown out of the transaction to roll it back while keeping the result. */
class Rollback {
  constructor(readonly outcome: unknown) {}
}

interface Outcome {
  result: ImportResult;
  /** the rejects file to move into place once the transaction is over */
  rejects: RejectsFile | null;
}

/** `YYYYMMDD-HHMMSS-xxxx` (UTC time of the import and a random suffix): sorts by time, short enough to type. */
export function newBatchId(at: string): string {
  const stamp = at.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Runs an import (of a template file, of Stripe exports) in one transaction, under the import lock unless it is a
 * dry run. `rollback(outcome)` rolls the transaction back and makes `outcome` the result. A crash at any moment
 * leaves the database as before the import.
 */
export async function inImportTransaction<T>(
  db: Db,
  dryRun: boolean,
  body: (trx: Queryable, rollback: (outcome: T) => never) => Promise<T>,
  files: readonly string[] = [],
): Promise<T> {
  const rollback = (outcome: T): never => {
    throw new Rollback(outcome);
  };
  const run = async (): Promise<T> => {
    try {
      return await db.kysely.transaction().execute(async (trx) => {
        // a large import touches more index pages than SQLite's default 2 MB cache holds
        if (db.dialect === 'sqlite') await sql.raw('pragma cache_size = -65536').execute(trx);
        return body(trx, rollback);
      });
    } catch (error) {
      if (error instanceof Rollback) return error.outcome as T;
      throw error;
    }
  };
  if (dryRun) return run();
  return withJobLock(db, 'import', {}, async () => ((await isLargeFirstLoad(db, files)) ? withRollbackJournal(db, run) : run()));
}

/** Bytes of input from which an import into a database without members is a large first load. */
const largeFirstLoadBytes = 1_000_000;

/** SQLite: the database has no members yet and the files to import are large (see withRollbackJournal). */
async function isLargeFirstLoad(db: Db, files: readonly string[]): Promise<boolean> {
  if (db.dialect !== 'sqlite') return false;
  let bytes = 0;
  for (const file of files) {
    try {
      bytes += fs.statSync(file).size;
    } catch {
      // a file that cannot be read counts for nothing here: opening it says why
    }
  }
  if (bytes < largeFirstLoadBytes) return false;
  return (await db.kysely.selectFrom('members').select('id').limit(1).executeTakeFirst()) === undefined;
}

/** Who writes an import, with a new batch id: every audit entry of the import carries it. */
export function importSource(env: NodeJS.ProcessEnv): AuditSource & { batchId: string } {
  const source = auditSource(env);
  return { ...source, batchId: newBatchId(source.at) };
}

/** Records an import that changed the database, for `import list` and `import undo`. */
export async function recordBatch(
  trx: Queryable,
  source: AuditSource & { batchId: string },
  batch: { source: string; file: string; rows: number; counts: ImportCounts & { rejected: number } },
): Promise<void> {
  const { created, updated, unchanged, rejected } = batch.counts;
  await trx
    .insertInto('import_batches')
    .values({
      id: source.batchId,
      source: batch.source,
      file: batch.file,
      created_at: source.at,
      status: 'applied',
      rows: batch.rows,
      counts: JSON.stringify({ created, updated, unchanged, rejected }),
      undone_at: null,
    })
    .execute();
}

/**
 * Imports a member file in one transaction: nothing is written when any row has an error (`abort`), or the
 * rows without errors are (`skip`; the others go to the rejects file). A dry run, or an import that would change
 * nothing, rolls back.
 */
export async function importFile(db: Db, options: ImportOptions): Promise<ImportResult> {
  const { result, rejects } = await inImportTransaction<Outcome>(db, options.dryRun, (trx, rollback) => importInTransaction(db, trx, options, rollback), [options.path ?? options.file]);
  result.rejects = rejects?.commit(result.written) ?? null;
  return result;
}

async function importInTransaction(db: Db, trx: Queryable, options: ImportOptions, rollback: (outcome: Outcome) => never): Promise<Outcome> {
  const analysis = await analyzeFile(trx, options);
  const problems = new ProblemList(analysis.fileProblems);
  const source = importSource(options.env);
  const skip = options.onError === 'skip';
  const result: ImportResult = {
    batch: null,
    dryRun: options.dryRun,
    rows: analysis.index.dataRows,
    ...noCounts(),
    rejected: 0,
    delegates: 0,
    problems,
    rejects: null,
    emptyRows: analysis.table.stats.emptyRows,
    written: false,
  };
  if (analysis.fatal) {
    result.rejected = result.rows;
    rollback({ result, rejects: null });
  }
  const rejects = skip && !options.dryRun ? new RejectsFile(options.rejectsFile, analysis.table.headers, analysis.width) : null;
  try {
    return await writeRows(db, trx, options, analysis, result, source, rejects, rollback);
  } catch (error) {
    if (!(error instanceof Rollback)) rejects?.discard();
    throw error;
  }
}

async function writeRows(
  db: Db,
  trx: Queryable,
  options: ImportOptions,
  analysis: Analysis,
  result: ImportResult,
  source: ReturnType<typeof auditSource> & { batchId: string },
  rejects: RejectsFile | null,
  rollback: (outcome: Outcome) => never,
): Promise<Outcome> {
  const problems = result.problems;
  const skip = options.onError === 'skip';
  let failed = false;
  const rejectedRows = new Set<number>();
  const reject = (row: CheckedRow, extra: Problem | null) => {
    if (extra) problems.add(extra);
    failed = true;
    // an aborting import compares the rows that follow with the database, for their conflicts, and writes no more
    if (!skip) writer.stopWriting();
    // the rows of a person with several memberships go together (person-rows.ts)
    const own = (one: CheckedRow) => one.problems.filter((p) => p.row === one.row);
    const all = extra ? [...row.problems, extra] : row.problems;
    const failing = [row, ...(row.others ?? [])].filter((one) => all.some((p) => p.row === one.row && p.severity === 'error'));
    const reason = [row.personFailed, ...failing.map((one) => `row ${one.row}: ${rejectReason(all.filter((p) => p.row === one.row))}`)].filter(Boolean).join('; ');
    for (const one of [row, ...(row.others ?? [])]) {
      rejectedRows.add(one.row);
      result.rejected += 1;
      let why = one === row && extra ? [...own(one), extra] : own(one);
      if ((row.others || row.personFailed) && !why.some((p) => p.severity === 'error')) {
        const cascade = problem({
          row: one.row,
          column: analysis.layout.headers[analysis.layout.index.email!] ?? 'Email',
          value: one.values.email,
          code: 'person_rejected',
          severity: 'error',
          message: `the rows of this person (the e-mail ${one.values.email}) are imported together, and ${reason}`,
        });
        problems.add(cascade);
        why = [...why, cascade];
      }
      rejects?.add(one.cells, rejectReason(why));
    }
  };
  const bulk = bulkTarget(db, trx);
  // a first load into a database (no row matches a member) builds the indexes once at the end: the writer looks
  // nothing up through them
  const rows = analysis.index.dataRows;
  const rebuildIndexes =
    analysis.index.matches.size === 0 && !options.dryRun
      ? await deferIndexes(bulk, [
          { table: 'members', rows },
          { table: 'memberships', rows },
          { table: 'audit_log', rows },
        ])
      : null;
  const writer = new ImportWriter(trx, analysis.existing, {
    bulk,
    source,
    update: options.update,
    layout: analysis.layout,
    matches: analysis.index.matches,
    payerRows: keptRows(analysis),
    onReject: (row, p) => reject(row, p),
    onWarning: (_row, p) => problems.add(p),
    mode: options.mode,
    today: options.today,
    mandateReferences: analysis.index.mandateReferences,
  });

  // A payee is written only once its payer row is: a payer rejected takes its payees with it.
  const payerStatus = new Map<number, { ok: true } | { ok: false; reason: string }>();
  const waiting = new Map<number, CheckedRow[]>();
  const settle = async (first: CheckedRow, accepted: boolean) => {
    if (!analysis.payers.payerRows.has(first.row)) return;
    const queue: Array<{ row: CheckedRow; accepted: boolean }> = [{ row: first, accepted }];
    while (queue.length > 0) {
      const { row, accepted: ok } = queue.shift()!;
      if (!analysis.payers.payerRows.has(row.row)) continue;
      payerStatus.set(row.row, ok ? { ok: true } : { ok: false, reason: rejectReason(row.problems) || 'rejected' });
      for (const payee of waiting.get(row.row) ?? []) {
        const done = await decide(payee);
        if (done !== null) queue.push({ row: payee, accepted: done });
      }
      waiting.delete(row.row);
    }
  };
  /** Writes or rejects a row; null when it waits for its payer row. */
  const decide = async (row: CheckedRow): Promise<boolean | null> => {
    if (row.hasErrors || row.personFailed) {
      reject(row, null);
      return false;
    }
    if (row.payer?.kind === 'row') {
      const status = payerStatus.get(row.payer.row);
      if (status === undefined) {
        const list = waiting.get(row.payer.row);
        if (list) list.push(row);
        else waiting.set(row.payer.row, [row]);
        return null;
      }
      if (!status.ok) {
        const cascade = problem({
          row: row.row,
          column: analysis.layout.headers[analysis.layout.index.paidBy!] ?? 'Paid by',
          value: row.values.paidBy,
          code: 'payer_rejected',
          severity: 'error',
          message: `the payer "${row.values.paidBy}" (row ${row.payer.row}) is not imported: ${status.reason}`,
        });
        row.problems.push(cascade);
        reject(row, null);
        problems.add(cascade);
        return false;
      }
    }
    await writer.add(row);
    return true;
  };

  for await (const row of checkedPeople(analysis, options.onRows)) {
    for (const p of row.problems) problems.add(p);
    const done = await decide(row);
    if (done !== null) await settle(row, done);
  }
  if (waiting.size > 0) throw new Error(`payer rows never settled: ${[...waiting.keys()].join(', ')}`);
  await writer.finish();
  const aborted = failed && !skip;
  if (!aborted) result.delegates = await writeDelegates(trx, analysis, (row) => (rejectedRows.has(row) ? undefined : writer.memberOf(row)), source, (p) => problems.add(p));

  if (!aborted) {
    result.created = writer.counts.created;
    result.updated = writer.counts.updated;
    result.unchanged = writer.counts.unchanged;
  }
  const changes =
    result.created.members + result.created.companies + result.created.memberships + result.created.mandates + result.updated.members + result.updated.memberships + result.delegates;
  if (aborted || options.dryRun || changes === 0) {
    // rejected rows are still worth a file when nothing else was to be written
    if (aborted) rejects?.discard();
    rollback({ result, rejects: aborted ? null : rejects });
  }
  // only for a transaction that commits: a rollback brings the dropped indexes back by itself
  await rebuildIndexes?.();
  await recordBatch(trx, source, { source: options.source, file: options.file, rows: result.rows, counts: result });
  result.batch = source.batchId;
  result.written = true;
  return { result, rejects };
}

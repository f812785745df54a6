/**
 * Reads the Stripe exports, maps them (mapping.ts) and matches the people with those already in the database,
 * the way a template import does (External ID = the Stripe customer id, else e-mail, else name). `validate
 * --source stripe` stops here; `import stripe` goes on to write (import-stripe.ts).
 */
import type { Queryable } from '../../db/connect.js';
import { readCustomers, readPrices, readSubscriptions, type StripeCustomer, type StripeFile, type StripePrice, type StripeReadOptions, type StripeSubscription } from '../../importers/stripe/records.js';
import { asFileError, FileError } from '../../importers/file-error.js';
import type { DateConvention, IsoDate } from '../kernel/dates.js';
import { type Existing, loadExisting, matchExisting } from '../import/existing.js';
import { problem } from '../kernel/problems.js';
import { getSetting } from '../kernel/settings.js';
import { headerIn, mapStripe, type StripeMapping, type StripeProblem, type StripeUnit } from './mapping.js';
import { planResolver } from './price-plans.js';

export interface StripeSources {
  customers: string;
  subscriptions: string | null;
  prices: string | null;
}

export interface StripeReadRequest {
  files: StripeSources;
  /** `--map`: Stripe price id -> plan name */
  priceMap: ReadonlyMap<string, string>;
  /** `--date-format`, for exports a spreadsheet re-saved */
  dateFormat: DateConvention | null;
  /** the date the import acts as of */
  today: IsoDate;
  /** where each export is read, when not at its name (a copy of standard input or of a pipe) */
  paths?: Partial<Record<keyof StripeSources, string>>;
}

/** One of the exports cannot be read at all (its FileError), and which one: the `--json` documents name it. */
export class StripeFileError extends FileError {
  readonly file: string;

  constructor(file: string, error: FileError) {
    super(error.problemCode, error.message, { exitCode: error.exitCode, hint: error.hint });
    this.file = file;
  }
}

/** Opens an export with `open`; a FileError names the export it is about. */
async function opened<T>(file: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    const unreadable = asFileError(error);
    throw unreadable ? new StripeFileError(file, unreadable) : error;
  }
}

export interface StripeAnalysis {
  customers: StripeFile<StripeCustomer>;
  subscriptions: StripeFile<StripeSubscription> | null;
  prices: StripeFile<StripePrice> | null;
  mapping: StripeMapping;
  existing: Existing;
  /** customers row -> the existing member it stands for */
  matches: Map<number, number>;
  /** a file-level error (a missing column): nothing is imported */
  fatal: boolean;
  /** data rows read, all files together */
  rows: number;
  /** fully empty rows skipped, all files together */
  emptyRows: number;
}

/** Reads and checks everything, writes nothing. Throws a UserError only when a file cannot be opened (66). */
export async function analyzeStripe(db: Queryable, request: StripeReadRequest): Promise<StripeAnalysis> {
  const options: StripeReadOptions = {
    timeZone: await getSetting(db, 'timezone'),
    dateFormat: request.dateFormat,
    defaultCurrency: await getSetting(db, 'currency'),
  };
  const { files } = request;
  const paths = request.paths ?? {};
  const customers = await opened(files.customers, () => readCustomers(files.customers, options, paths.customers));
  const subscriptions = files.subscriptions === null ? null : await opened(files.subscriptions, () => readSubscriptions(files.subscriptions!, options, paths.subscriptions));
  const prices = files.prices === null ? null : await opened(files.prices, () => readPrices(files.prices!, options, paths.prices));
  const existing = await loadExisting(db);
  const resolver = planResolver(existing.plans, prices?.records ?? [], request.priceMap);
  const mapping = mapStripe({ customers, subscriptions, prices, resolver, today: request.today, billingDay: await getSetting(db, 'billing-day') });
  // the units hold what is imported: the records go, which keeps a 50k-customer import well under 400 MB
  for (const file of [customers, subscriptions, prices]) if (file) file.records = [];
  const fatal = [customers, subscriptions, prices].some((f) => f?.unreadable === true);
  const matches = matchUnits(mapping.units, existing, customers);
  const rows = customers.rows + (subscriptions?.rows ?? 0) + (prices?.rows ?? 0);
  const emptyRows = [customers, subscriptions, prices].reduce((sum, read) => sum + (read?.export.table.stats.emptyRows ?? 0), 0);
  return { customers, subscriptions, prices, mapping, existing, matches, fatal, rows, emptyRows };
}

/** Finds the existing member of each unit; a unit that conflicts with the database gets an error. */
function matchUnits(units: readonly StripeUnit[], existing: Existing, customers: StripeFile<StripeCustomer>): Map<number, number> {
  const file = customers.file;
  const matches = new Map<number, number>();
  const rowOfMember = new Map<number, number>();
  for (const unit of units) {
    const member = unit.member;
    if (member === null || unit.customerRow === null) continue;
    const row = unit.customerRow;
    const fail = (key: string, value: string | null, code: 'conflict_existing' | 'duplicate_member', message: string) => {
      unit.problems.push({ ...problem({ row, column: headerIn(customers, key), value, code, severity: 'error', message }), file } satisfies StripeProblem);
      unit.hasErrors = true;
    };
    // a customer repeated in the file is already an error: it must not also take the first one's match (a
    // repeated subscription is not: its customer is matched like any other, for every error to be told)
    if (unit.problems.some((p) => p.code === 'duplicate_member' && p.file === file && p.row === row)) continue;
    const match = matchExisting({ externalId: member.externalId, emailKey: member.emailKey, name: member.name, company: null }, existing);
    switch (match.kind) {
      case 'existing': {
        const first = rowOfMember.get(match.id);
        if (first !== undefined) fail('id', member.externalId ?? member.email, 'duplicate_member', `this customer and the one on row ${first} are the same existing member (#${match.id})`);
        else {
          rowOfMember.set(match.id, row);
          matches.set(row, match.id);
        }
        break;
      }
      case 'conflict':
        fail('id', member.externalId, 'conflict_existing', match.message);
        break;
      case 'ambiguous':
        fail(
          'name',
          member.name,
          'conflict_existing',
          `${match.ids.length} existing members are named "${member.name}" (${match.ids.map((id) => `#${id}`).join(', ')}) and the customer has no id or e-mail that says which one`,
        );
        break;
      case 'new':
        break;
    }
  }
  return matches;
}

export interface StripeValidation {
  file: string;
  source: 'stripe';
  rows: number;
  valid: boolean;
  errors: number;
  warnings: number;
  problems: StripeProblem[];
  /** data rows of each file */
  files: { customers: number; subscriptions: number | null; prices: number | null };
  /** fully empty rows skipped, all files together */
  emptyRows: number;
  /** subscriptions not imported, by status */
  notImported: Record<string, number>;
}

/** Every problem of the files, file-level ones first, then by file and row. */
export function allProblems(analysis: StripeAnalysis): StripeProblem[] {
  const order = [analysis.customers.file, analysis.subscriptions?.file, analysis.prices?.file];
  const rowProblems = analysis.mapping.units.flatMap((u) => u.problems);
  rowProblems.sort((a, b) => order.indexOf(a.file) - order.indexOf(b.file) || (a.row ?? 0) - (b.row ?? 0));
  return [...analysis.mapping.fileProblems, ...rowProblems];
}


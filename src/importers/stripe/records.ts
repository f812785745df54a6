/**
 * The three Stripe exports read into typed records, one per data row, each with the problems its own cells show.
 * Problems that need another row or file (duplicates, unknown customers, plans) belong to `core/stripe`.
 */
import type { DateConvention, IsoDate } from '../../core/kernel/dates.js';
import type { MinorAmount } from '../../core/kernel/money.js';
import { cellCharacterProblems } from '../../core/kernel/cell-characters.js';
import { type Problem, type ProblemCode, problem } from '../../core/kernel/problems.js';
import type { Cell } from '../types.js';
import type { CustomerKey, PriceKey, StripeExportKind, SubscriptionKey } from './columns.js';
import { openStripeExport, type StripeExport, type StripeRawRow } from './export-table.js';
import { emptySurvey, LocalDates, readTimestamp, surveyTimestamp, type TimestampReading, timestampReading } from './timestamps.js';
import { cellText, readAmount, readCount, readCurrency, readFlag, type ValueRead } from './values.js';

export interface StripeReadOptions {
  /** the organisation's time zone: Stripe's UTC timestamps become dates there */
  timeZone: string;
  /** `--date-format`, for files a spreadsheet re-saved */
  dateFormat: DateConvention | null;
  /** amounts of a row without a Currency column are in this currency */
  defaultCurrency: string;
}

interface RecordBase {
  /** row number in its file (the header is row 1) */
  row: number;
  /** `<key> (metadata)` values, in column order */
  metadata: Array<[key: string, value: string]>;
  problems: Problem[];
}

export interface StripeCustomer extends RecordBase {
  /** `cus_...`; null for a guest customer */
  id: string | null;
  name: string | null;
  email: string | null;
  description: string | null;
  phone: string | null;
  /** the customer's address on one line (not the shipping or card address) */
  address: string | null;
  created: IsoDate | null;
  taxId: string | null;
  /** Stripe's balance: negative is credit the organisation owes the customer */
  balance: { amount: MinorAmount; currency: string } | null;
  delinquent: boolean | null;
  cancelAtPeriodEnd: boolean | null;
}

export interface StripeSubscription extends RecordBase {
  id: string | null;
  customerId: string | null;
  customerEmail: string | null;
  priceId: string | null;
  quantity: number | null;
  currency: string | null;
  interval: string | null;
  amount: MinorAmount | null;
  /** lower case */
  status: string | null;
  startDate: IsoDate | null;
  currentPeriodStart: IsoDate | null;
  currentPeriodEnd: IsoDate | null;
  trialEnd: IsoDate | null;
  canceledAt: IsoDate | null;
  cancelAtPeriodEnd: boolean | null;
}

export interface StripePrice extends RecordBase {
  id: string | null;
  productName: string | null;
  description: string | null;
  amount: MinorAmount | null;
  currency: string | null;
  interval: string | null;
  intervalCount: number | null;
}

export interface StripeFile<R, K extends string = string> {
  file: string;
  kind: StripeExportKind;
  export: StripeExport<K>;
  /** data rows read (empty rows are not data rows) */
  rows: number;
  records: R[];
  /** file-level problems */
  problems: Problem[];
  /** true when a file-level error (a missing or duplicate column) keeps the rows from being read */
  unreadable: boolean;
}

/** Positions of the columns that are imported: the known columns that are, and metadata (only they may keep a row out). */
function importedPositions<K extends string>(source: StripeExport<K>): Set<number> {
  const kept = new Set<number>(source.metadata.map((m) => m.index));
  for (const column of source.columns) {
    const position = source.index[column.key];
    if (column.imported && position !== undefined) kept.add(position);
  }
  return kept;
}

/** Reads the cells of one row by column key, collecting each cell's problem. */
class RowReader<K extends string> {
  readonly problems: Problem[] = [];
  constructor(
    private readonly source: StripeExport<K>,
    private readonly raw: StripeRawRow,
    private readonly reading: TimestampReading,
    imported: ReadonlySet<number>,
  ) {
    this.problems.push(...cellCharacterProblems(raw.row, raw.cells, source.table.headers, imported));
    if (raw.strayCells > 0) {
      this.problems.push(
        problem({
          row: raw.row,
          code: 'extra_cells',
          severity: 'error',
          message: `the row has ${raw.strayCells} ${raw.strayCells === 1 ? 'value' : 'values'} past the last column (the header has ${source.table.headers.length + source.droppedColumns.length} columns): a comma in a value that is not quoted?`,
        }),
      );
    }
  }

  private cell(key: K): Cell | undefined {
    const position = this.source.index[key];
    return position === undefined ? undefined : this.raw.cells[position];
  }

  header(key: K): string {
    const position = this.source.index[key];
    return position === undefined ? this.source.columns.find((c) => c.key === key)!.headers[0]! : this.source.table.headers[position]!;
  }

  report(key: K, code: ProblemCode, message: string, severity: Problem['severity'] = 'error'): void {
    this.problems.push(problem({ row: this.raw.row, column: this.header(key), value: cellText(this.cell(key)), code, severity, message }));
  }

  /** A value of a column the import does not keep that cannot be read is left out: it must not keep the row out. */
  private imported(key: K): boolean {
    return this.source.columns.find((c) => c.key === key)?.imported ?? true;
  }

  private take<T>(key: K, read: ValueRead<T>): T | null {
    if (read.ok) return read.value;
    if (this.imported(key)) this.report(key, read.issue.code, read.issue.message);
    return null;
  }

  text(key: K): string | null {
    return cellText(this.cell(key));
  }

  timestamp(key: K): IsoDate | null {
    const read = readTimestamp(this.cell(key), this.reading);
    if (read.ok) return read.value;
    if (this.imported(key)) this.report(key, read.code, read.message);
    return null;
  }

  flag(key: K): boolean | null {
    return this.take(key, readFlag(this.text(key)));
  }

  count(key: K, min: number): number | null {
    return this.take(key, readCount(this.text(key), min));
  }

  currency(key: K): string | null {
    return this.take(key, readCurrency(this.text(key)));
  }

  amount(key: K, currency: string): MinorAmount | null {
    return this.take(key, readAmount(this.text(key), currency));
  }

  metadata(): Array<[string, string]> {
    const values: Array<[string, string]> = [];
    for (const { index, key } of this.source.metadata) {
      const value = cellText(this.raw.cells[index]);
      if (value !== null) values.push([key, value]);
    }
    return values;
  }
}

async function readExport<R, K extends string>(
  file: string,
  kind: StripeExportKind,
  options: StripeReadOptions,
  read: (reader: RowReader<K>, row: number) => R,
  /** where the file is read, when not at `file` (a copy of standard input or of a pipe) */
  path: string | undefined,
): Promise<StripeFile<R, K>> {
  const source = await openStripeExport<K>(file, kind, path);
  const imported = importedPositions(source);
  const problems = [...source.problems, ...cellCharacterProblems(source.table.headerRow, source.table.headers, [], imported)];
  const unreadable = problems.some((p) => p.severity === 'error');
  const timestampColumns = source.columns.filter((c) => c.kind === 'timestamp' && source.index[c.key] !== undefined);
  const local = new LocalDates(options.timeZone);
  const survey = emptySurvey();
  const pass = async (reading: TimestampReading, surveying: boolean): Promise<{ rows: number; records: R[] }> => {
    const records: R[] = [];
    let rows = 0;
    for await (const raw of source.table.rows) {
      rows += 1;
      if (unreadable) continue;
      if (surveying) {
        for (const c of timestampColumns) {
          const position = source.index[c.key]!;
          surveyTimestamp(survey, raw.cells[position], raw.row, source.table.headers[position]!);
        }
      }
      records.push(read(new RowReader(source, raw, reading, imported), raw.row));
    }
    return { rows, records };
  };
  // A file as Stripe wrote it is read once. One a spreadsheet re-saved is read again when the first pass
  // proved the day/month order of its dates.
  const first = { local, convention: options.dateFormat, given: options.dateFormat !== null };
  let { rows, records } = await pass(first, true);
  const { reading, problems: dateProblems } = timestampReading(survey, { local, dateFormat: options.dateFormat });
  problems.push(...dateProblems);
  if (survey.reformatted && reading.convention !== first.convention) ({ rows, records } = await pass(reading, false));
  return { file, kind, export: source, rows, records, problems, unreadable };
}

/** Lines of an address, skipping empty ones: "5 rue de l'Église, 75015 Paris, FR". */
function joinAddress(parts: Array<string | null>): string | null {
  const [line1, line2, city, state, postalCode, country] = parts;
  const place = [postalCode, city].filter(Boolean).join(' ');
  const text = [line1, line2, place, state, country].filter((p) => p !== null && p !== '').join(', ');
  return text === '' ? null : text;
}

/** Reads the customers export (`unified_customers.csv`). Throws only when the file cannot be opened. */
export function readCustomers(file: string, options: StripeReadOptions, path?: string): Promise<StripeFile<StripeCustomer, CustomerKey>> {
  return readExport<StripeCustomer, CustomerKey>(file, 'customers', options, (r, row) => {
    // the currency is only the balance's: without a balance it is not imported
    const currency = (r.text('balance') === null ? null : r.currency('currency')) ?? options.defaultCurrency;
    const balance = r.amount('balance', currency);
    return {
      row,
      id: r.text('id'),
      name: r.text('name'),
      email: r.text('email'),
      description: r.text('description'),
      phone: r.text('phone'),
      address: joinAddress([r.text('addressLine1'), r.text('addressLine2'), r.text('addressCity'), r.text('addressState'), r.text('addressPostalCode'), r.text('addressCountry')]),
      created: r.timestamp('created'),
      taxId: r.text('taxId'),
      balance: balance === null ? null : { amount: balance, currency },
      delinquent: r.flag('delinquent'),
      cancelAtPeriodEnd: r.flag('cancelAtPeriodEnd'),
      metadata: r.metadata(),
      problems: r.problems,
    };
  }, path);
}

/** Reads the subscriptions export (`subscriptions.csv`). */
export function readSubscriptions(file: string, options: StripeReadOptions, path?: string): Promise<StripeFile<StripeSubscription, SubscriptionKey>> {
  return readExport<StripeSubscription, SubscriptionKey>(file, 'subscriptions', options, (r, row) => {
    const currency = r.currency('currency');
    return {
      row,
      id: r.text('id'),
      customerId: r.text('customerId'),
      customerEmail: r.text('customerEmail'),
      priceId: r.text('priceId'),
      quantity: r.count('quantity', 1),
      currency,
      interval: r.text('interval')?.toLowerCase() ?? null,
      amount: r.amount('amount', currency ?? options.defaultCurrency),
      status: r.text('status')?.toLowerCase() ?? null,
      startDate: r.timestamp('startDate'),
      currentPeriodStart: r.timestamp('currentPeriodStart'),
      currentPeriodEnd: r.timestamp('currentPeriodEnd'),
      trialEnd: r.timestamp('trialEnd'),
      canceledAt: r.timestamp('canceledAt'),
      cancelAtPeriodEnd: r.flag('cancelAtPeriodEnd'),
      metadata: r.metadata(),
      problems: r.problems,
    };
  }, path);
}

/** Reads the prices export (`prices.csv`). */
export function readPrices(file: string, options: StripeReadOptions, path?: string): Promise<StripeFile<StripePrice, PriceKey>> {
  return readExport<StripePrice, PriceKey>(file, 'prices', options, (r, row) => {
    const currency = r.currency('currency');
    return {
      row,
      id: r.text('id'),
      productName: r.text('productName'),
      description: r.text('description'),
      amount: r.amount('amount', currency ?? options.defaultCurrency),
      currency,
      interval: r.text('interval')?.toLowerCase() ?? null,
      intervalCount: r.count('intervalCount', 1),
      metadata: r.metadata(),
      problems: r.problems,
    };
  }, path);
}

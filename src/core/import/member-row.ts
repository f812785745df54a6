/**
 * One row of a member file read into typed values, with the problems that the row alone shows (required
 * values, dates, e-mails, numbers, yes/no, cells without a header, formulas without a value, huge cells).
 * Problems that need the rest of the file or the database are added by `validate-rows.ts`.
 */
import type { Cell, RawRow } from '../../importers/types.js';
import type { DateConvention } from '../kernel/dates.js';
import { columnLetter } from '../kernel/columns.js';
import type { BoundMapping } from './column-mapping.js';
import type { NextInvoiceRule } from './next-invoice.js';
import { cellsWithoutHeader, type HeaderMapping, mapHeaders } from './header-mapping.js';
import { type Problem, problem } from '../kernel/problems.js';
import { emailKey } from '../people/refs.js';
import { type MemberColumnKey, templateColumns } from './template-columns.js';
import { errorColumn } from './rejects.js';
import { defaultCountry } from '../org/identity.js';
import { joinAddresses, splitAddresses } from '../people/recipients.js';
import { type Language, type PartyRead, readAddress, readCity, readCountry, readLanguage, readPostcode, readSiren, readVatId, vatSirenMismatch } from '../people/party-fields.js';
import type { SepaScheme } from '../../db/types.js';
import { bicProblem, compactCode, debtorIbanProblem, mandateReferenceProblem } from '../sepa/rules.js';
import { cellText, isEmail, looksLikePhone, type MixedDates, maxCellLength, type Read, readBoolean, readDate, readEmail, readQuantity, readTags, shownValue } from './values.js';

/** `import` reads whole members; `update` (members update FILE) edits existing ones, keyed by e-mail or external id. */
export type ImportMode = 'import' | 'update';

/** Where each column of the template sits in this file, and the headers as written (problems name them). */
export interface Layout {
  /** the file's headers, then those of the columns a column mapping adds (column-mapping.ts) */
  headers: readonly string[];
  /** the file's own headers */
  fileHeaders: readonly string[];
  /** header of a column the mapping feeds -> what its problems add ("Formule is read as Plan name") */
  notes: ReadonlyMap<string, string>;
  index: Partial<Record<MemberColumnKey, number>>;
  /** Custom field columns: position and key (the header as written). */
  custom: ReadonlyArray<{ index: number; key: string }>;
  /** The file has the membership columns (Plan name, Start date, Next invoice date). */
  hasPlanColumns: boolean;
  mapping: HeaderMapping;
  /** every column read: template and custom, with its header */
  used: ReadonlyArray<{ position: number; column: string }>;
  /** The positions of `used`: only their cells may keep a row out. */
  imported: ReadonlySet<number>;
  /**
   * The dates of a row without a plan: an error (a template file), or not read (an export read through a preset,
   * whose contacts have a sign-up date: `presets.ts`).
   */
  planlessDates?: 'error' | 'ignored';
}

export interface DateReading {
  convention: DateConvention | null;
  /** true when the convention is --date-format, false when inferred (or none) */
  given: boolean;
  /** without --date-format, the first values proving each reading when the file holds both: no day/month date is read */
  mixed?: MixedDates | null;
  /** the `timezone` setting: a timestamp is read as its date there */
  timeZone?: string;
  /** --next-invoice: how a row with a plan and no Next invoice date gets one; null: it needs one */
  nextInvoice?: NextInvoiceRule | null;
}

/** The values of one row; null for an empty cell. */
export interface MemberValues {
  name: string | null;
  planName: string | null;
  startDate: string | null;
  nextInvoiceDate: string | null;
  email: string | null;
  /** lower-cased e-mail: members are unique on it */
  emailKey: string | null;
  phone: string | null;
  company: string | null;
  paidBy: string | null;
  /** Delegate of: the holder whose membership this person is a delegate of (import/resolve-delegates.ts) */
  delegateOf: string | null;
  /** with Delegate of, the Plan name cell: the holder's plan; the row has no plan of its own (planName null) */
  delegatePlan: string | null;
  address: string | null;
  postcode: string | null;
  city: string | null;
  /** ISO 3166-1 alpha-2 (a country name read as its code); null: the organisation's */
  country: string | null;
  language: Language | null;
  /** where the person's invoices go when their company has no billing e-mail */
  billingEmail: string | null;
  /** where the person's renewal notices go */
  renewalEmail: string | null;
  /** the person's copies, as stored: "a@x.org; b@y.org" */
  ccEmails: string | null;
  /** yes: asked not to be written to; no: may be again; null: unchanged (no for a new person) */
  noMail: boolean | null;
  /** the SEPA Direct Debit mandate the person signed: the IBAN and BIC compact, upper case */
  iban: string | null;
  bic: string | null;
  mandateReference: string | null;
  /** the day the mandate was signed */
  mandateDate: string | null;
  /** null: core */
  mandateScheme: SepaScheme | null;
  /** the company's SIREN and VAT number (only with a company) */
  companySiren: string | null;
  companyVatId: string | null;
  quantity: number | null;
  /** the membership's own price as written (read in its plan's currency by the row checks, validate-rows.ts) */
  price: string | null;
  prorate: boolean | null;
  autoRenew: boolean | null;
  endDate: string | null;
  tags: string[];
  notes: string | null;
  externalId: string | null;
  /** the person's memberctl id (the memberctl ID column of `members export`): the row is that person */
  memberId: number | null;
  custom: Array<[key: string, value: string]>;
  /** a VAT or company number (Stripe's Business Vat ID; the template has no column for it) */
  taxId?: string | null;
}

const dateKeys = ['startDate', 'nextInvoiceDate', 'endDate', 'mandateDate'] as const;

/**
 * Maps the header row to the template. In `update` mode no column is required but the key: an Email or an
 * External ID column.
 */
export function buildLayout(fileHeaders: readonly string[], headerRow: number, mode: ImportMode, columns: BoundMapping | null = null): { layout: Layout; problems: Problem[] } {
  const headers = columns?.headers ?? fileHeaders;
  const mapping = mapHeaders(headers, templateColumns, { headerRow, assigned: columns?.assigned, ignored: columns?.ignored });
  const index: Partial<Record<MemberColumnKey, number>> = {};
  for (const [position, key] of mapping.columns) index[key] = position;
  // the Error column of a rejects file: a fixed rejects file is imported as it is
  const custom = [...mapping.customFields].filter(([, key]) => key !== errorColumn).map(([position, key]) => ({ index: position, key }));
  let problems = mapping.problems.filter((p) => !(p.code === 'custom_field' && p.column === errorColumn));
  if (mode === 'update') {
    problems = problems.filter((p) => p.code !== 'missing_column');
    if (index.email === undefined && index.externalId === undefined && index.memberId === undefined) {
      problems.push(
        problem({
          row: null,
          column: 'Email',
          code: 'missing_column',
          severity: 'error',
          message: 'No "Email", "External ID" or "memberctl ID" column: `members update` finds each member by one of them',
        }),
      );
    }
  }
  const hasPlanColumns = index.planName !== undefined || index.startDate !== undefined || index.nextInvoiceDate !== undefined;
  const used = [
    ...Object.values(index).map((position) => ({ position, column: headers[position] ?? '' })),
    ...custom.map((c) => ({ position: c.index, column: c.key })),
  ];
  const imported = new Set(used.map((u) => u.position));
  const notes = columns?.notes ?? new Map<string, string>();
  return { layout: { headers, fileHeaders, notes, index, custom, hasPlanColumns, mapping, used, imported }, problems };
}

/** A memberctl ID cell: a whole number from 1 (an xlsx number cell reads as its digits). */
export function readMemberId(text: string | null, fail: (message: string) => void): number | null {
  if (text === null) return null;
  const digits = text.trim().replace(/^#/, '');
  if (/^\d{1,15}$/.test(digits) && Number(digits) >= 1) return Number(digits);
  fail(`"${text}" is not a memberctl ID: the id \`members export\` wrote, a whole number; leave it as it was, or empty for a new person`);
  return null;
}

const schemes: Record<string, SepaScheme> = { core: 'core', sddcore: 'core', b2b: 'b2b', sddb2b: 'b2b' };

/** A Mandate scheme cell: core or b2b, in any case, also written `SDD Core`, `SDD-B2B`; null when it is neither. */
export function readScheme(text: string): SepaScheme | null {
  return schemes[text.toLowerCase().replace(/[\s_.-]+/g, '')] ?? null;
}

const listed = (names: string[]) => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

/** The columns of a mandate besides the IBAN. */
const mandateDetails = ['bic', 'mandateReference', 'mandateDate', 'mandateScheme'] as const satisfies readonly MemberColumnKey[];

/** Whether the file has any of the mandate columns. */
export const hasMandateColumns = (layout: Layout): boolean => layout.index.iban !== undefined || mandateDetails.some((key) => layout.index[key] !== undefined);

/**
 * What a mandate's cells lack together, `given` saying which cells hold a value: an IBAN needs the day its mandate
 * was signed, and the other mandate columns need an IBAN. Checked on a row, or on the merged rows of a person with
 * several memberships (person-rows.ts), whose empty cells agree with any value.
 */
export function mandateGaps(row: number, layout: Layout, given: (key: MemberColumnKey) => boolean): Problem[] {
  if (!hasMandateColumns(layout)) return [];
  const header = (key: MemberColumnKey) => headerOf(layout, key);
  if (given('iban')) {
    if (given('mandateDate')) return [];
    return [
      problem({
        row,
        column: header('mandateDate'),
        code: 'required',
        severity: 'error',
        message: `a mandate needs its signature date: give the day the mandate of this IBAN was signed in ${header('mandateDate')}, or leave ${header('iban')} empty to import no mandate`,
      }),
    ];
  }
  const details = mandateDetails.filter(given);
  if (details.length === 0) return [];
  return [
    problem({
      row,
      column: header('iban'),
      code: 'required',
      severity: 'error',
      message: `${listed(details.map(header))} ${details.length === 1 ? 'is' : 'are'} given but no ${header('iban')}: a mandate is for an account; give its IBAN, or leave the mandate columns empty`,
    }),
  ];
}

/** The header of a column as written in the file (what problems name). */
export function headerOf(layout: Layout, key: MemberColumnKey): string {
  const position = layout.index[key];
  return position === undefined ? templateColumns.find((c) => c.key === key)!.header : (layout.headers[position] ?? '');
}

/** The text of a template column in a row, null when empty or the file has no such column. */
export function columnText(layout: Layout, cells: readonly Cell[], key: MemberColumnKey): string | null {
  const position = layout.index[key];
  return position === undefined ? null : cellText(cells[position]);
}

/**
 * The `extra_cells` error of a row as the file writes it (before any column mapping), or null: a cell with a value
 * but no header, or more cells than `rowWidth` (`header-mapping.ts`), even empty ones: a delimiter inside a cell
 * that is not in quotes shifted every cell after it.
 */
export function extraCells(raw: RawRow, layout: Layout, rowWidth: number): Problem | null {
  const { row, cells } = raw;
  const headers = layout.fileHeaders;
  const stray = cells.length > headers.length || layout.mapping.unnamed.length > 0 ? cellsWithoutHeader(cells, headers) : [];
  if (stray.length > 0) {
    const where = stray.map(columnLetter).join(', ');
    return problem({
      row,
      value: shownValue(cells[stray[0]!]),
      code: 'extra_cells',
      severity: 'error',
      message: `${stray.length === 1 ? 'cell' : 'cells'} ${where} ${stray.length === 1 ? 'has' : 'have'} a value but no header (the header has ${headers.length} columns): add a header or move the value`,
    });
  }
  const width = raw.width ?? cells.length;
  if (width <= rowWidth) return null;
  const extra = width - rowWidth;
  const where = extra === 1 ? `cell ${columnLetter(rowWidth)}` : `cells ${columnLetter(rowWidth)} to ${columnLetter(width - 1)}`;
  return problem({
    row,
    code: 'extra_cells',
    severity: 'error',
    message: `the row has ${width} cells where the file's rows have ${rowWidth} (${where} empty): a delimiter inside a cell that is not in quotes shifts every cell after it into the next column; put that cell in double quotes or remove the delimiter`,
  });
}

export interface ReadRow {
  values: MemberValues;
  problems: Problem[];
}

/**
 * Reads one row. Never throws: what cannot be read is a problem and its value is null. `orgCountry` is the country
 * of a row that gives none (its postcode is checked against it).
 */
export function readMemberRow(raw: RawRow, layout: Layout, dates: DateReading, mode: ImportMode, orgCountry = defaultCountry): ReadRow {
  const { row, cells } = raw;
  const problems: Problem[] = [];
  const header = (key: MemberColumnKey) => headerOf(layout, key);
  const report = (key: MemberColumnKey, code: Problem['code'], message: string, suggestion: string | null = null, severity: Problem['severity'] = 'error') =>
    problems.push(problem({ row, column: header(key), value: shownValue(cells[layout.index[key] ?? -1]), code, severity, message, suggestion }));

  // cells that cannot be read at all, in any used column
  const unusable = new Set<number>();
  for (const { position, column } of layout.used) {
    const cell = cells[position];
    if (cell === null || cell === undefined || (typeof cell === 'string' && cell.length <= maxCellLength)) continue;
    if (typeof cell === 'object' && cell.kind === 'formula') {
      unusable.add(position);
      problems.push(
        problem({
          row,
          column,
          value: shownValue(cell),
          code: 'formula_without_value',
          severity: 'error',
          message: `the formula =${cell.formula} has no saved result: open the file in a spreadsheet program, let it calculate, and save it again`,
        }),
      );
    } else if (typeof cell === 'string' && cell.length > maxCellLength) {
      unusable.add(position);
      problems.push(
        problem({
          row,
          column,
          value: shownValue(cell),
          code: 'cell_too_long',
          severity: 'error',
          message: `the cell holds ${cell.length.toLocaleString('en-US')} characters; at most ${maxCellLength.toLocaleString('en-US')} are accepted`,
        }),
      );
    }
  }
  const text = (key: MemberColumnKey): string | null => {
    const position = layout.index[key];
    return position === undefined || unusable.has(position) ? null : cellText(cells[position]);
  };
  const take = <T>(key: MemberColumnKey, read: Read<T>, empty: T): T => {
    if (read.ok) return read.value;
    report(key, read.issue.code, read.issue.message, read.issue.suggestion ?? null);
    return empty;
  };
  const date = (key: (typeof dateKeys)[number]) => {
    const position = layout.index[key];
    if (position === undefined || unusable.has(position)) return null;
    return take(key, readDate(cells[position], dates.convention, dates.given, dates.mixed, dates.timeZone), null);
  };

  // address, country, language and the company's identifiers: the rules of `members add` and `companies add`
  const party = <T>(key: MemberColumnKey, read: (raw: string) => PartyRead<T>): T | null => {
    const raw = text(key);
    if (raw === null) return null;
    const result = read(raw);
    if (result.ok) return result.value;
    report(key, 'invalid_value', `"${raw}" is not accepted: ${result.rule}`, result.suggestion ?? null);
    return null;
  };
  const country = party('country', readCountry);
  const companySiren = party('companySiren', readSiren);
  const companyVatId = party('companyVatId', readVatId);

  const email = take('email', readEmail(text('email')), null);
  // one address, else the fix: several belong in the Cc column
  const recipient = (key: 'billingEmail' | 'renewalEmail'): string | null => {
    const raw = text(key);
    const read = readEmail(raw);
    if (read.ok) return read.value;
    const several = splitAddresses(raw!);
    const fix =
      several.length > 1 && several.every((a) => readEmail(a).ok)
        ? `: it holds ${several.length} addresses; keep one here and put the others in the ${header('cc')} column`
        : ': write one address, such as compta@example.org, or leave the cell empty';
    report(key, read.issue.code, `${read.issue.message}${fix}`);
    return null;
  };
  const copies = (): string | null => {
    const raw = text('cc');
    if (raw === null) return null;
    const list: string[] = [];
    for (const address of splitAddresses(raw)) {
      const read = readEmail(address);
      if (!read.ok) {
        report('cc', read.issue.code, `${read.issue.message}: write the addresses separated by ";" or ",", such as "a@example.org; b@example.org"`);
        return null;
      }
      const value = read.value!;
      if (!list.some((a) => a.toLowerCase() === value.toLowerCase())) list.push(value);
    }
    return joinAddresses(list);
  };
  // the mandate's cells; whether they go together is `mandateGaps`
  const code = (key: 'iban' | 'bic', check: (compact: string) => string | null): string | null => {
    const raw = text(key);
    if (raw === null) return null;
    const compact = compactCode(raw);
    const issue = check(compact);
    if (issue === null) return compact;
    report(key, 'invalid_value', `"${raw}" is not accepted: ${issue}`);
    return null;
  };
  const iban = code('iban', debtorIbanProblem);
  const bic = code('bic', bicProblem);
  const mandateReference = ((): string | null => {
    const raw = text('mandateReference');
    if (raw === null) return null;
    const issue = mandateReferenceProblem(raw);
    if (issue === null) return raw;
    report('mandateReference', 'invalid_value', `"${raw}" is not accepted: ${issue}`);
    return null;
  })();
  const mandateScheme = ((): SepaScheme | null => {
    const raw = text('mandateScheme');
    if (raw === null) return null;
    const scheme = readScheme(raw);
    if (scheme !== null) return scheme;
    report('mandateScheme', 'invalid_value', `"${raw}" is not a scheme: write core (consumers) or b2b (businesses), or leave it empty for core`);
    return null;
  })();
  const values: MemberValues = {
    name: text('name'),
    planName: text('planName'),
    startDate: date('startDate'),
    nextInvoiceDate: date('nextInvoiceDate'),
    email,
    emailKey: email === null ? null : emailKey(email),
    phone: text('phone'),
    company: text('company'),
    paidBy: text('paidBy'),
    delegateOf: text('delegateOf'),
    delegatePlan: null,
    address: party('address', readAddress),
    postcode: party('postcode', (raw) => readPostcode(raw, country ?? orgCountry)),
    city: party('city', readCity),
    country,
    language: party('language', (raw) => readLanguage(raw, true)),
    billingEmail: recipient('billingEmail'),
    renewalEmail: recipient('renewalEmail'),
    ccEmails: copies(),
    noMail: take('noMail', readBoolean(text('noMail')), null),
    iban,
    bic,
    mandateReference,
    mandateDate: date('mandateDate'),
    mandateScheme,
    companySiren,
    companyVatId,
    quantity: take('quantity', readQuantity(text('quantity')), null),
    price: text('price'),
    prorate: take('prorate', readBoolean(text('prorate')), null),
    autoRenew: take('autoRenew', readBoolean(text('autoRenew')), null),
    endDate: date('endDate'),
    tags: readTags(text('tags')),
    notes: text('notes'),
    externalId: text('externalId'),
    memberId: readMemberId(text('memberId'), (message) => report('memberId', 'invalid_number', message)),
    custom: [],
  };
  for (const { index: position, key } of layout.custom) {
    const value = unusable.has(position) ? null : cellText(cells[position]);
    if (value !== null) values.custom.push([key, value]);
  }

  const given = (key: MemberColumnKey) => {
    const position = layout.index[key];
    return position !== undefined && cells[position] !== null && cells[position] !== undefined;
  };
  if (mode === 'import' && !given('name')) report('name', 'required', 'a name is required');
  if (mode === 'update' && values.emailKey === null && values.externalId === null && !given('email') && !given('externalId') && !given('memberId')) {
    problems.push(
      problem({ row, column: header(layout.index.email !== undefined ? 'email' : 'externalId'), code: 'required', severity: 'error', message: 'an e-mail, an external id or a memberctl ID is needed to find the member' }),
    );
  }
  if (values.name !== null) {
    if (isEmail(values.name)) report('name', 'name_looks_like_email', `the name "${values.name}" is an e-mail address`, null, 'warning');
    else if (looksLikePhone(values.name)) report('name', 'name_looks_like_phone', `the name "${values.name}" is a phone number`, null, 'warning');
  }
  // with Delegate of, the plan named is the holder's: the row is a person without a membership of their own
  if (values.delegateOf !== null) {
    values.delegatePlan = values.planName;
    values.planName = null;
    const dated = (['startDate', 'nextInvoiceDate'] as const).filter(given);
    if (dated.length > 0 && mode === 'import') {
      report(
        dated[0]!,
        'delegate_dates',
        `${dated.map(header).join(' and ')} ${dated.length === 1 ? 'is' : 'are'} given on a row with ${header('delegateOf')}: a delegate has no membership of their own (${header('planName')} names the holder's plan); leave ${dated.length === 1 ? 'it' : 'them'} empty, or give the person's own membership on a row of its own without ${header('delegateOf')}`,
      );
    }
  }
  if (layout.hasPlanColumns && values.delegateOf === null) {
    const hasPlan = given('planName');
    if (hasPlan && mode === 'import') {
      for (const key of ['startDate', 'nextInvoiceDate'] as const) {
        if (given(key) || (key === 'nextInvoiceDate' && dates.nextInvoice)) continue;
        report(key, 'required', `a ${header(key)} is required with a plan${key === 'nextInvoiceDate' ? ' (or give --next-invoice next-period or --next-invoice today to compute it)' : ''}`);
      }
    } else if (!hasPlan && mode === 'import' && layout.planlessDates === 'ignored') {
      // a contact of an export: its sign-up date is no membership's
      values.startDate = null;
      values.nextInvoiceDate = null;
      values.endDate = null;
      for (let i = problems.length - 1; i >= 0; i -= 1) {
        const column = problems[i]!.column;
        if (problems[i]!.code === 'invalid_date' || problems[i]!.code === 'ambiguous_date') {
          if ((['startDate', 'nextInvoiceDate', 'endDate'] as const).some((key) => layout.index[key] !== undefined && header(key) === column)) problems.splice(i, 1);
        }
      }
    } else if (!hasPlan && mode === 'import') {
      const dated = (['startDate', 'nextInvoiceDate'] as const).filter(given);
      if (dated.length > 0) {
        report('planName', 'required', `${dated.map(header).join(' and ')} ${dated.length === 1 ? 'is' : 'are'} given but no plan: give the plan, or leave the dates empty to import a contact`);
      }
    }
  }
  if (values.company === null) {
    for (const key of ['companySiren', 'companyVatId'] as const) {
      if (given(key)) report(key, 'required', `the ${header(key)} is that of the row's company: give the ${header('company')} too, or leave it empty`);
    }
  }
  const mismatch = vatSirenMismatch(companyVatId, companySiren);
  if (mismatch !== null) report('companyVatId', 'invalid_value', `${mismatch}: correct one of them`);
  if (values.startDate !== null && values.nextInvoiceDate !== null && values.nextInvoiceDate < values.startDate) {
    report(
      'nextInvoiceDate',
      'next_invoice_before_start',
      `the next invoice date ${values.nextInvoiceDate} is before the start date ${values.startDate}`,
    );
  }
  if (values.startDate !== null && values.endDate !== null && values.endDate < values.startDate) {
    report('endDate', 'invalid_date', `the end date ${values.endDate} is before the start date ${values.startDate}`);
  }
  return { values, problems };
}

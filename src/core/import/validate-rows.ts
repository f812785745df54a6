/**
 * The second pass: every rule of docs/importing.md for one row, given the index of the whole file (first pass), the
 * resolved payers and what the database holds. Never throws: problems are returned with the row.
 */
import type { Plan } from '../../db/types.js';
import type { Cell, RawRow } from '../../importers/types.js';
import { duePeriods } from '../billing/rules.js';
import { type MembershipIssue, type MembershipSchedule, planMembership } from '../billing/memberships.js';
import { normalizeTag } from '../people/tags.js';
import { cellCharacterProblems } from '../kernel/cell-characters.js';
import { type Problem, problem } from '../kernel/problems.js';
import { parseAmount } from '../kernel/money.js';
import { compactName, nameMatcher } from '../kernel/suggest.js';
import { type Existing, membersNamed } from './existing.js';
import { type BoundMapping, mapRow } from './column-mapping.js';
import { computedNextInvoice, type ComputedNextInvoice } from './next-invoice.js';
import { type CompanyRespelling, respellCompany, settledSpelling } from './company-spellings.js';
import { columnText, type DateReading, extraCells, headerOf, type ImportMode, hasMandateColumns, type Layout, mandateGaps, type MemberValues, readMemberRow } from './member-row.js';
import type { PayerResolution, PayerTarget } from './resolve-payers.js';
import type { DelegateResolution } from './resolve-delegates.js';
import { type FileIndex, indexProblems, personHead } from './scan.js';
import { plural } from '../kernel/words.js';

export interface RowChecks {
  layout: Layout;
  /** the column mapping bound to the file's headers: each row is mapped before it is read */
  columns: BoundMapping | null;
  /** the most cells a row may have (`rowWidth` in header-mapping.ts) */
  rowWidth: number;
  mode: ImportMode;
  dates: DateReading;
  index: FileIndex;
  payers: PayerResolution;
  /** the holders' memberships of the rows with a Delegate of (none: the file names no delegates) */
  delegates?: DelegateResolution;
  existing: Existing;
  /** the date the import acts as of (--today) */
  today: string;
  /** plan names of the file -> existing plan names (--map and the answers to prompts) */
  planMap: ReadonlyMap<string, string>;
  /** the companies map (--companies) bound to the file's company column: each row is respelt after its mapping */
  companies?: CompanyRespelling | null;
  /** company name -> its variant warning, on the first row that writes it */
  companyVariants: ReadonlyMap<string, { row: number; other: string }>;
  /** --strict-companies: every row of a variant is a company_variant error */
  strictCompanies?: boolean;
  suggestPlan: (name: string) => string | null;
  /** the billing-day setting: where a prorated membership without next invoice date starts billing */
  billingDay: number;
  /** the organisation's country: that of a row that gives none (the organisation's France when not given) */
  orgCountry?: string;
}

export interface CheckedRow {
  row: number;
  cells: Cell[];
  values: MemberValues;
  plan: Plan | null;
  /**
   * The membership's own price in minor units of its plan's currency; `plan`: it follows the plan's price (written
   * so); null: the Price cell is empty (a new membership follows the plan's price, an existing one keeps its own).
   */
  price?: number | 'plan' | null;
  /** the billing schedule of the row's membership, when it has a plan and dates */
  schedule: MembershipSchedule | null;
  /** tags in their canonical spelling */
  tags: string[];
  problems: Problem[];
  hasErrors: boolean;
  /** id of the existing member this row stands for */
  match: number | null;
  /**
   * For a row of an existing member, the `next_invoice_in_past` warning, given by the writer only if the row's
   * membership is a new one: an existing membership keeps the schedule billing gave it.
   */
  pastNextInvoice?: Problem | null;
  payer: PayerTarget | null;
  /** the row is one of the rows of a person with several memberships: their e-mail key, first and last row */
  person?: { key: string; head: number; last: number } | null;
  /** the later rows of that person, on the row that writes them (their first: person-rows.ts) */
  others?: CheckedRow[];
  /** another row of that person has an error (their rows and errors): the row is rejected with it */
  personFailed?: string;
  /**
   * The memberships the row stands for, when it gives them itself rather than through `plan`, `schedule` and the
   * date columns: a Stripe customer with several subscriptions.
   */
  memberships?: PlannedMembership[];
  /** credit owed to the person, written to the credits ledger when the row creates them (a Stripe balance) */
  credit?: { amount: number; currency: string; date: string; description: string } | null;
}

/** One membership of a row that gives its memberships itself (`CheckedRow.memberships`). */
export interface PlannedMembership {
  plan: Plan;
  schedule: MembershipSchedule;
  startDate: string;
  quantity: number;
  /** its own price in minor units of the plan's currency; null: the plan's price */
  price: number | null;
  doNotRenew: boolean;
  doNotRenewReason: string | null;
  /** its id in the system it comes from (a Stripe subscription id): a re-import finds the membership by it */
  externalId: string | null;
}

export function planSuggester(existing: Existing): (name: string) => string | null {
  const matcher = nameMatcher([...existing.plans.values()].filter((p) => !p.archived).map((p) => p.name));
  const known = new Map<string, string | null>();
  return (name) => {
    if (!known.has(name)) known.set(name, matcher.closest(name));
    return known.get(name)!;
  };
}

/**
 * Company names that differ from another one (in the file or the database) only by case, accents,
 * punctuation or spacing. The database's spelling wins, else one the companies map settled, else the one written
 * first in the file. A name the companies map settled (`settledSpelling`) is no variant.
 */
export function findCompanyVariants(index: FileIndex, existing: Existing, companies: CompanyRespelling | null = null): Map<string, { row: number; other: string }> {
  const groups = new Map<string, string[]>();
  const add = (name: string) => {
    const key = compactName(name);
    if (key === '') return;
    const group = groups.get(key);
    if (!group) groups.set(key, [name]);
    else if (!group.includes(name)) group.push(name);
  };
  for (const name of existing.companies.keys()) add(name);
  const inFile = [...index.companies].sort((a, b) => a[1] - b[1]);
  for (const [name] of inFile) add(name);
  const variants = new Map<string, { row: number; other: string }>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const main = existing.companies.has(group[0]!) ? group[0]! : (group.find((name) => settledSpelling(companies, name)) ?? group[0]!);
    for (const name of group) {
      const row = index.companies.get(name);
      if (name !== main && row !== undefined && !settledSpelling(companies, name)) variants.set(name, { row, other: main });
    }
  }
  return variants;
}


/** A row as the template reads it: through the column mapping, if any. */
export function templateRow(raw: RawRow, columns: BoundMapping | null, companies: CompanyRespelling | null = null): RawRow {
  const mapped = columns === null ? raw : mapRow(columns, raw);
  return companies === null ? mapped : respellCompany(mapped, companies);
}

export function checkRow(file: RawRow, checks: RowChecks): CheckedRow {
  const { layout, index, existing, today } = checks;
  const { row } = file;
  const raw = templateRow(file, checks.columns, checks.companies ?? null);
  const { values, problems } = readMemberRow(raw, layout, checks.dates, checks.mode, checks.orgCountry);
  const extra = extraCells(file, layout, checks.rowWidth);
  if (extra) problems.unshift(extra);
  problems.push(...cellCharacterProblems(row, raw.cells, layout.headers, layout.imported));
  problems.push(...indexProblems(raw, layout, index, existing, checks.mode));
  const payerProblem = checks.payers.problems.get(row);
  if (payerProblem) problems.push(payerProblem);
  const delegateProblem = checks.delegates?.problems.get(row);
  if (delegateProblem) problems.push(delegateProblem);
  const column = (key: Parameters<typeof headerOf>[1]) => headerOf(layout, key);

  let plan: Plan | null = null;
  if (values.planName !== null) {
    const name = checks.planMap.get(values.planName) ?? values.planName;
    plan = existing.plans.get(name) ?? null;
    if (plan === null) {
      const suggestion = checks.suggestPlan(values.planName);
      problems.push(
        problem({
          row,
          column: column('planName'),
          value: values.planName,
          code: 'unknown_plan',
          severity: 'error',
          message: `no plan named "${name}"${name !== values.planName ? ` (mapped from "${values.planName}")` : ''}${
            checks.existing.plans.size === 0 ? ': the database has no plans yet; add them first with `memberctl plans import FILE` or `memberctl plans add`' : ''
          }`,
          suggestion,
        }),
      );
    }
  }
  const price = rowPrice(values, plan, row, column, problems);
  let schedule: MembershipSchedule | null = null;
  // --next-invoice: a row with a plan and no next invoice date continues the schedule of its start date
  let computed: ComputedNextInvoice | null = null;
  if (plan !== null && values.startDate !== null && values.nextInvoiceDate === null && checks.dates.nextInvoice && checks.mode === 'import') {
    computed = computedNextInvoice(values.startDate, plan.interval, plan.every, checks.dates.nextInvoice, today);
  }
  if (plan !== null && values.startDate !== null) {
    const planned = planMembership(
      {
        memberId: 0,
        planId: plan.id,
        startDate: values.startDate,
        nextInvoiceDate: values.nextInvoiceDate ?? computed?.date ?? null,
        anchorDay: computed?.anchorDay,
        endDate: values.endDate,
        quantity: values.quantity ?? 1,
        prorateFirst: values.prorate ?? false,
        autoRenew: values.autoRenew,
      },
      plan,
      checks.billingDay,
    );
    for (const issue of planned.issues) {
      const at = issueColumn(issue);
      // the row reader has already said it in its own words
      if (problems.some((p) => p.column === column(at) && p.severity === 'error')) continue;
      problems.push(problem({ row, column: column(at), value: values[at] === null ? null : String(values[at]), code: issue.code, severity: 'error', message: issue.message }));
    }
    schedule = planned.issues.length === 0 ? planned.schedule : null;
  }
  if (computed !== null && schedule !== null) {
    const rule = `--next-invoice ${checks.dates.nextInvoice}`;
    const why =
      values.startDate! > today
        ? `the membership starts on ${values.startDate}: it is billed from then`
        : computed.date === computed.current
          ? `the period from ${computed.current} is billed at the next \`invoices run\``
          : `the period from ${computed.current} counts as paid`;
    problems.push(
      problem({ row, column: column('nextInvoiceDate'), value: computed.date, code: 'next_invoice_computed', severity: 'info', message: `next invoice date ${computed.date} (${rule}): ${why}` }),
    );
  }
  let pastNextInvoice: Problem | null = null;
  if (plan !== null && schedule !== null && values.nextInvoiceDate !== null && values.nextInvoiceDate < today) {
    const autoRenew = values.autoRenew ?? plan.auto_renew === 1;
    const due = duePeriods(
      {
        startDate: values.startDate!,
        nextInvoiceDate: schedule.next_invoice_date,
        firstRecurringDate: schedule.first_recurring_date ?? null,
        anchorDay: schedule.anchor_day,
        endDate: values.endDate,
        autoRenew,
        autoRenewUntil: null,
        doNotRenew: false,
        interval: plan.interval,
        every: plan.every,
      },
      today,
    );
    const count = due.periods.length;
    if (count > 0) {
      pastNextInvoice = problem({
        row,
        column: column('nextInvoiceDate'),
        value: values.nextInvoiceDate,
        code: 'next_invoice_in_past',
        severity: 'warning',
        message: `the next invoice date ${values.nextInvoiceDate} is in the past: the next \`invoices run\` would bill ${plural(count, 'period')} at once (up to ${due.periods.at(-1)!.start})`,
      });
    }
  }
  if (plan !== null && values.startDate !== null && values.startDate > today) {
    problems.push(
      problem({ row, column: column('startDate'), value: values.startDate, code: 'start_in_future', severity: 'warning', message: `the membership starts on ${values.startDate}: the member is upcoming until then` }),
    );
  }
  if (values.company !== null) {
    const variant = checks.companyVariants.get(values.company);
    // a warning once, on the first row of the spelling; under --strict-companies an error on each of its rows
    if (variant && (variant.row === row || checks.strictCompanies)) {
      problems.push(
        problem({
          row,
          column: column('company'),
          value: values.company,
          code: 'company_variant',
          severity: checks.strictCompanies ? 'error' : 'warning',
          message: `"${values.company}" and "${variant.other}" differ only by case, accents, punctuation or spacing: they would be two companies; write them the same way if they are one, or say which company each spelling is with --companies FILE`,
          suggestion: variant.other,
        }),
      );
    }
  }
  const tags: string[] = [];
  for (const tag of values.tags) {
    try {
      const name = normalizeTag(tag);
      if (!tags.some((t) => t.toLowerCase() === name.toLowerCase())) tags.push(name);
    } catch (error) {
      problems.push(problem({ row, column: column('tags'), value: tag, code: 'invalid_value', severity: 'error', message: (error as Error).message }));
    }
  }
  const person = personHead(raw, layout, index, checks.mode);
  // a later row of a person stands for the existing member their first row stands for
  const match = index.matches.get(row) ?? (person && person.head !== row ? index.matches.get(person.head) : undefined) ?? null;
  if (pastNextInvoice && match === null) problems.push(pastNextInvoice);
  problems.push(...mandateProblems(raw, values, checks, person, match));
  if (values.name !== null && values.emailKey === null && values.memberId === null && checks.mode === 'import') {
    const first = index.byName.get(values.name);
    if (first !== undefined && first !== row) {
      problems.push(
        problem({
          row,
          column: column('name'),
          value: values.name,
          code: 'possible_duplicate',
          severity: 'warning',
          message: `row ${first} has the same name and no e-mail tells them apart: they are imported as two people`,
        }),
      );
    } else if (match === null) {
      const named = membersNamed(existing.members, values.name);
      if (named.length > 0) {
        problems.push(
          problem({
            row,
            column: column('name'),
            value: values.name,
            code: 'possible_duplicate',
            severity: 'warning',
            message: `a member named "${values.name}" already exists (${named.map((m) => `#${m.id}`).join(', ')}) with another company, e-mail or external id: this row is imported as a new person`,
          }),
        );
      }
    }
  }
  if (layout.notes.size > 0) {
    // a set: the past next invoice warning may be among the problems already
    for (const p of new Set(pastNextInvoice ? [...problems, pastNextInvoice] : problems)) {
      const note = p.column === null ? undefined : layout.notes.get(p.column);
      if (note !== undefined) p.message = `${p.message} (${note})`;
    }
  }
  return {
    row,
    // the file's own cells: a rejects file is the input's rows, imported again with the same mapping
    cells: file.cells,
    values,
    plan,
    price,
    schedule,
    tags,
    problems,
    hasErrors: problems.some((p) => p.severity === 'error'),
    match,
    payer: checks.payers.targets.get(row) ?? null,
    person,
    pastNextInvoice: match === null ? null : pastNextInvoice,
  };
}

/** The words that make a membership follow its plan's price again, in the Price column. */
const followPlanWords = new Set(['plan', 'forfait', 'prix du forfait', "plan's price", 'plan price']);

/**
 * The Price cell read in the currency of the row's plan, as the plans import reads prices (decimal comma, currency
 * signs); a bad value is an error naming the column. Null when the cell is empty or the plan unknown.
 */
function rowPrice(values: MemberValues, plan: Plan | null, row: number, column: (key: 'price' | 'planName') => string, problems: Problem[]): number | 'plan' | null {
  const text = values.price;
  if (text === null) return null;
  const fail = (message: string) => problems.push(problem({ row, column: column('price'), value: text, code: 'invalid_number', severity: 'error', message }));
  if (values.planName === null) {
    fail(`a price is the price of a membership: give its ${column('planName')} too`);
    return null;
  }
  if (plan === null) return null;
  if (followPlanWords.has(text.trim().toLowerCase())) return 'plan';
  const parsed = parseAmount(text, plan.currency);
  if (!parsed.ok) {
    const why = parsed.reason === 'ambiguous' || parsed.reason === 'currency_mismatch' || parsed.reason === 'too_many_decimals' ? parsed.message : `"${text.trim()}" is not an amount`;
    fail(`${why}: write the price per period in ${plan.currency} (plan "${plan.name}"), like 45, 45.50 or 45,50, or "plan" to follow the plan's price`);
    return null;
  }
  if (parsed.value < 0) {
    fail('a price cannot be negative');
    return null;
  }
  return parsed.value;
}

/**
 * The rules of a row's SEPA mandate that need more than its cells: the signature not after today, the mandate on
 * the payer's row (the payer is debited), its reference nobody else's, in the file or the database. The cells that
 * go together are checked here for a row alone, on the merged rows for a person with several (person-rows.ts).
 */
function mandateProblems(raw: RawRow, values: MemberValues, checks: RowChecks, person: CheckedRow['person'], match: number | null): Problem[] {
  const { layout, index, existing, today } = checks;
  if (!hasMandateColumns(layout)) return [];
  const { row } = raw;
  const column = (key: Parameters<typeof headerOf>[1]) => headerOf(layout, key);
  const problems = person ? [] : mandateGaps(row, layout, (key) => columnText(layout, raw.cells, key) !== null);
  if (values.mandateDate !== null && values.mandateDate > today) {
    problems.push(
      problem({
        row,
        column: column('mandateDate'),
        value: values.mandateDate,
        code: 'invalid_date',
        severity: 'error',
        message: `the mandate date ${values.mandateDate} is after today (${today}): give the day the mandate was signed`,
      }),
    );
  }
  if (values.iban !== null) {
    const payer = checks.payers.targets.get(row);
    const paidInDatabase = payer === undefined && values.paidBy === null && match !== null ? existing.members.paidBy.get(match) : undefined;
    if (payer !== undefined || paidInDatabase !== undefined) {
      const who = payer === undefined ? `member #${paidInDatabase}, as the database says` : `"${values.paidBy}"${payer.kind === 'row' ? ` (row ${payer.row})` : ''}`;
      problems.push(
        problem({
          row,
          column: column('iban'),
          value: values.iban,
          code: 'mandate_of_payee',
          severity: 'error',
          message: `this person is paid by ${who}: a mandate belongs to the payer, who is debited for the invoices; put the IBAN and the mandate on the payer's row`,
        }),
      );
    }
  }
  const reference = values.mandateReference;
  if (reference !== null) {
    const first = index.mandateReferences.get(reference);
    const owner = existing.mandates.get(reference);
    // earlier in the file for someone else, else in the database for another member
    const taken =
      first !== undefined && first.row !== row && (first.emailKey === null || first.emailKey !== values.emailKey)
        ? `on row ${first.row}`
        : owner !== undefined && owner !== match
          ? `the reference of member #${owner}'s mandate`
          : null;
    if (taken !== null) {
      problems.push(
        problem({
          row,
          column: column('mandateReference'),
          value: reference,
          code: 'duplicate_mandate',
          severity: 'error',
          message: `the mandate reference ${reference} is already ${taken}: a mandate reference is unique; give this person's mandate its own, or leave the cell empty for memberctl to give one`,
        }),
      );
    }
  }
  return problems;
}

function issueColumn(issue: MembershipIssue): 'startDate' | 'nextInvoiceDate' | 'endDate' | 'quantity' | 'planName' {
  switch (issue.field) {
    case 'startDate':
    case 'nextInvoiceDate':
    case 'endDate':
    case 'quantity':
      return issue.field;
    case 'memberId':
    case 'planId':
    case 'autoRenewUntil':
      return 'planName';
  }
}

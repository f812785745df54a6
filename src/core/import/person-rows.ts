/**
 * Several memberships for one person: in an import, rows sharing an e-mail that each give a plan are one person
 * with a membership per row (exports list one row per membership or per order line). Their other values must
 * agree, an empty cell agreeing with any value; the person takes every value one of their rows gives. The rows of
 * a person are written together, once the last of them is checked, or rejected together.
 */
import type { MemberColumnKey } from './template-columns.js';
import { type Problem, problem } from '../kernel/problems.js';
import { headerOf, type Layout, mandateGaps, type MemberValues } from './member-row.js';
import type { CheckedRow } from './validate-rows.js';
import { plural } from '../kernel/words.js';

/** The person's values: every row of theirs must give the same one, or none. */
const personColumns: ReadonlyArray<readonly [MemberColumnKey, keyof MemberValues]> = [
  ['name', 'name'],
  ['phone', 'phone'],
  ['company', 'company'],
  ['companySiren', 'companySiren'],
  ['companyVatId', 'companyVatId'],
  ['paidBy', 'paidBy'],
  ['address', 'address'],
  ['postcode', 'postcode'],
  ['city', 'city'],
  ['country', 'country'],
  ['language', 'language'],
  ['billingEmail', 'billingEmail'],
  ['renewalEmail', 'renewalEmail'],
  ['cc', 'ccEmails'],
  ['noMail', 'noMail'],
  ['iban', 'iban'],
  ['bic', 'bic'],
  ['mandateReference', 'mandateReference'],
  ['mandateDate', 'mandateDate'],
  ['mandateScheme', 'mandateScheme'],
  ['externalId', 'externalId'],
];

const shown = (value: unknown): string => (typeof value === 'boolean' ? (value ? 'yes' : 'no') : `"${String(value)}"`);

/** Where two rows of one person disagree: the columns, with the value of each row. */
export function disagreements(first: CheckedRow, later: CheckedRow, layout: Layout): Array<{ column: string; first: string; later: string }> {
  const found: Array<{ column: string; first: string; later: string }> = [];
  for (const [key, field] of personColumns) {
    const a = first.values[field];
    const b = later.values[field];
    if (a === null || b === null || a === undefined || b === undefined || a === b) continue;
    found.push({ column: headerOf(layout, key), first: shown(a), later: shown(b) });
  }
  const custom = new Map(first.values.custom);
  for (const [key, value] of later.values.custom) {
    const before = custom.get(key);
    if (before !== undefined && before !== value) found.push({ column: key, first: shown(before), later: shown(value) });
  }
  return found;
}

/** Whether two memberships on one plan are at once: neither ends (End date, its last day) before the other starts. */
function overlap(a: MemberValues, b: MemberValues): boolean {
  if (a.startDate === null || b.startDate === null) return true;
  return !((a.endDate !== null && a.endDate < b.startDate) || (b.endDate !== null && b.endDate < a.startDate));
}

/** The problems a later row of a person has against the rows before it: other values, or the same plan at once. */
export function personProblems(rows: readonly CheckedRow[], later: CheckedRow, layout: Layout): Problem[] {
  const problems: Problem[] = [];
  const email = later.values.email;
  for (const earlier of rows) {
    const differ = disagreements(earlier, later, layout);
    if (differ.length === 0) continue;
    const first = differ[0]!;
    problems.push(
      problem({
        row: later.row,
        column: first.column,
        value: first.later.slice(1, -1),
        code: 'conflicting_rows',
        severity: 'error',
        message: `row ${earlier.row} has the same e-mail ${email} with other values (${differ
          .map((d) => `${d.column}: ${d.first} on row ${earlier.row}, ${d.later} here`)
          .join('; ')}): the rows of one person must agree, an empty cell agreeing with any value`,
      }),
    );
    return problems;
  }
  const plan = later.plan?.name ?? later.values.planName;
  const same = rows.find((r) => (r.plan?.name ?? r.values.planName) === plan && overlap(r.values, later.values));
  if (same) {
    const from = (v: MemberValues) => (v.startDate === null ? '' : ` from ${v.startDate}`);
    problems.push(
      problem({
        row: later.row,
        column: headerOf(layout, 'planName'),
        value: later.values.planName,
        code: 'duplicate_membership',
        severity: 'error',
        message: `row ${same.row} already gives ${email} a membership on "${plan}"${from(same.values)}, and this row's${from(later.values)} is at the same time: give one row a Quantity for several, or an ${headerOf(layout, 'endDate')} before the other's start`,
      }),
    );
  }
  return problems;
}

/** The row that writes a person: the first row, with the values the later ones add, and the later rows. */
export function mergePerson(rows: readonly CheckedRow[]): CheckedRow {
  const [first, ...others] = rows as [CheckedRow, ...CheckedRow[]];
  if (others.length === 0) return first;
  const values: MemberValues = { ...first.values };
  const custom = new Map(first.values.custom);
  const tags = [...first.tags];
  for (const other of others) {
    for (const [, field] of personColumns) {
      if (values[field] === null && other.values[field] !== null) (values as unknown as Record<string, unknown>)[field] = other.values[field];
    }
    for (const [key, value] of other.values.custom) if (!custom.has(key)) custom.set(key, value);
    for (const tag of other.tags) if (!tags.some((t) => t.toLowerCase() === tag.toLowerCase())) tags.push(tag);
  }
  values.custom = [...custom];
  const payer = first.payer ?? others.find((o) => o.payer !== null)?.payer ?? null;
  return {
    ...first,
    values,
    tags,
    payer,
    problems: rows.flatMap((r) => r.problems),
    hasErrors: rows.some((r) => r.hasErrors),
    others,
  };
}

/** The row (a person's rows merged) with the problems of its mandate's cells that do not go together (`mandateGaps`). */
function withMandateGaps(row: CheckedRow, layout: Layout): CheckedRow {
  if (row.hasErrors) return row;
  const gaps = mandateGaps(row.row, layout, (key) => row.values[key as keyof MemberValues] != null);
  if (gaps.length === 0) return row;
  return { ...row, problems: [...row.problems, ...gaps], hasErrors: true };
}

/** Why a row is rejected, for the rows of its person: its row number and its errors. */
function failure(row: CheckedRow): string {
  return `row ${row.row}: ${row.problems
    .filter((p) => p.row === row.row && p.severity === 'error')
    .map((p) => p.message)
    .join('; ')}`;
}

const planOf = (row: CheckedRow) => row.plan?.name ?? row.values.planName;

/** A person being read: the rows held to be written together, and why the person is rejected, if they are. */
interface OpenPerson {
  rows: CheckedRow[];
  /** plan and start date of the memberships of the rows held and of the first row, to tell a repeated row */
  memberships: Array<{ plan: string | null; start: string | null }>;
  /** the first row of theirs with an error, and how many have one */
  failure: { first: string; rows: number } | null;
}

/** Why a person's other rows are rejected, in bounded words however many of their rows have an error. */
function failedWith(person: OpenPerson): string {
  const { first, rows } = person.failure!;
  return rows === 1 ? first : `${first}; and ${plural(rows - 1, 'other row')} of theirs ${rows === 2 ? 'has' : 'have'} errors`;
}

/**
 * The rows of a file as people: each row alone, except the rows of a person with several memberships, given as one
 * row (`mergePerson`) once their last row is read. Only those rows wait, between their first and last row, and only
 * while they hold no error: a row with an error goes on at once, and the person's rows are rejected with it
 * (`personFailed`), so a file of many rows of one e-mail, each wrong, waits on none. A row repeating a membership an
 * earlier row of the person gives (same plan, same start date) is a repeated row, a `duplicate_member` error of its
 * own (`repeated`), and leaves the person as it is.
 */
export async function* personRows(rows: AsyncIterable<CheckedRow>, layout: Layout, repeated: (row: CheckedRow) => Problem[]): AsyncGenerator<CheckedRow> {
  const open = new Map<string, OpenPerson>();
  const finish = (person: OpenPerson): CheckedRow | null => {
    if (person.rows.length === 0) return null;
    const merged = mergePerson(person.rows);
    if (person.failure) merged.personFailed = failedWith(person);
    // their mandate's cells go together once merged: one row may give the IBAN, another its date
    return withMandateGaps(merged, layout);
  };
  for await (const row of rows) {
    if (!row.person) {
      yield row;
      continue;
    }
    const { key, head, last } = row.person;
    let person = open.get(key);
    if (row.row === head) {
      person = { rows: [], memberships: [], failure: null };
      open.set(key, person);
    }
    if (!person) {
      // its first row was not read as a person's (it had no e-mail key then): it stands alone
      yield withMandateGaps(row, layout);
      continue;
    }
    const start = row.values.startDate;
    if (row.row !== head && person.memberships.some((m) => m.plan === planOf(row) && m.start === start)) {
      const problems = repeated(row);
      row.problems.push(...problems);
      row.hasErrors ||= problems.some((p) => p.severity === 'error');
      yield row;
    } else {
      if (row.row !== head && !row.hasErrors) {
        const problems = personProblems(person.rows, row, layout);
        if (problems.length > 0) {
          row.problems.push(...problems);
          row.hasErrors = true;
        }
      }
      // a row is told from a repeat of itself by its plan and start date: those of the rows held, and of the first
      if (row.row === head || (!row.hasErrors && !person.failure)) person.memberships.push({ plan: planOf(row), start });
      if (row.hasErrors) {
        if (person.failure) person.failure.rows += 1;
        else person.failure = { first: failure(row), rows: 1 };
        yield row;
      } else if (person.failure) {
        row.personFailed = failedWith(person);
        yield row;
      } else {
        person.rows.push(row);
      }
    }
    if (row.row === last) {
      open.delete(key);
      const merged = finish(person);
      if (merged) yield merged;
    }
  }
  for (const person of open.values()) {
    const merged = finish(person);
    if (merged) yield merged;
  }
}

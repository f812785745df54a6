/**
 * The first pass over a member file: compact keys of every row (e-mails, external ids, names, companies,
 * payer references, matches with existing members) and the evidence for the file's date convention. The
 * second pass validates each row against this index, so no pass needs every row in memory.
 */
import type { RawRow } from '../../importers/types.js';
import { classifyDateText, hasTimeOfDay, parseLooseDate } from '../kernel/dates.js';
import { type Problem, problem } from '../kernel/problems.js';
import { emailKey } from '../people/refs.js';
import { type Existing, matchExisting } from './existing.js';
import { columnText, headerOf, type ImportMode, type Layout, readMemberId } from './member-row.js';

export interface DateEvidence {
  row: number;
  column: string;
  text: string;
}

export interface DateInferenceState {
  /** first value only day-first reading accepts (25/12/2026) */
  provesDMY: DateEvidence | null;
  provesMDY: DateEvidence | null;
  /** values both readings accept differently (04/03/2026) */
  ambiguous: number;
  /** the first date with a time of day (2026-03-23 14:05): the file gets a note on how such dates are read */
  timestamp: DateEvidence | null;
}

export interface FileIndex {
  dataRows: number;
  /** e-mail key -> first row */
  byEmail: Map<string, number>;
  /**
   * person key (the memberctl ID when the row has one, else the e-mail key) -> the last row that continues its
   * first row's person (import mode): a later row with that key and a plan is another membership of the same person
   * (docs/importing.md, "Several memberships for one person")
   */
  personLastRow: Map<string, number>;
  byExternalId: Map<string, number>;
  /** memberctl ID -> first row */
  byMemberId: Map<number, number>;
  /** exact name -> first row */
  byName: Map<string, number>;
  /** names written on several rows -> those rows (the first few) and how many */
  repeatedNames: Map<string, { rows: number[]; count: number }>;
  /** row -> its "Paid by" text */
  payerRefs: Map<number, string>;
  /** row with a "Paid by" -> its own name and e-mail key (a person naming themselves pays for themselves) */
  payerOwnKeys: Map<number, { name: string | null; emailKey: string | null }>;
  /** row with a "Delegate of" -> its text, the holder's plan it names (Plan name) and the row's own name and e-mail key */
  delegateRefs: Map<number, { ref: string; plan: string | null; name: string | null; emailKey: string | null }>;
  /** first row of a person -> the memberships their rows give (plan name as written, quantity): a holder's seats */
  plannedMemberships: Map<number, Array<{ row: number; plan: string; quantity: number }>>;
  /** company name -> first row */
  companies: Map<string, number>;
  /** mandate reference -> the first row that gives it, and that row's e-mail key (the rows of one person share it) */
  mandateReferences: Map<string, { row: number; emailKey: string | null }>;
  /** row -> id of the existing member it stands for */
  matches: Map<number, number>;
  /** existing member id -> the (first) row that stands for them */
  rowOfMember: Map<number, number>;
  dates: DateInferenceState;
}

const isoShape = /^\d{4}-\d{2}-\d{2}$/;
const dateKeys = ['startDate', 'nextInvoiceDate', 'endDate', 'mandateDate'] as const;
const keptRows = 5;

/**
 * A copy of a cell's text that does not keep the text it was cut from alive: a reader may hand out slices of a
 * whole chunk of the file, and the index keeps a few strings of every row until the import ends.
 */
function own(text: string): string {
  return (` ${text}`).slice(1);
}

export function emptyIndex(): FileIndex {
  return {
    dataRows: 0,
    byEmail: new Map(),
    personLastRow: new Map(),
    byExternalId: new Map(),
    byMemberId: new Map(),
    byName: new Map(),
    repeatedNames: new Map(),
    payerRefs: new Map(),
    payerOwnKeys: new Map(),
    delegateRefs: new Map(),
    plannedMemberships: new Map(),
    companies: new Map(),
    mandateReferences: new Map(),
    matches: new Map(),
    rowOfMember: new Map(),
    dates: { provesDMY: null, provesMDY: null, ambiguous: 0, timestamp: null },
  };
}

interface RowKeys {
  name: string | null;
  email: string | null;
  /** the e-mail as compared: lower case, without mailto: */
  key: string | null;
  externalId: string | null;
  /** the memberctl ID cell, when it is a whole number (else its problem is the row's own) */
  memberId: number | null;
  company: string | null;
  paidBy: string | null;
  /** null on a row with a Delegate of: its Plan name is the holder's */
  planName: string | null;
  delegateOf: string | null;
  /** the Plan name cell as written */
  planCell: string | null;
}

/** The key of a memberctl ID among person keys: no e-mail key starts with a NUL. */
const memberIdKey = (id: number) => `\u0000${id}`;

function rowKeys(layout: Layout, cells: RawRow['cells']): RowKeys {
  const email = columnText(layout, cells, 'email');
  const delegateOf = columnText(layout, cells, 'delegateOf');
  const planCell = columnText(layout, cells, 'planName');
  return {
    name: columnText(layout, cells, 'name'),
    email,
    key: email === null ? null : emailKey(email.startsWith('mailto:') || email.startsWith('MAILTO:') ? email.slice(7) : email),
    externalId: columnText(layout, cells, 'externalId'),
    memberId: readMemberId(columnText(layout, cells, 'memberId'), () => {}),
    company: columnText(layout, cells, 'company'),
    paidBy: columnText(layout, cells, 'paidBy'),
    planName: delegateOf === null ? planCell : null,
    delegateOf,
    planCell,
  };
}

/**
 * The person key of a row and the first row that has it: the memberctl ID when the row has one (a file of
 * `members export`, whose later rows of a person may leave the e-mail empty), else the e-mail.
 */
function personOf(index: FileIndex, keys: RowKeys): { key: string; first: number | undefined } | null {
  if (keys.memberId !== null) return { key: memberIdKey(keys.memberId), first: index.byMemberId.get(keys.memberId) };
  if (keys.key !== null) return { key: keys.key, first: index.byEmail.get(keys.key) };
  return null;
}

/**
 * The first row of the person a row continues, or null: in an import, a row with a plan whose memberctl ID or
 * e-mail an earlier row has is another membership of that row's person (whether their other values agree is
 * checked when both are read).
 */
function continues(index: FileIndex, row: number, keys: RowKeys, mode: ImportMode | 'alone'): number | null {
  if (mode !== 'import' || keys.planName === null) return null;
  const first = personOf(index, keys)?.first;
  return first === undefined || first === row ? null : first;
}

/** The first row of the person this row is another membership of (see `continues`), or null. */
export function personHead(raw: RawRow, layout: Layout, index: FileIndex, mode: ImportMode): { head: number; last: number; key: string } | null {
  const keys = rowKeys(layout, raw.cells);
  if (mode !== 'import') return null;
  const person = personOf(index, keys);
  if (person === null) return null;
  const last = index.personLastRow.get(person.key);
  if (last === undefined) return null;
  const head = person.first!;
  if (raw.row !== head && keys.planName === null) return null;
  return { head, last, key: person.key };
}

/** A row repeats an earlier one by memberctl ID, External ID or e-mail: the first row that has one of them. */
function repeats(index: FileIndex, row: number, keys: RowKeys): boolean {
  return (
    (keys.memberId !== null && index.byMemberId.get(keys.memberId) !== row) ||
    (keys.externalId !== null && index.byExternalId.get(keys.externalId) !== row) ||
    (keys.key !== null && index.byEmail.get(keys.key) !== row)
  );
}

/** Adds one row to the index. Its problems are found again by `indexProblems` in the second pass, never kept. */
export function scanRow(index: FileIndex, raw: RawRow, layout: Layout, existing: Existing, mode: ImportMode): void {
  const { row, cells } = raw;
  index.dataRows += 1;
  const keys = rowKeys(layout, cells);
  const { name, key, externalId, company, paidBy } = keys;
  if (externalId !== null && !index.byExternalId.has(externalId)) index.byExternalId.set(own(externalId), row);
  if (key !== null && !index.byEmail.has(key)) index.byEmail.set(own(key), row);
  if (keys.memberId !== null && !index.byMemberId.has(keys.memberId)) index.byMemberId.set(keys.memberId, row);
  const head = continues(index, row, keys, mode);
  if (head !== null) {
    const personKey = personOf(index, keys)!.key;
    index.personLastRow.set(index.personLastRow.has(personKey) ? personKey : own(personKey), row);
  }
  // another row of the same person does not make their name ambiguous (as a payer)
  if (name !== null && head === null) {
    const first = index.byName.get(name);
    if (first === undefined) index.byName.set(own(name), row);
    else {
      const repeated = index.repeatedNames.get(name);
      if (repeated) {
        repeated.count += 1;
        if (repeated.rows.length < keptRows) repeated.rows.push(row);
      } else index.repeatedNames.set(own(name), { rows: [first, row], count: 2 });
    }
  }
  if (paidBy !== null) {
    index.payerRefs.set(row, own(paidBy));
    index.payerOwnKeys.set(row, { name: name === null ? null : own(name), emailKey: key === null ? null : own(key) });
  }
  if (keys.delegateOf !== null) {
    index.delegateRefs.set(row, { ref: own(keys.delegateOf), plan: keys.planCell === null ? null : own(keys.planCell), name: name === null ? null : own(name), emailKey: key === null ? null : own(key) });
  } else if (keys.planName !== null && layout.index.delegateOf !== undefined) {
    // only a file that names delegates needs its holders' memberships
    const first = head ?? row;
    const quantity = Number(columnText(layout, cells, 'quantity') ?? '1');
    const list = index.plannedMemberships.get(first) ?? [];
    list.push({ row, plan: own(keys.planName), quantity: Number.isInteger(quantity) && quantity >= 1 ? quantity : 1 });
    index.plannedMemberships.set(first, list);
  }
  if (company !== null && !index.companies.has(company)) index.companies.set(own(company), row);
  if (layout.index.mandateReference !== undefined) {
    const reference = columnText(layout, cells, 'mandateReference');
    if (reference !== null && !index.mandateReferences.has(reference)) index.mandateReferences.set(own(reference), { row, emailKey: key === null ? null : own(key) });
  }

  if (!repeats(index, row, keys)) {
    const match = matchExisting({ memberId: keys.memberId, externalId, emailKey: key, name, company }, existing, mode === 'update');
    if (match.kind === 'existing' && !index.rowOfMember.has(match.id)) {
      index.rowOfMember.set(match.id, row);
      index.matches.set(row, match.id);
    }
  }

  for (const dateKey of dateKeys) {
    const position = layout.index[dateKey];
    const text = position === undefined ? null : cells[position];
    if (typeof text !== 'string' || isoShape.test(text)) continue;
    const dates = index.dates;
    if (dates.timestamp === null && hasTimeOfDay(text)) dates.timestamp = { row, column: headerOf(layout, dateKey), text: own(text) };
    const fits = classifyDateText(text);
    if (fits.DMY && !fits.MDY) dates.provesDMY ??= { row, column: headerOf(layout, dateKey), text };
    else if (fits.MDY && !fits.DMY) dates.provesMDY ??= { row, column: headerOf(layout, dateKey), text };
    else if (fits.DMY && fits.MDY && parseLooseDate(text, null).kind === 'ambiguous') dates.ambiguous += 1;
  }
}

/**
 * The problems the index proves for a row (duplicates, conflicting or missing matches), found in the second pass
 * from the index rather than kept for every row of the first: a file of a million repeated rows costs no more
 * memory than a valid one. `alone` reads an import's row as if it were no other membership of an earlier row's
 * person: a row repeating one of that person's memberships (person-rows.ts).
 */
export function indexProblems(raw: RawRow, layout: Layout, index: FileIndex, existing: Existing, mode: ImportMode, alone = false): Problem[] {
  const { row, cells } = raw;
  const keys = rowKeys(layout, cells);
  const { name, email, key, externalId, company } = keys;
  const head = continues(index, row, keys, alone ? 'alone' : mode);
  if (keys.memberId !== null) {
    const first = index.byMemberId.get(keys.memberId)!;
    if (first !== row && first !== head) {
      return [
        problem({
          row,
          column: headerOf(layout, 'memberId'),
          value: String(keys.memberId),
          code: 'duplicate_member',
          severity: 'error',
          message: `memberctl ID ${keys.memberId} is already on row ${first}: a person's other rows give another plan (another membership)`,
        }),
      ];
    }
  }
  if (externalId !== null) {
    const first = index.byExternalId.get(externalId)!;
    // the same External ID on the rows of one person is theirs
    if (first !== row && first !== head) {
      return [problem({ row, column: headerOf(layout, 'externalId'), value: externalId, code: 'duplicate_member', severity: 'error', message: `External ID "${externalId}" is already on row ${first}` })];
    }
  }
  // the person's first row is matched for all of their rows
  if (head !== null) return [];
  if (key !== null) {
    const first = index.byEmail.get(key)!;
    if (first !== row) {
      return [
        problem({
          row,
          column: headerOf(layout, 'email'),
          value: email,
          code: 'duplicate_member',
          severity: 'error',
          message: `the e-mail ${email} is already on row ${first}${email !== key ? ' (capital letters do not matter)' : ''}`,
        }),
      ];
    }
  }
  if (index.matches.has(row)) return [];
  const match = matchExisting({ memberId: keys.memberId, externalId, emailKey: key, name, company }, existing, mode === 'update');
  const column =
    match.kind === 'new' && mode === 'import'
      ? ''
      : headerOf(layout, match.kind === 'existing' && match.by === 'name' ? 'name' : keys.memberId !== null ? 'memberId' : externalId !== null ? 'externalId' : 'email');
  switch (match.kind) {
    case 'existing':
      return [
        problem({
          row,
          column,
          value: externalId ?? email ?? name,
          code: 'duplicate_member',
          severity: 'error',
          message: `this row and row ${index.rowOfMember.get(match.id)} are the same existing member (#${match.id})`,
        }),
      ];
    case 'conflict':
      return [problem({ row, column, value: externalId ?? email, code: 'conflict_existing', severity: 'error', message: match.message })];
    case 'unknown':
      return [problem({ row, column, value: String(keys.memberId), code: 'unknown_member', severity: 'error', message: match.message })];
    case 'ambiguous':
      return [
        problem({
          row,
          column: headerOf(layout, 'name'),
          value: name,
          code: 'conflict_existing',
          severity: 'error',
          message: `${match.ids.length} existing members are named "${name}"${company ? ` at ${company}` : ''} (${match.ids.map((id) => `#${id}`).join(', ')}): add their e-mail or External ID to say which one`,
        }),
      ];
    case 'new':
      if (mode === 'update' && (externalId !== null || email !== null)) {
        const what = externalId !== null && email !== null ? `External ID "${externalId}" or e-mail ${email}` : externalId !== null ? `External ID "${externalId}"` : `e-mail ${email}`;
        return [problem({ row, column, value: externalId ?? email, code: 'unknown_member', severity: 'error', message: `no member has the ${what}` })];
      }
      return [];
  }
}

/** The convention of the file's day/month dates: proven by some value and contradicted by none (docs/importing.md, "Dates"). */
export function inferredConvention(dates: DateInferenceState): 'DMY' | 'MDY' | null {
  if (dates.provesDMY && !dates.provesMDY) return 'DMY';
  if (dates.provesMDY && !dates.provesDMY) return 'MDY';
  return null;
}

/**
 * The first pass over a member file: compact keys of every row (e-mails, external ids, names, companies,
 * payer references, matches with existing members) and the evidence for the file's date convention. The
 * second pass validates each row against this index, so no pass needs every row in memory.
 */
import type { RawRow } from '../../importers/types.js';
import { classifyDateText, parseLooseDate } from '../dates.js';
import { type Problem, problem } from '../problems.js';
import { emailKey } from '../refs.js';
import { type Existing, matchExisting } from './existing.js';
import { columnText, headerOf, type ImportMode, type Layout } from './member-row.js';

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
}

export interface FileIndex {
  dataRows: number;
  /** e-mail key -> first row */
  byEmail: Map<string, number>;
  byExternalId: Map<string, number>;
  /** exact name -> first row */
  byName: Map<string, number>;
  /** names written on several rows -> those rows (the first few) and how many */
  repeatedNames: Map<string, { rows: number[]; count: number }>;
  /** row -> its "Paid by" text */
  payerRefs: Map<number, string>;
  /** row with a "Paid by" -> its own name and e-mail key (a person naming themselves pays for themselves) */
  payerOwnKeys: Map<number, { name: string | null; emailKey: string | null }>;
  /** company name -> first row */
  companies: Map<string, number>;
  /** problems that the first pass proves: duplicates, conflicting or missing matches */
  problems: Map<number, Problem[]>;
  /** row -> id of the existing member it stands for */
  matches: Map<number, number>;
  /** existing member id -> the (first) row that stands for them */
  rowOfMember: Map<number, number>;
  dates: DateInferenceState;
}

const isoShape = /^\d{4}-\d{2}-\d{2}$/;
const dateKeys = ['startDate', 'nextInvoiceDate', 'endDate'] as const;
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
    byExternalId: new Map(),
    byName: new Map(),
    repeatedNames: new Map(),
    payerRefs: new Map(),
    payerOwnKeys: new Map(),
    companies: new Map(),
    problems: new Map(),
    matches: new Map(),
    rowOfMember: new Map(),
    dates: { provesDMY: null, provesMDY: null, ambiguous: 0 },
  };
}

/** Adds one row to the index. */
export function scanRow(index: FileIndex, raw: RawRow, layout: Layout, existing: Existing, mode: ImportMode): void {
  const { row, cells } = raw;
  index.dataRows += 1;
  const add = (p: Problem) => {
    const list = index.problems.get(row);
    if (list) list.push(p);
    else index.problems.set(row, [p]);
  };

  const name = columnText(layout, cells, 'name');
  const email = columnText(layout, cells, 'email');
  const key = email === null ? null : emailKey(email.startsWith('mailto:') || email.startsWith('MAILTO:') ? email.slice(7) : email);
  const externalId = columnText(layout, cells, 'externalId');
  const company = columnText(layout, cells, 'company');
  const paidBy = columnText(layout, cells, 'paidBy');

  let duplicate = false;
  if (externalId !== null) {
    const first = index.byExternalId.get(externalId);
    if (first === undefined) index.byExternalId.set(own(externalId), row);
    else {
      duplicate = true;
      add(
        problem({
          row,
          column: headerOf(layout, 'externalId'),
          value: externalId,
          code: 'duplicate_member',
          severity: 'error',
          message: `External ID "${externalId}" is already on row ${first}`,
        }),
      );
    }
  }
  if (key !== null) {
    const first = index.byEmail.get(key);
    if (first === undefined) index.byEmail.set(own(key), row);
    else if (!duplicate) {
      duplicate = true;
      add(
        problem({
          row,
          column: headerOf(layout, 'email'),
          value: email,
          code: 'duplicate_member',
          severity: 'error',
          message: `the e-mail ${email} is already on row ${first}${email !== key ? ' (capital letters do not matter)' : ''}`,
        }),
      );
    }
  }
  if (name !== null) {
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
  if (company !== null && !index.companies.has(company)) index.companies.set(own(company), row);

  if (!duplicate) {
    const match = matchExisting({ externalId, emailKey: key, name, company }, existing, mode === 'update');
    const column = match.kind === 'new' && mode === 'import' ? '' : headerOf(layout, match.kind === 'existing' && match.by === 'name' ? 'name' : externalId !== null ? 'externalId' : 'email');
    switch (match.kind) {
      case 'existing': {
        const first = index.rowOfMember.get(match.id);
        if (first !== undefined) {
          add(
            problem({
              row,
              column,
              value: externalId ?? email ?? name,
              code: 'duplicate_member',
              severity: 'error',
              message: `this row and row ${first} are the same existing member (#${match.id})`,
            }),
          );
        } else {
          index.rowOfMember.set(match.id, row);
          index.matches.set(row, match.id);
        }
        break;
      }
      case 'conflict':
        add(problem({ row, column, value: externalId ?? email, code: 'conflict_existing', severity: 'error', message: match.message }));
        break;
      case 'ambiguous':
        add(
          problem({
            row,
            column: headerOf(layout, 'name'),
            value: name,
            code: 'conflict_existing',
            severity: 'error',
            message: `${match.ids.length} existing members are named "${name}"${company ? ` at ${company}` : ''} (${match.ids.map((id) => `#${id}`).join(', ')}): add their e-mail or External ID to say which one`,
          }),
        );
        break;
      case 'new':
        if (mode === 'update') {
          const what = externalId !== null && email !== null ? `External ID "${externalId}" or e-mail ${email}` : externalId !== null ? `External ID "${externalId}"` : `e-mail ${email}`;
          if (externalId !== null || email !== null) {
            add(problem({ row, column, value: externalId ?? email, code: 'unknown_member', severity: 'error', message: `no member has the ${what}` }));
          }
        }
        break;
    }
  }

  for (const dateKey of dateKeys) {
    const position = layout.index[dateKey];
    const text = position === undefined ? null : cells[position];
    if (typeof text !== 'string' || isoShape.test(text)) continue;
    const fits = classifyDateText(text);
    const dates = index.dates;
    if (fits.DMY && !fits.MDY) dates.provesDMY ??= { row, column: headerOf(layout, dateKey), text };
    else if (fits.MDY && !fits.DMY) dates.provesMDY ??= { row, column: headerOf(layout, dateKey), text };
    else if (fits.DMY && fits.MDY && parseLooseDate(text, null).kind === 'ambiguous') dates.ambiguous += 1;
  }
}

/** The convention of the file's day/month dates: proven by some value and contradicted by none (formats.md). */
export function inferredConvention(dates: DateInferenceState): 'DMY' | 'MDY' | null {
  if (dates.provesDMY && !dates.provesMDY) return 'DMY';
  if (dates.provesMDY && !dates.provesDMY) return 'MDY';
  return null;
}

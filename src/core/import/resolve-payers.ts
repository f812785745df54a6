/**
 * "Paid by" references: an exact name, an e-mail or the #id of another member, in the file (in any order) or already in
 * the database. Resolved after the first pass, when every row's keys are known; also finds payer loops, which
 * may run through existing members (A pays for B in the database, the file says B pays for A).
 */
import { type Problem, problem } from '../kernel/problems.js';
import { emailKey } from '../people/refs.js';
import { compactName, nameMatcher } from '../kernel/suggest.js';
import { type Existing, membersNamed } from './existing.js';
import { headerOf, type Layout } from './member-row.js';
import type { FileIndex } from './scan.js';

export type PayerTarget = { kind: 'row'; row: number } | { kind: 'member'; id: number };

export interface PayerResolution {
  /** payee row -> payer (a row of the file, or an existing member no row stands for) */
  targets: Map<number, PayerTarget>;
  /** row -> its payer problem: unknown_payer, ambiguous_payer, payer_cycle (errors) or self_payer (warning) */
  problems: Map<number, Problem>;
  /** rows that pay for another row: the writer keeps their member id */
  payerRows: Set<number>;
}

/** Above this many candidate names, a failed lookup only suggests names equal after normalization (no edit distance). */
const fuzzyLimit = 50_000;

export function resolvePayers(index: FileIndex, existing: Existing, layout: Layout): PayerResolution {
  const result: PayerResolution = { targets: new Map(), problems: new Map(), payerRows: new Set() };
  const column = headerOf(layout, 'paidBy');
  const members = existing.members;
  // an existing member that a row of the file stands for is that row
  const canonical = (target: PayerTarget): PayerTarget => {
    if (target.kind === 'member') {
      const row = index.rowOfMember.get(target.id);
      if (row !== undefined) return { kind: 'row', row };
    }
    return target;
  };
  let suggest: ((text: string) => string | null) | null = null;
  const suggestion = (text: string): string | null => {
    suggest ??= buildSuggester(index, existing);
    return suggest(text);
  };
  const fail = (row: number, ref: string, code: 'unknown_payer' | 'ambiguous_payer', message: string, hint: string | null = null) =>
    result.problems.set(row, problem({ row, column, value: ref, code, severity: 'error', message, suggestion: hint }));

  const self = (row: number, ref: string) =>
    result.problems.set(row, problem({ row, column, value: ref, code: 'self_payer', severity: 'warning', message: `"${ref}" is this row's own member: ignored, the member pays for themselves` }));
  for (const [row, ref] of index.payerRefs) {
    let target: PayerTarget | null = null;
    const own = index.payerOwnKeys.get(row);
    if (own && (ref === own.name || (own.emailKey !== null && emailKey(ref.replace(/^mailto:/i, '')) === own.emailKey))) {
      self(row, ref);
      continue;
    }
    const byId = /^#(\d{1,15})$/.exec(ref);
    if (byId) {
      // a member's id, as `members export` writes a payer who has no e-mail
      const id = Number(byId[1]);
      if (!members.ids.has(id)) {
        fail(row, ref, 'unknown_payer', `no member has the id ${ref} (write an exact name, an e-mail or #id of a member)`);
        continue;
      }
      target = { kind: 'member', id };
    } else if (ref.includes('@')) {
      const key = emailKey(ref.replace(/^mailto:/i, ''));
      const fileRow = index.byEmail.get(key);
      const memberId = members.byEmail.get(key);
      if (fileRow !== undefined) target = { kind: 'row', row: fileRow };
      else if (memberId !== undefined) target = { kind: 'member', id: memberId };
      else {
        const close = suggestion(ref);
        fail(row, ref, 'unknown_payer', `no member has the e-mail ${ref}, in this file or in the database`, close);
        continue;
      }
    } else {
      const repeated = index.repeatedNames.get(ref);
      const fileRow = index.byName.get(ref);
      if (repeated) {
        const more = repeated.count > repeated.rows.length ? ` and ${repeated.count - repeated.rows.length} more` : '';
        fail(row, ref, 'ambiguous_payer', `${repeated.count} rows are named "${ref}" (rows ${repeated.rows.join(', ')}${more}): write the payer's e-mail instead`);
        continue;
      }
      if (fileRow !== undefined) target = { kind: 'row', row: fileRow };
      else {
        const named = membersNamed(members, ref);
        if (named.length > 1) {
          fail(row, ref, 'ambiguous_payer', `${named.length} members in the database are named "${ref}" (${named.map((m) => `#${m.id}`).join(', ')}): write the payer's e-mail instead`);
          continue;
        }
        if (named.length === 0) {
          const close = suggestion(ref);
          fail(row, ref, 'unknown_payer', `no member is named "${ref}", in this file or in the database (write an exact name or an e-mail)`, close);
          continue;
        }
        target = { kind: 'member', id: named[0]!.id };
      }
    }
    target = canonical(target);
    const ownMember = index.matches.get(row);
    if ((target.kind === 'row' && target.row === row) || (target.kind === 'member' && target.id === ownMember)) {
      self(row, ref);
      continue;
    }
    result.targets.set(row, target);
    if (target.kind === 'row') result.payerRows.add(target.row);
  }

  findCycles(index, existing, result, column);
  return result;
}

/** Rows are positive node numbers, existing members negative ones. */
function findCycles(index: FileIndex, existing: Existing, result: PayerResolution, column: string): void {
  const nodeOf = (target: PayerTarget) => (target.kind === 'row' ? target.row : -target.id);
  const next = (node: number): number | null => {
    if (node > 0) {
      const target = result.targets.get(node);
      if (target) return nodeOf(target);
      if (result.problems.has(node) && result.problems.get(node)!.code !== 'self_payer') return null;
      // an empty "Paid by" keeps the existing member's payer
      const member = index.matches.get(node);
      if (member === undefined || index.payerRefs.has(node)) return null;
      return memberNode(existing.members.paidBy.get(member));
    }
    return memberNode(existing.members.paidBy.get(-node));
  };
  const memberNode = (id: number | undefined): number | null => {
    if (id === undefined) return null;
    const row = index.rowOfMember.get(id);
    return row ?? -id;
  };
  const done = new Set<number>();
  for (const start of result.targets.keys()) {
    if (done.has(start)) continue;
    const path: number[] = [];
    const onPath = new Map<number, number>();
    let node: number | null = start;
    while (node !== null && !done.has(node) && !onPath.has(node)) {
      onPath.set(node, path.length);
      path.push(node);
      node = next(node);
    }
    if (node !== null && onPath.has(node)) {
      const cycle = path.slice(onPath.get(node)!);
      const describe = (n: number) => (n > 0 ? `row ${n}` : `member #${-n}`);
      const loop = [...cycle, cycle[0]!].map(describe).join(' -> ');
      for (const member of cycle) {
        if (member < 0) continue;
        result.problems.set(
          member,
          problem({
            row: member,
            column,
            value: index.payerRefs.get(member) ?? null,
            code: 'payer_cycle',
            severity: 'error',
            message: `payers go round in a circle (${loop}): someone in it must pay for themselves`,
          }),
        );
        result.targets.delete(member);
      }
    }
    for (const n of path) done.add(n);
  }
}

function buildSuggester(index: FileIndex, existing: Existing): (text: string) => string | null {
  const candidates = [...new Set([...index.byName.keys(), ...existing.members.byName.keys()])];
  const emails = () => [...new Set([...index.byEmail.keys(), ...existing.members.byEmail.keys()])];
  if (candidates.length + index.byEmail.size + existing.members.byEmail.size <= fuzzyLimit) {
    const names = nameMatcher(candidates);
    let mails: ReturnType<typeof nameMatcher> | null = null;
    return (text) => {
      if (!text.includes('@')) return names.closest(text);
      mails ??= nameMatcher(emails());
      return mails.closest(emailKey(text));
    };
  }
  let compact: Map<string, string> | null = null;
  return (text) => {
    if (text.includes('@')) return null;
    if (!compact) {
      compact = new Map();
      for (const name of candidates) if (!compact.has(compactName(name))) compact.set(compactName(name), name);
    }
    return compact.get(compactName(text)) ?? null;
  };
}

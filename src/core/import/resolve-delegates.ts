/**
 * "Delegate of" references (docs/importing.md, "Delegates"): the holder is found as a "Paid by" payer is (an exact
 * name, an e-mail or the #id of a member, in the file in any order or already in the database), then the row's Plan
 * name says which of the holder's memberships: the one on that plan, active or upcoming as of the import's today,
 * among those in the database and those the holder's rows of the file give. Each such membership has one seat per
 * unit of its quantity, taken by the delegates it names already and by the rows of the file before this one.
 */
import type { Queryable } from '../../db/connect.js';
import { type Problem, problem } from '../kernel/problems.js';
import { emailKey } from '../people/refs.js';
import { chunks } from '../billing/invoices.js';
import { plural } from '../kernel/words.js';
import { type Existing, membersNamed } from './existing.js';
import { headerOf, type Layout } from './member-row.js';
import type { PayerTarget } from './resolve-payers.js';
import type { FileIndex } from './scan.js';

export interface DelegateLink {
  /** the holder: a row of the file, or an existing member no row stands for */
  holder: PayerTarget;
  /** the plan of the holder's membership (an existing plan's name) */
  plan: string;
  /** the delegate is already one of that membership in the database: nothing to write */
  already: boolean;
}

export interface DelegateResolution {
  /** delegate row -> the membership it takes a seat of */
  links: Map<number, DelegateLink>;
  /** row -> its delegate problem */
  problems: Map<number, Problem>;
  /** rows whose member id the writer keeps: delegates and holders */
  rows: Set<number>;
}

export const noDelegates = (): DelegateResolution => ({ links: new Map(), problems: new Map(), rows: new Set() });

interface HeldMembership {
  plan: string;
  quantity: number;
  /** the existing membership, when the database has it */
  id: number | null;
  /** delegates in force (member ids), in the database */
  delegates: number[];
}

const seats = (n: number) => `${n} ${n === 1 ? 'seat' : 'seats'}`;

export async function resolveDelegates(
  db: Queryable,
  index: FileIndex,
  existing: Existing,
  layout: Layout,
  today: string,
  planMap: ReadonlyMap<string, string>,
): Promise<DelegateResolution> {
  const result = noDelegates();
  if (index.delegateRefs.size === 0) return result;
  const column = headerOf(layout, 'delegateOf');
  const planColumn = headerOf(layout, 'planName');
  const members = existing.members;
  const planOf = (written: string) => planMap.get(written) ?? written;
  const fail = (row: number, ref: string, code: Problem['code'], message: string, at = column, value = ref) =>
    result.problems.set(row, problem({ row, column: at, value, code, severity: 'error', message }));

  // 1. the holder of each row
  const holders = new Map<number, PayerTarget>();
  for (const [row, { ref, name, emailKey: ownKey }] of index.delegateRefs) {
    let target: PayerTarget | null = null;
    const byId = /^#(\d{1,15})$/.exec(ref);
    if (byId) {
      const id = Number(byId[1]);
      if (!members.ids.has(id)) {
        fail(row, ref, 'unknown_holder', `no member has the id ${ref}: write the exact name, the e-mail or the #id of the member whose membership this person is a delegate of`);
        continue;
      }
      target = { kind: 'member', id };
    } else if (ref.includes('@')) {
      const key = emailKey(ref.replace(/^mailto:/i, ''));
      const fileRow = index.byEmail.get(key);
      const memberId = members.byEmail.get(key);
      if (key === ownKey) target = { kind: 'row', row };
      else if (fileRow !== undefined) target = { kind: 'row', row: fileRow };
      else if (memberId !== undefined) target = { kind: 'member', id: memberId };
      else {
        fail(row, ref, 'unknown_holder', `no member has the e-mail ${ref}, in this file or in the database: write the e-mail or exact name of the membership's holder, or add the holder on a row of their own`);
        continue;
      }
    } else {
      const repeated = index.repeatedNames.get(ref);
      const fileRow = index.byName.get(ref);
      if (ref === name) target = { kind: 'row', row };
      else if (repeated) {
        fail(row, ref, 'ambiguous_holder', `${repeated.count} rows are named "${ref}" (rows ${repeated.rows.join(', ')}): write the holder's e-mail instead`);
        continue;
      } else if (fileRow !== undefined) target = { kind: 'row', row: fileRow };
      else {
        const named = membersNamed(members, ref);
        if (named.length > 1) {
          fail(row, ref, 'ambiguous_holder', `${named.length} members in the database are named "${ref}" (${named.map((m) => `#${m.id}`).join(', ')}): write the holder's e-mail or #id instead`);
          continue;
        }
        if (named.length === 0) {
          fail(row, ref, 'unknown_holder', `no member is named "${ref}", in this file or in the database: write the exact name or the e-mail of the membership's holder, or add the holder on a row of their own`);
          continue;
        }
        target = { kind: 'member', id: named[0]!.id };
      }
    }
    // an existing member a row of the file stands for is that row
    if (target.kind === 'member') {
      const standing = index.rowOfMember.get(target.id);
      if (standing !== undefined) target = { kind: 'row', row: standing };
    }
    const ownMember = index.matches.get(row);
    if ((target.kind === 'row' && target.row === row) || (target.kind === 'member' && target.id === ownMember)) {
      fail(row, ref, 'self_delegate', `"${ref}" is this row's own person: a holder is not their own delegate; name the holder of the membership, or leave ${column} empty`);
      continue;
    }
    holders.set(row, target);
  }

  // 2. the memberships of the holders: in the database (active or upcoming today), then those their rows give
  const holderIds = new Set<number>();
  for (const target of holders.values()) {
    const id = target.kind === 'member' ? target.id : index.matches.get(target.row);
    if (id !== undefined) holderIds.add(id);
  }
  const stored = new Map<number, HeldMembership[]>();
  for (const chunk of chunks([...holderIds], 500)) {
    const rows = await db
      .selectFrom('memberships as ms')
      .innerJoin('plans as p', 'p.id', 'ms.plan_id')
      .select(['ms.id', 'ms.member_id', 'ms.quantity', 'p.name as plan'])
      .where('ms.member_id', 'in', chunk)
      .where((eb) => eb.or([eb('ms.end_date', 'is', null), eb('ms.end_date', '>=', today)]))
      .orderBy('ms.id')
      .execute();
    for (const m of rows) stored.set(m.member_id, [...(stored.get(m.member_id) ?? []), { plan: m.plan, quantity: m.quantity, id: m.id, delegates: [] }]);
  }
  const storedIds = [...stored.values()].flat().map((m) => m.id!);
  const inForce = new Map<number, number[]>();
  for (const chunk of chunks(storedIds, 500)) {
    const rows = await db.selectFrom('delegates').select(['membership_id', 'member_id']).where('membership_id', 'in', chunk).where('removed_at', 'is', null).orderBy('id').execute();
    for (const d of rows) inForce.set(d.membership_id, [...(inForce.get(d.membership_id) ?? []), d.member_id]);
  }
  for (const list of stored.values()) for (const m of list) m.delegates = inForce.get(m.id!) ?? [];

  const heldBy = (target: PayerTarget): HeldMembership[] => {
    const memberId = target.kind === 'member' ? target.id : index.matches.get(target.row);
    const list = (memberId === undefined ? [] : (stored.get(memberId) ?? [])).map((m) => ({ ...m }));
    if (target.kind === 'row') {
      for (const planned of index.plannedMemberships.get(target.row) ?? []) {
        const plan = planOf(planned.plan);
        // the file's row of a membership the database has already (a re-import): the same membership
        const same = list.find((m) => m.plan === plan);
        if (same) same.quantity = planned.quantity;
        else list.push({ plan, quantity: planned.quantity, id: null, delegates: [] });
      }
    }
    return list;
  };

  // 3. the membership of each row, and its seats
  const taken = new Map<string, number[]>();
  const holderName = (target: PayerTarget, ref: string) => (target.kind === 'member' ? `${ref} (#${target.id})` : `${ref} (row ${target.row})`);
  for (const [row, target] of holders) {
    const { ref, plan: written } = index.delegateRefs.get(row)!;
    const plan = written === null ? null : planOf(written);
    const held = heldBy(target);
    const candidates = plan === null ? held : held.filter((m) => m.plan === plan);
    const who = holderName(target, ref);
    if (candidates.length !== 1) {
      const listed = held.map((m) => m.plan).join(', ');
      if (candidates.length === 0 && plan !== null) {
        fail(row, ref, 'holder_membership', `${who} has no membership on the plan "${written}" active or upcoming on ${today}${held.length > 0 ? ` (theirs: ${listed})` : ''}: write the plan of the holder's membership in ${planColumn}, or give the holder that membership`, planColumn, written!);
      } else if (candidates.length === 0) {
        fail(row, ref, 'holder_membership', `${who} has no membership active or upcoming on ${today}: give the holder a membership (a plan on their row) for this person to be a delegate of`);
      } else {
        fail(
          row,
          ref,
          'holder_membership',
          `${who} has ${candidates.length} memberships${plan === null ? '' : ` on the plan "${written}"`} active or upcoming on ${today} (${candidates.map((m) => m.plan).join(', ')}): ${plan === null ? `write the plan of the one this person is a delegate of in ${planColumn}` : 'leave this cell empty and name the delegate with `memberctl memberships delegates ID --add REF` once imported'}`,
          plan === null ? column : planColumn,
          written ?? ref,
        );
      }
      continue;
    }
    const membership = candidates[0]!;
    const key = membership.id !== null ? `m${membership.id}` : `r${target.kind === 'row' ? target.row : -target.id}:${membership.plan}`;
    const delegateMember = index.matches.get(row);
    const already = delegateMember !== undefined && membership.delegates.includes(delegateMember);
    const earlier = taken.get(key) ?? [];
    if (!already) {
      const used = membership.delegates.length + earlier.length;
      if (used >= membership.quantity) {
        const rows = earlier.length > 0 ? ` and ${earlier.length === 1 ? 'row' : 'rows'} ${earlier.join(', ')} of this file` : '';
        fail(
          row,
          ref,
          'seats_full',
          `the membership of ${who} on ${membership.plan} has ${seats(membership.quantity)}, all taken (${plural(membership.delegates.length, 'delegate')} in the database${rows}): give the holder's membership a larger Quantity, or remove a delegate`,
        );
        continue;
      }
      taken.set(key, [...earlier, row]);
    }
    result.links.set(row, { holder: target, plan: membership.plan, already });
    result.rows.add(row);
    if (target.kind === 'row') result.rows.add(target.row);
  }
  return result;
}

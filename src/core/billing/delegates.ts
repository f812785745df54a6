/**
 * Delegates (company seats, docs/billing.md "Delegates"): a membership with a quantity of N names up to N people,
 * each a member through it (their status follows the membership's, `members list --plan` lists them). A delegate
 * row is never deleted: removing one sets `removed_at`.
 */
import type { Queryable } from '../../db/connect.js';
import type { Membership } from '../../db/types.js';
import { dataError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import { chunks } from './invoices.js';

export interface DelegateView {
  id: number;
  name: string;
  email: string | null;
  since: string;
}

/** The membership's delegates in force, in the order they were named. */
export async function listDelegates(db: Queryable, membershipId: number): Promise<DelegateView[]> {
  const rows = await db
    .selectFrom('delegates as d')
    .innerJoin('members as m', 'm.id', 'd.member_id')
    .select(['m.id', 'm.name', 'm.email', 'd.created_at as since'])
    .where('d.membership_id', '=', membershipId)
    .where('d.removed_at', 'is', null)
    .orderBy('d.id')
    .execute();
  return rows;
}

/** The delegates in force of these memberships (member ids, in the order they were named), by membership. */
export async function delegatesOf(db: Queryable, membershipIds: readonly number[]): Promise<Map<number, number[]>> {
  const result = new Map<number, number[]>();
  for (const chunk of chunks(membershipIds, 500)) {
    const rows = await db.selectFrom('delegates').select(['membership_id', 'member_id']).where('membership_id', 'in', chunk).where('removed_at', 'is', null).orderBy('id').execute();
    for (const row of rows) result.set(row.membership_id, [...(result.get(row.membership_id) ?? []), row.member_id]);
  }
  return result;
}

/** The memberships these people (every one when omitted) are delegates of, in force: `{membership_id, member_id}`. */
export async function delegations(db: Queryable, memberIds?: readonly number[]): Promise<Array<{ membership_id: number; member_id: number }>> {
  const query = (ids?: readonly number[]) => {
    let q = db.selectFrom('delegates').select(['membership_id', 'member_id']).where('removed_at', 'is', null);
    if (ids) q = q.where('member_id', 'in', ids as number[]);
    return q.orderBy('id').execute();
  };
  if (memberIds === undefined) return query();
  const rows = [];
  for (const chunk of chunks(memberIds, 500)) rows.push(...(await query(chunk)));
  return rows;
}

const seats = (n: number) => `${n} ${n === 1 ? 'seat' : 'seats'}`;

/**
 * Names `member` a delegate of `membership`: refused (65) for its holder, and beyond its quantity (one delegate per
 * seat). A person already a delegate of it is left as is (`added: false`). Audited on both people.
 */
export async function addDelegate(
  db: Queryable,
  membership: Membership,
  member: { id: number; name: string },
  source: AuditSource,
): Promise<{ added: boolean }> {
  if (member.id === membership.member_id) throw dataError(`${member.name} holds membership ${membership.id}: a holder is not their own delegate`);
  const current = await listDelegates(db, membership.id);
  if (current.some((d) => d.id === member.id)) return { added: false };
  if (current.length >= membership.quantity) {
    throw dataError(
      `membership ${membership.id} has ${seats(membership.quantity)}, all taken (${current.map((d) => d.name).join(', ')}): ${member.name} would be one beyond them`,
      `remove a delegate with \`memberctl memberships delegates ${membership.id} --remove REF\`, or add seats with \`memberctl memberships set ${membership.id} --quantity ${membership.quantity + 1}\``,
    );
  }
  await db.insertInto('delegates').values({ membership_id: membership.id, member_id: member.id, created_at: source.at }).execute();
  const summary = `${member.name} (#${member.id}) named a delegate of membership ${membership.id}`;
  await recordAudit(db, source, { action: 'add_delegate', entity: 'memberships', entityId: membership.id, memberId: member.id, after: { delegate: member.name, delegate_id: member.id }, summary });
  await recordAudit(db, source, { action: 'add_delegate', entity: 'memberships', entityId: membership.id, memberId: membership.member_id, after: { delegate: member.name, delegate_id: member.id }, summary });
  return { added: true };
}

/** Removes `member` from the delegates of `membership`: 65 when they are not one. Audited on both people. */
export async function removeDelegate(db: Queryable, membership: Membership, member: { id: number; name: string }, source: AuditSource): Promise<void> {
  const result = await db
    .updateTable('delegates')
    .set({ removed_at: source.at })
    .where('membership_id', '=', membership.id)
    .where('member_id', '=', member.id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    throw dataError(`${member.name} is not a delegate of membership ${membership.id}`, `see its delegates with \`memberctl memberships delegates ${membership.id} --list\``);
  }
  const summary = `${member.name} (#${member.id}) no longer a delegate of membership ${membership.id}`;
  await recordAudit(db, source, { action: 'remove_delegate', entity: 'memberships', entityId: membership.id, memberId: member.id, before: { delegate: member.name }, summary });
  await recordAudit(db, source, { action: 'remove_delegate', entity: 'memberships', entityId: membership.id, memberId: membership.member_id, before: { delegate: member.name }, summary });
}

/** Refuses (65) a quantity below the number of delegates a membership names. */
export async function checkSeats(db: Queryable, membershipId: number, quantity: number): Promise<void> {
  const current = await listDelegates(db, membershipId);
  if (current.length > quantity) {
    throw dataError(
      `membership ${membershipId} names ${current.length} delegates (${current.map((d) => d.name).join(', ')}): it cannot have fewer than ${seats(current.length)}`,
      `remove delegates first with \`memberctl memberships delegates ${membershipId} --remove REF\``,
    );
  }
}

/** Turns separate billing of the delegates on or off; unchanged when it already is. Audited. */
export async function setBillDelegatesSeparately(db: Queryable, membership: Membership, on: boolean, source: AuditSource): Promise<Membership> {
  if ((membership.bill_delegates_separately === 1) === on) return membership;
  const updated = await db
    .updateTable('memberships')
    .set({ bill_delegates_separately: on ? 1 : 0, updated_at: source.at })
    .where('id', '=', membership.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(db, source, {
    action: 'update',
    entity: 'memberships',
    entityId: membership.id,
    memberId: membership.member_id,
    before: { bill_delegates_separately: membership.bill_delegates_separately },
    after: { bill_delegates_separately: updated.bill_delegates_separately },
    summary: `membership ${membership.id} changed: bill_delegates_separately`,
  });
  return updated;
}

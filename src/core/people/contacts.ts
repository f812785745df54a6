/**
 * Contacts: people without a membership. Adding one whose e-mail is known (case-insensitive) updates that
 * person instead of creating a duplicate.
 */
import type { Queryable } from '../../db/connect.js';
import type { Member, Membership } from '../../db/types.js';
import { dataError, UserError } from '../../errors.js';
import type { AuditSource } from '../kernel/audit.js';
import type { IsoDate } from '../kernel/dates.js';
import { addMember, editMember, findMemberByEmail, type MemberInput, normalizeEmail } from './members.js';
import { addMembership } from '../billing/memberships.js';
import { requirePlan } from '../billing/plans.js';
import { describeMember } from './refs.js';

export interface ContactWrite {
  member: Member;
  result: 'created' | 'updated' | 'unchanged';
  createdCompanies: string[];
  /** people without an e-mail who already have this exact name (a new contact without e-mail may be one of them) */
  sameName: Member[];
  /** the person found by e-mail already has memberships: they were updated, but are not a contact */
  hasMemberships: boolean;
}

/** Adds a contact, or updates the person who already has this e-mail with the values given. */
export async function upsertContact(db: Queryable, input: MemberInput & { name: string }, source: AuditSource): Promise<ContactWrite> {
  const email = input.email?.trim() ? normalizeEmail(input.email) : null;
  const existing = email ? await findMemberByEmail(db, email) : undefined;
  if (existing) {
    // the same e-mail in another case is the same address: keep the spelling on file
    const written = await editMember(db, existing, { ...input, email: undefined }, source);
    const memberships = await db.selectFrom('memberships').select('id').where('member_id', '=', existing.id).limit(1).execute();
    return {
      member: written.member,
      result: written.changed ? 'updated' : 'unchanged',
      createdCompanies: written.createdCompanies,
      sameName: [],
      hasMemberships: memberships.length > 0,
    };
  }
  const name = input.name.replace(/\s+/g, ' ').trim();
  const sameName = email ? [] : await db.selectFrom('members').selectAll().where('name', '=', name).where('email', 'is', null).orderBy('id').execute();
  let written: Awaited<ReturnType<typeof addMember>>;
  try {
    written = await addMember(db, input, source);
  } catch (error) {
    // another memberctl added this e-mail since the lookup above (PostgreSQL reads what others commit meanwhile),
    // and addMember's own check saw it: that person is the one to update. (A clash the database itself refuses
    // leaves the transaction unusable; the command runs it again, see retryingUniqueRace.)
    if (error instanceof UserError && email && (await findMemberByEmail(db, email))) return upsertContact(db, input, source);
    throw error;
  }
  return { member: written.member, result: 'created', createdCompanies: written.createdCompanies, sameName, hasMemberships: false };
}

export interface ConvertInput {
  plan: string;
  startDate: IsoDate;
  nextInvoiceDate?: IsoDate;
  prorate?: boolean;
  quantity?: number;
  autoRenew?: boolean;
}

/**
 * Gives a contact their first membership (through `addMembership`, the one way memberships are created); the
 * person becomes `upcoming` or `member`. Refuses (65) someone who already has a membership.
 */
export async function convertContact(db: Queryable, contact: Member, input: ConvertInput, source: AuditSource): Promise<Membership> {
  const existing = await db.selectFrom('memberships').select('id').where('member_id', '=', contact.id).orderBy('id').execute();
  if (existing.length > 0) {
    throw dataError(
      `${describeMember(contact)} is not a contact: they already have membership ${existing.map((m) => m.id).join(', ')}`,
      `add another one with \`memberctl memberships add ${contact.id} --plan NAME --start DATE\``,
    );
  }
  const plan = await requirePlan(db, input.plan);
  return addMembership(
    db,
    {
      memberId: contact.id,
      planId: plan.id,
      startDate: input.startDate,
      nextInvoiceDate: input.nextInvoiceDate ?? null,
      prorateFirst: Boolean(input.prorate),
      quantity: input.quantity,
      autoRenew: input.autoRenew ?? null,
      origin: 'convert',
    },
    source,
  );
}

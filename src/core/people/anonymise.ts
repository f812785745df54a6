/**
 * Erasing a person (GDPR article 17, docs/people.md "Erasing a person"): `members anonymise` and `privacy run`.
 *
 * The person's record stays (their invoices, payments and memberships point to it) with placeholders instead of what
 * identifies them: the name becomes "Anonymised person #ID"; e-mail, phone, address, postcode, city, tax id, billing
 * and renewal e-mails, copies and external id are emptied, and they are no longer written to. Their custom fields,
 * notes and tags are deleted. The e-mails memberctl queued about them lose their addresses and data (those not sent
 * yet are cancelled). Their earlier audit entries keep what happened but not the erased values: every such value in
 * their before/after images becomes "(erased)", and their name and e-mail are taken out of the summaries.
 *
 * Kept, as accounting law requires (ten years): invoices and credit notes as issued, with the buyer snapshot frozen
 * on them and their PDF and e-invoice files; payments; SEPA mandates (the bank's collections refer to them).
 */
import type { Queryable } from '../../db/connect.js';
import type { Member } from '../../db/types.js';
import { dataError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import type { IsoDate } from '../kernel/dates.js';
import { loadMemberState } from '../status/member-status.js';
import { historyMemberIds, parseStored } from './history.js';

/** The person's columns that identify them, emptied (the name gets a placeholder). */
const erasedColumns = ['email', 'email_key', 'phone', 'address', 'postcode', 'city', 'tax_id', 'billing_email', 'renewal_email', 'cc_emails', 'external_id'] as const;

/** Keys of audit images whose values are the person's own data. */
const erasedKeys = new Set<string>([
  'name',
  ...erasedColumns,
  'email',
  'phone',
  'cc',
  'fields',
  'customFields',
  'tags',
  'tag',
  'body',
  'value',
  'note',
  'notes',
  'taxId',
  'billingEmail',
  'renewalEmail',
  'externalId',
]);

export const erasedValue = '(erased)';

export const anonymisedName = (id: number) => `Anonymised person #${id}`;

export interface AnonymiseBlockers {
  openInvoices: string[];
  /** memberships that have not ended as of the day: id and plan */
  activeMemberships: Array<{ id: number; plan: string; status: string }>;
}

/** What keeps a person from being anonymised without --force: an open invoice they pay, a membership not ended. */
export async function anonymiseBlockers(db: Queryable, memberId: number, asOf: IsoDate): Promise<AnonymiseBlockers> {
  const open = await db.selectFrom('invoices').select('number').where('payer_id', '=', memberId).where('status', '=', 'open').orderBy('id').execute();
  const state = await loadMemberState(db, memberId, asOf);
  return {
    openInvoices: open.map((i) => i.number ?? '(draft)'),
    activeMemberships: state.memberships
      .filter((m) => m.detail.status !== 'ended')
      .map((m) => ({ id: m.membership.id, plan: m.membership.plan_name, status: m.detail.status })),
  };
}

export function blockerText(b: AnonymiseBlockers): string | null {
  const parts = [
    b.openInvoices.length > 0 ? `open invoice${b.openInvoices.length === 1 ? '' : 's'} ${b.openInvoices.join(', ')}` : null,
    b.activeMemberships.length > 0 ? `membership${b.activeMemberships.length === 1 ? '' : 's'} ${b.activeMemberships.map((m) => `${m.id} (${m.plan}, ${m.status})`).join(', ')}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length === 0 ? null : parts.join(' and ');
}

export interface AnonymiseResult {
  member: { id: number; name: string };
  change: 'anonymised' | 'unchanged';
  forced: boolean;
  erased: { fields: number; notes: number; tags: number; messages: number; auditEntries: number };
}

/** Whether the person was anonymised already (their audit log says so). */
export async function wasAnonymised(db: Queryable, memberId: number): Promise<boolean> {
  const row = await db.selectFrom('audit_log').select('id').where('member_id', '=', memberId).where('action', '=', 'anonymise').executeTakeFirst();
  return row !== undefined;
}

/**
 * Anonymises one person, in the caller's transaction. Refused (65) with an open invoice or a membership that has
 * not ended, unless `force`. A person anonymised already is `unchanged`.
 */
export async function anonymiseMember(db: Queryable, member: Member, asOf: IsoDate, options: { force: boolean }, source: AuditSource): Promise<AnonymiseResult> {
  const none = { fields: 0, notes: 0, tags: 0, messages: 0, auditEntries: 0 };
  if (await wasAnonymised(db, member.id)) return { member: { id: member.id, name: member.name }, change: 'unchanged', forced: false, erased: none };
  const blockers = await anonymiseBlockers(db, member.id, asOf);
  const blocked = blockerText(blockers);
  if (blocked !== null && !options.force) {
    throw dataError(
      `#${member.id} is not anonymised: they have ${blocked}`,
      'settle or void the invoices and end the memberships first, or give --force to anonymise them all the same (invoices keep their buyer as issued)',
    );
  }
  const name = anonymisedName(member.id);
  const now = source.at;
  const cleared = Object.fromEntries(erasedColumns.map((c) => [c, null]));
  await db
    .updateTable('members')
    .set({ ...cleared, name, no_mail: 1, updated_at: now })
    .where('id', '=', member.id)
    .execute();
  const fields = await db.deleteFrom('member_fields').where('member_id', '=', member.id).executeTakeFirst();
  const notes = await db.deleteFrom('notes').where('member_id', '=', member.id).executeTakeFirst();
  const tags = await db.deleteFrom('member_tags').where('member_id', '=', member.id).executeTakeFirst();
  await db
    .updateTable('mail_messages')
    .set({ status: 'cancelled', skip_reason: 'the person was anonymised', next_attempt_at: null, updated_at: now })
    .where('member_id', '=', member.id)
    .where('status', 'in', ['queued', 'failed'])
    .execute();
  const messages = await db
    .updateTable('mail_messages')
    .set({ to_addresses: '[]', cc_addresses: '[]', bcc_addresses: '[]', data: '{}', updated_at: now })
    .where('member_id', '=', member.id)
    .where('status', '<>', 'sending')
    .executeTakeFirst();
  const auditEntries = await scrubAudit(db, member);
  const erased = {
    fields: Number(fields.numDeletedRows),
    notes: Number(notes.numDeletedRows),
    tags: Number(tags.numDeletedRows),
    messages: Number(messages.numUpdatedRows),
    auditEntries,
  };
  await recordAudit(db, source, {
    action: 'anonymise',
    entity: 'members',
    entityId: member.id,
    memberId: member.id,
    // what happened, never the values erased
    after: { name, erased: ['name', ...erasedColumns.filter((c) => c !== 'email_key'), 'custom fields', 'notes', 'tags'].join(', ') },
    summary: `anonymised${blocked !== null ? ` (forced: ${blocked})` : ''}: ${erased.fields} custom fields, ${erased.notes} notes, ${erased.tags} tags, ${erased.messages} e-mails' addresses erased, ${erased.auditEntries} earlier audit entries scrubbed`,
  });
  return { member: { id: member.id, name }, change: 'anonymised', forced: blocked !== null, erased };
}

/** Replaces the erased values in a stored image: every value under a personal key, at any depth. */
export function scrubImage(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubImage);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = erasedKeys.has(key) && inner !== null && inner !== undefined ? erasedValue : scrubImage(inner);
  return out;
}

/** Every value of an image erased, its keys kept. */
function scrubValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubValues);
  if (value === null || typeof value !== 'object') return value === null ? null : erasedValue;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, scrubValues(inner)]));
}

/** Scrubs the audit entries of the person (and of the people merged into them); returns how many changed. */
async function scrubAudit(db: Queryable, member: Member): Promise<number> {
  const ids = await historyMemberIds(db, member.id);
  const rows = await db.selectFrom('audit_log').select(['id', 'entity', 'before', 'after', 'summary']).where('member_id', 'in', ids).execute();
  const known = [member.name, member.email, member.phone, member.tax_id, member.external_id].filter((v): v is string => v !== null && v.trim().length > 2);
  let changed = 0;
  for (const row of rows) {
    // custom fields are stored by name ({"Casier": "12"}): every value is the person's
    const scrubbing = row.entity === 'member_fields' ? scrubValues : scrubImage;
    const scrub = (stored: string | null) => (stored === null ? null : JSON.stringify(scrubbing(parseStored(stored))));
    const before = scrub(row.before);
    const after = scrub(row.after);
    let summary = row.summary;
    if (summary !== null) for (const text of known) summary = summary.split(text).join(erasedValue);
    // "tagged VIP, Sport/Yoga": the tags were the person's
    if (summary !== null && row.entity === 'member_tags') summary = summary.replace(/^(\S+) .*$/s, `$1 ${erasedValue}`);
    if (before === row.before && after === row.after && summary === row.summary) continue;
    await db.updateTable('audit_log').set({ before, after, summary }).where('id', '=', row.id).execute();
    changed += 1;
  }
  return changed;
}

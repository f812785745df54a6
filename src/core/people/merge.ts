/**
 * `members merge KEEP REMOVE` (docs/people.md, "Merging duplicates"): everything of REMOVE moves to KEEP, payers
 * pointing at REMOVE point at KEEP, REMOVE is deleted, in one transaction. KEEP's value wins a conflict;
 * REMOVE's values, and both people's before-images, stay in the audit log.
 */
import type { Queryable } from '../../db/connect.js';
import type { Member, MemberUpdate } from '../../db/types.js';
import { dataError } from '../../errors.js';
import { type AuditSource, recordAudits } from '../kernel/audit.js';
import { describeMember, resolveMember } from './refs.js';
import { mergeRecordedStatuses } from '../renewals/transitions.js';

export interface MemberSnapshot {
  member: Member;
  company: string | null;
  paidBy: { id: number; name: string } | null;
  fields: Record<string, string>;
  tags: string[];
}

export interface MergeConflict {
  field: string;
  kept: unknown;
  dropped: unknown;
}

export interface MergePlan {
  keep: MemberSnapshot;
  remove: MemberSnapshot;
  /** ids (or names, for tags and custom fields) of what moves from REMOVE to KEEP */
  moves: {
    memberships: number[];
    invoices: number[];
    invoiceLines: number[];
    payments: number[];
    ledgerEntries: number[];
    notes: number[];
    tags: string[];
    customFields: string[];
    /** members whose payer was REMOVE and becomes KEEP */
    payerOf: number[];
  };
  /** fields KEEP had empty and takes from REMOVE */
  filled: Array<{ field: string; value: unknown }>;
  /** fields both had with different values: KEEP's is kept, REMOVE's dropped (and kept in the audit log) */
  conflicts: MergeConflict[];
  /** KEEP's changes to the members row */
  update: MemberUpdate;
}

export async function memberSnapshot(db: Queryable, member: Member): Promise<MemberSnapshot> {
  const company = member.company_id === null ? null : await db.selectFrom('companies').select('name').where('id', '=', member.company_id).executeTakeFirst();
  const payer = member.paid_by_id === null ? null : await db.selectFrom('members').select(['id', 'name']).where('id', '=', member.paid_by_id).executeTakeFirst();
  const fields = await db.selectFrom('member_fields').select(['key', 'value']).where('member_id', '=', member.id).orderBy('key').execute();
  const tags = await db
    .selectFrom('member_tags')
    .innerJoin('tags', 'tags.id', 'member_tags.tag_id')
    .select('tags.name')
    .where('member_tags.member_id', '=', member.id)
    .orderBy('tags.name')
    .execute();
  return {
    member,
    company: company?.name ?? null,
    paidBy: payer ?? null,
    fields: Object.fromEntries(fields.map((f) => [f.key, f.value])),
    tags: tags.map((t) => t.name),
  };
}

// Scalar fields of a person merged field by field; the name is always KEEP's.
const scalarFields = [
  'email',
  'phone',
  'address',
  'postcode',
  'city',
  'country',
  'language',
  'tax_id',
  'company_id',
  'external_id',
  'member_number',
  'billing_email',
  'renewal_email',
  'cc_emails',
] as const;

const ids = (rows: Array<{ id: number }>) => rows.map((r) => r.id);

/** Everything a merge would do, without writing. Refuses (65) merging someone with themselves or a payer cycle. */
export async function planMerge(db: Queryable, keepRef: string, removeRef: string): Promise<MergePlan> {
  const keepMember = await resolveMember(db, keepRef, 'member to keep');
  const removeMember = await resolveMember(db, removeRef, 'member to remove');
  if (keepMember.id === removeMember.id) throw dataError(`cannot merge ${describeMember(keepMember)} with themselves`, 'give two different people');
  const keep = await memberSnapshot(db, keepMember);
  const remove = await memberSnapshot(db, removeMember);

  const filled: MergePlan['filled'] = [];
  const conflicts: MergeConflict[] = [];
  const update: MemberUpdate = {};
  const shown = (snapshot: MemberSnapshot, field: (typeof scalarFields)[number]) => (field === 'company_id' ? snapshot.company : snapshot.member[field]);
  const label = (field: string) => (field === 'company_id' ? 'company' : field);
  for (const field of scalarFields) {
    const kept = keepMember[field];
    const other = removeMember[field];
    if (other === null || other === kept) continue;
    if (field === 'email' && kept !== null && keepMember.email_key === removeMember.email_key) continue;
    if (kept === null) {
      (update as Record<string, unknown>)[field] = other;
      if (field === 'email') update.email_key = removeMember.email_key;
      filled.push({ field: label(field), value: shown(remove, field) });
    } else conflicts.push({ field: label(field), kept: shown(keep, field), dropped: shown(remove, field) });
  }
  // either record asking not to be written to is the person asking
  if (removeMember.no_mail === 1 && keepMember.no_mail === 0) {
    update.no_mail = 1;
    filled.push({ field: 'no_mail', value: true });
  }
  if (removeMember.name !== keepMember.name) conflicts.push({ field: 'name', kept: keepMember.name, dropped: removeMember.name });

  // the payer: KEEP's, else REMOVE's; never one of the two people being merged (that would be paying for oneself)
  const merged = new Set([keepMember.id, removeMember.id]);
  const payers = [keepMember.paid_by_id, removeMember.paid_by_id].filter((p): p is number => p !== null && !merged.has(p));
  const payer = payers[0] ?? null;
  if (payer !== keepMember.paid_by_id) {
    update.paid_by_id = payer;
    if (payer !== null) filled.push({ field: 'paid_by', value: remove.paidBy });
  }
  if (payers.length === 2 && payers[0] !== payers[1]) conflicts.push({ field: 'paid_by', kept: keep.paidBy, dropped: remove.paidBy });
  await checkNoPayerCycle(db, keepMember, removeMember, payer);
  await checkOneActiveMandate(db, keepMember, removeMember);

  for (const [key, value] of Object.entries(remove.fields)) {
    const kept = keep.fields[key];
    if (kept !== undefined && kept !== value) conflicts.push({ field: `field ${key}`, kept, dropped: value });
  }

  const invoices = await db.selectFrom('invoices').select('id').where('payer_id', '=', removeMember.id).orderBy('id').execute();
  const moves: MergePlan['moves'] = {
    memberships: ids(await db.selectFrom('memberships').select('id').where('member_id', '=', removeMember.id).orderBy('id').execute()),
    invoices: ids(invoices),
    invoiceLines: ids(await db.selectFrom('invoice_lines').select('id').where('member_id', '=', removeMember.id).orderBy('id').execute()),
    payments:
      invoices.length === 0
        ? []
        : ids(
            await db
              .selectFrom('payments')
              .innerJoin('invoices', 'invoices.id', 'payments.invoice_id')
              .select('payments.id')
              .where('invoices.payer_id', '=', removeMember.id)
              .orderBy('payments.id')
              .execute(),
          ),
    ledgerEntries: ids(await db.selectFrom('ledger_entries').select('id').where('member_id', '=', removeMember.id).orderBy('id').execute()),
    notes: ids(await db.selectFrom('notes').select('id').where('member_id', '=', removeMember.id).orderBy('id').execute()),
    tags: remove.tags.filter((t) => !keep.tags.includes(t)),
    customFields: Object.keys(remove.fields).filter((k) => keep.fields[k] === undefined),
    payerOf: ids(
      await db.selectFrom('members').select('id').where('paid_by_id', '=', removeMember.id).where('id', '<>', keepMember.id).orderBy('id').execute(),
    ),
  };
  return { keep, remove, moves, filled, conflicts, update };
}

/**
 * After the merge, everyone paid by REMOVE is paid by KEEP, and KEEP is paid by `payer`. Every new payer link
 * touches KEEP, so a new cycle would lead from KEEP's payer back to KEEP.
 */
async function checkNoPayerCycle(db: Queryable, keep: Member, remove: Member, payer: number | null): Promise<void> {
  const chain: number[] = [keep.id];
  const seen = new Set<number>([keep.id]);
  for (let at = payer; at !== null; ) {
    const id = at === remove.id ? keep.id : at;
    chain.push(id);
    if (id === keep.id) {
      throw dataError(
        `merging ${describeMember(remove)} into ${describeMember(keep)} would make payers a cycle (${chain.map((c) => `#${c}`).join(' -> ')})`,
        'change one of these payers with `memberctl members edit REF --paid-by ...` first',
      );
    }
    if (seen.has(id)) return;
    seen.add(id);
    const row = await db.selectFrom('members').select('paid_by_id').where('id', '=', id).executeTakeFirst();
    at = row?.paid_by_id ?? null;
  }
}

/** A payer has one active SEPA mandate: two people who each have one cannot become one until a mandate is revoked. */
async function checkOneActiveMandate(db: Queryable, keep: Member, remove: Member): Promise<void> {
  const active = await db
    .selectFrom('sepa_mandates')
    .select(['reference', 'member_id'])
    .where('member_id', 'in', [keep.id, remove.id])
    .where('status', '=', 'active')
    .orderBy('member_id')
    .execute();
  if (active.length < 2) return;
  throw dataError(
    `${describeMember(keep)} and ${describeMember(remove)} both have an active SEPA mandate (${active.map((m) => m.reference).join(', ')}); a payer has one`,
    'revoke the one no longer signed with `memberctl mandates revoke REFERENCE` first',
  );
}

/** Applies a plan from `planMerge` (in the caller's transaction), recording what `members unmerge` needs. */
export async function applyMerge(db: Queryable, plan: MergePlan, source: AuditSource): Promise<{ kept: Member; mergeId: number }> {
  const keepId = plan.keep.member.id;
  const removeId = plan.remove.member.id;
  const recorded = await recordBeforeMerge(db, plan);
  // unique e-mail, external id and member number: free them on REMOVE before KEEP takes them (a number dropped
  // because KEEP has one is never given again)
  await db.updateTable('members').set({ email: null, email_key: null, external_id: null, member_number: null }).where('id', '=', removeId).execute();
  await db.updateTable('members').set({ paid_by_id: keepId }).where('paid_by_id', '=', removeId).where('id', '<>', keepId).execute();
  await db.updateTable('members').set({ paid_by_id: null }).where('id', '=', removeId).execute();
  const kept = await db
    .updateTable('members')
    .set({ ...plan.update, updated_at: source.at })
    .where('id', '=', keepId)
    .returningAll()
    .executeTakeFirstOrThrow();

  await db.updateTable('memberships').set({ member_id: keepId }).where('member_id', '=', removeId).execute();
  await db.updateTable('invoices').set({ payer_id: keepId }).where('payer_id', '=', removeId).execute();
  await db.updateTable('invoice_lines').set({ member_id: keepId }).where('member_id', '=', removeId).execute();
  await db.updateTable('ledger_entries').set({ member_id: keepId }).where('member_id', '=', removeId).execute();
  await db.updateTable('charges').set({ member_id: keepId }).where('member_id', '=', removeId).execute();
  // seats the removed person held as a delegate: moved to the kept one, unless they hold that seat or membership already
  await db
    .updateTable('delegates')
    .set({ removed_at: source.at })
    .where('member_id', '=', removeId)
    .where('removed_at', 'is', null)
    .where(({ or, exists, selectFrom }) =>
      or([
        exists(selectFrom('delegates as k').select('k.id').where('k.member_id', '=', keepId).where('k.removed_at', 'is', null).whereRef('k.membership_id', '=', 'delegates.membership_id')),
        exists(selectFrom('memberships as ms').select('ms.id').where('ms.member_id', '=', keepId).whereRef('ms.id', '=', 'delegates.membership_id')),
      ]),
    )
    .execute();
  await db.updateTable('delegates').set({ member_id: keepId }).where('member_id', '=', removeId).execute();
  // a holder is not their own delegate: the kept person may now hold a membership they were a delegate of
  await db
    .updateTable('delegates')
    .set({ removed_at: source.at })
    .where('member_id', '=', keepId)
    .where('removed_at', 'is', null)
    .where(({ exists, selectFrom }) => exists(selectFrom('memberships as ms').select('ms.id').where('ms.member_id', '=', keepId).whereRef('ms.id', '=', 'delegates.membership_id')))
    .execute();
  await db.updateTable('invoice_lines').set({ delegate_id: keepId }).where('delegate_id', '=', removeId).execute();
  await db.updateTable('sepa_mandates').set({ member_id: keepId }).where('member_id', '=', removeId).execute();
  const lastLedger = await lastId(db, 'ledger_entries');
  await mergeRecordedStatuses(db, keepId, removeId, source.at.slice(0, 10), source);
  // the freeze or unfreeze entries a differing suspension writes (credits.ts, setFrozen)
  recorded.moved.ledgerWritten = ids(await db.selectFrom('ledger_entries').select('id').where('id', '>', lastLedger).orderBy('id').execute());
  await db.updateTable('notes').set({ member_id: keepId }).where('member_id', '=', removeId).execute();

  const tagIds = (
    await db
      .selectFrom('member_tags')
      .select('tag_id')
      .where('member_id', '=', removeId)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('member_tags as k').select('k.tag_id').where('k.member_id', '=', keepId).whereRef('k.tag_id', '=', 'member_tags.tag_id'))),
      )
      .execute()
  ).map((r) => r.tag_id);
  recorded.moved.tagsAdded = tagIds;
  if (tagIds.length > 0) await db.insertInto('member_tags').values(tagIds.map((tag_id) => ({ member_id: keepId, tag_id }))).execute();
  await db.deleteFrom('member_tags').where('member_id', '=', removeId).execute();

  const fields = plan.moves.customFields.map((key) => ({ member_id: keepId, key, value: plan.remove.fields[key]! }));
  if (fields.length > 0) await db.insertInto('member_fields').values(fields).execute();
  await db.deleteFrom('member_fields').where('member_id', '=', removeId).execute();

  await db.deleteFrom('members').where('id', '=', removeId).execute();

  recorded.moved.lastIds = {
    invoiceLines: await lastId(db, 'invoice_lines'),
    ledgerEntries: await lastId(db, 'ledger_entries'),
    collectionItems: await lastId(db, 'sepa_collection_items'),
  };
  const { id: mergeId } = await db
    .insertInto('merges')
    .values({
      kept_id: keepId,
      removed_id: removeId,
      removed: JSON.stringify(recorded.removed),
      kept: JSON.stringify(recorded.kept),
      moved: JSON.stringify(recorded.moved),
      status: 'applied',
      actor: source.actor,
      created_at: source.at,
      undone_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  const after = await memberSnapshot(db, kept);
  const summary = `merge ${mergeId}: merged ${describeMember(plan.remove.member)} into ${describeMember(plan.keep.member)}: ${describeMoves(plan)}`;
  await recordAudits(db, source, [
    {
      action: 'merge',
      entity: 'members',
      entityId: removeId,
      memberId: keepId,
      before: { keep: plan.keep, remove: plan.remove },
      after: { mergeId, keep: after, moves: plan.moves, conflicts: plan.conflicts },
      summary,
    },
    {
      action: 'delete',
      entity: 'members',
      entityId: removeId,
      memberId: removeId,
      before: plan.remove,
      after: { mergedInto: keepId, mergeId },
      summary: `merged into ${describeMember(kept)} (merge ${mergeId})`,
    },
    ...plan.moves.payerOf.map((id) => ({
      action: 'update',
      entity: 'members',
      entityId: id,
      memberId: id,
      before: { paid_by_id: removeId },
      after: { paid_by_id: keepId },
      summary: `payer ${describeMember(plan.remove.member)} merged into ${describeMember(kept)}`,
    })),
  ]);
  return { kept, mergeId };
}

/** What the `merges` row keeps: the removed person's rows, the kept person's rows the merge changes, the moved ids. */
export interface MergeRecordData {
  removed: { member: Member; fields: Array<{ key: string; value: string }>; tagIds: number[]; status: MemberStatusRow | null };
  /** KEEP's rows as they were, and the values the merge set on KEEP's members row */
  kept: { member: Member; status: MemberStatusRow | null; update: MemberUpdate };
  moved: {
    memberships: number[];
    invoices: number[];
    invoiceLines: number[];
    payments: number[];
    ledgerEntries: number[];
    charges: number[];
    mandates: number[];
    notes: number[];
    payerOf: number[];
    /** tags KEEP got from REMOVE (ids) */
    tagsAdded: number[];
    /** custom fields KEEP got from REMOVE (keys) */
    fieldsAdded: string[];
    /** ledger entries the merge wrote (a suspension frozen or unfrozen) */
    ledgerWritten: number[];
    /** the last ids once merged: rows above them were written since */
    lastIds: { invoiceLines: number; ledgerEntries: number; collectionItems: number };
  };
}

export type MemberStatusRow = { member_id: number; status: string; since: string; updated_at: string };

async function recordBeforeMerge(db: Queryable, plan: MergePlan): Promise<MergeRecordData> {
  const keepId = plan.keep.member.id;
  const removeId = plan.remove.member.id;
  const statusOf = async (id: number) => (await db.selectFrom('member_statuses').selectAll().where('member_id', '=', id).executeTakeFirst()) ?? null;
  return {
    removed: {
      member: plan.remove.member,
      fields: await db.selectFrom('member_fields').select(['key', 'value']).where('member_id', '=', removeId).orderBy('key').execute(),
      tagIds: (await db.selectFrom('member_tags').select('tag_id').where('member_id', '=', removeId).orderBy('tag_id').execute()).map((r) => r.tag_id),
      status: await statusOf(removeId),
    },
    kept: { member: plan.keep.member, status: await statusOf(keepId), update: plan.update },
    moved: {
      memberships: plan.moves.memberships,
      invoices: plan.moves.invoices,
      invoiceLines: plan.moves.invoiceLines,
      payments: plan.moves.payments,
      ledgerEntries: plan.moves.ledgerEntries,
      charges: ids(await db.selectFrom('charges').select('id').where('member_id', '=', removeId).orderBy('id').execute()),
      mandates: ids(await db.selectFrom('sepa_mandates').select('id').where('member_id', '=', removeId).orderBy('id').execute()),
      notes: plan.moves.notes,
      payerOf: plan.moves.payerOf,
      tagsAdded: [],
      fieldsAdded: plan.moves.customFields,
      ledgerWritten: [],
      lastIds: { invoiceLines: 0, ledgerEntries: 0, collectionItems: 0 },
    },
  };
}

async function lastId(db: Queryable, table: 'invoice_lines' | 'ledger_entries' | 'sepa_collection_items'): Promise<number> {
  const row = await db.selectFrom(table as 'ledger_entries').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** "2 memberships, 3 invoices, 1 note" (or "nothing else to move"). */
export function describeMoves(plan: MergePlan): string {
  const m = plan.moves;
  const parts = (
    [
      [m.memberships.length, 'membership'],
      [m.invoices.length, 'invoice'],
      [m.invoiceLines.length, 'invoice line'],
      [m.payments.length, 'payment'],
      [m.ledgerEntries.length, 'ledger entry'],
      [m.notes.length, 'note'],
      [m.tags.length, 'tag'],
      [m.customFields.length, 'custom field'],
      [m.payerOf.length, 'payer link'],
    ] as const
  )
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${n === 1 ? what : what.endsWith('y') ? `${what.slice(0, -1)}ies` : `${what}s`}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing else to move';
}

/** The `--json` shape of a merge (or of what a dry run would do). */
export function mergeJson(plan: MergePlan, dryRun: boolean, mergeId: number | null) {
  return {
    dryRun,
    /** the id `members unmerge` takes; null on a dry run */
    mergeId,
    keep: { id: plan.keep.member.id, name: plan.keep.member.name },
    remove: { id: plan.remove.member.id, name: plan.remove.member.name },
    moved: plan.moves,
    filled: plan.filled,
    conflicts: plan.conflicts,
  };
}

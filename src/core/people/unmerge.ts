/**
 * `members unmerge MERGE-ID` (docs/people.md, "Undoing a merge"): brings the person a merge removed back, under
 * their id, with what the merge recorded of them (the `merges` row) and the rows it moved to the kept person. Refused
 * (65) when something done since would make the two people's records wrong once split again.
 */
import type { Queryable } from '../../db/connect.js';
import type { Member, MemberUpdate, MergeRecord } from '../../db/types.js';
import { dataError, notFoundError, usageError } from '../../errors.js';
import { type AuditChange, type AuditSource, recordAudits } from '../kernel/audit.js';
import { inChunks } from '../kernel/bulk.js';
import { type MergeRecordData, memberSnapshot } from './merge.js';
import { describeMember } from './refs.js';

export interface UnmergePlan {
  merge: MergeRecord;
  data: MergeRecordData;
  /** the kept person as they are now */
  kept: Member;
  /** the removed person as they come back */
  removed: Member;
  /** what moves back to the removed person: the ids still with the kept one (names for tags, keys for fields) */
  back: {
    memberships: number[];
    invoices: number[];
    invoiceLines: number[];
    payments: number[];
    ledgerEntries: number[];
    charges: number[];
    mandates: number[];
    notes: number[];
    payerOf: number[];
    tags: string[];
    customFields: string[];
  };
  /** the kept person's fields set back to their value before the merge */
  restored: Array<{ field: string; value: unknown }>;
  /** what the kept person got from the removed one and gives back: tags (names) and custom fields (keys) */
  keptLoses: { tags: string[]; customFields: string[] };
  /** the changes to KEEP's members row */
  keptUpdate: MemberUpdate;
}

/** The merge MERGE-ID names: a whole number, as `members merge` showed it. */
export async function requireMerge(db: Queryable, ref: string): Promise<MergeRecord> {
  const text = ref.trim();
  if (!/^\d+$/.test(text)) throw usageError(`merge id: "${ref}" is not a whole number`, 'the id is shown by `memberctl members merge` and in `memberctl members history`');
  const merge = await db.selectFrom('merges').selectAll().where('id', '=', Number(text)).executeTakeFirst();
  if (!merge) throw notFoundError(`no merge ${text}`, 'the id is shown by `memberctl members merge` and in `memberctl members history`');
  return merge;
}

const sameIds = (rows: Array<{ id: number }>) => rows.map((r) => r.id);

/** The tables whose rows name their person in `member_id`, which a merge moves by id. */
type PersonRows = 'memberships' | 'invoice_lines' | 'ledger_entries' | 'charges' | 'sepa_mandates' | 'notes';

/** Which of `ids` still belong to the kept person: those that move back. */
async function stillWith(db: Queryable, table: PersonRows, ids: readonly number[], keepId: number): Promise<number[]> {
  const found: number[] = [];
  await inChunks(
    [...ids],
    async (chunk) => {
      // one query shape for the six tables: each has `id` and `member_id`
      const rows = await db.selectFrom(table as 'notes').select('id').where('id', 'in', chunk).where('member_id', '=', keepId).execute();
      found.push(...sameIds(rows));
    },
    500,
  );
  return found.sort((a, b) => a - b);
}

/** Everything an unmerge would do, without writing; refuses (65) when it is not safe. */
export async function planUnmerge(db: Queryable, ref: string): Promise<UnmergePlan> {
  const merge = await requireMerge(db, ref);
  const data: MergeRecordData = { removed: JSON.parse(merge.removed), kept: JSON.parse(merge.kept), moved: JSON.parse(merge.moved) };
  const removed = data.removed.member;
  const refuse = (why: string, hint?: string) => dataError(`cannot undo merge ${merge.id} (#${removed.id} ${removed.name} into #${merge.kept_id}): ${why}`, hint);
  if (merge.status === 'undone') throw refuse(`it was undone on ${merge.undone_at?.slice(0, 10) ?? 'an earlier day'}`);

  const kept = await db.selectFrom('members').selectAll().where('id', '=', merge.kept_id).executeTakeFirst();
  if (!kept) {
    const later = await db.selectFrom('merges').select('id').where('removed_id', '=', merge.kept_id).where('status', '=', 'applied').orderBy('id', 'desc').executeTakeFirst();
    throw refuse(
      `#${merge.kept_id} no longer exists`,
      later ? `it was merged into someone else since: undo merge ${later.id} first (\`memberctl members unmerge ${later.id}\`)` : undefined,
    );
  }
  const taken = await db.selectFrom('members').select(['id', 'name', 'email']).where('id', '=', removed.id).executeTakeFirst();
  if (taken) throw refuse(`id #${removed.id} is used by ${describeMember(taken)}`);

  // KEEP gives back what it took from REMOVE while it still holds it; what it holds since stays
  const keptUpdate: MemberUpdate = {};
  const restored: UnmergePlan['restored'] = [];
  const update = data.kept.update as Record<string, unknown>;
  const before = data.kept.member as unknown as Record<string, unknown>;
  let allRestored = true;
  for (const [field, value] of Object.entries(update)) {
    if (field === 'email_key') continue;
    if ((kept as unknown as Record<string, unknown>)[field] !== value) {
      allRestored = false;
      continue;
    }
    (keptUpdate as Record<string, unknown>)[field] = before[field];
    if (field === 'email') keptUpdate.email_key = data.kept.member.email_key;
    restored.push({ field, value: before[field] });
  }
  // the row is as it was before the merge when nothing changed it since; else it changes now
  if (allRestored && kept.updated_at === merge.created_at) keptUpdate.updated_at = data.kept.member.updated_at;

  // unique values of REMOVE, held by someone else since
  const keptAfter = { ...kept, ...keptUpdate } as Member;
  const unique = [
    ['e-mail', 'email_key', removed.email_key, removed.email],
    ['external id', 'external_id', removed.external_id, removed.external_id],
    ['member number', 'member_number', removed.member_number, removed.member_number],
  ] as const;
  for (const [label, column, value, shown] of unique) {
    if (value === null) continue;
    const holder = await db.selectFrom('members').select(['id', 'name', 'email']).where(column, '=', value).executeTakeFirst();
    if (holder && !(holder.id === kept.id && keptAfter[column] !== value)) {
      throw refuse(`the ${label} ${shown} is taken by ${describeMember(holder)} since`, holder.id === kept.id ? `change it with \`memberctl members edit ${kept.id}\` first` : undefined);
    }
  }
  // what REMOVE's row points at must still be there
  if (removed.paid_by_id !== null && !(await db.selectFrom('members').select('id').where('id', '=', removed.paid_by_id).executeTakeFirst())) {
    throw refuse(`their payer #${removed.paid_by_id} no longer exists`);
  }
  if (removed.company_id !== null && !(await db.selectFrom('companies').select('id').where('id', '=', removed.company_id).executeTakeFirst())) {
    throw refuse(`their company #${removed.company_id} no longer exists`);
  }
  const tags = data.removed.tagIds.length === 0 ? [] : await db.selectFrom('tags').select(['id', 'name']).where('id', 'in', data.removed.tagIds).execute();
  if (tags.length !== data.removed.tagIds.length) throw refuse('one of their tags was renamed into another or removed since');

  const m = data.moved;
  // billed since: an invoice issued after the merge with lines of what moves back, or of the people paid by REMOVE
  const moving = {
    memberships: await stillWith(db, 'memberships', m.memberships, kept.id),
    charges: await stillWith(db, 'charges', m.charges, kept.id),
  };
  const billedSince =
    m.memberships.length === 0 && m.charges.length === 0 && m.payerOf.length === 0
      ? []
      : await db
          .selectFrom('invoice_lines as l')
          .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
          .select(['i.number'])
          .where('l.id', '>', m.lastIds.invoiceLines)
          // a voided invoice bills nothing: it stays with the kept person, as issued
          .where('l.voided', '=', 0)
          .where((eb) =>
            eb.or([
              ...(m.memberships.length > 0 ? [eb('l.membership_id', 'in', m.memberships)] : []),
              ...(m.charges.length > 0 ? [eb('l.charge_id', 'in', m.charges)] : []),
              ...(m.payerOf.length > 0 ? [eb.and([eb('i.payer_id', '=', kept.id), eb('l.member_id', 'in', m.payerOf)])] : []),
            ]),
          )
          .orderBy('i.number')
          .execute();
  if (billedSince.length > 0) {
    const numbers = [...new Set(billedSince.map((r) => r.number))];
    throw refuse(
      `invoice${numbers.length === 1 ? '' : 's'} ${numbers.join(', ')} issued since bill${numbers.length === 1 ? 's' : ''} what would move back to #${removed.id}`,
      'void it first (`memberctl invoices void NUMBER --reason ...`), or keep the merge',
    );
  }
  // credit or passes of REMOVE used since, or credit from their invoices
  if (m.invoices.length > 0 || m.ledgerEntries.length > 0) {
    const used = await db
      .selectFrom('ledger_entries')
      .select('id')
      .where('member_id', '=', kept.id)
      .where('id', '>', m.lastIds.ledgerEntries)
      .where((eb) => eb.or([...(m.invoices.length > 0 ? [eb('invoice_id', 'in', m.invoices)] : []), ...(m.ledgerEntries.length > 0 ? [eb('grant_id', 'in', m.ledgerEntries)] : [])]))
      .executeTakeFirst();
    if (used) throw refuse(`credit or passes that would move back to #${removed.id} were used or granted since`);
  }
  // collected since on a mandate or an invoice that moves back
  if (m.mandates.length > 0 || m.invoices.length > 0) {
    const collected = await db
      .selectFrom('sepa_collection_items')
      .select('end_to_end_id')
      .where('id', '>', m.lastIds.collectionItems)
      .where((eb) => eb.or([...(m.mandates.length > 0 ? [eb('mandate_id', 'in', m.mandates)] : []), ...(m.invoices.length > 0 ? [eb('invoice_id', 'in', m.invoices)] : [])]))
      .executeTakeFirst();
    if (collected) throw refuse(`invoice ${collected.end_to_end_id} was put in a SEPA collection since, on what would move back`);
  }

  const invoices: number[] = [];
  await inChunks(
    m.invoices,
    async (chunk) => {
      invoices.push(...sameIds(await db.selectFrom('invoices').select('id').where('id', 'in', chunk).where('payer_id', '=', kept.id).execute()));
    },
    500,
  );
  const payerOf: number[] = [];
  await inChunks(
    m.payerOf,
    async (chunk) => {
      payerOf.push(...sameIds(await db.selectFrom('members').select('id').where('id', 'in', chunk).where('paid_by_id', '=', kept.id).execute()));
    },
    500,
  );
  const addedTags = m.tagsAdded.length === 0 ? [] : await db.selectFrom('tags').select(['id', 'name']).where('id', 'in', m.tagsAdded).execute();
  return {
    merge,
    data,
    kept,
    removed,
    back: {
      memberships: moving.memberships,
      invoices: invoices.sort((a, b) => a - b),
      invoiceLines: await stillWith(db, 'invoice_lines', m.invoiceLines, kept.id),
      payments: m.payments,
      ledgerEntries: await stillWith(db, 'ledger_entries', m.ledgerEntries, kept.id),
      charges: moving.charges,
      mandates: await stillWith(db, 'sepa_mandates', m.mandates, kept.id),
      notes: await stillWith(db, 'notes', m.notes, kept.id),
      payerOf: payerOf.sort((a, b) => a - b),
      tags: tags.map((t) => t.name).sort(),
      customFields: data.removed.fields.map((f) => f.key),
    },
    restored,
    keptLoses: { tags: addedTags.map((t) => t.name).sort(), customFields: m.fieldsAdded },
    keptUpdate,
  };
}

/** Applies a plan from `planUnmerge` (in the caller's transaction); the merge is marked undone. */
export async function applyUnmerge(db: Queryable, plan: UnmergePlan, source: AuditSource): Promise<{ kept: Member; removed: Member }> {
  const { data, merge, back } = plan;
  const keepId = plan.kept.id;
  const removeId = plan.removed.id;
  const keptBefore = await memberSnapshot(db, plan.kept);
  const keptNow = await db
    .updateTable('members')
    .set({ updated_at: source.at, ...plan.keptUpdate })
    .where('id', '=', keepId)
    .returningAll()
    .executeTakeFirstOrThrow();
  // the removed person's row as the merge found it, under their id
  await db.insertInto('members').values(plan.removed).execute();

  const repoint = async (table: PersonRows, ids: readonly number[]) =>
    inChunks(
      [...ids],
      async (chunk) => {
        await db
          .updateTable(table as 'notes')
          .set({ member_id: removeId })
          .where('id', 'in', chunk)
          .where('member_id', '=', keepId)
          .execute();
      },
      500,
    );
  await repoint('memberships', back.memberships);
  await repoint('invoice_lines', back.invoiceLines);
  await repoint('ledger_entries', back.ledgerEntries);
  await repoint('charges', back.charges);
  await repoint('sepa_mandates', back.mandates);
  await repoint('notes', back.notes);
  await inChunks(
    back.invoices,
    async (chunk) => {
      await db.updateTable('invoices').set({ payer_id: removeId }).where('id', 'in', chunk).where('payer_id', '=', keepId).execute();
    },
    500,
  );
  await inChunks(
    back.payerOf,
    async (chunk) => {
      await db.updateTable('members').set({ paid_by_id: removeId }).where('id', 'in', chunk).where('paid_by_id', '=', keepId).execute();
    },
    500,
  );

  // recorded statuses: REMOVE's comes back; KEEP's goes when the merge gave it REMOVE's and no job changed it since
  const keptStatus = await db.selectFrom('member_statuses').selectAll().where('member_id', '=', keepId).executeTakeFirst();
  const removedStatus = data.removed.status;
  if (data.kept.status === null && keptStatus && removedStatus && keptStatus.status === removedStatus.status && keptStatus.since === removedStatus.since && keptStatus.updated_at === removedStatus.updated_at) {
    await db.deleteFrom('member_statuses').where('member_id', '=', keepId).execute();
  }
  if (removedStatus) await db.insertInto('member_statuses').values({ ...removedStatus, member_id: removeId }).execute();
  // the freeze or unfreeze entries the merge wrote for a differing suspension
  if (data.moved.ledgerWritten.length > 0) await db.deleteFrom('ledger_entries').where('id', 'in', data.moved.ledgerWritten).where('member_id', '=', keepId).execute();

  if (data.removed.tagIds.length > 0) await db.insertInto('member_tags').values(data.removed.tagIds.map((tag_id) => ({ member_id: removeId, tag_id }))).execute();
  if (data.moved.tagsAdded.length > 0) await db.deleteFrom('member_tags').where('member_id', '=', keepId).where('tag_id', 'in', data.moved.tagsAdded).execute();
  if (data.removed.fields.length > 0) await db.insertInto('member_fields').values(data.removed.fields.map((f) => ({ member_id: removeId, key: f.key, value: f.value }))).execute();
  for (const key of data.moved.fieldsAdded) {
    const value = data.removed.fields.find((f) => f.key === key)?.value;
    if (value !== undefined) await db.deleteFrom('member_fields').where('member_id', '=', keepId).where('key', '=', key).where('value', '=', value).execute();
  }

  await db.updateTable('merges').set({ status: 'undone', undone_at: source.at }).where('id', '=', merge.id).where('status', '=', 'applied').execute();

  const summary = `merge ${merge.id} undone: ${describeMember(plan.removed)} split again from ${describeMember(keptNow)}: ${describeBack(plan)}`;
  const audits: AuditChange[] = [
    { action: 'unmerge', entity: 'members', entityId: removeId, memberId: removeId, before: null, after: { ...plan.removed, mergeId: merge.id }, summary },
    {
      action: 'unmerge',
      entity: 'members',
      entityId: keepId,
      memberId: keepId,
      before: { ...keptBefore, mergeId: merge.id },
      after: { ...(await memberSnapshot(db, keptNow)), mergeId: merge.id },
      summary,
    },
    ...back.payerOf.map((id) => ({
      action: 'update',
      entity: 'members',
      entityId: id,
      memberId: id,
      before: { paid_by_id: keepId },
      after: { paid_by_id: removeId },
      summary: `payer ${describeMember(plan.removed)} split again from ${describeMember(keptNow)} (merge ${merge.id} undone)`,
    })),
  ];
  await recordAudits(db, source, audits);
  return { kept: keptNow, removed: plan.removed };
}

/** "1 membership, 2 invoices, 1 note" (or "nothing else moves back"). */
export function describeBack(plan: UnmergePlan): string {
  const b = plan.back;
  const parts = (
    [
      [b.memberships.length, 'membership', 'memberships'],
      [b.invoices.length, 'invoice', 'invoices'],
      [b.invoiceLines.length, 'invoice line', 'invoice lines'],
      [b.payments.length, 'payment', 'payments'],
      [b.ledgerEntries.length, 'ledger entry', 'ledger entries'],
      [b.charges.length, 'charge', 'charges'],
      [b.mandates.length, 'mandate', 'mandates'],
      [b.notes.length, 'note', 'notes'],
      [b.tags.length, 'tag', 'tags'],
      [b.customFields.length, 'custom field', 'custom fields'],
      [b.payerOf.length, 'payer link', 'payer links'],
    ] as const
  )
    .filter(([n]) => n > 0)
    .map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing else moves back';
}

/** The `--json` shape of an unmerge (or of what a dry run would do). */
export function unmergeJson(plan: UnmergePlan, dryRun: boolean) {
  return {
    dryRun,
    mergeId: plan.merge.id,
    kept: { id: plan.kept.id, name: plan.kept.name },
    restored: { id: plan.removed.id, name: plan.removed.name, email: plan.removed.email },
    movedBack: plan.back,
    keptFieldsRestored: plan.restored,
    keptLoses: plan.keptLoses,
  };
}

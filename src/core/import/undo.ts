/**
 * `import list` and `import undo`: an import batch is undone by reversing its audit entries, newest first —
 * what it created is deleted, what it updated gets its values from before. Refused while anything recorded
 * since depends on the batch (an invoice, a payment, a member edited or paid for later).
 */
import type { Db, Queryable } from '../../db/connect.js';
import type { AuditEntry, ImportBatch } from '../../db/types.js';
import { dataError, notFoundError } from '../../errors.js';
import type { AuditChange, AuditSource } from '../kernel/audit.js';
import { jobLockName } from '../jobs/jobs.js';
import { withJobLock } from '../kernel/lock.js';
import { rankByCloseness } from '../kernel/suggest.js';
import { bulkTarget, inChunks, insertAudits } from '../kernel/bulk.js';
import { memberColumns as importedMemberColumns, membershipColumns as importedMembershipColumns, noCounts } from './write-import.js';

export interface BatchSummary {
  batch: string;
  date: string;
  source: string;
  file: string;
  rows: number;
  status: 'applied' | 'undone';
  undoneAt: string | null;
  created: { members: number; companies: number; memberships: number };
  updated: { members: number; memberships: number };
  unchanged: number;
  rejected: number;
}

const zero = { ...noCounts(), rejected: 0 };

export function batchSummary(batch: ImportBatch): BatchSummary {
  let counts: Partial<typeof zero> = {};
  try {
    counts = JSON.parse(batch.counts) as Partial<typeof zero>;
  } catch {
    // counts are informative only
  }
  return {
    batch: batch.id,
    date: batch.created_at,
    source: batch.source,
    file: batch.file,
    rows: batch.rows,
    status: batch.status,
    undoneAt: batch.undone_at,
    created: { ...zero.created, ...counts.created },
    updated: { ...zero.updated, ...counts.updated },
    unchanged: counts.unchanged ?? 0,
    rejected: counts.rejected ?? 0,
  };
}

/** Every batch, newest first. */
export async function listBatches(db: Queryable): Promise<BatchSummary[]> {
  const batches = await db.selectFrom('import_batches').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return batches.map(batchSummary);
}

export interface UndoResult {
  batch: string;
  removed: { members: number; companies: number; memberships: number; tags: number; mandates: number; delegates: number };
  restored: { members: number; memberships: number };
}

// what an undo may set back: the columns an import writes, but the row's owner and bookkeeping
const bookkeeping = new Set<string>(['member_id', 'source', 'created_at', 'updated_at']);
const restorable = (columns: readonly string[]) => new Set(columns.filter((c) => !bookkeeping.has(c)));
const memberColumns = restorable(importedMemberColumns);
const membershipColumns = restorable(importedMembershipColumns);
const companyColumns = new Set(['siren', 'vat_id']);
const mandateColumns = new Set(['status', 'revoked_on', 'revoke_reason']);

const parse = (text: string | null): Record<string, unknown> => {
  if (text === null) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

const pick = (image: Record<string, unknown>, columns: Set<string>) => Object.fromEntries(Object.entries(image).filter(([key]) => columns.has(key)));

/** The batch with this id, or a 65 naming the closest ids. */
export async function requireBatch(db: Queryable, id: string): Promise<ImportBatch> {
  const batch = await db.selectFrom('import_batches').selectAll().where('id', '=', id.trim()).executeTakeFirst();
  if (batch) return batch;
  const ids = (await db.selectFrom('import_batches').select('id').execute()).map((b) => b.id);
  const close = rankByCloseness(id, ids, 3);
  throw notFoundError(`no import batch "${id.trim()}"`, close.length > 0 ? `did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : 'see `memberctl import list`');
}

interface Touched {
  createdMembers: number[];
  createdMemberships: number[];
  createdCompanies: number[];
  createdTags: number[];
  /** credit imported with a person (a Stripe balance) */
  createdLedger: number[];
  updatedMembers: number[];
  updatedMemberships: number[];
  /** SEPA mandates the batch added, and those it revoked (replaced by one it added) */
  createdMandates: number[];
  revokedMandates: number[];
  /** the people whose mandates the batch added or revoked */
  mandateOwners: number[];
  /** the delegates the batch named: membership and member */
  createdDelegates: Array<{ membership: number; member: number }>;
}

function touched(entries: readonly AuditEntry[]): Touched {
  const ids = (entity: string, action: string) => [...new Set(entries.filter((e) => e.entity === entity && e.action === action).map((e) => Number(e.entity_id)))];
  return {
    createdMembers: ids('members', 'insert'),
    // a person's import entry carries the membership created with them
    createdMemberships: [
      ...new Set([
        ...ids('memberships', 'insert'),
        ...entries
          .filter((e) => e.entity === 'members' && e.action === 'insert')
          .map((e) => (parse(e.after).membership as { id?: unknown } | undefined)?.id)
          .filter((id): id is number => typeof id === 'number'),
      ]),
    ],
    createdCompanies: ids('companies', 'insert'),
    createdTags: ids('tags', 'insert'),
    createdLedger: ids('ledger_entries', 'insert'),
    updatedMembers: ids('members', 'update'),
    updatedMemberships: ids('memberships', 'update'),
    createdMandates: ids('sepa_mandates', 'insert'),
    revokedMandates: ids('sepa_mandates', 'revoke'),
    mandateOwners: [...new Set(entries.filter((e) => e.entity === 'sepa_mandates' && e.member_id !== null).map((e) => e.member_id!))],
    // each delegate is audited on both people, with the delegate's id
    createdDelegates: [
      ...new Map(
        entries
          .filter((e) => e.entity === 'memberships' && e.action === 'add_delegate')
          .map((e) => ({ membership: Number(e.entity_id), member: parse(e.after).delegate_id }))
          .filter((d): d is { membership: number; member: number } => typeof d.member === 'number')
          .map((d) => [`${d.membership}:${d.member}`, d] as const),
      ).values(),
    ],
  };
}

const maxBlockers = 20;

/** What recorded since the batch depends on it; empty when it can be undone. */
export async function undoBlockers(db: Queryable, entries: readonly AuditEntry[]): Promise<string[]> {
  const t = touched(entries);
  const updatedHere = new Set(t.updatedMembers);
  const blockers: string[] = [];
  const created = new Set(t.createdMembers);
  const createdMemberships = new Set(t.createdMemberships);
  const createdLedger = new Set(t.createdLedger);
  await inChunks(t.createdMembers, async (ids) => {
    const lines = await db
      .selectFrom('invoice_lines')
      .innerJoin('invoices', 'invoices.id', 'invoice_lines.invoice_id')
      .select(['invoices.number', 'invoice_lines.member_name'])
      .where('invoice_lines.member_id', 'in', ids)
      .execute();
    for (const l of lines) blockers.push(`invoice ${l.number} bills ${l.member_name}`);
    const invoices = await db.selectFrom('invoices').select(['number', 'payer_name']).where('payer_id', 'in', ids).execute();
    for (const i of invoices) blockers.push(`invoice ${i.number} is addressed to ${i.payer_name}`);
    const ledger = await db.selectFrom('ledger_entries').select(['id', 'member_id', 'kind']).where('member_id', 'in', ids).execute();
    for (const l of ledger) if (!createdLedger.has(l.id)) blockers.push(`member #${l.member_id} has a ${l.kind} in the credits ledger`);
    const payees = await db.selectFrom('members').select(['id', 'name', 'paid_by_id']).where('paid_by_id', 'in', ids).execute();
    for (const p of payees) if (!created.has(p.id) && !updatedHere.has(p.id)) blockers.push(`${p.name} (#${p.id}) is now paid by member #${p.paid_by_id}, who this import created`);
    const memberships = await db.selectFrom('memberships').select(['id', 'member_id']).where('member_id', 'in', ids).execute();
    for (const m of memberships) if (!createdMemberships.has(m.id)) blockers.push(`membership ${m.id} was added since to member #${m.member_id}`);
  });
  await inChunks(t.createdMemberships, async (ids) => {
    const lines = await db
      .selectFrom('invoice_lines')
      .innerJoin('invoices', 'invoices.id', 'invoice_lines.invoice_id')
      .select(['invoices.number', 'invoice_lines.member_name', 'invoice_lines.member_id'])
      .where('invoice_lines.membership_id', 'in', ids)
      .execute();
    for (const l of lines) if (l.member_id === null || !created.has(l.member_id)) blockers.push(`invoice ${l.number} bills a membership of ${l.member_name}`);
  });
  await inChunks(t.createdCompanies, async (ids) => {
    const members = await db.selectFrom('members').select(['id', 'name']).where('company_id', 'in', ids).execute();
    for (const m of members) {
      if (!created.has(m.id) && !updatedHere.has(m.id)) blockers.push(`${m.name} (#${m.id}) was put since in a company this import created`);
    }
  });
  await inChunks(t.createdMandates, async (ids) => {
    const items = await db
      .selectFrom('sepa_collection_items as i')
      .innerJoin('sepa_mandates as m', 'm.id', 'i.mandate_id')
      .innerJoin('sepa_collections as c', 'c.id', 'i.collection_id')
      .select(['m.reference', 'i.end_to_end_id', 'c.file'])
      .where('i.mandate_id', 'in', ids)
      .execute();
    for (const i of items) blockers.push(`mandate ${i.reference} collects invoice ${i.end_to_end_id} in ${i.file}`);
  });
  // later changes by people or other imports to what this batch wrote: undoing would lose them
  const lastId = entries.at(-1)?.id ?? 0;
  const undone = new Set((await db.selectFrom('import_batches').select('id').where('status', '=', 'undone').execute()).map((b) => b.id));
  // an anonymised person stays anonymised, whether a person or `jobs run` (privacy) did it
  const later = (e: Pick<AuditEntry, 'job_id' | 'batch_id' | 'action'>) =>
    e.action === 'anonymise' || (e.job_id === null && e.action !== 'undo' && (e.batch_id === null || !undone.has(e.batch_id)));
  const people = [...new Set([...t.createdMembers, ...t.updatedMembers, ...t.mandateOwners])];
  await inChunks(people, async (ids) => {
    const rows = await db.selectFrom('audit_log').selectAll().where('id', '>', lastId).where('member_id', 'in', ids).orderBy('id').execute();
    for (const e of rows) {
      if (!later(e)) continue;
      const by = e.batch_id ? `import ${e.batch_id}` : e.actor;
      blockers.push(`member #${e.member_id}: ${e.summary ?? `${e.action} ${e.entity}`} (${by}, ${e.at.slice(0, 16).replace('T', ' ')})`);
    }
  });
  return blockers;
}

/**
 * Undoes a batch in one transaction: refuses (65) an unknown or already undone batch, or one that later data
 * depends on (listing the blockers). Each reversed entry is itself recorded in the audit log. It holds the import
 * lock and the job lock (75 while an import or a job runs): an invoicing run reads the memberships it bills before
 * writing their invoices, and would otherwise bill people the undo has just deleted, or write an invoice the undo's
 * check for blockers cannot see yet.
 */
export async function undoBatch(db: Db, id: string, source: AuditSource): Promise<UndoResult> {
  return withJobLock(db, 'import', {}, () => withJobLock(db, jobLockName, {}, () => undoBatchLocked(db, id, source)));
}

async function undoBatchLocked(db: Db, id: string, source: AuditSource): Promise<UndoResult> {
  return db.kysely.transaction().execute(async (trx) => {
    const batch = await requireBatch(trx, id);
    if (batch.status === 'undone') throw dataError(`import batch ${batch.id} was already undone on ${batch.undone_at?.slice(0, 10) ?? 'an earlier day'}`);
    const entries = await trx.selectFrom('audit_log').selectAll().where('batch_id', '=', batch.id).orderBy('id').execute();
    const blockers = await undoBlockers(trx, entries);
    if (blockers.length > 0) {
      const shown = blockers.slice(0, maxBlockers).map((b) => `  - ${b}`);
      if (blockers.length > maxBlockers) shown.push(`  - and ${blockers.length - maxBlockers} more`);
      throw dataError(
        `import batch ${batch.id} cannot be undone: ${blockers.length === 1 ? 'one thing depends' : `${blockers.length} things depend`} on it:\n${shown.join('\n')}`,
        blockers.some((b) => b.startsWith('invoice '))
          ? 'an issued invoice stays for good, voided or not, so this batch can no longer be undone: correct its members with `members edit` or `memberships set` instead'
          : 'undo or change back what depends on it first (for a later import: undo that one first)',
      );
    }
    const t = touched(entries);
    const created = new Set(t.createdMembers);
    const result: UndoResult = {
      batch: batch.id,
      removed: {
        members: t.createdMembers.length,
        companies: t.createdCompanies.length,
        memberships: t.createdMemberships.length,
        tags: t.createdTags.length,
        mandates: t.createdMandates.length,
        delegates: t.createdDelegates.length,
      },
      restored: { members: 0, memberships: 0 },
    };
    const audits: AuditChange[] = [];
    const summary = `undo of import ${batch.id}`;
    // the delegates it named first: they refer to its people and memberships
    for (const d of t.createdDelegates) {
      await trx.deleteFrom('delegates').where('membership_id', '=', d.membership).where('member_id', '=', d.member).where('removed_at', 'is', null).execute();
    }
    // payers among the deleted people first, so deleting them in any order breaks no reference
    await inChunks(t.createdMembers, async (ids) => {
      await trx.updateTable('members').set({ paid_by_id: null }).where('id', 'in', ids).execute();
    });
    // the mandates it added first: a person has one active mandate, the one they replaced comes back below
    await inChunks(t.createdMandates, async (ids) => {
      await trx.deleteFrom('sepa_mandates').where('id', 'in', ids).execute();
    });
    const restoredMembers = new Set<number>();
    const restoredMemberships = new Set<number>();
    for (const entry of [...entries].reverse()) {
      const entityId = Number(entry.entity_id);
      const before = parse(entry.before);
      const after = parse(entry.after);
      if (entry.entity === 'sepa_mandates' && entry.action === 'revoke') {
        const columns = pick(before, mandateColumns);
        await trx.updateTable('sepa_mandates').set({ ...columns, updated_at: source.at }).where('id', '=', entityId).execute();
        audits.push({ action: 'undo', entity: entry.entity, entityId, memberId: entry.member_id, before: after, after: before, summary });
        continue;
      }
      if (entry.action !== 'update') {
        audits.push({ action: 'undo', entity: entry.entity, entityId, memberId: entry.member_id, before: after, after: null, summary });
        continue;
      }
      if (entry.entity === 'members' && !created.has(entityId)) {
        const columns = pick(before, memberColumns);
        if (Object.keys(columns).length > 0) {
          await trx.updateTable('members').set({ ...columns, updated_at: source.at }).where('id', '=', entityId).execute();
        }
        const fields = (before.fields ?? {}) as Record<string, string | null>;
        for (const [key, value] of Object.entries(fields)) {
          if (value === null) await trx.deleteFrom('member_fields').where('member_id', '=', entityId).where('key', '=', key).execute();
          else await trx.updateTable('member_fields').set({ value }).where('member_id', '=', entityId).where('key', '=', key).execute();
        }
        const tagIds = (after.tags_added ?? []) as number[];
        if (tagIds.length > 0) await trx.deleteFrom('member_tags').where('member_id', '=', entityId).where('tag_id', 'in', tagIds).execute();
        if (typeof after.note_id === 'number') await trx.deleteFrom('notes').where('id', '=', after.note_id).execute();
        restoredMembers.add(entityId);
      } else if (entry.entity === 'companies' && !t.createdCompanies.includes(entityId)) {
        // an existing company's SIREN or VAT number, set by the import
        const columns = pick(before, companyColumns);
        if (Object.keys(columns).length > 0) await trx.updateTable('companies').set({ ...columns, updated_at: source.at }).where('id', '=', entityId).execute();
      } else if (entry.entity === 'memberships' && !t.createdMemberships.includes(entityId)) {
        const columns = pick(before, membershipColumns);
        if (Object.keys(columns).length > 0) {
          await trx.updateTable('memberships').set({ ...columns, updated_at: source.at }).where('id', '=', entityId).execute();
        }
        restoredMemberships.add(entityId);
      }
      audits.push({ action: 'undo', entity: entry.entity, entityId, memberId: entry.member_id, before: after, after: before, summary });
    }
    await inChunks(t.createdLedger, async (ids) => {
      await trx.deleteFrom('ledger_entries').where('id', 'in', ids).execute();
    });
    await inChunks(t.createdMemberships, async (ids) => {
      // a paused Stripe subscription's pause goes with its membership
      await trx.deleteFrom('pauses').where('membership_id', 'in', ids).execute();
      await trx.deleteFrom('memberships').where('id', 'in', ids).execute();
    });
    await inChunks(t.createdMembers, async (ids) => {
      await trx.deleteFrom('members').where('id', 'in', ids).execute();
    });
    await inChunks(t.createdCompanies, async (ids) => {
      await trx.deleteFrom('companies').where('id', 'in', ids).execute();
    });
    await inChunks(t.createdTags, async (ids) => {
      await trx.deleteFrom('tags').where('id', 'in', ids).execute();
    });
    result.restored = { members: restoredMembers.size, memberships: restoredMemberships.size };
    await insertAudits(bulkTarget(db, trx), source, audits);
    await trx.updateTable('import_batches').set({ status: 'undone', undone_at: source.at }).where('id', '=', batch.id).execute();
    return result;
  });
}

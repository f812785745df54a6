/**
 * `invoices collect --sepa`: one SEPA Direct Debit transaction per open invoice of a payer with an active mandate,
 * for what is still due, written as a pain.008.001.02 file. The invoices put in the file are marked as being
 * collected (a `pending` collection item each) in the same transaction whose last step moves the file into place,
 * so the file and the marking are written together or not at all; a pending invoice is never put in another file
 * until its collection is settled or returned.
 */
import type { Db, Queryable } from '../../db/connect.js';
import type { SepaMandate, SepaScheme, SepaSequence } from '../../db/types.js';
import { configError, dataError, usageError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import { formatAmount } from '../kernel/money.js';
import { getSetting } from '../kernel/settings.js';
import { getIdentity } from '../org/org-store.js';
import { describeMember, resolveMember } from '../people/refs.js';
import { balancesDue } from '../billing/invoice-balance.js';
import { mandateUses } from './mandates.js';
import { collectionDateProblem, compactCode, mandateExpiresOn, mandateState, sepaIdentifier, sepaText, sequenceTypes } from './rules.js';
import type { Pain008Batch, Pain008Input } from '../../writers/sepa/pain008.js';
import type { OutputFile as OutputFileType } from '../../safe-file.js';

export interface CollectOptions {
  collectionDate: string;
  asOf: string;
  /** only the invoices of this payer (a member ref) */
  memberRef?: string | undefined;
  dryRun: boolean;
  /** the output file and the flag that named it, for messages */
  file: string;
  flag: string;
  source: AuditSource;
}

export interface CollectionTransaction {
  invoice: string;
  payer: { id: number; name: string };
  mandate: string;
  scheme: SepaScheme;
  sequence: SepaSequence;
  /** cents */
  amount: number;
  endToEndId: string;
}

export interface CollectionProblem {
  code: 'mandate_expired' | 'not_euro';
  invoice: string;
  payer: { id: number; name: string };
  message: string;
}

export interface CollectionResult {
  file: string | null;
  dryRun: boolean;
  collectionDate: string;
  messageId: string | null;
  transactions: CollectionTransaction[];
  /** cents */
  total: number;
  problems: CollectionProblem[];
}

/** The `--json` shape of a collection. */
export function collectionJson(result: CollectionResult) {
  const count = (sequence: SepaSequence) => result.transactions.filter((t) => t.sequence === sequence).length;
  return {
    file: result.file,
    dryRun: result.dryRun,
    collectionDate: result.collectionDate,
    messageId: result.messageId,
    currency: 'EUR',
    total: formatAmount(result.total, 'EUR'),
    counts: { transactions: result.transactions.length, FRST: count('FRST'), RCUR: count('RCUR') },
    transactions: result.transactions.map((t) => ({ ...t, amount: formatAmount(t.amount, 'EUR') })),
    problems: result.problems,
  };
}

interface Creditor {
  name: string;
  iban: string;
  bic: string | null;
  creditorId: string;
}

/** The creditor's identity a file needs; what is missing is a configuration error (78) naming how to set it. */
async function creditor(db: Queryable): Promise<Creditor> {
  const creditorId = await getSetting(db, 'sepa-creditor-id');
  const identity = await getIdentity(db);
  const missing: string[] = [];
  if (creditorId === '') missing.push('the creditor identifier (`memberctl settings set sepa-creditor-id FR..ZZZ...`)');
  if (!identity.name) missing.push("the organisation's name (`memberctl org set --name ...`)");
  if (!identity.iban) missing.push("the organisation's IBAN (`memberctl org set --iban ...`)");
  if (missing.length > 0) throw configError(`a SEPA Direct Debit file needs ${missing.join(', ')}; nothing was written`);
  return { name: sepaText(identity.name!, 70), iban: compactCode(identity.iban!), bic: identity.bic, creditorId };
}

/** A debtor name SEPA accepts: transliterated; a name with no Latin letter left becomes `Member ID`. */
const debtorName = (payer: { id: number; name: string }) => sepaText(payer.name, 70) || `Member ${payer.id}`;

interface Planned {
  transactions: CollectionTransaction[];
  input: Omit<Pain008Input, 'messageId' | 'createdAt'>;
  problems: CollectionProblem[];
  items: Array<{ invoiceId: number; mandateId: number; amount: number; sequence: SepaSequence; endToEndId: string }>;
}

/** What a collection would hold, read in `db` (the transaction that then writes it). */
async function planCollection(db: Queryable, options: CollectOptions, creditorInfo: Creditor): Promise<Planned> {
  let payerId: number | undefined;
  if (options.memberRef !== undefined) {
    const member = await resolveMember(db, options.memberRef, '--member');
    if (member.paid_by_id !== null) {
      const payer = await db.selectFrom('members').select(['id', 'name', 'email']).where('id', '=', member.paid_by_id).executeTakeFirstOrThrow();
      throw dataError(`--member: ${describeMember(member)} is paid by ${describeMember(payer)}: the payer's invoices are collected, on the payer's mandate`, `give --member ${payer.id}`);
    }
    const mandates = await db.selectFrom('sepa_mandates').selectAll().where('member_id', '=', member.id).orderBy('id', 'desc').execute();
    const active = mandates.find((m) => m.status === 'active');
    if (!active) {
      if (mandates.length === 0) throw dataError(`--member: ${describeMember(member)} has no SEPA mandate`, 'add one: `memberctl mandates add REF --iban ... --signed DATE`');
      const last = mandates[0]!;
      throw dataError(`--member: the mandate ${last.reference} of ${describeMember(member)} was revoked on ${last.revoked_on}; nothing was written`, 'a new mandate is needed: `memberctl mandates add`');
    }
    const use = (await mandateUses(db, [active.id])).get(active.id)!;
    if (mandateState(active, use.lastCollection, options.collectionDate) === 'expired') {
      throw dataError(
        `--member: the mandate ${active.reference} of ${describeMember(member)} expired on ${mandateExpiresOn(active.signed_on, use.lastCollection)} (36 months without a collection); nothing was written`,
        'a new mandate is needed: revoke it (`memberctl mandates revoke`), then `memberctl mandates add`',
      );
    }
    payerId = member.id;
  }

  let query = db
    .selectFrom('invoices as i')
    .innerJoin('sepa_mandates as m', (join) => join.onRef('m.member_id', '=', 'i.payer_id').on('m.status', '=', 'active'))
    .innerJoin('members as p', 'p.id', 'i.payer_id')
    .select(['i.id', 'i.number', 'i.date', 'i.total', 'i.currency', 'i.payer_id', 'p.name as payer_name', 'm.id as mandate_id'])
    .where('i.status', '=', 'open')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('sepa_collection_items as c')
            .select('c.id')
            .whereRef('c.invoice_id', '=', 'i.id')
            .where('c.status', '=', 'pending'),
        ),
      ),
    )
    .orderBy('i.date')
    .orderBy('i.id');
  if (payerId !== undefined) query = query.where('i.payer_id', '=', payerId);
  const rows = await query.execute();

  const mandateIds = [...new Set(rows.map((r) => r.mandate_id))];
  const mandates = new Map<number, SepaMandate>();
  for (let i = 0; i < mandateIds.length; i += 500) {
    for (const m of await db.selectFrom('sepa_mandates').selectAll().where('id', 'in', mandateIds.slice(i, i + 500)).execute()) mandates.set(m.id, m);
  }
  const uses = await mandateUses(db, mandateIds);
  // what is still due: the total less the partial credit notes and the payments
  const due = await balancesDue(db, rows);

  const problems: CollectionProblem[] = [];
  const byMandate = new Map<number, typeof rows>();
  for (const row of rows) {
    const payer = { id: row.payer_id!, name: row.payer_name };
    const mandate = mandates.get(row.mandate_id)!;
    const use = uses.get(mandate.id)!;
    if (mandateState(mandate, use.lastCollection, options.collectionDate) === 'expired') {
      problems.push({
        code: 'mandate_expired',
        invoice: row.number,
        payer,
        message: `${row.number}: the mandate ${mandate.reference} of ${describeMember({ ...payer, email: null })} expired on ${mandateExpiresOn(mandate.signed_on, use.lastCollection)} (36 months without a collection); a new mandate is needed`,
      });
      continue;
    }
    if (row.currency !== 'EUR') {
      problems.push({ code: 'not_euro', invoice: row.number, payer, message: `${row.number}: it is in ${row.currency}; SEPA Direct Debit collects euros only` });
      continue;
    }
    if (due.get(row.id)! <= 0) continue;
    const list = byMandate.get(mandate.id) ?? [];
    list.push(row);
    byMandate.set(mandate.id, list);
  }

  const transactions: CollectionTransaction[] = [];
  const items: Planned['items'] = [];
  const batches = new Map<string, Pain008Batch>();
  for (const [mandateId, invoices] of byMandate) {
    const mandate = mandates.get(mandateId)!;
    const sequences = sequenceTypes(uses.get(mandateId)!.used, invoices.length);
    invoices.forEach((row, index) => {
      const sequence = sequences[index]!;
      const amount = due.get(row.id)!;
      const payer = { id: row.payer_id!, name: row.payer_name };
      const endToEndId = sepaIdentifier(row.number);
      transactions.push({ invoice: row.number, payer, mandate: mandate.reference, scheme: mandate.scheme, sequence, amount, endToEndId });
      items.push({ invoiceId: row.id, mandateId, amount, sequence, endToEndId });
      const key = `${mandate.scheme}-${sequence}`;
      const batch = batches.get(key) ?? { id: '', scheme: mandate.scheme, sequence, transactions: [] };
      batch.transactions.push({
        endToEndId,
        amount,
        mandateReference: mandate.reference,
        mandateSignedOn: mandate.signed_on,
        debtorName: debtorName(payer),
        debtorIban: mandate.iban,
        debtorBic: mandate.bic,
        remittance: sepaText(row.number, 140),
      });
      batches.set(key, batch);
    });
  }
  // payment information blocks in a fixed order: CORE then B2B, FRST before RCUR
  const order = ['core-FRST', 'core-RCUR', 'b2b-FRST', 'b2b-RCUR'];
  const ordered = order.flatMap((key) => (batches.has(key) ? [batches.get(key)!] : []));
  return {
    transactions,
    items,
    problems,
    input: { collectionDate: options.collectionDate, creditor: creditorInfo, batches: ordered },
  };
}

/** A message id unique to this file: `MCTL-<date and time>-<random>`, at most 35 characters. */
function messageIdAt(at: string, random: string): string {
  return `MCTL-${at.slice(0, 19).replace(/\D/g, '')}-${random}`;
}

/**
 * Plans and, unless a dry run, writes the collection: the file `options.file` and its marking, all or nothing.
 * Refuses (64) a collection date that is not at least one business day ahead, (65) a `--member` without an active
 * mandate, (78) a creditor identity that is incomplete. Invoices of expired mandates or in another currency than
 * the euro are left out as problems, the rest is collected.
 */
export async function collectSepa(db: Db, options: CollectOptions): Promise<CollectionResult> {
  const dateProblem = collectionDateProblem(options.collectionDate, options.asOf);
  if (dateProblem !== null) throw usageError(`--collection-date: ${dateProblem}`);
  const creditorInfo = await creditor(db.kysely);
  const base = { dryRun: options.dryRun, collectionDate: options.collectionDate };
  if (options.dryRun) {
    const planned = await planCollection(db.kysely, options, creditorInfo);
    return { ...base, file: null, messageId: null, transactions: planned.transactions, total: sum(planned.transactions), problems: planned.problems };
  }
  const { randomBytes } = await import('node:crypto');
  const { OutputFile, landing } = await import('../../safe-file.js');
  const fs = await import('node:fs');
  const { pain008Pieces } = await import('../../writers/sepa/pain008.js');
  let output: OutputFileType | null = null;
  let moved = false;
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      const planned = await planCollection(trx, options, creditorInfo);
      if (planned.transactions.length === 0) return { ...base, file: null, messageId: null, transactions: [], total: 0, problems: planned.problems };
      const messageId = messageIdAt(options.source.at, randomBytes(4).toString('hex'));
      planned.input.batches.forEach((batch, index) => {
        batch.id = `${messageId}-${index + 1}`;
      });
      const total = sum(planned.transactions);
      const collection = await trx
        .insertInto('sepa_collections')
        .values({
          message_id: messageId,
          file: options.file,
          collection_date: options.collectionDate,
          transactions: planned.transactions.length,
          total,
          currency: 'EUR',
          created_at: options.source.at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (let i = 0; i < planned.items.length; i += 200) {
        await trx
          .insertInto('sepa_collection_items')
          .values(
            planned.items.slice(i, i + 200).map((item) => ({
              collection_id: collection.id,
              invoice_id: item.invoiceId,
              mandate_id: item.mandateId,
              end_to_end_id: item.endToEndId,
              amount: item.amount,
              sequence: item.sequence,
              status: 'pending' as const,
              closed_on: null,
              return_reason: null,
              created_at: options.source.at,
            })),
          )
          .execute();
      }
      await recordAudit(trx, options.source, {
        action: 'collect',
        entity: 'sepa_collections',
        entityId: collection.id,
        summary: `SEPA Direct Debit file ${messageId} for ${options.collectionDate}: ${planned.transactions.length} transactions, ${formatAmount(total, 'EUR')} EUR`,
      });
      output = OutputFile.create(options.file, options.flag, { after: '; no invoice was marked as being collected' });
      let buffer = '';
      for (const piece of pain008Pieces({ ...planned.input, messageId, createdAt: options.source.at.slice(0, 19) })) {
        buffer += piece;
        if (buffer.length >= 1 << 16) {
          output.write(buffer);
          buffer = '';
        }
      }
      output.write(buffer);
      // the last step before the commit: a failure here rolls the marking back
      output.commit();
      moved = true;
      return { ...base, file: options.file, messageId, transactions: planned.transactions, total, problems: planned.problems };
    });
  } catch (error) {
    // the marking is not committed: the file it describes must not stay either
    // (a device or a pipe has had the bytes: nothing to take back there)
    if (moved) {
      const target = landing(options.file);
      if (fs.statSync(target, { throwIfNoEntry: false })?.isFile()) fs.rmSync(target, { force: true });
    } else (output as OutputFileType | null)?.discard();
    throw error;
  }
}

const sum = (transactions: readonly CollectionTransaction[]) => transactions.reduce((s, t) => s + t.amount, 0);

/**
 * The collection item still pending whose end-to-end id is `endToEndId` (a bank statement's credit or return gives
 * it back), or undefined.
 */
export async function findPendingCollection(db: Queryable, endToEndId: string) {
  return db.selectFrom('sepa_collection_items').selectAll().where('end_to_end_id', '=', endToEndId).where('status', '=', 'pending').executeTakeFirst();
}

/**
 * Closes a pending collection item: `settled` once its credit is on the statement, `returned` (with the bank's
 * reason) when the debit came back; the invoice may then be collected again. A later `payments import` records
 * the payment (or cancels it) in the same transaction.
 */
export async function closeCollectionItem(
  trx: Queryable,
  itemId: number,
  outcome: { status: 'settled' | 'returned'; date: string; reason?: string | null },
  source: AuditSource,
): Promise<void> {
  const item = await trx.selectFrom('sepa_collection_items').selectAll().where('id', '=', itemId).executeTakeFirstOrThrow();
  if (item.status !== 'pending') throw dataError(`the collection of ${item.end_to_end_id} is already ${item.status}`);
  const closed = await trx
    .updateTable('sepa_collection_items')
    .set({ status: outcome.status, closed_on: outcome.date, return_reason: outcome.reason ?? null })
    .where('id', '=', itemId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, source, {
    action: outcome.status === 'settled' ? 'settle' : 'return',
    entity: 'sepa_collection_items',
    entityId: itemId,
    before: item,
    after: closed,
    summary: `SEPA collection of ${item.end_to_end_id} ${outcome.status} on ${outcome.date}${outcome.reason ? ` (${outcome.reason})` : ''}`,
  });
}

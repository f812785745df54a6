/**
 * The outbox: messages queued by the code that causes them, inside its own transaction, then claimed, sent and
 * marked by `mail send`. A message is identified by (kind, subject, stage): queueing it again does nothing, so no
 * number of runs queues it twice. Its content is rendered when it is sent, from its subject as it then is.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Dialect, Queryable } from '../../db/connect.js';
import type { MailKind, MailMessage, MailStatus, MailSubjectType, NewMailMessage } from '../../db/types.js';
import { chunks } from '../billing/invoices.js';
import { getSettings } from '../kernel/settings.js';
import { storedAddresses } from '../people/recipients.js';

/** The setting that switches each kind on or off. */
export const kindSetting = {
  invoice: 'mail-invoices',
  credit_note: 'mail-credit-notes',
  renewal_notice: 'mail-renewal-notices',
  renewal_reminder: 'mail-renewal-reminders',
  reminder: 'mail-reminders',
  suspension_notice: 'mail-suspension-notices',
  receipt: 'mail-receipts',
} as const satisfies Record<MailKind, string>;

/** What each kind is about. */
export const kindSubject: Record<MailKind, MailSubjectType> = {
  invoice: 'invoice',
  credit_note: 'credit_note',
  renewal_notice: 'renewal',
  renewal_reminder: 'membership',
  reminder: 'invoice',
  suspension_notice: 'person',
  receipt: 'invoice',
};

export interface MessageToQueue {
  kind: MailKind;
  /** the invoice, credit note, renewal, membership or person it is about (its type follows from the kind) */
  subjectId: number;
  /** which message of its kind about that subject: "issued", "day-7", a term's start... ([a-z0-9-], 1 to 40) */
  stage: string;
  /** what the message needs beyond its subject (a reminder's days overdue...) */
  data?: Record<string, string | number | null>;
}

export interface Recipients {
  to: string[];
  cc: string[];
  memberId: number | null;
  language: 'fr' | 'en';
  /** the person asked not to be written to: the message is skipped */
  noMail: boolean;
}

/** Why a message is queued as `skipped`, or null when it is to be sent. */
export function skipReason(r: Recipients): string | null {
  if (r.memberId === null) return 'its subject no longer exists';
  if (r.noMail) return 'asked not to be written to';
  return r.to.length === 0 ? 'no e-mail address' : null;
}

const stagePattern = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** Rows a statement: 15 columns each stays far below both databases' limits on parameters. */
const chunk = 500;

/**
 * Queues `messages` inside the caller's transaction (`trx`), each once: a message already queued (same kind,
 * subject and stage) is left as it is. A kind switched off is not queued; a message without any address is queued
 * as `skipped` with the reason, so it is listed. Returns the number of messages added.
 */
export async function queueMessages(trx: Queryable, messages: readonly MessageToQueue[], options: { now?: string } = {}): Promise<number> {
  if (messages.length === 0) return 0;
  const now = options.now ?? new Date().toISOString();
  const settings = await getSettings(trx);
  const wanted = messages.filter((m) => settings[kindSetting[m.kind]] === 'on');
  for (const m of wanted) {
    if (!stagePattern.test(m.stage)) throw new Error(`mail stage "${m.stage}" of ${m.kind} ${m.subjectId}: expected [a-z0-9-], 1 to 40`);
  }
  const recipients = await recipientsOf(trx, wanted, settings.language);
  let added = 0;
  for (const part of chunks(wanted, chunk)) {
    const rows: NewMailMessage[] = part.map((m) => {
      const r = recipients.get(subjectKey(kindSubject[m.kind], m.subjectId)) ?? nobody(settings.language);
      const skip = skipReason(r);
      return {
        kind: m.kind,
        subject_type: kindSubject[m.kind],
        subject_id: m.subjectId,
        stage: m.stage,
        member_id: r.memberId,
        to_addresses: JSON.stringify(r.to),
        cc_addresses: JSON.stringify(r.cc),
        bcc_addresses: JSON.stringify(settings['mail-bcc'] === '' ? [] : [settings['mail-bcc']]),
        language: r.language,
        data: JSON.stringify(m.data ?? {}),
        status: skip === null ? 'queued' : 'skipped',
        skip_reason: skip,
        attempts: 0,
        created_at: now,
        updated_at: now,
      };
    });
    const result = await trx
      .insertInto('mail_messages')
      .values(rows)
      .onConflict((oc) => oc.columns(['kind', 'subject_type', 'subject_id', 'stage']).doNothing())
      .executeTakeFirst();
    added += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}

const subjectKey = (type: MailSubjectType, id: number) => `${type}:${id}`;

const nobody = (language: 'fr' | 'en'): Recipients => ({ to: [], cc: [], memberId: null, language, noMail: false });

/** A person's columns that decide where their messages go. */
interface PersonRow {
  member_id: number | null;
  email: string | null;
  language: 'fr' | 'en' | null;
  cc_emails: string | null;
  no_mail: number | null;
}

/**
 * Who each message goes to, read in a few statements for a whole batch. Invoices, credit notes, reminders and
 * receipts go to the payer: their company's billing e-mail when they have a company with one, else their own billing
 * e-mail, else their e-mail. Renewal notices and reminders go to the member's renewal e-mail, else their e-mail; a
 * suspension notice to the person's e-mail. The copies are those of the person the message goes to (the payer, the
 * member, the person), who may have asked not to be written to. Each in the person's language, else `fallback`.
 */
async function recipientsOf(db: Queryable, messages: readonly MessageToQueue[], fallback: 'fr' | 'en'): Promise<Map<string, Recipients>> {
  const found = new Map<string, Recipients>();
  const idsOf = (type: MailSubjectType) => [...new Set(messages.filter((m) => kindSubject[m.kind] === type).map((m) => m.subjectId))];
  const person = (row: PersonRow, address: string | null): Recipients => {
    const to = address ? [address] : [];
    const cc = storedAddresses(row.cc_emails).filter((a) => !to.some((t) => t.toLowerCase() === a.toLowerCase()));
    return { to, cc, memberId: row.member_id, language: row.language ?? fallback, noMail: row.no_mail === 1 };
  };
  const inChunks = async <T>(ids: number[], read: (part: number[]) => Promise<T[]>) => {
    const rows: T[] = [];
    for (const part of chunks(ids, chunk)) rows.push(...(await read(part)));
    return rows;
  };
  const personColumns = ['members.id as member_id', 'members.email', 'members.language', 'members.cc_emails', 'members.no_mail'] as const;
  const payerColumns = [...personColumns, 'members.billing_email', 'companies.billing_email as company_billing_email'] as const;
  const payerAddress = (row: PersonRow & { billing_email: string | null; company_billing_email: string | null }) =>
    row.company_billing_email || row.billing_email || row.email;
  const renewalAddress = (row: PersonRow & { renewal_email: string | null }) => row.renewal_email || row.email;
  const invoices = await inChunks(idsOf('invoice'), (part) =>
    db
      .selectFrom('invoices')
      .leftJoin('members', 'members.id', 'invoices.payer_id')
      .leftJoin('companies', 'companies.id', 'members.company_id')
      .select(['invoices.id', ...payerColumns])
      .where('invoices.id', 'in', part)
      .execute(),
  );
  for (const row of invoices) found.set(subjectKey('invoice', row.id), person(row, payerAddress(row)));
  const notes = await inChunks(idsOf('credit_note'), (part) =>
    db
      .selectFrom('credit_notes')
      .innerJoin('invoices', 'invoices.id', 'credit_notes.invoice_id')
      .leftJoin('members', 'members.id', 'invoices.payer_id')
      .leftJoin('companies', 'companies.id', 'members.company_id')
      .select(['credit_notes.id', ...payerColumns])
      .where('credit_notes.id', 'in', part)
      .execute(),
  );
  for (const row of notes) found.set(subjectKey('credit_note', row.id), person(row, payerAddress(row)));
  const renewals = await inChunks(idsOf('renewal'), (part) =>
    db
      .selectFrom('renewals')
      .innerJoin('memberships', 'memberships.id', 'renewals.membership_id')
      .innerJoin('members', 'members.id', 'memberships.member_id')
      .select(['renewals.id', ...personColumns, 'members.renewal_email'])
      .where('renewals.id', 'in', part)
      .execute(),
  );
  for (const row of renewals) found.set(subjectKey('renewal', row.id), person(row, renewalAddress(row)));
  const memberships = await inChunks(idsOf('membership'), (part) =>
    db
      .selectFrom('memberships')
      .innerJoin('members', 'members.id', 'memberships.member_id')
      .select(['memberships.id', ...personColumns, 'members.renewal_email'])
      .where('memberships.id', 'in', part)
      .execute(),
  );
  for (const row of memberships) found.set(subjectKey('membership', row.id), person(row, renewalAddress(row)));
  const people = await inChunks(idsOf('person'), (part) =>
    db.selectFrom('members').select(['members.id', ...personColumns]).where('members.id', 'in', part).execute(),
  );
  for (const row of people) found.set(subjectKey('person', row.id), person(row, row.email));
  return found;
}

/**
 * Of the people these messages are for, those who asked not to be written to: a message queued before they asked is
 * not sent either.
 */
export async function askedNoMail(db: Queryable, messages: readonly MailMessage[]): Promise<Set<number>> {
  const ids = [...new Set(messages.map((m) => m.member_id).filter((id): id is number => id !== null))];
  const quiet = new Set<number>();
  for (const part of chunks(ids, chunk)) {
    for (const row of await db.selectFrom('members').select('id').where('id', 'in', part).where('no_mail', '=', 1).execute()) quiet.add(row.id);
  }
  return quiet;
}

/** Parses an address list column. */
export const addresses = (json: string): string[] => JSON.parse(json) as string[];

/** This process as a claim owner: its host, its pid and a random part (a pid is reused). */
export function claimOwner(): string {
  return `${os.hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
}

/** Whether a claim's owner is a process of this host that no longer runs (a killed `mail send`). */
export function ownerIsGone(owner: string): boolean {
  const [host, pid] = owner.split('/');
  if (host !== os.hostname() || !/^\d+$/.test(pid ?? '')) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Messages left `sending` by a sender of this host that was killed go back to the queue at once (their claim would
 * otherwise hold until it expires). Returns how many.
 */
export async function releaseAbandonedClaims(db: Queryable, now: string): Promise<number> {
  const owners = await db.selectFrom('mail_messages').select('claimed_by').distinct().where('status', '=', 'sending').execute();
  let released = 0;
  for (const { claimed_by: owner } of owners) {
    if (owner === null || !ownerIsGone(owner)) continue;
    const result = await db
      .updateTable('mail_messages')
      .set({ status: 'queued', claimed_by: null, claim_expires_at: null, updated_at: now })
      .where('status', '=', 'sending')
      .where('claimed_by', '=', owner)
      .executeTakeFirst();
    released += Number(result.numUpdatedRows);
  }
  return released;
}

/**
 * Claims up to `limit` messages due at `now` for `owner`, in id order: queued ones whose next attempt has come, and
 * ones whose claim has expired. One statement, so two senders never claim the same message (PostgreSQL skips the
 * rows another sender is claiming; SQLite runs one writer at a time). The attempt is counted here, before sending.
 */
export async function claimMessages(db: Queryable, dialect: Dialect, options: { owner: string; now: string; claimSeconds: number; limit: number }): Promise<MailMessage[]> {
  const expires = new Date(Date.parse(options.now) + options.claimSeconds * 1000).toISOString();
  const due = db
    .selectFrom('mail_messages')
    .select('id')
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'queued'), eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', options.now)])]),
        eb.and([eb('status', '=', 'sending'), eb('claim_expires_at', '<', options.now)]),
      ]),
    )
    .orderBy('id')
    .limit(options.limit)
    .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked());
  const claimed = await db
    .updateTable('mail_messages')
    .set((eb) => ({
      status: 'sending',
      claimed_by: options.owner,
      claim_expires_at: expires,
      attempts: eb('attempts', '+', 1),
      updated_at: options.now,
    }))
    .where('id', 'in', due)
    .returningAll()
    .execute();
  return claimed.sort((a, b) => a.id - b.id);
}

/** The messages `mail send --dry-run` would claim at `now`, claimed by nobody. */
export async function dueMessages(db: Queryable, now: string, limit: number): Promise<MailMessage[]> {
  return db
    .selectFrom('mail_messages')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'queued'), eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)])]),
        eb.and([eb('status', '=', 'sending'), eb('claim_expires_at', '<', now)]),
      ]),
    )
    .orderBy('id')
    .limit(limit)
    .execute();
}

export type Outcome =
  | { kind: 'sent'; messageId: string; reply: string }
  | { kind: 'written'; messageId: string; file: string }
  | { kind: 'retry'; reply: string; nextAttemptAt: string }
  | { kind: 'failed'; reply: string }
  | { kind: 'skipped'; reason: string }
  /** given back to the queue as it was (the server became unreachable before it was tried) */
  | { kind: 'released' };

/**
 * Records what came of a claimed message, only while `owner` still holds it (a claim that expired and was taken
 * by another sender is that sender's to mark). Returns whether it was recorded.
 */
export async function markMessage(db: Queryable, id: number, owner: string, outcome: Outcome, now: string): Promise<boolean> {
  const free = { claimed_by: null, claim_expires_at: null, updated_at: now };
  const changes = ((): Partial<Record<keyof MailMessage, unknown>> => {
    switch (outcome.kind) {
      case 'sent':
        return { ...free, status: 'sent', message_id: outcome.messageId, server_reply: outcome.reply, sent_at: now, last_error: null };
      case 'written':
        return { ...free, status: 'sent', message_id: outcome.messageId, server_reply: `written to ${outcome.file}`, sent_at: now, last_error: null };
      case 'retry':
        return { ...free, status: 'queued', last_error: outcome.reply, next_attempt_at: outcome.nextAttemptAt };
      case 'failed':
        return { ...free, status: 'failed', last_error: outcome.reply };
      case 'skipped':
        return { ...free, status: 'skipped', skip_reason: outcome.reason };
      case 'released':
        return { ...free, status: 'queued' };
    }
  })();
  const run = async (trx: Queryable) => {
    let update = trx
      .updateTable('mail_messages')
      .set(changes as never)
      .where('id', '=', id)
      .where('claimed_by', '=', owner)
      .where('status', '=', 'sending');
    // a release gives the attempt back: nothing was tried
    if (outcome.kind === 'released') update = update.set((eb) => ({ attempts: eb('attempts', '-', 1) }));
    const result = await update.executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    const reply = attemptReply(outcome);
    if (reply !== undefined) {
      await trx.insertInto('mail_attempts').values({ message_id: id, at: now, outcome: reply.outcome, reply: reply.text }).execute();
    }
    return true;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

function attemptReply(outcome: Outcome): { outcome: 'sent' | 'retry' | 'failed' | 'written'; text: string | null } | undefined {
  switch (outcome.kind) {
    case 'sent':
      return { outcome: 'sent', text: outcome.reply };
    case 'written':
      return { outcome: 'written', text: outcome.file };
    case 'retry':
      return { outcome: 'retry', text: outcome.reply };
    case 'failed':
      return { outcome: 'failed', text: outcome.reply };
    default:
      return undefined;
  }
}

/** Minutes before the next attempt after `attempts` attempts: 5, 10, 20, 40... up to 6 hours. */
export function backoffMinutes(attempts: number): number {
  return Math.min(5 * 2 ** Math.max(0, attempts - 1), 360);
}

export interface MessageFilter {
  status?: MailStatus;
  kind?: MailKind;
  memberId?: number;
  /** created on or after this day (YYYY-MM-DD) */
  from?: string;
  /** created on or before this day (YYYY-MM-DD) */
  to?: string;
  limit?: number;
}

export async function listMessages(db: Queryable, filter: MessageFilter = {}): Promise<MailMessage[]> {
  let query = db.selectFrom('mail_messages').selectAll().orderBy('id');
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  if (filter.memberId !== undefined) query = query.where('member_id', '=', filter.memberId);
  if (filter.from) query = query.where('created_at', '>=', filter.from);
  // the whole of the last day: every timestamp of that day sorts before the next day
  if (filter.to) query = query.where('created_at', '<', nextDay(filter.to));
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export async function findMessage(db: Queryable, id: number): Promise<MailMessage | undefined> {
  return db.selectFrom('mail_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function messageAttempts(db: Queryable, id: number) {
  return db.selectFrom('mail_attempts').select(['at', 'outcome', 'reply']).where('message_id', '=', id).orderBy('id').execute();
}

export interface Retried {
  /** the ids queued again, due at once */
  requeued: number[];
  /** the ids that still cannot be sent, with the reason: they stay `skipped` */
  skipped: Array<{ id: number; reason: string }>;
}

/**
 * Puts messages back in the queue, due now: failed, skipped or cancelled ones (and queued ones waiting for their
 * next attempt). Never one sent or being sent. Each is addressed again as a message queued now would be, so an
 * address fixed or a `--mail` given since applies; one that still cannot be sent stays `skipped` with its reason.
 */
export async function retryMessages(db: Queryable, ids: readonly number[] | 'failed', now: string): Promise<Retried> {
  const run = async (trx: Queryable): Promise<Retried> => {
    let update = trx
      .updateTable('mail_messages')
      .set({ status: 'queued', next_attempt_at: null, skip_reason: null, updated_at: now })
      .where('status', 'in', ids === 'failed' ? ['failed'] : ['failed', 'skipped', 'cancelled', 'queued']);
    if (ids !== 'failed') update = update.where('id', 'in', ids.length > 0 ? [...ids] : [-1]);
    const rows = (await update.returning(['id', 'kind', 'subject_id', 'stage']).execute()).sort((a, b) => a.id - b.id);
    const settings = await getSettings(trx);
    const found = await recipientsOf(trx, rows.map((r) => ({ kind: r.kind, subjectId: r.subject_id, stage: r.stage })), settings.language);
    const result: Retried = { requeued: [], skipped: [] };
    for (const row of rows) {
      const r = found.get(subjectKey(kindSubject[row.kind], row.subject_id)) ?? nobody(settings.language);
      const skip = skipReason(r);
      // a message whose subject is gone keeps whom it was for (mail list --member still finds it)
      const addressed = r.memberId === null ? {} : { to_addresses: JSON.stringify(r.to), cc_addresses: JSON.stringify(r.cc), member_id: r.memberId, language: r.language };
      await trx
        .updateTable('mail_messages')
        .set({ ...addressed, ...(skip === null ? {} : { status: 'skipped' as const, skip_reason: skip }) })
        .where('id', '=', row.id)
        .execute();
      if (skip === null) result.requeued.push(row.id);
      else result.skipped.push({ id: row.id, reason: skip });
    }
    return result;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** Cancels a message not sent yet (queued, failed or skipped). Returns whether it was. */
export async function cancelMessage(db: Queryable, id: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable('mail_messages')
    .set({ status: 'cancelled', updated_at: now, claimed_by: null, claim_expires_at: null })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'failed', 'skipped'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Counts of messages by status. */
export async function outboxCounts(db: Queryable): Promise<Record<MailStatus, number>> {
  const rows = await db
    .selectFrom('mail_messages')
    .select(['status', sql<number>`count(*)`.as('n')])
    .groupBy('status')
    .execute();
  const counts = { queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/**
 * The row a message would have if it were queued now, never written (id 0): for `mail preview`, which renders a
 * message from its subject without queueing it.
 */
export async function unqueuedMessage(db: Queryable, message: MessageToQueue, now: string): Promise<MailMessage> {
  const settings = await getSettings(db);
  const found = await recipientsOf(db, [message], settings.language);
  const r = found.get(subjectKey(kindSubject[message.kind], message.subjectId)) ?? nobody(settings.language);
  const skip = skipReason(r);
  return {
    id: 0,
    kind: message.kind,
    subject_type: kindSubject[message.kind],
    subject_id: message.subjectId,
    stage: message.stage,
    member_id: r.memberId,
    to_addresses: JSON.stringify(r.to),
    cc_addresses: JSON.stringify(r.cc),
    bcc_addresses: JSON.stringify(settings['mail-bcc'] === '' ? [] : [settings['mail-bcc']]),
    language: r.language,
    data: JSON.stringify(message.data ?? {}),
    status: skip === null ? 'queued' : 'skipped',
    skip_reason: skip,
    attempts: 0,
    next_attempt_at: null,
    last_error: null,
    message_id: null,
    server_reply: null,
    claimed_by: null,
    claim_expires_at: null,
    created_at: now,
    sent_at: null,
    updated_at: now,
  };
}

/** A message as `--json` shows it. */
export function messageJson(m: MailMessage, memberName: string | null = null) {
  return {
    id: m.id,
    kind: m.kind,
    subject: { type: m.subject_type, id: m.subject_id },
    stage: m.stage,
    member: m.member_id === null ? null : { id: m.member_id, name: memberName },
    to: addresses(m.to_addresses),
    cc: addresses(m.cc_addresses),
    bcc: addresses(m.bcc_addresses),
    language: m.language,
    status: m.status,
    skipReason: m.skip_reason,
    attempts: m.attempts,
    nextAttemptAt: m.next_attempt_at,
    lastError: m.last_error,
    messageId: m.message_id,
    serverReply: m.server_reply,
    createdAt: m.created_at,
    sentAt: m.sent_at,
  };
}
export type MessageJson = ReturnType<typeof messageJson>;

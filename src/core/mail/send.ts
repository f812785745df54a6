/**
 * `mail send`: the messages due are claimed a few at a time, rendered, handed to the transport and marked with what
 * came of it. A message is claimed before it is sent, so two senders never send the same one; it is marked `sent`
 * only once the server accepted it, so a sender killed in between leaves it to be sent again (at most once more:
 * its Message-ID is the same, so the duplicate can be recognised), never lost.
 */
import type { Db } from '../../db/connect.js';
import type { MailKind, MailMessage } from '../../db/types.js';
import { tempError, UserError } from '../../errors.js';
import { pdfRenderer } from '../../writers/mail/pdf-renderer.js';
import type { MailTransport } from '../../writers/mail/transport.js';
import { getSetting } from '../kernel/settings.js';
import { type ComposeContext, type ComposedMail, composeContext, composeMessage, stopsTheRun, whyOutdated } from './compose.js';
import { addresses, askedNoMail, backoffMinutes, claimMessages, claimOwner, dueMessages, markMessage, type Outcome, releaseAbandonedClaims } from './outbox.js';
import { loadTemplates } from './templates.js';

export interface SendOptions {
  /** where the messages go; not used by a dry run */
  transport: MailTransport | null;
  /** at most this many messages (all those due when not given) */
  limit?: number;
  /** render the messages due, check them, send and change nothing */
  dryRun?: boolean;
  /** the current time as an ISO timestamp (the clock when not given) */
  now?: () => string;
  /** how long a claim holds before another sender may take the message (default 10 minutes) */
  claimSeconds?: number;
  /** messages claimed at a time (default 20) */
  batch?: number;
  /** called after each message, for progress */
  onMessage?: (message: SentMessage) => void;
}

export interface SentMessage {
  id: number;
  kind: MailKind;
  subject: string;
  to: string[];
  /** sent, retry (queued again for later), failed, skipped; in a dry run: would-send, would-fail, would-skip */
  outcome: 'sent' | 'retry' | 'failed' | 'skipped' | 'would-send' | 'would-fail' | 'would-skip';
  messageId: string | null;
  reply: string | null;
}

export interface SendResult {
  dryRun: boolean;
  target: string | null;
  sent: number;
  retry: number;
  failed: number;
  skipped: number;
  messages: SentMessage[];
}

const subjectOf = (m: MailMessage) => `${m.subject_type} ${m.subject_id}`;
/** The file name of a message in an outbox folder. */
const fileName = (m: MailMessage) => `${String(m.id).padStart(6, '0')}-${m.kind}-${m.stage}`;

/** Sends the messages due, as `mail send` and `jobs run` do. Throws 65 for a bad template, 75 when the server cannot be reached (nothing lost), 78 for the configuration. */
export async function sendQueued(db: Db, options: SendOptions): Promise<SendResult> {
  const k = db.kysely;
  const folder = await getSetting(k, 'mail-templates');
  // every template is checked before anything is sent
  const templates = loadTemplates(folder === '' ? null : folder);
  const pdf = pdfRenderer();
  try {
    return await sendWith(db, options, await composeContext(k, templates, pdf, { requireFrom: !options.dryRun }));
  } finally {
    await pdf.close();
  }
}

async function sendWith(db: Db, options: SendOptions, ctx: ComposeContext): Promise<SendResult> {
  const now = options.now ?? (() => new Date().toISOString());
  const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
  const k = db.kysely;
  const result: SendResult = { dryRun: Boolean(options.dryRun), target: options.transport?.label ?? null, sent: 0, retry: 0, failed: 0, skipped: 0, messages: [] };
  const report = (message: SentMessage) => {
    result.messages.push(message);
    options.onMessage?.(message);
  };

  if (options.dryRun) {
    const due = await dueMessages(k, now(), limit);
    const quiet = await askedNoMail(k, due);
    for (const message of due) {
      if (message.member_id !== null && quiet.has(message.member_id)) {
        report({ id: message.id, kind: message.kind, subject: subjectOf(message), to: addresses(message.to_addresses), outcome: 'would-skip', messageId: null, reply: noMail });
        continue;
      }
      try {
        const outdated = await whyOutdated(k, message);
        if (outdated !== null) {
          report({ id: message.id, kind: message.kind, subject: subjectOf(message), to: addresses(message.to_addresses), outcome: 'would-skip', messageId: null, reply: outdated });
          continue;
        }
        const mail = await composeMessage(k, message, ctx);
        report({ id: message.id, kind: message.kind, subject: subjectOf(message), to: mail.to, outcome: 'would-send', messageId: mail.messageId, reply: null });
      } catch (error) {
        if (!(error instanceof UserError) || stopsTheRun(error)) throw error;
        report({ id: message.id, kind: message.kind, subject: subjectOf(message), to: addresses(message.to_addresses), outcome: 'would-fail', messageId: null, reply: error.message });
      }
    }
    return result;
  }

  const transport = options.transport;
  if (transport === null) throw new Error('sendQueued: a transport is needed unless it is a dry run');
  await transport.verify();
  const owner = claimOwner();
  await releaseAbandonedClaims(k, now());
  let remaining = limit;
  // a batch is claimed and rendered (its PDFs queued to the render threads) while the one before is being sent
  const claimAndPrepare = async (count: number): Promise<Batch> => {
    const claimed = await claimMessages(k, db.dialect, { owner, now: now(), claimSeconds: options.claimSeconds ?? 600, limit: count });
    const quiet = await askedNoMail(k, claimed);
    const prepared = claimed.map((message) =>
      message.member_id !== null && quiet.has(message.member_id) ? Promise.resolve<Prepared>({ outcome: { kind: 'skipped', reason: noMail } }) : prepare(k, message, ctx),
    );
    return { claimed, prepared };
  };
  const batchSize = options.batch ?? 20;
  const ahead = (count: number) => {
    const batch = claimAndPrepare(count);
    // awaited later (or given back by releaseFrom); a failure meanwhile is not an unhandled rejection
    batch.catch(() => {});
    return batch;
  };
  let next: Promise<Batch> | null = ahead(Math.min(batchSize, remaining));
  /** Gives back to the queue, as they were, the messages of `from` on and of the batch claimed ahead. */
  const releaseFrom = async (claimed: readonly MailMessage[], from: number) => {
    const claimedAhead = await next?.catch(() => null);
    next = null;
    for (const rest of [...claimed.slice(from), ...(claimedAhead?.claimed ?? [])]) await markMessage(k, rest.id, owner, { kind: 'released' }, now());
  };
  while (next !== null) {
    const { claimed, prepared } = await next;
    if (claimed.length === 0) break;
    remaining -= claimed.length;
    next = remaining > 0 ? ahead(Math.min(batchSize, remaining)) : null;
    for (const [index, message] of claimed.entries()) {
      const outcome = await deliver(await prepared[index]!, transport, now, message, fileName(message)).catch(async (error: unknown) => {
        // the run stops: what it had claimed and not tried goes back to the queue as it was
        await releaseFrom(claimed, index);
        throw error;
      });
      await markMessage(k, message.id, owner, outcome.outcome, now());
      const shown = { id: message.id, kind: message.kind, subject: subjectOf(message), to: addresses(message.to_addresses) };
      switch (outcome.outcome.kind) {
        case 'sent':
        case 'written':
          result.sent += 1;
          report({ ...shown, outcome: 'sent', messageId: outcome.outcome.messageId, reply: outcome.outcome.kind === 'sent' ? outcome.outcome.reply : `written to ${outcome.outcome.file}` });
          break;
        case 'retry':
          result.retry += 1;
          report({ ...shown, outcome: 'retry', messageId: outcome.messageId, reply: outcome.outcome.reply });
          break;
        case 'failed':
          result.failed += 1;
          report({ ...shown, outcome: 'failed', messageId: outcome.messageId, reply: outcome.outcome.reply });
          break;
        case 'skipped':
          result.skipped += 1;
          report({ ...shown, outcome: 'skipped', messageId: null, reply: outcome.outcome.reason });
          break;
        case 'released':
          break;
      }
      if (outcome.connectionLost) {
        // a dropped connection: if the server cannot be reached any more, the rest waits for the next run
        try {
          await transport.verify();
        } catch (error) {
          await releaseFrom(claimed, index + 1);
          if (error instanceof UserError && error.exitCode === 75) {
            throw tempError(`${error.message} (${result.sent} sent before)`, 'every message not sent stays queued; run `memberctl mail send` again later');
          }
          throw error;
        }
      }
    }
  }
  return result;
}

type Prepared = { mail: ComposedMail } | { outcome: Outcome } | { stop: unknown };

/** Messages claimed together, each being rendered. */
interface Batch {
  claimed: MailMessage[];
  prepared: Promise<Prepared>[];
}

/** The reason of a message whose person asked not to be written to after it was queued (as when it is queued). */
const noMail = 'asked not to be written to';

/** A message rendered, or what it comes to without sending (skipped, failed), or the error that stops the run; never rejects. */
async function prepare(db: Db['kysely'], message: MailMessage, ctx: ComposeContext): Promise<Prepared> {
  if (addresses(message.to_addresses).length === 0) return { outcome: { kind: 'skipped', reason: 'no e-mail address' } };
  try {
    const outdated = await whyOutdated(db, message);
    if (outdated !== null) return { outcome: { kind: 'skipped', reason: outdated } };
    return { mail: await composeMessage(db, message, ctx) };
  } catch (error) {
    if (error instanceof UserError && !stopsTheRun(error)) return { outcome: { kind: 'failed', reply: error.message } };
    return { stop: error };
  }
}

/** What came of one message; throws only what stops the run (the configuration, a bug). */
async function deliver(
  prepared: Prepared,
  transport: MailTransport,
  now: () => string,
  message: MailMessage,
  name: string,
): Promise<{ outcome: Outcome; messageId: string | null; connectionLost: boolean }> {
  if ('stop' in prepared) throw prepared.stop;
  if ('outcome' in prepared) return { outcome: prepared.outcome, messageId: null, connectionLost: false };
  const mail = prepared.mail;
  const delivery = await transport.send(mail, name);
  if (delivery.ok) {
    const outcome: Outcome = delivery.file ? { kind: 'written', messageId: mail.messageId, file: delivery.file } : { kind: 'sent', messageId: mail.messageId, reply: delivery.reply };
    return { outcome, messageId: mail.messageId, connectionLost: false };
  }
  if (!delivery.temporary) return { outcome: { kind: 'failed', reply: delivery.reply }, messageId: mail.messageId, connectionLost: false };
  const next = new Date(Date.parse(now()) + backoffMinutes(message.attempts) * 60_000).toISOString();
  return { outcome: { kind: 'retry', reply: delivery.reply, nextAttemptAt: next }, messageId: mail.messageId, connectionLost: delivery.connection === true };
}

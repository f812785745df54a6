/**
 * A queued message made whole at send time: its placeholders read from its subject as it is now (the invoice
 * document, the renewal, the person), its templates rendered in its language, its document attached as a PDF.
 */
import type { Queryable } from '../../db/connect.js';
import type { MailKind, MailMessage } from '../../db/types.js';
import { creditedAmounts } from '../billing/invoice-balance.js';
import { configError, dataError, UserError } from '../../errors.js';
import { formatLongDate, formatter } from '../../writers/pdf/format.js';
import type { PdfRenderer } from '../../writers/mail/pdf-renderer.js';
import { type InvoiceDocument, isBusinessBuyer } from '../documents/invoice-document.js';
import { buyerOf, loadInvoiceDocument } from '../documents/load-invoice.js';
import { lineAmounts } from '../billing/rules.js';
import { isReverseCharged, lineVat } from '../billing/vat-category.js';
import type { OrgIdentity } from '../org/identity.js';
import { getIdentity } from '../org/org-store.js';
import { getSettings } from '../kernel/settings.js';
import { addresses } from './outbox.js';
import type { MailLanguage, TemplateSet } from './templates.js';

/** An e-mail ready for a transport (nodemailer's message fields). */
export interface ComposedMail {
  from: string;
  replyTo?: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  date: Date;
  headers: Record<string, string>;
  attachments: Array<{ filename: string; content: Buffer; contentType: string }>;
}

/** What every message of a run shares: read once. */
export interface ComposeContext {
  templates: TemplateSet;
  identity: OrgIdentity;
  from: string;
  replyTo: string | null;
  /** the domain that ends every Message-ID: mail-from's */
  domain: string;
  pdf: PdfRenderer;
}

const attaches: ReadonlySet<MailKind> = new Set(['invoice', 'credit_note', 'reminder']);

/** The address of a header value: `Name <a@b.org>` gives `a@b.org`. */
const bareAddress = (value: string) => /<([^<>]+)>\s*$/.exec(value)?.[1]?.trim() ?? value.trim();

/**
 * The sender (mail-from, else the organisation's e-mail) and the rest a run shares. Without either address, a run
 * that sends is refused (78); `requireFrom: false` (a preview) names an invalid sender instead.
 */
export async function composeContext(db: Queryable, templates: TemplateSet, pdf: PdfRenderer, options: { requireFrom: boolean }): Promise<ComposeContext> {
  const settings = await getSettings(db);
  const identity = await getIdentity(db);
  const from = settings['mail-from'] || identity.email || '';
  if (from === '' && options.requireFrom) {
    throw configError('no sender address: set mail-from (or the organisation\'s e-mail)', 'memberctl settings set mail-from "Club <contact@example.org>"');
  }
  const sender = from === '' ? 'memberctl@example.invalid' : from;
  const domain = bareAddress(sender).split('@')[1]!.toLowerCase();
  return { templates, identity, from: sender, replyTo: settings['mail-reply-to'] || null, domain, pdf };
}

/** `<invoice.invoice-12.issued.345@example.org>`: the same for every attempt, so a resend is recognisable. */
export function messageIdOf(message: Pick<MailMessage, 'id' | 'kind' | 'subject_type' | 'subject_id' | 'stage'>, domain: string): string {
  return `<${message.kind}.${message.subject_type}-${message.subject_id}.${message.stage}.${message.id}@${domain}>`;
}

function orgPlaceholders(identity: OrgIdentity) {
  const address = [
    ...(identity.address ?? '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== ''),
    [identity.postcode, identity.city].filter(Boolean).join(' '),
  ].filter((l) => l !== '');
  return { orgName: identity.name ?? '', orgEmail: identity.email ?? '', orgPhone: identity.phone ?? '', orgAddress: address.join(', ') };
}

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** The document of an invoice or credit note by id, in the message's language. */
async function documentOf(db: Queryable, table: 'invoices' | 'credit_notes', id: number, ctx: ComposeContext, language: MailLanguage): Promise<InvoiceDocument> {
  const row = await db.selectFrom(table).select('number').where('id', '=', id).executeTakeFirst();
  if (!row) throw dataError(`its ${table === 'invoices' ? 'invoice' : 'credit note'} (id ${id}) no longer exists`);
  return loadInvoiceDocument(db, row.number, { identity: ctx.identity, language });
}

/**
 * What a term of a membership costs its payer, VAT included, as its invoice will charge it: the membership's own
 * price (else the plan's) times the quantity, with the rate its payer is billed at (none when reverse-charged).
 */
async function termPrice(
  db: Queryable,
  ctx: ComposeContext,
  row: { member_id: number; member_name: string; paid_by_id: number | null; price: number; own_price: number | null; quantity: number; tax_rate: string },
): Promise<number> {
  const payerId = row.paid_by_id ?? row.member_id;
  const buyer = await buyerOf(db, { payer_id: payerId, payer_name: row.member_name }, ctx.identity.country);
  const vat = lineVat(row.tax_rate, ctx.identity, isReverseCharged(buyer.vatId, ctx.identity));
  return lineAmounts(row.own_price ?? row.price, row.quantity, vat.rate, null).total;
}

/** The placeholders of a message, and the document to attach when its kind has one. */
async function placeholdersOf(db: Queryable, message: MailMessage, ctx: ComposeContext): Promise<{ values: Record<string, unknown>; document: InvoiceDocument | null }> {
  const language = message.language;
  const data = JSON.parse(message.data) as Record<string, string | number | null>;
  const org = orgPlaceholders(ctx.identity);
  const longDate = (date: string | null | undefined) => (date ? formatLongDate(date, language) : '');
  switch (message.kind) {
    case 'invoice':
    case 'reminder':
    case 'receipt': {
      const doc = await documentOf(db, 'invoices', message.subject_id, ctx, language);
      // what partial credit notes took off is not due
      const due = doc.totals.due - ((await creditedAmounts(db, [message.subject_id])).get(message.subject_id) ?? 0);
      const f = formatter(doc.currency, language);
      const starts = doc.lines.map((l) => l.periodStart).sort();
      const ends = doc.lines.map((l) => l.periodEnd).sort();
      const base = {
        ...org,
        recipientName: doc.buyer.attention ?? doc.buyer.name,
        number: doc.number,
        date: longDate(doc.issueDate),
        dueDate: longDate(doc.dueDate),
        total: f.money(doc.totals.total),
        amountDue: f.money(due),
        isPaid: due <= 0,
        period: starts.length > 0 ? `${longDate(starts[0])} - ${longDate(ends.at(-1))}` : '',
      };
      if (message.kind === 'invoice') return { values: base, document: doc };
      if (message.kind === 'reminder') {
        const asOf = typeof data.asOf === 'string' ? data.asOf : message.created_at.slice(0, 10);
        const overdue = typeof data.daysOverdue === 'number' ? data.daysOverdue : daysBetween(doc.dueDate ?? doc.issueDate, asOf);
        return { values: { ...base, daysOverdue: String(overdue) }, document: doc };
      }
      const payments = await db
        .selectFrom('payments')
        .select(['amount', 'date'])
        .where('invoice_id', '=', message.subject_id)
        .where('status', '=', 'recorded')
        .orderBy('date')
        .execute();
      const paid = payments.reduce((sum, p) => sum + p.amount, 0);
      return { values: { ...base, amountPaid: f.money(paid), paidOn: longDate(payments.at(-1)?.date) }, document: null };
    }
    case 'credit_note': {
      const doc = await documentOf(db, 'credit_notes', message.subject_id, ctx, language);
      const note = await db.selectFrom('credit_notes').select(['charge_id', 'line_id', 'reason']).where('id', '=', message.subject_id).executeTakeFirstOrThrow();
      if (doc.kind !== 'credit_note') throw dataError(`credit note ${doc.number} reads as an invoice`);
      const f = formatter(doc.currency, language);
      return {
        values: {
          ...org,
          recipientName: doc.buyer.attention ?? doc.buyer.name,
          number: doc.number,
          date: longDate(doc.issueDate),
          invoiceNumber: doc.corrects.number,
          total: f.money(doc.totals.total),
          // a void cancels the invoice; a deposit's refund and a partial credit note do not
          cancelsInvoice: note.charge_id === null && note.line_id === null,
          refundsDeposit: note.charge_id !== null,
          reason: note.reason,
        },
        document: doc,
      };
    }
    case 'renewal_notice': {
      const row = await db
        .selectFrom('renewals')
        .innerJoin('memberships', 'memberships.id', 'renewals.membership_id')
        .innerJoin('members', 'members.id', 'memberships.member_id')
        .innerJoin('plans', 'plans.id', 'memberships.plan_id')
        .select(['members.id as member_id', 'members.name', 'members.paid_by_id', 'plans.name as plan', 'plans.price', 'memberships.price as own_price', 'plans.tax_rate', 'plans.currency', 'memberships.quantity', 'renewals.term_start', 'renewals.term_end'])
        .where('renewals.id', '=', message.subject_id)
        .executeTakeFirst();
      if (!row) throw dataError(`its renewal (id ${message.subject_id}) no longer exists`);
      const f = formatter(row.currency, language);
      return {
        values: {
          ...org,
          recipientName: row.name,
          memberName: row.name,
          plan: row.plan,
          termStart: longDate(row.term_start),
          termEnd: longDate(row.term_end),
          price: f.money(await termPrice(db, ctx, { ...row, member_name: row.name })),
        },
        document: null,
      };
    }
    case 'renewal_reminder': {
      const row = await db
        .selectFrom('memberships')
        .innerJoin('members', 'members.id', 'memberships.member_id')
        .innerJoin('plans', 'plans.id', 'memberships.plan_id')
        .select(['members.id as member_id', 'members.name', 'members.paid_by_id', 'plans.name as plan', 'plans.price', 'memberships.price as own_price', 'plans.tax_rate', 'plans.currency', 'memberships.quantity', 'memberships.next_invoice_date'])
        .where('memberships.id', '=', message.subject_id)
        .executeTakeFirst();
      if (!row) throw dataError(`its membership (id ${message.subject_id}) no longer exists`);
      const f = formatter(row.currency, language);
      const renewsOn = typeof data.renewsOn === 'string' ? data.renewsOn : row.next_invoice_date;
      return {
        values: { ...org, recipientName: row.name, memberName: row.name, plan: row.plan, renewsOn: longDate(renewsOn), price: f.money(await termPrice(db, ctx, { ...row, member_name: row.name })) },
        document: null,
      };
    }
    case 'suspension_notice': {
      const row = await db
        .selectFrom('members')
        .leftJoin('member_statuses', 'member_statuses.member_id', 'members.id')
        .select(['members.name', 'member_statuses.since'])
        .where('members.id', '=', message.subject_id)
        .executeTakeFirst();
      if (!row) throw dataError(`its person (id ${message.subject_id}) no longer exists`);
      const since = typeof data.since === 'string' ? data.since : row.since;
      return { values: { ...org, recipientName: row.name, memberName: row.name, since: longDate(since) }, document: null };
    }
  }
}

/**
 * The whole e-mail of a queued message. Throws a UserError when its subject cannot be rendered (65: gone or
 * breaking a document's rules; 78: the organisation's identity lacks what an invoice needs).
 */
export async function composeMessage(db: Queryable, message: MailMessage, ctx: ComposeContext): Promise<ComposedMail> {
  const { values, document } = await placeholdersOf(db, message, ctx);
  const rendered = ctx.templates.render(message.kind, message.language, values);
  const attachments = [];
  if (document !== null && attaches.has(message.kind)) {
    // a company gets the e-invoice its accounts can read (Factur-X: a PDF with its EN 16931 XML inside); a reminder
    // attaches the plain PDF, so that the invoice is not booked twice
    const format = message.kind !== 'reminder' && isBusinessBuyer(document.buyer) ? 'facturx' : 'pdf';
    const content = await ctx.pdf.render(document, format);
    attachments.push({ filename: `${document.number}.pdf`, content, contentType: 'application/pdf' });
  }
  return {
    from: ctx.from,
    ...(ctx.replyTo ? { replyTo: ctx.replyTo } : {}),
    to: addresses(message.to_addresses),
    cc: addresses(message.cc_addresses),
    bcc: addresses(message.bcc_addresses),
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: messageIdOf(message, ctx.domain),
    date: new Date(),
    headers: { 'Content-Language': message.language, 'X-Memberctl-Message': `${message.kind} ${message.subject_type} ${message.subject_id} ${message.stage}` },
    attachments,
  };
}

/** Whether an error from composing a message stops the whole run (the configuration) rather than only that message. */
export const stopsTheRun = (error: unknown) => error instanceof UserError && error.exitCode === 78;

/**
 * Why a queued message no longer has a reason to be sent, or null: a reminder of an invoice paid or void since, the
 * notice of a renewal decided since, a tacit-renewal notice of a membership that no longer renews on that day, the
 * suspension notice of someone no longer suspended. Such a message is `skipped` with this reason, not sent.
 * Invoices, credit notes and receipts always go.
 */
export async function whyOutdated(db: Queryable, message: MailMessage): Promise<string | null> {
  const data = JSON.parse(message.data) as Record<string, string | number | null>;
  switch (message.kind) {
    case 'reminder': {
      const invoice = await db.selectFrom('invoices').select(['number', 'status']).where('id', '=', message.subject_id).executeTakeFirst();
      if (invoice === undefined || invoice.status === 'open') return null;
      return `invoice ${invoice.number} is ${invoice.status} since it was queued`;
    }
    case 'renewal_notice': {
      const renewal = await db.selectFrom('renewals').select(['status']).where('id', '=', message.subject_id).executeTakeFirst();
      if (renewal === undefined || renewal.status === 'open') return null;
      return renewal.status === 'intervention' ? 'the renewal needs an intervention since it was queued' : `the renewal is ${renewal.status} since it was queued`;
    }
    case 'renewal_reminder': {
      const membership = await db
        .selectFrom('memberships')
        .select(['start_date', 'next_invoice_date', 'end_date', 'auto_renew', 'auto_renew_until', 'do_not_renew'])
        .where('id', '=', message.subject_id)
        .executeTakeFirst();
      const renewsOn = typeof data.renewsOn === 'string' ? data.renewsOn : null;
      if (membership === undefined || renewsOn === null) return null;
      const renews =
        membership.next_invoice_date === renewsOn &&
        membership.do_not_renew === 0 &&
        membership.auto_renew === 1 &&
        (membership.auto_renew_until === null || membership.auto_renew_until >= renewsOn) &&
        (membership.end_date === null || membership.end_date >= renewsOn);
      return renews ? null : `the membership no longer renews by itself on ${renewsOn}`;
    }
    case 'suspension_notice': {
      const status = await db.selectFrom('member_statuses').select('status').where('member_id', '=', message.subject_id).executeTakeFirst();
      return status?.status === 'suspended' ? null : 'the person is no longer suspended';
    }
    default:
      return null;
  }
}

/**
 * Credit notes: the one place that issues them (`issueCreditNote`: voiding an invoice, refunding a deposit,
 * crediting part of a line), what each credits line by line, and partial credit notes (`creditInvoiceLine`).
 *
 * Amounts: a credit note credits, line by line, a net and its tax. A partial credit note's tax is computed on its
 * net (round-half-up(net x rate), as a line's), except when it credits all that is left of the line: it then takes
 * the tax left, so that a line's credit notes always add up to the line exactly (and an invoice's credit notes to
 * the invoice). `credit_notes` stores the amounts negative.
 */
import type { Queryable } from '../../db/connect.js';
import type { CreditNote, Invoice, InvoiceLine } from '../../db/types.js';
import { dataError, usageError } from '../../errors.js';
import { type AuditChange, type AuditSource, recordAudits } from '../kernel/audit.js';
import { addDays, daysBetween, type IsoDate } from '../kernel/dates.js';
import { applyRate, formatAmount, type MinorAmount, multiplyRatio, parseAmount } from '../kernel/money.js';
import { getSetting } from '../kernel/settings.js';
import { issuerSnapshot, storeIssuer } from '../documents/issuers.js';
import { getIdentity } from '../org/org-store.js';
import { queueMessages } from '../mail/outbox.js';
import { reconcileInvoice } from './invoice-balance.js';
import { allocateNumbers, yearOf } from './numbering.js';

/** What a credit note credits, positive (the table stores the opposite). */
export interface Credited {
  net: MinorAmount;
  tax: MinorAmount;
}

export interface CreditNoteDraft {
  invoice: Invoice;
  reason: string;
  /** the credit note's date: it is numbered in its year */
  date: IsoDate;
  amounts: Credited;
  /** the line it credits (part of, or a deposit's); null: the whole invoice, what is left of it */
  lineId?: number | null;
  /** the deposit it refunds */
  chargeId?: number | null;
  /** the days of the line's period it credits, when given in days */
  days?: number | null;
  /**
   * `credit`: the invoice's balance drops by the credit, and what was paid beyond the new balance becomes the payer's
   * money credit (a void invoice: everything paid). `paid-back`: the organisation pays the amount back by hand (a
   * deposit), the invoice's balance does not change.
   */
  settle: 'credit' | 'paid-back';
  /** the audit entries of the credit note, given its number */
  audit: (note: CreditNote) => AuditChange[];
}

/**
 * Issues a credit note: takes the next number of the credit-note sequence in the year of `draft.date`, freezes the
 * organisation's identity of today with the buyer and the language of the invoice, settles the invoice's balance
 * (`settle`), writes the audit entries and queues the credit note's e-mail. Run it inside the transaction of the
 * change; a void invoice is marked void before.
 */
export async function issueCreditNote(trx: Queryable, draft: CreditNoteDraft, source: AuditSource): Promise<CreditNote> {
  const { invoice } = draft;
  const prefix = await getSetting(trx, 'credit-note-prefix');
  const [number] = await allocateNumbers(trx, prefix, yearOf(draft.date), 1);
  // frozen as issued: the organisation as it is today, the buyer and the language of the invoice it credits (an
  // invoice issued before snapshots has none yet: the credit note then takes them when first written)
  const issuerId = await storeIssuer(trx, issuerSnapshot(await getIdentity(trx)), source.at);
  const note = await trx
    .insertInto('credit_notes')
    .values({
      number: number!,
      invoice_id: invoice.id,
      charge_id: draft.chargeId ?? null,
      line_id: draft.lineId ?? null,
      days: draft.days ?? null,
      date: draft.date,
      currency: invoice.currency,
      net: -draft.amounts.net,
      tax: -draft.amounts.tax,
      total: -(draft.amounts.net + draft.amounts.tax),
      reason: draft.reason,
      created_at: source.at,
      issuer_id: issuerId,
      buyer: invoice.buyer,
      language: invoice.language,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (draft.settle === 'credit') {
    const current = await trx.selectFrom('invoices').selectAll().where('id', '=', invoice.id).executeTakeFirstOrThrow();
    await reconcileInvoice(trx, current, { date: draft.date, paymentId: null, source });
  }
  await recordAudits(trx, source, draft.audit(note));
  await queueMessages(trx, [{ kind: 'credit_note', subjectId: note.id, stage: 'issued' }], { now: source.at });
  return note;
}

/** What the credit notes naming these lines have credited of each, by line id (absent: nothing). */
export async function lineCredits(db: Queryable, lineIds: readonly number[]): Promise<Map<number, Credited & { days: number }>> {
  const credited = new Map<number, Credited & { days: number }>();
  for (let i = 0; i < lineIds.length; i += 500) {
    const rows = await db
      .selectFrom('credit_notes')
      .select((eb) => ['line_id', eb.fn.sum<number>('net').as('net'), eb.fn.sum<number>('tax').as('tax'), eb.fn.sum<number>('days').as('days')])
      .where('line_id', 'in', lineIds.slice(i, i + 500))
      .groupBy('line_id')
      .execute();
    for (const r of rows) credited.set(r.line_id!, { net: -Number(r.net), tax: -Number(r.tax), days: Number(r.days ?? 0) });
  }
  return credited;
}

/** A line as a credit note credits it: the amounts it credits (positive) and the part of the period they are for. */
export interface CreditedLine {
  line: InvoiceLine;
  net: MinorAmount;
  tax: MinorAmount;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  /** the line as billed (false), a part of it (a partial credit note), or what a void credits of a line credited in part before */
  part: false | 'part' | 'rest';
  /** the days it credits, when given in days */
  days: number | null;
}

/** The days of a line's period, both ends included. */
export const lineDays = (line: Pick<InvoiceLine, 'period_start' | 'period_end'>): number => daysBetween(line.period_start, line.period_end) + 1;

/**
 * The lines a credit note credits, in the invoice's order, with what it credits of each: a partial credit note its
 * line (given in days: the last days of the period); a deposit's refund its line; a void what was left of each
 * line after the partial credit notes (a line credited in full before is left out).
 */
export async function creditedLines(db: Queryable, note: Pick<CreditNote, 'id' | 'invoice_id' | 'line_id' | 'charge_id' | 'net' | 'tax' | 'days'>): Promise<CreditedLine[]> {
  let query = db.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', note.invoice_id).orderBy('id');
  if (note.line_id !== null) query = query.where('id', '=', note.line_id);
  else if (note.charge_id !== null) query = query.where('charge_id', '=', note.charge_id);
  const lines = await query.execute();
  const whole = (line: InvoiceLine, net: MinorAmount, tax: MinorAmount, part: CreditedLine['part']): CreditedLine => ({ line, net, tax, periodStart: line.period_start, periodEnd: line.period_end, part, days: null });
  if (note.line_id !== null || note.charge_id !== null) {
    const line = lines[0];
    if (!line) return [];
    const days = note.days;
    const part = note.charge_id === null ? 'part' : false;
    if (days === null) return [whole(line, -note.net, -note.tax, part)];
    return [{ line, net: -note.net, tax: -note.tax, periodStart: addDays(line.period_end, 1 - days), periodEnd: line.period_end, part, days }];
  }
  // a void: the lines less what the partial credit notes issued before it credited
  const earlier = new Map<number, Credited>();
  const rows = await db.selectFrom('credit_notes').select(['line_id', 'net', 'tax']).where('invoice_id', '=', note.invoice_id).where('line_id', 'is not', null).where('id', '<', note.id).execute();
  for (const r of rows) {
    const sum = earlier.get(r.line_id!) ?? { net: 0, tax: 0 };
    earlier.set(r.line_id!, { net: sum.net - r.net, tax: sum.tax - r.tax });
  }
  return lines
    .map((line) => {
      const done = earlier.get(line.id);
      return done ? whole(line, line.net - done.net, line.tax - done.tax, 'rest') : whole(line, line.net, line.tax, false);
    })
    .filter((l) => l.net !== 0 || l.tax !== 0 || !earlier.has(l.line.id));
}

/**
 * The invoice, read again and, on PostgreSQL, held until the transaction ends: two credit notes for the same line
 * at once take turns, and the second sees what the first credited (SQLite's transactions write one at a time).
 */
async function lockInvoice(trx: Queryable, id: number): Promise<Invoice> {
  const query = trx.selectFrom('invoices').selectAll().where('id', '=', id);
  const postgres = trx.getExecutor().adapter.constructor.name === 'PostgresAdapter';
  return (postgres ? query.forUpdate() : query).executeTakeFirstOrThrow();
}

/** What is left to credit of each line of an invoice (its lines not voided, in order). */
export async function creditableLines(db: Queryable, invoiceId: number): Promise<Array<{ line: InvoiceLine; left: Credited; creditedDays: number }>> {
  const lines = await db.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', invoiceId).where('voided', '=', 0).orderBy('id').execute();
  const credited = await lineCredits(
    db,
    lines.map((l) => l.id),
  );
  return lines.map((line) => {
    const done = credited.get(line.id);
    return { line, left: { net: line.net - (done?.net ?? 0), tax: line.tax - (done?.tax ?? 0) }, creditedDays: done?.days ?? 0 };
  });
}

/** The credit of `net` of a line of which `left` is still to credit: its tax on its net, or all the tax left with the rest. */
export function partialCredit(net: MinorAmount, left: Credited, taxRate: string): Credited {
  return { net, tax: net === left.net ? left.tax : Math.min(left.tax, applyRate(net, taxRate)) };
}

/** round-half-up(net x days / days of the line): what `days` days of a line are worth, net. */
export const daysValue = (line: Pick<InvoiceLine, 'net' | 'period_start' | 'period_end'>, days: number): MinorAmount => multiplyRatio(line.net, days, lineDays(line));

export interface LineCreditInput {
  /** the line's number as `invoices show` lists it, from 1 */
  line: number;
  /** a net amount as typed (`12.50`) */
  amount?: string;
  /** days of the line's period */
  days?: number;
  reason: string;
}

/**
 * A partial credit note for one line of an invoice, as of `asOf`: `--amount` (net; its tax computed on it) or
 * `--days` (net x days / days of the line, rounded half up), never more than is left to credit on the line (65
 * saying how much is). Run it inside a transaction.
 */
export async function creditInvoiceLine(trx: Queryable, given: Invoice, input: LineCreditInput, asOf: IsoDate, source: AuditSource): Promise<{ creditNote: CreditNote; line: InvoiceLine }> {
  const invoice = await lockInvoice(trx, given.id);
  if (invoice.status === 'void') throw dataError(`invoice ${invoice.number} is void: there is nothing left to credit on it`);
  if ((input.amount === undefined) === (input.days === undefined)) throw usageError('give --amount A or --days D (one of them)');
  if (asOf < invoice.date) throw dataError(`invoice ${invoice.number} is dated ${invoice.date}, after today (${asOf}): a credit note cannot come before its invoice`);
  const lines = await creditableLines(trx, invoice.id);
  const found = lines[input.line - 1];
  if (!found) throw dataError(`invoice ${invoice.number} has no line ${input.line}: its lines are 1 to ${lines.length}`, `see \`memberctl invoices show ${invoice.number}\``);
  const { line, left } = found;
  if (line.charge_id !== null) {
    const charge = await trx.selectFrom('charges').select(['id', 'deposit']).where('id', '=', line.charge_id).executeTakeFirst();
    if (charge?.deposit === 1) throw dataError(`line ${input.line} of invoice ${invoice.number} is a deposit: it is refunded, not credited`, `memberctl charges refund ${charge.id}`);
  }
  const money = (amount: MinorAmount) => `${formatAmount(amount, invoice.currency)} ${invoice.currency}`;
  if (line.net < 0) {
    throw dataError(`line ${input.line} of invoice ${invoice.number} is itself a credit (${money(line.net)}): there is nothing on it to credit`, 'credit another line, or void the invoice');
  }
  let net: MinorAmount;
  let days: number | null = null;
  if (input.days !== undefined) {
    const total = lineDays(line);
    if (!Number.isSafeInteger(input.days) || input.days < 1 || input.days > total) {
      throw usageError(`--days: line ${input.line} covers ${total} days (${line.period_start} to ${line.period_end}); give 1 to ${total}`);
    }
    days = input.days;
    net = daysValue(line, days);
  } else {
    const parsed = parseAmount(input.amount!, invoice.currency);
    if (!parsed.ok) throw usageError(`--amount: ${parsed.reason === 'ambiguous' ? parsed.message : `"${input.amount!.trim()}" is not an amount (${parsed.message}); write it like 12.50 or 12,50`}`);
    if (parsed.value <= 0) throw usageError('--amount: a credit is above 0');
    net = parsed.value;
  }
  if (net > left.net) {
    throw dataError(
      `line ${input.line} of invoice ${invoice.number} has ${money(left.net)} net left to credit (of ${money(line.net)}); ${money(net)} is more`,
      left.net > 0 ? `credit at most ${formatAmount(left.net, invoice.currency)}, or void the invoice` : 'it is credited in full already',
    );
  }
  if (net === 0) throw dataError(`${days} days of line ${input.line} of invoice ${invoice.number} are worth nothing: no credit note to issue`);
  const creditNote = await issueLineCredit(trx, { invoice, line, lineNumber: input.line, left, net, days, reason: input.reason, asOf }, source);
  return { creditNote, line };
}

/** Issues the partial credit note of `net` (`days` days, or null) of a line of which `left` is still to credit. */
async function issueLineCredit(
  trx: Queryable,
  credit: { invoice: Invoice; line: InvoiceLine; lineNumber: number; left: Credited; net: MinorAmount; days: number | null; reason: string; asOf: IsoDate },
  source: AuditSource,
): Promise<CreditNote> {
  const { invoice, line, lineNumber, net, days, reason } = credit;
  const amounts = partialCredit(net, credit.left, line.tax_rate);
  const money = `${formatAmount(net, invoice.currency)} ${invoice.currency}`;
  const what = days === null ? money : `${days} days (${money})`;
  return issueCreditNote(
    trx,
    {
      invoice,
      reason,
      date: credit.asOf,
      amounts,
      lineId: line.id,
      days,
      settle: 'credit',
      audit: (note) => [
        {
          action: 'credit',
          entity: 'invoices',
          entityId: invoice.number,
          memberId: invoice.payer_id,
          after: { creditNote: note.number, line: lineNumber, net: amounts.net, tax: amounts.tax, days },
          summary: `credit note ${note.number} credits ${what} net of line ${lineNumber} of invoice ${invoice.number}: ${reason}`,
        },
      ],
    },
    source,
  );
}

/** The days after `endDate` of a line's period that its credit adjustments (not removed) credit already. */
async function adjustedDaysAfter(trx: Queryable, line: InvoiceLine, endDate: IsoDate): Promise<number> {
  const credits = await trx
    .selectFrom('adjustments')
    .select(['period_start', 'period_end'])
    .where('line_id', '=', line.id)
    .where('quantity', '<', 0)
    .where('removed_at', 'is', null)
    .where('period_end', '>', endDate)
    .execute();
  let days = 0;
  for (const credit of credits) {
    const from = credit.period_start > endDate ? credit.period_start : addDays(endDate, 1);
    const to = credit.period_end < line.period_end ? credit.period_end : line.period_end;
    if (to >= from) days += daysBetween(from, to) + 1;
  }
  return days;
}

export interface UnusedCredit {
  invoice: string;
  line: number;
  creditNote: CreditNote;
  days: number;
}

/**
 * Credits the days after `endDate` of each period of the membership billed on an invoice not void: a partial
 * credit note per line, for its days after the end (all of them for a period that starts after it), at the line's
 * daily rate, less the days credited on it before (so that running it again credits nothing more), capped at what
 * is left to credit on the line (a line credited in full already is left alone).
 * Dated and numbered as of `asOf`. Run it inside the transaction that sets the end.
 */
export async function creditUnusedDays(trx: Queryable, membershipId: number, endDate: IsoDate, asOf: IsoDate, source: AuditSource): Promise<UnusedCredit[]> {
  const billed = await trx
    .selectFrom('invoice_lines as l')
    .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
    .select(['l.id', 'l.invoice_id'])
    .where('l.membership_id', '=', membershipId)
    .where('l.voided', '=', 0)
    .where('i.status', '!=', 'void')
    .where('l.period_end', '>', endDate)
    .orderBy('l.period_start')
    .orderBy('l.id')
    .execute();
  const credits: UnusedCredit[] = [];
  for (const { id, invoice_id } of billed) {
    const invoice = await lockInvoice(trx, invoice_id);
    if (invoice.status === 'void') continue;
    const lines = await creditableLines(trx, invoice.id);
    const index = lines.findIndex((l) => l.line.id === id);
    const { line, left, creditedDays } = lines[index]!;
    // the days credited before (an earlier end), or by an adjustment (a pause, the old plan's days after a prorated
    // change), are not credited again
    const days = Math.min(lineDays(line), daysBetween(endDate, line.period_end)) - creditedDays - (await adjustedDaysAfter(trx, line, endDate));
    if (days <= 0) continue;
    const net = Math.min(daysValue(line, days), left.net);
    if (net <= 0) continue;
    const reason = `membership ${membershipId} ends on ${endDate}: ${days} unused days`;
    const creditNote = await issueLineCredit(trx, { invoice, line, lineNumber: index + 1, left, net, days, reason, asOf }, source);
    credits.push({ invoice: invoice.number, line: index + 1, creditNote, days });
  }
  return credits;
}

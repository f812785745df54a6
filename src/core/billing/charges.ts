/**
 * One-off charges (`charges add/list/remove/refund`, docs/billing.md "One-off charges"): a meeting room, a locker, a
 * setup fee, a refundable deposit. A charge is billed once, on its own line, to the member's payer: by the next
 * `invoices run` on or after its day (invoicing.ts), or at once on its own invoice. A deposit is held until refunded
 * by a credit note for its line. The database keeps each charge on at most one line that is not voided and refunded
 * at most once.
 */
import type { Queryable } from '../../db/connect.js';
import type { Charge } from '../../db/types.js';
import { dataError, usageError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import type { IsoDate } from '../kernel/dates.js';
import { formatAmount, type MinorAmount, parseAmount, parseRate } from '../kernel/money.js';
import { getSetting } from '../kernel/settings.js';
import { describeMember, resolveMember } from '../people/refs.js';
import { billChargesIn } from './invoicing.js';
import type { InvoiceJson } from './invoices.js';
import { issueCreditNote } from './credit-notes.js';
import { lineAmounts } from './rules.js';

/** `charges add` as typed: every value text until checked. */
export interface ChargeInput {
  memberRef: string;
  amount: string;
  description: string;
  quantity?: string;
  taxRate?: string;
  date?: IsoDate;
  deposit?: boolean;
  invoiceNow?: boolean;
}

/** A charge's state: `unbilled`; `billed` on an invoice; a deposit is `held` once billed, until `refunded`. */
export type ChargeState = 'unbilled' | 'billed' | 'held' | 'refunded';

export interface ChargeView {
  charge: Charge;
  member: { id: number; name: string };
  /** the invoice whose line (not voided) bills it */
  invoice: string | null;
  /** the credit note that refunded the deposit */
  creditNote: string | null;
}

const stateOf = (view: ChargeView): ChargeState =>
  view.invoice === null ? 'unbilled' : view.creditNote !== null ? 'refunded' : view.charge.deposit === 1 ? 'held' : 'billed';

/** The documented `--json` shape of a charge (docs/reference.md): money as decimal strings, net per unit. */
export function chargeJson(view: ChargeView) {
  const { charge } = view;
  const amounts = lineAmounts(charge.unit_price, charge.quantity, charge.tax_rate, null);
  const money = (amount: MinorAmount) => formatAmount(amount, charge.currency);
  return {
    id: charge.id,
    member: view.member,
    description: charge.description,
    date: charge.date,
    quantity: charge.quantity,
    unitPrice: money(charge.unit_price),
    currency: charge.currency,
    taxRate: charge.tax_rate,
    net: money(amounts.net),
    deposit: charge.deposit === 1,
    state: stateOf(view),
    invoice: view.invoice,
    creditNote: view.creditNote,
  };
}

export type ChargeJson = ReturnType<typeof chargeJson>;

/** The charge's fields checked: each bad value is a usage error (64) naming its option. */
function checkInput(input: ChargeInput, currency: string) {
  const description = input.description.trim();
  if (description === '') throw usageError('--description: a charge needs a description, e.g. "Meeting room"');
  if (description.length > 200) throw usageError('--description: at most 200 characters');
  const amount = parseAmount(input.amount, currency);
  if (!amount.ok) throw usageError(`--amount: ${amount.reason === 'ambiguous' ? amount.message : `"${input.amount.trim()}" is not an amount (${amount.message}); write it like 12.50 or 12,50`}`);
  if (amount.value < 0) throw usageError('--amount: a charge cannot be negative');
  const quantityText = (input.quantity ?? '1').trim();
  const quantity = Number(quantityText);
  if (!/^\d+$/.test(quantityText) || quantity < 1 || quantity > 100_000) throw usageError(`--quantity: "${input.quantity}" is not a whole number from 1 to 100000`);
  const rate = parseRate(input.taxRate ?? '0');
  if (!rate.ok) throw usageError(`--tax-rate: expected a percentage from 0 to 100 such as 20 or 5.5 (${rate.message})`);
  return { description, unitPrice: amount.value, quantity, taxRate: rate.value };
}

/** The views of these charges (all when `ids` is not given), by id. */
async function views(db: Queryable, filter: { ids?: readonly number[]; memberId?: number; unbilled?: boolean }): Promise<ChargeView[]> {
  let query = db
    .selectFrom('charges as c')
    .innerJoin('members as m', 'm.id', 'c.member_id')
    .leftJoin('invoice_lines as l', (join) => join.onRef('l.charge_id', '=', 'c.id').on('l.voided', '=', 0))
    .leftJoin('invoices as i', 'i.id', 'l.invoice_id')
    .leftJoin('credit_notes as n', 'n.charge_id', 'c.id')
    .selectAll('c')
    .select(['m.name as member_name', 'i.number as invoice_number', 'n.number as credit_note_number'])
    .where('c.removed_at', 'is', null)
    .orderBy('c.id');
  if (filter.ids) query = query.where('c.id', 'in', filter.ids.length > 0 ? filter.ids : [-1]);
  if (filter.memberId !== undefined) query = query.where('c.member_id', '=', filter.memberId);
  if (filter.unbilled) query = query.where('l.id', 'is', null);
  const rows = await query.execute();
  return rows.map(({ member_name, invoice_number, credit_note_number, ...charge }) => ({
    charge,
    member: { id: charge.member_id, name: member_name },
    invoice: invoice_number,
    creditNote: credit_note_number,
  }));
}

/** The charge with this id (as typed: `12`), or a 65 saying how to find one. */
async function requireCharge(db: Queryable, id: string): Promise<ChargeView> {
  const text = id.trim();
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw usageError(`"${id}" is not a charge id; see \`memberctl charges list\``);
  const [view] = await views(db, { ids: [Number(text)] });
  if (!view) throw dataError(`no charge ${text}`, 'see `memberctl charges list`');
  return view;
}

export async function listCharges(db: Queryable, filter: { memberId?: number; unbilled?: boolean }): Promise<ChargeView[]> {
  return views(db, filter);
}

/**
 * Adds a charge for the member `input.memberRef`, in the `currency` setting, dated `input.date` or `asOf`; with
 * `invoiceNow`, bills it at once on its own invoice dated `asOf`. Run it inside a transaction.
 */
export async function addCharge(trx: Queryable, input: ChargeInput, asOf: IsoDate, source: AuditSource): Promise<{ view: ChargeView; invoice: InvoiceJson | null }> {
  const currency = await getSetting(trx, 'currency');
  const values = checkInput(input, currency);
  const date = input.date ?? asOf;
  if (input.invoiceNow && date > asOf) throw usageError(`--invoice-now: the charge is dated ${date}, after today (${asOf}); bill it on that day instead`);
  const member = await resolveMember(trx, input.memberRef);
  const charge = await trx
    .insertInto('charges')
    .values({
      member_id: member.id,
      description: values.description,
      quantity: values.quantity,
      unit_price: values.unitPrice,
      currency,
      tax_rate: values.taxRate,
      date,
      deposit: input.deposit ? 1 : 0,
      created_at: source.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const amount = `${charge.quantity} x ${formatAmount(charge.unit_price, currency)} ${currency}`;
  await recordAudit(trx, source, {
    action: 'insert',
    entity: 'charges',
    entityId: charge.id,
    memberId: member.id,
    after: charge,
    summary: `${charge.deposit ? 'deposit' : 'charge'} ${charge.id} added for ${describeMember(member)}: ${charge.description}, ${amount}`,
  });
  let invoice: InvoiceJson | null = null;
  if (input.invoiceNow) {
    const billed = await billChargesIn(trx, [charge.id], { asOf, source });
    if (billed.problems.length > 0) throw dataError(`charge ${charge.id} cannot be billed: ${billed.problems.map((p) => p.message).join('; ')}`);
    invoice = billed.invoices[0] ?? null;
  }
  const [view] = await views(trx, { ids: [charge.id] });
  return { view: view!, invoice };
}

/** Removes a charge not billed (or whose invoice was voided): it is never billed. A billed one is refused (65) naming its invoice. Run it inside a transaction. */
export async function removeCharge(trx: Queryable, id: string, source: AuditSource): Promise<ChargeView> {
  const view = await requireCharge(trx, id);
  const { charge } = view;
  if (view.invoice !== null) {
    throw dataError(
      `charge ${charge.id} is billed on invoice ${view.invoice}: it can no longer be removed`,
      charge.deposit === 1 ? `to give the deposit back: memberctl charges refund ${charge.id}` : `to cancel it: memberctl invoices void ${view.invoice} --reason TEXT`,
    );
  }
  // kept, marked removed: the lines of a voided invoice that billed it still name it
  const removed = await trx
    .updateTable('charges')
    .set({ removed_at: source.at })
    .where('id', '=', charge.id)
    .where('removed_at', 'is', null)
    // billed meanwhile by a run: refused as above
    .where((eb) => eb.not(eb.exists(eb.selectFrom('invoice_lines as l').select('l.id').whereRef('l.charge_id', '=', 'charges.id').where('l.voided', '=', 0))))
    .executeTakeFirst();
  if (Number(removed.numUpdatedRows) !== 1) return removeCharge(trx, id, source);
  await recordAudit(trx, source, {
    action: 'delete',
    entity: 'charges',
    entityId: charge.id,
    memberId: charge.member_id,
    before: charge,
    summary: `charge ${charge.id} removed: ${charge.description}`,
  });
  return view;
}

/**
 * Refunds a deposit as of `asOf`: a credit note for its line only (the credit-note sequence, numbered in the year
 * of `asOf`), for the invoice that billed it, which must be paid. Run it inside a transaction.
 */
export async function refundDeposit(trx: Queryable, id: string, reason: string | null, asOf: IsoDate, source: AuditSource): Promise<{ view: ChargeView; creditNote: string }> {
  const view = await requireCharge(trx, id);
  const { charge } = view;
  if (charge.deposit !== 1) throw dataError(`charge ${charge.id} is not a deposit: only a deposit is refunded`, view.invoice ? `to cancel it: memberctl invoices void ${view.invoice} --reason TEXT` : `to drop it: memberctl charges remove ${charge.id}`);
  if (view.creditNote !== null) throw dataError(`deposit ${charge.id} is already refunded by credit note ${view.creditNote}`);
  if (view.invoice === null) throw dataError(`deposit ${charge.id} is not billed yet: nothing was paid to refund`, `to drop it: memberctl charges remove ${charge.id}`);
  const invoice = await trx.selectFrom('invoices').selectAll().where('number', '=', view.invoice).executeTakeFirstOrThrow();
  if (invoice.status !== 'paid') {
    throw dataError(`deposit ${charge.id} is on invoice ${invoice.number}, which is not paid: there is nothing to refund yet`, `to cancel the invoice instead: memberctl invoices void ${invoice.number} --reason TEXT`);
  }
  const line = await trx.selectFrom('invoice_lines').selectAll().where('charge_id', '=', charge.id).where('voided', '=', 0).executeTakeFirstOrThrow();
  const why = reason ?? `deposit refunded: ${charge.description}`;
  const note = await issueCreditNote(
    trx,
    {
      invoice,
      reason: why,
      date: asOf,
      amounts: { net: line.net, tax: line.tax },
      lineId: line.id,
      chargeId: charge.id,
      // the organisation pays the deposit back: the invoice stays paid
      settle: 'paid-back',
      audit: (note) => [
        {
          action: 'refund',
          entity: 'charges',
          entityId: charge.id,
          memberId: charge.member_id,
          after: { creditNote: note.number, invoice: invoice.number, total: note.total },
          summary: `deposit ${charge.id} (${charge.description}) refunded by credit note ${note.number} for invoice ${invoice.number}: ${formatAmount(-note.total, note.currency)} ${note.currency}`,
        },
        ...(invoice.payer_id !== null && invoice.payer_id !== charge.member_id
          ? [
              {
                action: 'refund',
                entity: 'invoices',
                entityId: invoice.number,
                memberId: invoice.payer_id,
                after: { creditNote: note.number, charge: charge.id },
                summary: `credit note ${note.number} refunds deposit ${charge.id} of invoice ${invoice.number}`,
              },
            ]
          : []),
      ],
    },
    source,
  );
  return { view: { ...view, creditNote: note.number }, creditNote: note.number };
}

/**
 * `members export-data REF`: everything memberctl holds on one person, as one JSON document, for a person who asks
 * what is held on them (GDPR article 15). The person's own record and what is linked to them: memberships, invoices
 * they are billed on or appear on, credit notes, payments, ledger entries, charges, mandates, renewals, messages.
 */
import type { Queryable } from '../../db/connect.js';
import { invoicesJson } from '../billing/invoices.js';
import { listPayments, paymentJson } from '../billing/payments.js';
import { formatAmount } from '../kernel/money.js';
import { parseStored } from './history.js';

/** The sections of the document beyond the person's `members show --json` document. */
export async function personalDataSections(db: Queryable, memberId: number) {
  const invoiceIds = new Set<number>();
  for (const row of await db.selectFrom('invoices').select('id').where('payer_id', '=', memberId).execute()) invoiceIds.add(row.id);
  for (const row of await db.selectFrom('invoice_lines').select('invoice_id').where('member_id', '=', memberId).execute()) invoiceIds.add(row.invoice_id);
  const invoices = invoiceIds.size === 0 ? [] : await db.selectFrom('invoices').selectAll().where('id', 'in', [...invoiceIds]).orderBy('id').execute();
  const creditNotes =
    invoiceIds.size === 0
      ? []
      : await db.selectFrom('credit_notes').select(['number', 'date', 'invoice_id', 'currency', 'net', 'tax', 'total', 'reason']).where('invoice_id', 'in', [...invoiceIds]).orderBy('id').execute();
  const numberOf = new Map(invoices.map((i) => [i.id, i.number]));
  const ledger = await db.selectFrom('ledger_entries').selectAll().where('member_id', '=', memberId).orderBy('id').execute();
  const membershipIds = (await db.selectFrom('memberships').select('id').where('member_id', '=', memberId).execute()).map((m) => m.id);
  const renewals = membershipIds.length === 0 ? [] : await db.selectFrom('renewals').selectAll().where('membership_id', 'in', membershipIds).orderBy('id').execute();
  const messages = await db
    .selectFrom('mail_messages')
    .select(['id', 'kind', 'stage', 'to_addresses', 'cc_addresses', 'language', 'status', 'skip_reason', 'created_at', 'sent_at'])
    .where('member_id', '=', memberId)
    .orderBy('id')
    .execute();
  return {
    invoices: await invoicesJson(db, invoices),
    creditNotes: creditNotes.map((c) => ({
      number: c.number,
      date: c.date,
      invoice: numberOf.get(c.invoice_id) ?? null,
      net: formatAmount(c.net, c.currency),
      tax: formatAmount(c.tax, c.currency),
      total: formatAmount(c.total, c.currency),
      currency: c.currency,
      reason: c.reason,
    })),
    payments: (await listPayments(db, { payerId: memberId })).map(paymentJson),
    ledger: ledger.map((e) => ({
      id: e.id,
      date: e.date,
      unit: e.unit,
      kind: e.kind,
      amount: e.unit === 'credit' && e.currency !== null ? formatAmount(e.amount, e.currency) : e.amount,
      currency: e.currency,
      expiresOn: e.expires_on,
      invoice: e.invoice_id === null ? null : (numberOf.get(e.invoice_id) ?? null),
      description: e.description,
    })),
    charges: (await db.selectFrom('charges').selectAll().where('member_id', '=', memberId).orderBy('id').execute()).map((c) => ({
      id: c.id,
      date: c.date,
      description: c.description,
      quantity: c.quantity,
      unitPrice: formatAmount(c.unit_price, c.currency),
      currency: c.currency,
      taxRate: c.tax_rate,
      deposit: c.deposit === 1,
      removedAt: c.removed_at,
    })),
    mandates: (await db.selectFrom('sepa_mandates').selectAll().where('member_id', '=', memberId).orderBy('id').execute()).map((m) => ({
      reference: m.reference,
      iban: m.iban,
      bic: m.bic,
      scheme: m.scheme,
      signedOn: m.signed_on,
      status: m.status,
      revokedOn: m.revoked_on,
      revokeReason: m.revoke_reason,
    })),
    renewals: renewals.map((r) => ({ membership: r.membership_id, termStart: r.term_start, termEnd: r.term_end, status: r.status, decidedOn: r.decided_on, reason: r.reason })),
    messages: messages.map((m) => ({
      id: m.id,
      kind: m.kind,
      stage: m.stage,
      to: parseStored(m.to_addresses),
      cc: parseStored(m.cc_addresses),
      language: m.language,
      status: m.status,
      skipReason: m.skip_reason,
      createdAt: m.created_at,
      sentAt: m.sent_at,
    })),
    /** the people this person pays for, by id and name (their own data is theirs) */
    paysFor: (await db.selectFrom('members').select(['id', 'name']).where('paid_by_id', '=', memberId).orderBy('id').execute()).map((p) => ({ id: p.id, name: p.name })),
  };
}

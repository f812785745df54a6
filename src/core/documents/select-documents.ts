/**
 * Which documents `invoices pdf` and `invoices einvoice` write when given a selection instead of numbers: the
 * invoices issued between two dates (and of a status), and the credit notes issued between the same dates. Credit
 * notes have no status: a selection with `status` holds invoices only.
 */
import type { Queryable } from '../../db/connect.js';
import type { InvoiceStatus } from '../../db/types.js';

export interface DocumentSelection {
  /** issued on or after this day (YYYY-MM-DD) */
  from?: string;
  /** issued on or before this day */
  to?: string;
  /** invoices of this status only, and then no credit note */
  status?: InvoiceStatus;
}

/** The numbers of the selected documents by issue date, then number; a day's credit notes after its invoices. */
export async function selectDocumentNumbers(db: Queryable, selection: DocumentSelection): Promise<string[]> {
  let invoices = db.selectFrom('invoices').select(['number', 'date']).orderBy('date').orderBy('number');
  if (selection.from) invoices = invoices.where('date', '>=', selection.from);
  if (selection.to) invoices = invoices.where('date', '<=', selection.to);
  if (selection.status) invoices = invoices.where('status', '=', selection.status);
  const found: Array<{ number: string; date: string; note: boolean }> = (await invoices.execute()).map((r) => ({ ...r, note: false }));
  if (selection.status === undefined) {
    let notes = db.selectFrom('credit_notes').select(['number', 'date']).orderBy('date').orderBy('number');
    if (selection.from) notes = notes.where('date', '>=', selection.from);
    if (selection.to) notes = notes.where('date', '<=', selection.to);
    found.push(...(await notes.execute()).map((r) => ({ ...r, note: true })));
  }
  // a stable sort: each kind is already in number order
  found.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : Number(a.note) - Number(b.note)));
  return found.map((r) => r.number);
}

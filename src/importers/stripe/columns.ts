/**
 * The columns of the three Stripe Dashboard exports that memberctl reads, by header name (docs/stripe.md, "Download
 * three exports"). Column order and the set of columns differ between export versions, so a column is found by any of
 * its names and every other column is ignored, except `<key> (metadata)` columns (custom fields) and the card
 * columns, which are dropped before any value is read.
 */

export type StripeExportKind = 'customers' | 'subscriptions' | 'prices';

export type ColumnKind = 'text' | 'timestamp' | 'amount' | 'boolean' | 'number' | 'currency';

export interface StripeColumn<K extends string = string> {
  key: K;
  /** The header the current Dashboard writes first, then the names older exports use. */
  headers: readonly string[];
  kind: ColumnKind;
  /** The export is refused (missing_column) without it. */
  required: boolean;
  /**
   * false for a column the import does not keep (only reads for a warning, or not at all): a value of it that
   * cannot be read is left out, never a problem, since only what is imported may keep a row out.
   */
  imported: boolean;
}

/** `required`: the export is refused without it; `optional`: imported when there; `informative`: not imported. */
type ColumnRole = 'required' | 'optional' | 'informative';

const column = <K extends string>(key: K, headers: readonly string[], kind: ColumnKind = 'text', role: ColumnRole = 'optional'): StripeColumn<K> => ({
  key,
  headers,
  kind,
  required: role === 'required',
  imported: role !== 'informative',
});

export const customerColumns = [
  column('id', ['id'], 'text', 'required'),
  column('name', ['Name']),
  column('email', ['Email'], 'text', 'required'),
  column('description', ['Description']),
  column('phone', ['Phone']),
  column('created', ['Created (UTC)'], 'timestamp', 'informative'),
  column('taxId', ['Business Vat ID', 'Tax ID']),
  column('balance', ['Account Balance', 'Balance'], 'amount'),
  column('currency', ['Currency'], 'currency'),
  column('delinquent', ['Delinquent'], 'boolean'),
  column('cancelAtPeriodEnd', ['Cancel At Period End'], 'boolean'),
  column('addressLine1', ['Address Line1']),
  column('addressLine2', ['Address Line2']),
  column('addressCity', ['Address City']),
  column('addressState', ['Address State']),
  column('addressPostalCode', ['Address Postal Code', 'Address Zip']),
  column('addressCountry', ['Address Country']),
] as const;
export type CustomerKey = (typeof customerColumns)[number]['key'];

export const subscriptionColumns = [
  column('id', ['id', 'Subscription ID'], 'text', 'required'),
  column('customerId', ['Customer ID', 'Customer'], 'text', 'required'),
  column('customerEmail', ['Customer Email']),
  column('customerName', ['Customer Name']),
  column('priceId', ['Plan', 'Price ID', 'Plan ID', 'Price'], 'text', 'required'),
  column('quantity', ['Quantity'], 'number'),
  column('currency', ['Currency'], 'currency', 'informative'),
  column('interval', ['Interval']),
  column('amount', ['Amount'], 'amount', 'informative'),
  column('status', ['Status'], 'text', 'required'),
  column('startDate', ['Start Date (UTC)', 'Start (UTC)'], 'timestamp', 'required'),
  column('currentPeriodStart', ['Current Period Start (UTC)'], 'timestamp', 'informative'),
  column('currentPeriodEnd', ['Current Period End (UTC)'], 'timestamp', 'required'),
  column('trialEnd', ['Trial End (UTC)'], 'timestamp'),
  column('canceledAt', ['Canceled At (UTC)'], 'timestamp', 'informative'),
  column('cancelAtPeriodEnd', ['Cancel At Period End'], 'boolean'),
] as const;
export type SubscriptionKey = (typeof subscriptionColumns)[number]['key'];

export const priceColumns = [
  column('id', ['Price ID', 'id', 'Plan ID'], 'text', 'required'),
  column('productName', ['Product Name']),
  column('description', ['Description', 'Nickname']),
  column('amount', ['Amount'], 'amount'),
  column('currency', ['Currency'], 'currency'),
  column('interval', ['Interval']),
  column('intervalCount', ['Interval Count'], 'number'),
] as const;
export type PriceKey = (typeof priceColumns)[number]['key'];

export const exportColumns = {
  customers: customerColumns,
  subscriptions: subscriptionColumns,
  prices: priceColumns,
} as const;

/** What the Dashboard names each export's file, for messages. */
export const exportFileNames: Record<StripeExportKind, string> = {
  customers: 'unified_customers.csv',
  subscriptions: 'subscriptions.csv',
  prices: 'prices.csv',
};

/** `plan_tier (metadata)` -> `plan_tier`; null for any other header. */
export function metadataKey(header: string): string | null {
  const match = /^(.+?)\s*\(metadata\)$/i.exec(header.trim());
  return match ? match[1]!.trim() : null;
}

/**
 * Headers whose values are payment card data or payment method ids: `Card ID`, `Card Last4`, `Card Fingerprint`,
 * `Card Name`, `Card Address Line1`..., `Default Source`, `Default Payment Method`. Their columns are dropped
 * by the reader, so no value of theirs reaches the database, a log, a report or a rejects file.
 */
export function isCardColumn(header: string): boolean {
  const text = header.trim().toLowerCase();
  // "Card ID", "Card Last4", "Cardholder Name", and metadata keys such as "card_last4 (metadata)"
  if (text.startsWith('card')) return true;
  return /payment[\s_-]*method|default[\s_-]*source|fingerprint|last[\s_-]*4|\bcvc\b|\biban\b|\bbank[\s_-]*account\b/.test(text);
}

/**
 * A value that is the id of a card, payment method, source or bank account (`card_1Nf...`, `pm_...`, `src_...`,
 * `ba_...`, `tok_...`): never kept, whatever column it stands in.
 */
export function isPaymentMethodId(value: string): boolean {
  return /^(card|pm|src|ba|tok)_[A-Za-z0-9]{6,}$/.test(value.trim());
}

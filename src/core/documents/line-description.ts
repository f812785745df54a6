/**
 * The description of an invoice line as a document prints it, in the document's language: invoice lines store
 * theirs in English with ISO dates (billing/rules.ts `lineDescription`), for bookkeepers; the PDF and the
 * e-invoices write this one, from what the line stores (plan, quantity, period, proration), so that they say the
 * same thing. A one-off charge's line says its quantity times its unit price. Pure, no I/O.
 */
import type { InvoiceLine } from '../../db/types.js';
import { type IsoDate, parseIsoDate } from '../kernel/dates.js';
import { formatAmount } from '../kernel/money.js';

type Language = 'fr' | 'en';

const shortDates: Record<Language, Intl.DateTimeFormat> = {
  fr: new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-US', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }),
};

/** "1 déc. 2026", "Dec 1, 2026", with no-break spaces. */
export function shortDate(date: IsoDate, language: Language): string {
  const parsed = parseIsoDate(date);
  if (parsed === null) throw new RangeError(`not a date: ${date}`);
  // no-break spaces: a date is never split over two lines
  return shortDates[language].format(new Date(Date.UTC(parsed.year, parsed.month - 1, parsed.day))).replace(/ /g, '\u00a0');
}

type ChargeLine = Pick<InvoiceLine, 'description' | 'plan_name' | 'quantity' | 'unit_price' | 'period_start'>;

/**
 * A one-off charge's line: "Salle de réunion — 3 × 12,50 EUR — 6 déc. 2026", "Locker deposit (refundable) — 1 × 20.00 EUR —
 * Dec 6, 2026": its quantity times its net unit price, and its day.
 */
function chargeDescription(line: ChargeLine, language: Language, currency: string): string {
  const unit = formatAmount(line.unit_price, currency);
  const price = `${language === 'fr' ? unit.replace('.', ',') : unit}\u00a0${currency}`;
  const deposit = line.description.endsWith(' (refundable deposit)') ? (language === 'fr' ? ' (dépôt de garantie)' : ' (refundable deposit)') : '';
  return `${line.plan_name}${deposit} — ${line.quantity} × ${price} — ${shortDate(line.period_start, language)}`;
}

const prorationPattern = / \(prorated (\d+)\/(\d+) days\)$/;

/**
 * "Bureau nomade × 2 — 1 déc. 2026 au 31 déc. 2026 (prorata 17/31 jours)", "Hot desk — Dec 1, 2026 to Dec 31, 2026".
 * A stored description that `lineDescription` did not write (its plan, quantity and period are not those of the
 * line) is kept as it is: it holds something the line's columns do not.
 */
export function documentLineDescription(
  line: Pick<InvoiceLine, 'description' | 'plan_name' | 'quantity' | 'period_start' | 'period_end'> & Partial<Pick<InvoiceLine, 'charge_id' | 'unit_price'>>,
  language: Language,
  currency?: string,
): string {
  if (line.charge_id != null && line.unit_price !== undefined && currency !== undefined) return chargeDescription(line as ChargeLine, language, currency);
  const proration = prorationPattern.exec(line.description);
  const quantity = line.quantity === 1 ? '' : ` x ${line.quantity}`;
  const stored = `${line.plan_name}${quantity}, ${line.period_start} to ${line.period_end}${proration ? proration[0] : ''}`;
  if (stored !== line.description) return line.description;

  const start = shortDate(line.period_start, language);
  const end = shortDate(line.period_end, language);
  const times = line.quantity === 1 ? '' : ` × ${line.quantity}`;
  const period = start === end ? start : language === 'fr' ? `${start} au ${end}` : `${start} to ${end}`;
  const prorated = proration ? (language === 'fr' ? ` (prorata ${proration[1]}/${proration[2]} jours)` : ` (prorated ${proration[1]}/${proration[2]} days)`) : '';
  return `${line.plan_name}${times} — ${period}${prorated}`;
}

/**
 * What a line's discount says on the documents (the PDF's line under the one it reduces, the e-invoices' allowance
 * reason BT-139): "Remise 15 % (parrainage)", "Discount 15.00 EUR (referral)".
 */
export function discountLabel(discount: { percent: string | null; amount: number | null; reason: string | null }, language: Language, currency: string): string {
  const decimal = (text: string) => (language === 'fr' ? text.replace('.', ',') : text);
  const value =
    discount.percent !== null
      ? `${decimal(discount.percent)}${language === 'fr' ? '\u00a0%' : '%'}`
      : `${decimal(formatAmount(discount.amount ?? 0, currency))}\u00a0${currency}`;
  return `${language === 'fr' ? 'Remise' : 'Discount'} ${value}${discount.reason ? ` (${discount.reason})` : ''}`;
}

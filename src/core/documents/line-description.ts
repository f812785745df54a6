/**
 * The description of an invoice line as a document prints it, in the document's language: invoice lines store
 * theirs in English with ISO dates (billing/rules.ts `lineDescription`), for bookkeepers; the PDF and the
 * e-invoices write this one, from what the line stores (plan, quantity, period) and the parts its stored text names
 * (proration, paused days, a delegate's share, what an adjustment corrects), so that they say the same thing. A
 * one-off charge's line says its quantity times its unit price. Pure, no I/O.
 */
import type { InvoiceLine } from '../../db/types.js';
import { type AdjustmentReason, adjustmentDescription, lineDescription } from '../billing/rules.js';
import { addDays, compareDates, type IsoDate, parseIsoDate } from '../kernel/dates.js';
import { formatAmount } from '../kernel/money.js';

const before = (a: IsoDate, b: IsoDate) => compareDates(a, b) < 0;

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

type Range = { start: IsoDate; end: IsoDate };
type Fraction = { days: number; fullDays: number };

/** What a stored description says, parsed back from the text `lineDescription`, `delegateLines` or `adjustmentDescription` wrote. */
type StoredShape =
  | { kind: 'period'; quantity: number; proration: Fraction | null; paused: Range[]; share: { index: number; count: number; holder: string } | null }
  | { kind: 'adjustment'; quantity: number; fraction: Fraction; reason: AdjustmentReason };

const isoDate = '(\\d{4}-\\d{2}-\\d{2})';
const sharePattern = / \(share (\d+) of (\d+), membership of (.+)\)$/;
const quantityPattern = /^ x (\d+), /;
const periodNotesPattern = / \((.+)\)$/;
const proratedNote = /^prorated (\d+)\/(\d+) days$/;
const pausedNote = new RegExp(`^paused ${isoDate} to ${isoDate}$`);
const adjustmentWhat = '\\((credit|charge) (\\d+)/(\\d+) days\\)$';
const pausePattern = new RegExp(`^paused ${isoDate} to ${isoDate} ${adjustmentWhat}`);
const resumePattern = new RegExp(`^resumed ${isoDate}: ${isoDate} to ${isoDate} no longer paused ${adjustmentWhat}`);
const planChangePattern = new RegExp(`^${isoDate} to ${isoDate}, changed (to|from) (.+) ${adjustmentWhat}`);

type ShapeLine = Pick<InvoiceLine, 'description' | 'plan_name' | 'quantity' | 'period_start' | 'period_end'>;

/** "Hot Desk x 2, " and what follows, or null when the description does not begin with the line's plan. */
function afterPlan(description: string, planName: string): { quantity: number; rest: string } | null {
  if (!description.startsWith(planName)) return null;
  const tail = description.slice(planName.length);
  const quantity = quantityPattern.exec(tail);
  if (quantity) return { quantity: Number(quantity[1]), rest: tail.slice(quantity[0].length) };
  return tail.startsWith(', ') ? { quantity: 1, rest: tail.slice(2) } : null;
}

/** A period line's shape (`lineDescription`, and `delegateLines`'s share of it), checked by writing it again. */
function periodShape(line: ShapeLine): StoredShape | null {
  const share = sharePattern.exec(line.description);
  const base = share ? line.description.slice(0, share.index) : line.description;
  const head = afterPlan(base, line.plan_name);
  if (head === null) return null;
  // a share is billed with a quantity of 1: its description keeps the membership's quantity
  if (share === null && head.quantity !== line.quantity) return null;
  let proration: Fraction | null = null;
  const paused: Range[] = [];
  const notes = periodNotesPattern.exec(head.rest);
  if (notes) {
    for (const note of notes[1]!.split(', ')) {
      const prorated = proratedNote.exec(note);
      const pause = pausedNote.exec(note);
      if (prorated && proration === null && paused.length === 0) proration = { days: Number(prorated[1]), fullDays: Number(prorated[2]) };
      else if (pause && !before(pause[1]!, paused.at(-1)?.end ?? line.period_start) && !before(pause[2]!, pause[1]!) && !before(line.period_end, pause[2]!)) {
        // paused days inside the period, in order, as `pausedParts` gives them
        paused.push({ start: pause[1]!, end: pause[2]! });
      }
      else return null;
    }
  }
  const period = { start: line.period_start, end: addDays(line.period_end, 1), proration };
  const shareText = share ? ` (share ${share[1]} of ${share[2]}, membership of ${share[3]})` : '';
  if (`${lineDescription(line.plan_name, head.quantity, period, paused)}${shareText}` !== line.description) return null;
  return {
    kind: 'period',
    quantity: head.quantity,
    proration,
    paused,
    share: share ? { index: Number(share[1]), count: Number(share[2]), holder: share[3]! } : null,
  };
}

/** An adjustment line's shape (`adjustmentDescription`), checked by writing it again from the line's columns. */
function adjustmentShape(line: ShapeLine): StoredShape | null {
  const head = afterPlan(line.description, line.plan_name);
  if (head === null || head.quantity !== Math.abs(line.quantity) || line.quantity === 0) return null;
  let reason: AdjustmentReason;
  let range: Range;
  const pause = pausePattern.exec(head.rest);
  const resume = resumePattern.exec(head.rest);
  const change = planChangePattern.exec(head.rest);
  const matched = pause ?? resume ?? change;
  if (pause) {
    range = { start: pause[1]!, end: pause[2]! };
    reason = { kind: 'pause', pause: range };
  } else if (resume) {
    range = { start: resume[2]!, end: resume[3]! };
    reason = { kind: 'resume', pause: range, resumedOn: resume[1]! };
  } else if (change) {
    range = { start: change[1]!, end: change[2]! };
    reason = change[3] === 'to' ? { kind: 'plan_credit', from: range.start, to: change[4]! } : { kind: 'plan_charge', from: range.start, previous: change[4]! };
  } else return null;
  // each pattern ends with "(credit|charge) days/fullDays"
  const fraction = { days: Number(matched![matched!.length - 2]), fullDays: Number(matched![matched!.length - 1]) };
  if (range.start !== line.period_start || range.end !== line.period_end) return null;
  if (adjustmentDescription(line.plan_name, line.quantity, range, fraction, reason) !== line.description) return null;
  return { kind: 'adjustment', quantity: Math.abs(line.quantity), fraction, reason };
}

const words = {
  fr: {
    range: (start: string, end: string) => (start === end ? start : `${start} au ${end}`),
    // "du 1 juil. au 9 juil.", "le 9 juil."
    fromTo: (start: string, end: string) => (start === end ? `le ${start}` : `du ${start} au ${end}`),
    prorated: (f: Fraction) => `prorata ${f.days}/${f.fullDays} jours`,
    paused: (range: string) => `suspendu ${range}`,
    share: (index: number, count: number, holder: string) => `part ${index} sur ${count}, abonnement de ${holder}`,
    credit: (f: Fraction) => `avoir ${f.days}/${f.fullDays} jours`,
    charge: (f: Fraction) => `supplément ${f.days}/${f.fullDays} jours`,
    pause: (range: string) => `suspension ${range}`,
    resume: (on: string, range: string) => `reprise le ${on}, suspension levée ${range}`,
    changedTo: (plan: string) => `passage à ${plan}`,
    changedFrom: (plan: string) => `en remplacement de ${plan}`,
  },
  en: {
    range: (start: string, end: string) => (start === end ? start : `${start} to ${end}`),
    fromTo: (start: string, end: string) => (start === end ? start : `${start} to ${end}`),
    prorated: (f: Fraction) => `prorated ${f.days}/${f.fullDays} days`,
    paused: (range: string) => `paused ${range}`,
    share: (index: number, count: number, holder: string) => `share ${index} of ${count}, membership of ${holder}`,
    credit: (f: Fraction) => `credit ${f.days}/${f.fullDays} days`,
    charge: (f: Fraction) => `charge ${f.days}/${f.fullDays} days`,
    pause: (range: string) => `paused ${range}`,
    resume: (on: string, range: string) => `resumed ${on}: ${range} no longer paused`,
    changedTo: (plan: string) => `changed to ${plan}`,
    changedFrom: (plan: string) => `changed from ${plan}`,
  },
} satisfies Record<Language, unknown>;

/** A parsed shape in `language`: the plan, "× 2", an em dash, then what the stored text says, with short dates. */
function writeShape(line: ShapeLine, shape: StoredShape, language: Language): string {
  const w = words[language];
  const date = (d: IsoDate) => shortDate(d, language);
  const times = shape.quantity === 1 ? '' : ` × ${shape.quantity}`;
  const range = w.range(date(line.period_start), date(line.period_end));
  if (shape.kind === 'period') {
    const notes = [...(shape.proration ? [w.prorated(shape.proration)] : []), ...shape.paused.map((p) => w.paused(w.fromTo(date(p.start), date(p.end))))];
    const share = shape.share ? ` (${w.share(shape.share.index, shape.share.count, shape.share.holder)})` : '';
    return `${line.plan_name}${times} — ${range}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}${share}`;
  }
  const what = line.quantity < 0 ? w.credit(shape.fraction) : w.charge(shape.fraction);
  const reason = shape.reason;
  const fromTo = w.fromTo(date(line.period_start), date(line.period_end));
  const text =
    reason.kind === 'pause'
      ? w.pause(fromTo)
      : reason.kind === 'resume'
        ? w.resume(date(reason.resumedOn), language === 'fr' ? fromTo : range)
        : `${range}, ${reason.kind === 'plan_credit' ? w.changedTo(reason.to) : w.changedFrom(reason.previous)}`;
  return `${line.plan_name}${times} — ${text} (${what})`;
}

/**
 * "Bureau nomade × 2 — 1 déc. 2026 au 31 déc. 2026 (prorata 17/31 jours)", "Hot desk — Dec 1, 2026 to Dec 31, 2026",
 * and likewise a period partly paused, a delegate's share of a period, and the adjustments (a pause's credit, a
 * resume's charge, a plan change's credit and charge). Each stored shape is parsed and written again from its parts
 * and the line's columns (plan, quantity, period): a stored description that billing did not write that way is kept
 * as it is, as it holds something the line's columns do not.
 */
export function documentLineDescription(
  line: ShapeLine & Partial<Pick<InvoiceLine, 'charge_id' | 'unit_price'>>,
  language: Language,
  currency?: string,
): string {
  if (line.charge_id != null && line.unit_price !== undefined && currency !== undefined) return chargeDescription(line as ChargeLine, language, currency);
  const shape = periodShape(line) ?? adjustmentShape(line);
  return shape === null ? line.description : writeShape(line, shape, language);
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

const depositRefunded = /^deposit refunded: (.+)$/;
const unusedDays = new RegExp(`^membership (\\d+) ends on ${isoDate}: (\\d+) unused days$`);

/**
 * A credit note's reason as its documents print it: the reasons memberctl writes itself (a deposit's refund, the
 * unused days after an end: billing/charges.ts, billing/credit-notes.ts) in the document's language, dates as the
 * lines write them; a reason someone typed stays as typed.
 */
export function creditNoteReason(reason: string, language: Language): string {
  const deposit = depositRefunded.exec(reason);
  if (deposit) return language === 'fr' ? `Remboursement du dépôt de garantie : ${deposit[1]}` : `Deposit refunded: ${deposit[1]}`;
  const unused = unusedDays.exec(reason);
  if (unused) {
    const [, membership, end, count] = unused;
    const days = Number(count);
    const date = shortDate(end!, language);
    return language === 'fr'
      ? `Fin de l’abonnement ${membership} le ${date} : ${days} ${days === 1 ? 'jour non utilisé' : 'jours non utilisés'}`
      : `Membership ${membership} ends on ${date}: ${days} unused ${days === 1 ? 'day' : 'days'}`;
  }
  return reason;
}

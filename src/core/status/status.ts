/**
 * Membership and member status as of a date T (docs/renewals.md, "Statuses"): derived from the facts every
 * time, never stored. Pure functions: the loader in member-status.ts gathers the facts from the database.
 */
import { addDays, type IsoDate } from '../kernel/dates.js';

export const membershipStatuses = ['upcoming', 'active', 'paused', 'grace', 'suspended', 'ended'] as const;
export type MembershipStatus = (typeof membershipStatuses)[number];

/** Best first: a member's status is the best of their memberships' (`contact` when they never had one). */
export const memberStatuses = ['member', 'paused', 'grace', 'suspended', 'upcoming', 'former', 'contact'] as const;
export type MemberStatus = (typeof memberStatuses)[number];

/** One period billed by a non-void invoice line of the membership. */
export interface BilledPeriod {
  start: IsoDate;
  /** inclusive: the last day the line covers */
  end: IsoDate;
  invoiceStatus: 'open' | 'paid';
  dueDate: IsoDate;
}

export interface MembershipFacts {
  startDate: IsoDate;
  /** the last day of the membership, inclusive */
  endDate: IsoDate | null;
  autoRenew: boolean;
  autoRenewUntil: IsoDate | null;
  doNotRenew: boolean;
  nextInvoiceDate: IsoDate;
  /** imported coverage: the period before this date counts as paid without an invoice */
  coveredUntil: IsoDate | null;
  /**
   * Billed periods (voided lines and void invoices left out). Only the periods that can decide the status
   * are needed: the open ones and those ending on or after T; older paid ones only move `billedThrough`.
   */
  billed: readonly BilledPeriod[];
  /**
   * the last day before T covered by a billed period, when `billed` leaves older ones out (where the stretch of
   * uncovered days containing T begins, when a void invoice left a gap)
   */
  billedThrough?: IsoDate | null;
  /** a renewal of this membership was refused: it ends with its covered period, like do-not-renew */
  renewalRefused?: boolean;
  /** the renewal of the term after the covered period was accepted: the invoicing job bills it */
  renewalAccepted?: boolean;
  /** its pauses (not cancelled), first and last paused day inclusive; only one containing T matters */
  pauses?: readonly { start: IsoDate; end: IsoDate }[];
}

export interface StatusRules {
  graceDays: number;
}

export type StatusReason =
  | 'starts_later'
  | 'end_date_passed'
  | 'not_renewed'
  | 'unpaid_past_due'
  | 'covered'
  | 'renews_automatically'
  | 'first_term'
  | 'awaiting_renewal'
  | 'paused';

export interface MembershipStatusDetail {
  status: MembershipStatus;
  reason: StatusReason;
  /** grace and suspended: the day the grace clock started (the unpaid period's start or the first uncovered day) */
  graceStart?: IsoDate;
  /** grace and suspended: the first day of suspension (if nothing changes, for grace) */
  suspendedFrom?: IsoDate;
  /** the first day not covered by any invoice or imported coverage */
  coveredUntil: IsoDate;
}

// ISO dates order as strings; no parsing in a function called for every membership of a list
const before = (a: IsoDate, b: IsoDate) => a < b;
const maxDate = (a: IsoDate, b: IsoDate) => (before(a, b) ? b : a);

/**
 * The first day not covered by a billed period or imported coverage (the start date when nothing is covered).
 */
export function firstUncoveredDay(m: MembershipFacts): IsoDate {
  let day = m.startDate;
  if (m.coveredUntil) day = maxDate(day, m.coveredUntil);
  let lastBilled = m.billedThrough ?? null;
  for (const p of m.billed) if (lastBilled === null || before(lastBilled, p.end)) lastBilled = p.end;
  return lastBilled === null ? day : maxDate(day, addDays(lastBilled, 1));
}

/**
 * The last day before `asOf` covered by a billed period or imported coverage, null when none is: the day before
 * the uncovered stretch containing `asOf` starts.
 */
function lastCoveredBefore(m: MembershipFacts, asOf: IsoDate): IsoDate | null {
  let last: IsoDate | null = null;
  const consider = (day: IsoDate) => {
    if (before(day, asOf) && (last === null || before(last, day))) last = day;
  };
  if (m.billedThrough) consider(m.billedThrough);
  for (const p of m.billed) consider(p.end);
  if (m.coveredUntil !== null && before(m.startDate, m.coveredUntil)) consider(addDays(m.coveredUntil, -1));
  return last;
}

/**
 * Status of one membership as of `asOf`, with the rule that decided it. In order:
 * - `upcoming` before the start date;
 * - `ended` after the end date (the last day), or once the covered period is over for a do-not-renew membership
 *   or one whose renewal was refused (a membership never billed still has its first term to come);
 * - `paused` on a day of one of its pauses;
 * - otherwise only the period covering T decides, never an older one:
 *   - covered by an invoice that is paid or not yet past its due date, or by imported coverage: `active`;
 *   - covered by an invoice unpaid past its due date: `grace` for `graceDays` days from that period's start,
 *     then `suspended`;
 *   - not covered but the invoicing job will bill it (T on or after the next invoice date, and the first term, an
 *     automatic renewal within `autoRenewUntil` or an accepted renewal): `active`, so nobody drops to grace
 *     before cron runs;
 *   - otherwise (a term awaiting renewal, or a period freed by a void invoice or skipped, which the job does not
 *     bill again): `grace` for `graceDays` days from the first uncovered day of the stretch containing T, then
 *     `suspended`.
 */
export function explainMembershipStatus(m: MembershipFacts, asOf: IsoDate, rules: StatusRules): MembershipStatusDetail {
  const coveredUntil = firstUncoveredDay(m);
  if (before(asOf, m.startDate)) return { status: 'upcoming', reason: 'starts_later', coveredUntil };
  if (m.endDate !== null && before(m.endDate, asOf)) return { status: 'ended', reason: 'end_date_passed', coveredUntil };
  const stopsRenewing = m.doNotRenew || Boolean(m.renewalRefused);
  const everCovered = m.billed.length > 0 || Boolean(m.billedThrough) || (m.coveredUntil !== null && before(m.startDate, m.coveredUntil));
  // the first term of a membership never billed is still to be billed, whatever happens after it
  if (stopsRenewing && everCovered && !before(asOf, coveredUntil)) return { status: 'ended', reason: 'not_renewed', coveredUntil };
  // a paused day is neither billed nor owed: no grace clock runs on it
  if (m.pauses?.some((p) => !before(asOf, p.start) && !before(p.end, asOf))) return { status: 'paused', reason: 'paused', coveredUntil };

  const importedCover = m.coveredUntil !== null && before(asOf, m.coveredUntil);
  const covering = m.billed.filter((p) => !before(asOf, p.start) && !before(p.end, asOf));
  const settled = covering.some((p) => p.invoiceStatus === 'paid' || !before(p.dueDate, asOf));
  if (importedCover || settled) return { status: 'active', reason: 'covered', coveredUntil };
  const overdue = covering.map((p) => p.start).sort()[0];
  if (overdue !== undefined) return graceOrSuspended(overdue, asOf, rules, 'unpaid_past_due', coveredUntil);

  // not covered: the invoicing job bills from the next invoice date on, never a period before it (a period freed
  // by a void invoice, or skipped, stays uncovered until the next invoice date is moved back)
  const nextBilled = maxDate(m.nextInvoiceDate, coveredUntil);
  const billable = !before(asOf, nextBilled);
  if (billable && !everCovered && m.nextInvoiceDate === m.startDate) return { status: 'active', reason: 'first_term', coveredUntil };
  const renews =
    !stopsRenewing && (Boolean(m.renewalAccepted) || (m.autoRenew && (m.autoRenewUntil === null || !before(m.autoRenewUntil, nextBilled))));
  if (billable && renews) return { status: 'active', reason: 'renews_automatically', coveredUntil };
  const last = lastCoveredBefore(m, asOf);
  const graceStart = last === null ? m.startDate : addDays(last, 1);
  return graceOrSuspended(graceStart, asOf, rules, 'awaiting_renewal', coveredUntil);
}

function graceOrSuspended(
  graceStart: IsoDate,
  asOf: IsoDate,
  rules: StatusRules,
  reason: StatusReason,
  coveredUntil: IsoDate,
): MembershipStatusDetail {
  const suspendedFrom = addDays(graceStart, rules.graceDays);
  if (before(asOf, suspendedFrom)) return { status: 'grace', reason, graceStart, suspendedFrom, coveredUntil };
  return { status: 'suspended', reason, graceStart, suspendedFrom, coveredUntil };
}

export function membershipStatus(m: MembershipFacts, asOf: IsoDate, rules: StatusRules): MembershipStatus {
  return explainMembershipStatus(m, asOf, rules).status;
}

const memberStatusOf: Record<MembershipStatus, MemberStatus> = {
  active: 'member',
  paused: 'paused',
  grace: 'grace',
  suspended: 'suspended',
  upcoming: 'upcoming',
  ended: 'former',
};

/** The best of the memberships' statuses (memberStatuses order); `contact` for a person who never had one. */
export function memberStatus(statuses: readonly MembershipStatus[]): MemberStatus {
  let best: MemberStatus = 'contact';
  for (const s of statuses) {
    const candidate = memberStatusOf[s];
    if (best === 'contact' || memberStatuses.indexOf(candidate) < memberStatuses.indexOf(best)) best = candidate;
  }
  return best;
}

export function isMemberStatus(value: string): value is MemberStatus {
  return (memberStatuses as readonly string[]).includes(value);
}

/**
 * Membership and member status as of a date T (domain.md "Membership status"): derived from the facts every
 * time, never stored. Pure functions: the loader in member-status.ts gathers the facts from the database.
 */
import { addDays, type IsoDate } from './dates.js';

export const membershipStatuses = ['upcoming', 'active', 'grace', 'suspended', 'ended'] as const;
export type MembershipStatus = (typeof membershipStatuses)[number];

/** Best first: a member's status is the best of their memberships' (`contact` when they never had one). */
export const memberStatuses = ['member', 'grace', 'suspended', 'upcoming', 'former', 'contact'] as const;
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
  /** the last day covered by any billed period, when `billed` leaves older ones out */
  billedThrough?: IsoDate | null;
  /** a renewal of this membership was refused: it ends with its covered period, like do-not-renew */
  renewalRefused?: boolean;
  /** the renewal of the term after the covered period was accepted: the invoicing job bills it */
  renewalAccepted?: boolean;
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
  | 'awaiting_renewal';

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
 * Status of one membership as of `asOf`, with the rule that decided it. In order:
 * - `upcoming` before the start date;
 * - `ended` after the end date (the last day), or once the covered period is over for a do-not-renew membership
 *   or one whose renewal was refused (a membership never billed still has its first term to come);
 * - an invoice of the membership unpaid past its due date: `grace` for `graceDays` days from the start of the
 *   oldest such period, then `suspended` (a later paid period does not settle an older debt);
 * - T covered by an invoice (paid, or not yet due) or by imported coverage: `active`;
 * - not covered but the invoicing job will bill it (auto-renew, `autoRenewUntil` not before the next period, an
 *   accepted renewal, or the first term of a membership that was never billed): `active`, so nobody drops to grace
 *   before cron runs;
 * - otherwise a term awaiting renewal: `grace` for `graceDays` days from the first uncovered day, then `suspended`.
 */
export function explainMembershipStatus(m: MembershipFacts, asOf: IsoDate, rules: StatusRules): MembershipStatusDetail {
  const coveredUntil = firstUncoveredDay(m);
  if (before(asOf, m.startDate)) return { status: 'upcoming', reason: 'starts_later', coveredUntil };
  if (m.endDate !== null && before(m.endDate, asOf)) return { status: 'ended', reason: 'end_date_passed', coveredUntil };
  const stopsRenewing = m.doNotRenew || Boolean(m.renewalRefused);
  const everCovered = m.billed.length > 0 || Boolean(m.billedThrough) || (m.coveredUntil !== null && before(m.startDate, m.coveredUntil));
  // the first term of a membership never billed is still to be billed, whatever happens after it
  if (stopsRenewing && everCovered && !before(asOf, coveredUntil)) return { status: 'ended', reason: 'not_renewed', coveredUntil };

  const overdue = m.billed
    .filter((p) => p.invoiceStatus === 'open' && before(p.dueDate, asOf) && !before(asOf, p.start))
    .map((p) => p.start)
    .sort()[0];
  if (overdue !== undefined) return graceOrSuspended(overdue, asOf, rules, 'unpaid_past_due', coveredUntil);

  const importedCover = m.coveredUntil !== null && before(asOf, m.coveredUntil);
  const billedCover = m.billed.some((p) => !before(asOf, p.start) && !before(p.end, asOf));
  if (importedCover || billedCover) return { status: 'active', reason: 'covered', coveredUntil };

  if (!everCovered) return { status: 'active', reason: 'first_term', coveredUntil };
  const renews =
    !stopsRenewing && (Boolean(m.renewalAccepted) || (m.autoRenew && (m.autoRenewUntil === null || !before(m.autoRenewUntil, coveredUntil))));
  if (renews) return { status: 'active', reason: 'renews_automatically', coveredUntil };
  return graceOrSuspended(coveredUntil, asOf, rules, 'awaiting_renewal', coveredUntil);
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

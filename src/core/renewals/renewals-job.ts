/**
 * The renewals job (`renewals run`, and its parts in `jobs run`): renewal notices and accepted renewals left to
 * bill, then (after the invoicing job in `jobs run`) status transitions with their freezes and releases, and
 * the expiry of credits and passes. Each part works in small transactions and finds on a rerun only what is left,
 * so a kill at any point loses at most the unit in flight and a rerun on the same day changes nothing.
 * The caller holds the job lock (jobs.ts).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';
import type { AuditSource } from '../kernel/audit.js';
import { expireGrants } from '../billing/credits.js';
import type { IsoDate } from '../kernel/dates.js';
import type { InvoiceJson } from '../billing/invoices.js';
import type { Problem } from '../kernel/problems.js';
import { billAcceptedRenewals, openDueRenewals, type RenewalJson } from './renewals.js';
import { recordTransitions, type Transition } from './transitions.js';

export interface RenewalRunOptions {
  asOf: IsoDate;
  dryRun: boolean;
  source: AuditSource;
}

/** The documented `renewals run --json` document (docs/reference.md), with the renewals opened and the invoices of accepted renewals. */
export interface RenewalRunResult {
  asOf: IsoDate;
  dryRun: boolean;
  /** renewals opened (open or intervention) */
  notices: number;
  /** accepted renewals billed by this run */
  invoiced: number;
  transitions: Transition[];
  /** grants that expired with something left */
  expired: { credits: number; passes: number };
  problems: Problem[];
  renewals: RenewalJson[];
  invoices: InvoiceJson[];
}

/** Notices, then accepted renewals left to bill: what runs before the invoicing job. */
export async function runRenewalNotices(db: Kysely<Database>, options: RenewalRunOptions): Promise<RenewalRunResult> {
  const renewals = await openDueRenewals(db, options.asOf, options);
  const accepted = await billAcceptedRenewals(db, options.asOf, options);
  return {
    asOf: options.asOf,
    dryRun: options.dryRun,
    notices: renewals.length,
    invoiced: accepted.invoiced,
    transitions: [],
    expired: { credits: 0, passes: 0 },
    problems: accepted.problems,
    renewals,
    invoices: accepted.invoices,
  };
}

/** Status transitions, then expiries: what runs after the invoicing job. Adds to `result`. */
export async function runExpiries(db: Kysely<Database>, options: RenewalRunOptions, result: RenewalRunResult): Promise<RenewalRunResult> {
  // expiring first: a grant that expires today is not frozen for a day before
  const expired = await expireGrants(db, options.asOf, options);
  const transitions = await recordTransitions(db, options.asOf, options);
  return { ...result, transitions, expired };
}

/** The whole renewals job as of `options.asOf`. */
export async function runRenewals(db: Kysely<Database>, options: RenewalRunOptions): Promise<RenewalRunResult> {
  return runExpiries(db, options, await runRenewalNotices(db, options));
}

/** True when the job opened, billed, reported or expired something. */
export function renewalsDidSomething(result: RenewalRunResult): boolean {
  return result.notices > 0 || result.invoiced > 0 || result.transitions.length > 0 || result.expired.credits > 0 || result.expired.passes > 0;
}

/**
 * `jobs run`, the cron entry point: the daily jobs in their order (renewals, then invoices, then expiries, then the
 * e-mails due, then anonymising the long inactive when `retention-years` is set) under
 * one database lock. Each job is a step that adds its own part to the result; a new job is one more step here.
 */
import type { Db, SqliteStatements } from '../../db/connect.js';
import type { AuditSource } from '../kernel/audit.js';
import type { IsoDate } from '../kernel/dates.js';
import { type InvoiceRunResult, runInvoicing } from '../billing/invoicing.js';
import type { Problem } from '../kernel/problems.js';
import { getSetting } from '../kernel/settings.js';
import { type PrivacyRunResult, runPrivacy } from '../people/privacy.js';
import { type DueMessages, queuedAt, queueDueMessages } from '../mail/due-messages.js';
import type { MailKind } from '../../db/types.js';
import { type RenewalRunResult, renewalsDidSomething, runExpiries, runRenewalNotices } from '../renewals/renewals-job.js';

/** The lock every job takes (`jobs run`, `invoices run`, `renewals run`): never two of them at once. */
export const jobLockName = 'jobs';

export interface JobOptions {
  asOf: IsoDate;
  dryRun: boolean;
  source: AuditSource;
  /** payers per invoicing transaction */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** SQLite: the connection kysely runs on, for bulk inserts (`Db.sqlite`) */
  sqlite?: SqliteStatements | undefined;
}

/** The documented `jobs run --json` document (docs/reference.md): `renewals` holds the notices, transitions and expiries. */
export interface JobsResult {
  asOf: IsoDate;
  dryRun: boolean;
  renewals: RenewalRunResult;
  invoices: InvoiceRunResult;
  /** the e-mails the run queued: the reminders and tacit-renewal notices it found due, and every message by kind (null on a dry run) */
  outbox: DueMessages & { queued: Partial<Record<MailKind, number>> | null };
  /** the people anonymised for inactivity (`privacy run`); null when the `retention-years` setting is empty */
  privacy: PrivacyRunResult | null;
}

/**
 * Runs the daily jobs in order: renewal notices (and accepted renewals left to bill), invoices, status transitions
 * and expiries, then the payment reminders and tacit-renewal notices due, then (with `retention-years`) privacy. Each step queues the e-mails it causes
 * in its own transactions. The caller holds the `jobs` lock.
 */
export async function runJobs(db: Db, options: JobOptions): Promise<JobsResult> {
  const notices = await runRenewalNotices(db.kysely, options);
  const invoices = await runInvoicing(db.kysely, options);
  const renewals = await runExpiries(db.kysely, options, notices);
  const due = await queueDueMessages(db.kysely, options.asOf, { dryRun: options.dryRun, now: options.source.at });
  const queued = options.dryRun ? null : await queuedAt(db.kysely, options.source.at);
  // last: the day's invoices and statuses are the activity it looks at
  const years = await getSetting(db.kysely, 'retention-years');
  const privacy = years === '' ? null : await runPrivacy(db.kysely, { asOf: options.asOf, inactiveYears: Number(years), dryRun: options.dryRun, source: options.source });
  return { asOf: options.asOf, dryRun: options.dryRun, renewals, invoices, outbox: { ...due, queued }, privacy };
}

/** Every problem the jobs reported. */
export function jobProblems(result: JobsResult): Problem[] {
  return [...result.renewals.problems, ...result.invoices.problems];
}

/** True when a job issued, changed or would change something (cron prints nothing otherwise). */
export function jobsDidSomething(result: JobsResult): boolean {
  return (
    result.invoices.count > 0 ||
    renewalsDidSomething(result.renewals) ||
    result.outbox.reminders > 0 ||
    result.outbox.renewalReminders > 0 ||
    (result.privacy?.anonymised.length ?? 0) > 0
  );
}

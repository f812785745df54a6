/**
 * `jobs run`, the cron entry point: the daily jobs in their order (renewals, then invoices, then expiries) under
 * one database lock. Each job is a step that adds its own part to the result; a new job is one more step here.
 */
import type { Db, SqliteStatements } from '../../db/connect.js';
import type { AuditSource } from '../kernel/audit.js';
import type { IsoDate } from '../kernel/dates.js';
import { type InvoiceRunResult, runInvoicing } from '../billing/invoicing.js';
import type { Problem } from '../kernel/problems.js';
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
}

/**
 * Runs the daily jobs in order: renewal notices (and accepted renewals left to bill), invoices, then status
 * transitions and expiries. The caller holds the `jobs` lock.
 */
export async function runJobs(db: Db, options: JobOptions): Promise<JobsResult> {
  const notices = await runRenewalNotices(db.kysely, options);
  const invoices = await runInvoicing(db.kysely, options);
  const renewals = await runExpiries(db.kysely, options, notices);
  return { asOf: options.asOf, dryRun: options.dryRun, renewals, invoices };
}

/** Every problem the jobs reported. */
export function jobProblems(result: JobsResult): Problem[] {
  return [...result.renewals.problems, ...result.invoices.problems];
}

/** True when a job issued, changed or would change something (cron prints nothing otherwise). */
export function jobsDidSomething(result: JobsResult): boolean {
  return result.invoices.count > 0 || renewalsDidSomething(result.renewals);
}

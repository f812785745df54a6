import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import { invoiceRunSummary, printJsonDocument, type RunFlags, reportInvoiceRun, runLockedJob, runOptions } from './invoices.js';

export function registerJobs(program: Command, action: Action): void {
  const jobs = program.command('jobs').description('the daily jobs cron runs');

  examples(
    runOptions(
      jobs
        .command('run')
        .description('renewals, then invoices, then expiries, under one lock; prints nothing on stdout when nothing was due'),
    ).action(
      action(async (ctx, flags: RunFlags) => {
        const { jobProblems, runJobs } = await import('../core/jobs/jobs.js');
        const result = await runLockedJob(ctx, flags, 'jobs', runJobs);
        if (ctx.out.json) await printJsonDocument(result);
        const { renewalRunSummary, reportRenewalRun } = await import('./renewals.js');
        reportRenewalRun(ctx, result.renewals, false);
        reportInvoiceRun(ctx, result.invoices, false);
        // one line for the whole morning's work
        const done = [renewalRunSummary(result.renewals), invoiceRunSummary(result.invoices)].filter((part): part is string => part !== null);
        if (done.length === 0) ctx.out.info(`Nothing due as of ${result.asOf}: no renewal, invoice, status change or expiry.`);
        else if (result.dryRun) ctx.out.info(`Dry run as of ${result.asOf}, nothing was written: ${done.join('; ')} (would be).`);
        else ctx.out.info(`As of ${result.asOf}: ${done.join('; ')}.`);
        return jobProblems(result).length > 0 ? 65 : 0;
      }),
    ),
    [
      'memberctl jobs run',
      'memberctl jobs run --wait 600 --quiet',
      'memberctl --db postgres://admin:secret@db.example.org/members jobs run --json',
    ],
  );
}

import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import { printJsonDocument, type RunFlags, reportInvoiceRun, runLockedJob, runOptions } from './invoices.js';

export function registerJobs(program: Command, action: Action): void {
  const jobs = program.command('jobs').description('the daily jobs cron runs');

  examples(
    runOptions(
      jobs
        .command('run')
        .description('renewals, then invoices, then expiries, under one lock; prints nothing on stdout when nothing was due'),
    ).action(
      action(async (ctx, flags: RunFlags) => {
        const { jobProblems, runJobs } = await import('../core/jobs.js');
        const result = await runLockedJob(ctx, flags, 'jobs', runJobs);
        if (ctx.out.json) await printJsonDocument(result);
        const { reportRenewalRun } = await import('./renewals.js');
        reportRenewalRun(ctx, result.renewals);
        reportInvoiceRun(ctx, result.invoices);
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

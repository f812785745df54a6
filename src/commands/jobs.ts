import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import { payerProgress, printJsonDocument, reportInvoiceRun, runOptions } from './invoices.js';

interface RunFlags {
  dryRun?: boolean;
  wait?: number;
  batchSize?: number;
}

export function registerJobs(program: Command, action: Action): void {
  const jobs = program.command('jobs').description('the daily jobs cron runs');

  examples(
    runOptions(
      jobs
        .command('run')
        .description('renewals, then invoices, then expiries, under one lock; prints nothing on stdout when nothing was due'),
    ).action(
      action(async (ctx, flags: RunFlags) => {
        const { withJobLock } = await import('../core/lock.js');
        const { jobLockName, jobProblems, runJobs } = await import('../core/jobs.js');
        const { auditSource } = await import('../core/audit.js');
        const { randomUUID } = await import('node:crypto');
        const db = await ctx.db();
        const asOf = await ctx.today();
        const progress = await payerProgress(ctx);
        const result = await withJobLock(db, jobLockName, { waitSeconds: flags.wait ?? 0 }, () =>
          runJobs(db, {
            asOf,
            dryRun: Boolean(flags.dryRun),
            source: auditSource(ctx.env, { jobId: `jobs-${randomUUID()}` }),
            batchSize: flags.batchSize,
            sqlite: db.sqlite,
            onProgress: progress.onProgress,
          }),
        ).finally(() => progress.stop());
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

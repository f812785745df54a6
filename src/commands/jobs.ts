import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import type { JobsResult } from '../core/jobs/jobs.js';
import { plural } from '../core/kernel/words.js';
import { invoiceRunSummary, printJsonDocument, type RunFlags, reportInvoiceRun, runLockedJob, runOptions } from './invoices.js';

export function registerJobs(program: Command, action: Action): void {
  const jobs = program.command('jobs').description('the daily jobs cron runs');

  examples(
    runOptions(
      jobs
        .command('run')
        .description('renewals, then invoices, then expiries, then (with retention-years) privacy, under one lock; prints nothing on stdout when nothing was due'),
    )
      .option('--smtp <url>', 'then send the queued e-mails through this server, once the job has committed (default: $MEMBERCTL_SMTP; without either, nothing is sent)')
      .action(
      action(async (ctx, flags: RunFlags & { smtp?: string }) => {
        const { jobProblems, runJobs } = await import('../core/jobs/jobs.js');
        const result = await runLockedJob(ctx, flags, 'jobs', runJobs);
        // the job's writes have committed: a failure to send leaves the messages queued for the next run
        const { reportMailSend, runMailSend } = await import('./mail.js');
        const sending = !result.dryRun && (flags.smtp ?? ctx.env.MEMBERCTL_SMTP) ? runMailSend(ctx, { smtp: flags.smtp }) : null;
        // the job's report is printed whatever came of sending (a server down is reported after it)
        const sent = await sending?.then((mail) => ({ mail, error: null }), (error: unknown) => ({ mail: null, error }));
        const mail = sent?.mail ?? null;
        if (ctx.out.json) await printJsonDocument(mail === null ? result : { ...result, mail });
        const { renewalRunSummary, reportRenewalRun } = await import('./renewals.js');
        reportRenewalRun(ctx, result.renewals, false);
        reportInvoiceRun(ctx, result.invoices, false);
        const { privacySummary, reportPrivacyRun } = await import('./privacy.js');
        if (result.privacy !== null) reportPrivacyRun(ctx, result.privacy);
        // one line for the whole morning's work
        const done = [
          renewalRunSummary(result.renewals),
          invoiceRunSummary(result.invoices),
          outboxSummary(result.outbox),
          result.privacy === null ? null : privacySummary(result.privacy),
        ].filter((part): part is string => part !== null);
        if (done.length === 0) ctx.out.info(`Nothing due as of ${result.asOf}: no renewal, invoice, status change or expiry.`);
        else if (result.dryRun) ctx.out.info(`Dry run as of ${result.asOf}, nothing was written: ${done.join('; ')} (would be).`);
        else ctx.out.info(`As of ${result.asOf}: ${done.join('; ')}.`);
        if (sent?.error) throw sent.error;
        if (mail !== null && mail.messages.length > 0) reportMailSend(ctx, mail);
        return jobProblems(result).length > 0 || (mail?.failed ?? 0) > 0 ? 65 : 0;
      }),
    ),
    [
      'memberctl jobs run',
      'memberctl jobs run --wait 600 --quiet',
      'memberctl jobs run --smtp smtp://127.0.0.1:25',
      'memberctl --db postgres://admin:secret@db.example.org/members jobs run --json',
    ],
  );
}

/** "2 payment reminders, 1 tacit-renewal notice; 6 e-mails queued", or null when the run queued nothing. */
function outboxSummary(outbox: JobsResult['outbox']): string | null {
  const due = [
    outbox.reminders > 0 ? plural(outbox.reminders, 'payment reminder') : null,
    outbox.renewalReminders > 0 ? plural(outbox.renewalReminders, 'tacit-renewal notice') : null,
  ].filter((part): part is string => part !== null);
  const queued = outbox.queued === null ? 0 : Object.values(outbox.queued).reduce((sum, n) => sum + (n ?? 0), 0);
  const parts = [...due, ...(queued > 0 ? [`${plural(queued, 'e-mail')} queued`] : [])];
  return parts.length === 0 ? null : parts.join(', ');
}

import type { Command } from 'commander';
import { type Action, examples, parseWholeNumber } from '../command-kit.js';
import type { Context } from '../context.js';
import type { RenewalRunResult } from '../core/renewals/renewals-job.js';
import type { RenewalJson } from '../core/renewals/renewals.js';
import type { RenewalStatus } from '../db/types.js';
import { usageError } from '../errors.js';
import { renderTable } from '../output.js';
import { plural } from '../core/kernel/words.js';

interface RunFlags {
  dryRun?: boolean;
  wait?: number;
}

interface ListFlags {
  status?: string;
  member?: string;
  limit?: number;
}

const statuses: RenewalStatus[] = ['open', 'intervention', 'accepted', 'refused'];

export function renewalTable(renewals: readonly RenewalJson[]): string {
  return renderTable(renewals, [
    { header: 'id', value: (r) => r.id ?? '(dry run)', align: 'right' },
    { header: 'member', value: (r) => r.member.name },
    { header: 'membership', value: (r) => r.membershipId, align: 'right' },
    { header: 'plan', value: (r) => r.plan },
    { header: 'term', value: (r) => `${r.termStart} to ${r.termEnd}` },
    { header: 'status', value: (r) => r.status },
    { header: 'opened', value: (r) => r.createdOn },
    { header: 'invoice', value: (r) => r.invoice },
    { header: 'reason', value: (r) => r.reason },
  ]);
}

/** What a renewals run did, in a few words; null when it did nothing. */
export function renewalRunSummary(result: RenewalRunResult): string | null {
  const interventions = result.renewals.filter((r) => r.status === 'intervention').length;
  const parts = [
    result.notices > 0 ? `${plural(result.notices, 'renewal')} opened${interventions > 0 ? ` (${interventions} needing an intervention)` : ''}` : null,
    result.invoiced > 0 ? `${plural(result.invoiced, 'accepted renewal')} billed` : null,
    result.transitions.length > 0 ? plural(result.transitions.length, 'status change') : null,
    result.expired.credits > 0 ? `${plural(result.expired.credits, 'credit grant')} expired` : null,
    result.expired.passes > 0 ? `${plural(result.expired.passes, 'pass grant')} expired` : null,
  ].filter((p): p is string => p !== null);
  return parts.length === 0 ? null : parts.join(', ');
}

/** stdout: the renewals opened, the invoices of accepted renewals and the status changes; stderr: the problems and, unless `summary` is false, the summary. */
export function reportRenewalRun(ctx: Context, result: RenewalRunResult, summary = true): void {
  for (const p of result.problems) ctx.out.error(`${p.message} [${p.code}]`);
  const sections: string[] = [];
  if (result.renewals.length > 0) sections.push(renewalTable(result.renewals));
  if (result.invoices.length > 0) {
    sections.push(
      renderTable(result.invoices, [
        { header: 'invoice', value: (i) => i.number ?? '(dry run)' },
        { header: 'payer', value: (i) => i.payer.name },
        { header: 'total', value: (i) => i.total, align: 'right' },
        { header: 'currency', value: (i) => i.currency },
        { header: 'billed', value: (i) => i.lines.map((l) => `${l.periodStart} to ${l.periodEnd}`).join(', ') },
      ]),
    );
  }
  if (result.transitions.length > 0) {
    sections.push(
      renderTable(result.transitions, [
        { header: 'member', value: (t) => t.member.name },
        { header: 'id', value: (t) => t.member.id, align: 'right' },
        { header: 'from', value: (t) => t.from },
        { header: 'to', value: (t) => t.to },
      ]),
    );
  }
  if (sections.length > 0) ctx.out.print(sections.join('\n\n'));
  if (summary) {
    const done = renewalRunSummary(result);
    if (done === null) ctx.out.info(`Nothing to renew, report or expire as of ${result.asOf}.`);
    else if (result.dryRun) ctx.out.info(`Dry run as of ${result.asOf}: ${done} (would be); nothing was written.`);
    else ctx.out.info(`As of ${result.asOf}: ${done}.`);
  }
  if (result.problems.length > 0) ctx.out.warn(`${plural(result.problems.length, 'accepted renewal')} could not be billed; the rest was done (exit 65).`);
}

export function registerRenewals(program: Command, action: Action): void {
  const renewals = program.command('renewals').description('renewals of term memberships: notices, decisions, the renewals job');

  examples(
    renewals
      .command('run')
      .description('open the renewals due as of --today, report status changes, expire credits and passes (inside `jobs run`)')
      .option('--dry-run', 'show what would be done; write nothing')
      .option('--wait <seconds>', 'wait up to this long for another job to finish (default: exit 75 at once)', parseWholeNumber('--wait', 0, 86_400))
      .action(
        action(async (ctx, flags: RunFlags) => {
          const { withJobLock } = await import('../core/kernel/lock.js');
          const { jobLockName } = await import('../core/jobs/jobs.js');
          const { runRenewals } = await import('../core/renewals/renewals-job.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const { randomUUID } = await import('node:crypto');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const result = await withJobLock(db, jobLockName, { waitSeconds: flags.wait ?? 0 }, () =>
            runRenewals(db.kysely, { asOf, dryRun: Boolean(flags.dryRun), source: auditSource(ctx.env, { jobId: `renewals-${randomUUID()}` }) }),
          );
          if (ctx.out.json) ctx.out.result(result, () => null);
          reportRenewalRun(ctx, result);
          return result.problems.length > 0 ? 65 : 0;
        }),
      ),
    ['memberctl renewals run', 'memberctl renewals run --dry-run --today 2026-12-01', 'memberctl renewals run --wait 600 --json'],
  );

  examples(
    renewals
      .command('list')
      .description('list renewals by term start')
      .option('--status <status>', 'open, intervention, accepted or refused')
      .option('--member <ref>', 'renewals of this member (id, e-mail or exact name)')
      .option('--limit <n>', 'at most N renewals', parseWholeNumber('--limit', 1))
      .action(
        action(async (ctx, flags: ListFlags) => {
          const status = flags.status?.trim().toLowerCase();
          if (status !== undefined && !statuses.includes(status as RenewalStatus)) {
            throw usageError(`--status: "${flags.status}" is not a renewal status; use ${statuses.join(', ')}`);
          }
          const { listRenewals, renewalJson } = await import('../core/renewals/renewals.js');
          const { resolveMember } = await import('../core/people/refs.js');
          const db = await ctx.db();
          const rows = await listRenewals(db.kysely, {
            status: status as RenewalStatus | undefined,
            memberId: flags.member === undefined ? undefined : (await resolveMember(db.kysely, flags.member)).id,
            limit: flags.limit,
          });
          const json = rows.map(renewalJson);
          ctx.out.result(json, () => (json.length === 0 ? 'No renewals match.' : renewalTable(json)));
        }),
      ),
    ['memberctl renewals list --status open', 'memberctl renewals list --member jane@example.org --json'],
  );

  examples(
    renewals
      .command('accept')
      .argument('<id>', 'renewal id (see `memberctl renewals list`)', parseWholeNumber('renewal id', 1))
      .description('accept a renewal: its term is billed at once, with the invoicing job\'s rules')
      .action(
        action(async (ctx, id: number) => {
          const { acceptRenewal, renewalJson } = await import('../core/renewals/renewals.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const { renewal, invoices } = await acceptRenewal(db.kysely, id, asOf, auditSource(ctx.env));
          const json = { ...renewalJson(renewal), invoices };
          ctx.out.result(json, () => {
            const billed = invoices.map((i) => `${i.number} (${i.total} ${i.currency}, due ${i.dueDate}) to ${i.payer.name}`);
            return `Accepted renewal ${json.id} of ${json.member.name} (${json.plan}, ${json.termStart} to ${json.termEnd})${billed.length > 0 ? `; billed on ${billed.join(', ')}` : ''}.`;
          });
        }),
      ),
    ['memberctl renewals accept 12', 'memberctl --today 2026-12-05 renewals accept 12 --json'],
  );

  examples(
    renewals
      .command('refuse')
      .argument('<id>', 'renewal id (see `memberctl renewals list`)', parseWholeNumber('renewal id', 1))
      .description('refuse a renewal: the membership ends with its covered period')
      .requiredOption('--reason <text>', 'why it is not renewed')
      .action(
        action(async (ctx, id: number, flags: { reason: string }) => {
          if (flags.reason.trim() === '') throw usageError('--reason needs some text');
          const { refuseRenewal, renewalJson } = await import('../core/renewals/renewals.js');
          const { addDays } = await import('../core/kernel/dates.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const renewal = await db.kysely.transaction().execute((trx) => refuseRenewal(trx, id, flags.reason.trim(), asOf, auditSource(ctx.env)));
          const json = renewalJson(renewal);
          ctx.out.result(json, () => `Refused renewal ${json.id} of ${json.member.name} (${json.plan}): the membership ends on ${addDays(json.termStart, -1)}.`);
        }),
      ),
    ['memberctl renewals refuse 12 --reason "moving abroad"'],
  );
}

import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import type { PlanInput } from '../core/billing/plans.js';
import type { Plan } from '../db/types.js';
import { renderTable } from '../output.js';
import { escapeControls, joinLines, type TerminalText } from '../terminal-text.js';
import { plural } from '../core/kernel/words.js';

// commander names these options as the fields of PlanInput, so a command's flags are its input
const planOptions = (command: Command, forEdit: boolean) => {
  if (forEdit) command.option('--name <name>', 'rename the plan');
  return command
    .option('--price <amount>', 'net price per cycle, e.g. 49, 49.50 or 49,50')
    .option('--currency <code>', 'currency (default: the currency setting)')
    .option('--interval <month|year>', 'billing interval (default month)')
    .option('--every <n>', 'bill every N intervals (default 1)')
    .option('--tax-rate <percent>', 'tax rate in percent, e.g. 20 or 5.5 (default 0)')
    .option('--credits <amount>', 'credits granted per paid period')
    .option('--passes <n>', 'passes granted per paid period')
    .option('--auto-renew <yes|no>', 'renew automatically (default yes)');
};


const editFlags = ['--name', '--price', '--currency', '--interval', '--every', '--tax-rate', '--credits', '--passes', '--auto-renew'];

async function renderPlans(plans: Plan[]): Promise<string> {
  const { formatAmount } = await import('../core/kernel/money.js');
  if (plans.length === 0) return 'No plans yet. Add one with `memberctl plans add NAME --price AMOUNT`.';
  return renderTable(plans, [
    { header: 'name', value: (p) => p.name },
    { header: 'price', value: (p) => formatAmount(p.price, p.currency), align: 'right' },
    { header: 'currency', value: (p) => p.currency },
    { header: 'every', value: (p) => (p.every === 1 ? p.interval : `${p.every} ${p.interval}s`) },
    { header: 'tax %', value: (p) => p.tax_rate, align: 'right' },
    { header: 'credits', value: (p) => (p.credits ? formatAmount(p.credits, p.currency) : ''), align: 'right' },
    { header: 'passes', value: (p) => p.passes || '', align: 'right' },
    { header: 'auto-renew', value: (p) => (p.auto_renew ? 'yes' : 'no') },
    { header: 'archived', value: (p) => (p.archived ? 'yes' : '') },
  ]);
}

export function registerPlans(program: Command, action: Action): void {
  const plans = program.command('plans').description('membership plans: prices, intervals, tax, credits');

  examples(
    planOptions(plans.command('add').argument('<name>', 'unique plan name').description('add a plan'), false).action(
      action(async (ctx, name: string, flags: PlanInput) => {
        const { addPlan, planJson } = await import('../core/billing/plans.js');
        const { getSetting } = await import('../core/kernel/settings.js');
        const { auditSource } = await import('../core/kernel/audit.js');
        const db = await ctx.db();
        const plan = await db.kysely.transaction().execute(async (trx) =>
          addPlan(trx, { ...flags, name, price: flags.price ?? '' }, await getSetting(trx, 'currency'), auditSource(ctx.env)),
        );
        ctx.out.result(planJson(plan), () => `Added plan "${plan.name}".`);
      }),
    ),
    [
      'memberctl plans add "Hot Desk" --price 200 --tax-rate 20',
      'memberctl plans add "Association Annual" --price 120 --interval year --auto-renew no',
      'memberctl plans add "Studio 10 classes" --price 90 --passes 10 --credits 15',
    ],
  );

  examples(
    plans
      .command('list')
      .description('list plans (archived ones with --all)')
      .option('--all', 'include archived plans')
      .option('--limit <n>', 'at most N plans')
      .action(
        action(async (ctx, flags: { all?: boolean; limit?: string }) => {
          const { listPlans, planJson } = await import('../core/billing/plans.js');
          const { parseWholeNumber } = await import('../command-kit.js');
          const db = await ctx.db();
          let rows = await listPlans(db.kysely, { includeArchived: Boolean(flags.all) });
          if (flags.limit !== undefined) rows = rows.slice(0, parseWholeNumber('--limit', 1)(flags.limit));
          const text = await renderPlans(rows);
          ctx.out.result(rows.map(planJson), () => text);
        }),
      ),
    ['memberctl plans list', 'memberctl plans list --all --json'],
  );

  examples(
    plans
      .command('show')
      .argument('<name>', 'exact plan name')
      .description('show one plan')
      .action(
        action(async (ctx, name: string) => {
          const { requirePlan, planJson } = await import('../core/billing/plans.js');
          const db = await ctx.db();
          const plan = await requirePlan(db.kysely, name);
          const json = planJson(plan);
          ctx.out.result(json, () =>
            Object.entries(json)
              .map(([k, v]) => `${k.padEnd(10)} ${escapeControls(String(v))}`)
              .join('\n'),
          );
        }),
      ),
    ['memberctl plans show "Hot Desk"', 'memberctl plans show "Hot Desk" --json'],
  );

  examples(
    planOptions(plans.command('edit').argument('<name>', 'exact plan name').description('change a plan (affects future invoices only)'), true).action(
      action(async (ctx, name: string, flags: PlanInput) => {
        const { billingTermsChange, editPlan, planJson, preparePlanEdit, priceFollowers } = await import('../core/billing/plans.js');
        const { formatAmount } = await import('../core/kernel/money.js');
        const { auditSource } = await import('../core/kernel/audit.js');
        const db = await ctx.db();
        const edit = await preparePlanEdit(db.kysely, name, flags);
        if (edit.changed.length === 0) {
          // like `members edit`: an edit that changes nothing is done, not a usage error, so scripts can run it again
          if (Object.values(flags).every((v) => v === undefined)) ctx.out.info(`Give what to change: ${editFlags.join(', ')}.`);
          ctx.out.result(planJson(edit.plan), () => `Nothing to change for plan "${edit.plan.name}".`);
          return 0;
        }
        const asOf = await ctx.today();
        const impact = await billingTermsChange(db.kysely, edit, asOf);
        const followers = await priceFollowers(db.kysely, edit, asOf);
        if (impact) {
          const one = impact.memberships === 1;
          ctx.out.warn(
            `${plural(impact.memberships, 'membership')} on plan "${edit.plan.name}" that ${one ? 'has' : 'have'} not ended will be billed ${impact.after} instead of ${impact.before} from ${one ? 'its' : 'their'} next invoice (the first on ${impact.firstInvoiceDate}).`,
          );
          if (ctx.interactive) {
            const { confirm } = await import('../prompt.js');
            if (!(await confirm({ interactive: true }, `Change plan "${edit.plan.name}" anyway?`, false))) {
              ctx.out.info('Nothing was changed.');
              return 0;
            }
          }
        }
        const { plan } = await db.kysely.transaction().execute((trx) => editPlan(trx, name, flags, auditSource(ctx.env)));
        const json = followers ? { ...planJson(plan), memberships: followers } : planJson(plan);
        ctx.out.result(json, () => {
          if (!followers) return `Updated plan "${plan.name}".`;
          const price = `${formatAmount(plan.price, plan.currency)} ${plan.currency}`;
          const follow = followers.followPlanPrice;
          return [
            `Updated plan "${plan.name}": ${price} from the next invoice of ${plural(follow, 'membership')} that ${follow === 1 ? 'follows' : 'follow'} the plan's price`,
            followers.ownPrice > 0 ? `; ${plural(followers.ownPrice, 'membership')} ${followers.ownPrice === 1 ? 'keeps its' : 'keep their'} own price` : '',
            '.',
          ].join('');
        });
      }),
    ),
    ['memberctl plans edit "Hot Desk" --price 220', 'memberctl plans edit "Hot Desk" --name "Hot Desk (flex)"'],
  );

  examples(
    plans
      .command('archive')
      .argument('<name>', 'exact plan name')
      .description('hide a plan from lists and templates; existing memberships keep it')
      .option('--undo', 'bring an archived plan back')
      .action(
        action(async (ctx, name: string, flags: { undo?: boolean }) => {
          const { archivePlan, planJson } = await import('../core/billing/plans.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          if (!flags.undo && ctx.interactive) {
            const { requirePlan } = await import('../core/billing/plans.js');
            const { confirmOrStop } = await import('../confirm.js');
            const plan = await requirePlan(db.kysely, name);
            const held = await db.kysely.selectFrom('memberships').select((eb) => eb.fn.countAll<number>().as('n')).where('plan_id', '=', plan.id).executeTakeFirstOrThrow();
            const summary = `Archive plan "${plan.name}": it leaves lists and templates and takes no new memberships (its ${Number(held.n)} membership(s) keep it); \`plans archive --undo\` brings it back.`;
            if (plan.archived === 0 && !(await confirmOrStop(summary, { ctx }))) return 0;
          }
          const plan = await db.kysely.transaction().execute((trx) => archivePlan(trx, name, !flags.undo, auditSource(ctx.env)));
          ctx.out.result(planJson(plan), () => `${flags.undo ? 'Restored' : 'Archived'} plan "${plan.name}".`);
        }),
      ),
    ['memberctl plans archive "Old Plan"', 'memberctl plans archive "Old Plan" --undo'],
  );

  examples(
    plans
      .command('import')
      .argument('<file>', 'CSV or xlsx with columns Name, Price, Currency, Interval, Every, Tax rate, Credits, Passes, Auto renew')
      .description('add plans from a file, all or nothing; existing names are updated only with --update')
      .option('--sheet <name>', 'xlsx sheet to read (default: the first visible one)')
      .option('--update', 'update plans whose name already exists')
      .option('--dry-run', 'check and report without writing')
      .action(
        action(async (ctx, argument: string, flags: { sheet?: string; update?: boolean; dryRun?: boolean }) => {
          const { openTable } = await import('../importers/open-table.js');
          const { applyPlanRows, readPlanRows } = await import('../core/import/plans-import.js');
          const { listPlans, planValues } = await import('../core/billing/plans.js');
          const { getSetting } = await import('../core/kernel/settings.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const { renderProblems, summarizeProblems } = await import('../render-problems.js');
          const { asFileError } = await import('../importers/file-error.js');
          const { problem } = await import('../core/kernel/problems.js');
          const { inputName, stageInput } = await import('../importers/input-file.js');
          const file = inputName(argument);
          const db = await ctx.db();
          const existing = new Map((await listPlans(db.kysely, { includeArchived: true })).map((p) => [p.name, planValues(p)]));
          let read: Awaited<ReturnType<typeof readPlanRows>>;
          let input: Awaited<ReturnType<typeof stageInput>> | null = null;
          try {
            input = await stageInput(argument);
            const table = await openTable(file, { sheet: flags.sheet, path: input.path });
            read = await readPlanRows(table, await getSetting(db.kysely, 'currency'), existing);
          } catch (error) {
            // a file that cannot be read at all still gives scripts their document (the message goes to stderr as well)
            const unreadable = asFileError(error);
            if (unreadable && ctx.out.json) {
              const problems = [problem({ code: unreadable.problemCode, severity: 'error', message: unreadable.message })];
              ctx.out.result({ file, dryRun: Boolean(flags.dryRun), rows: 0, emptyRows: 0, created: 0, updated: 0, unchanged: 0, problems }, () => null);
            }
            throw error;
          } finally {
            input?.dispose();
          }
          const problems = read.problems;
          const hasErrors = () => problems.some((p) => p.severity === 'error');
          let result = { created: [] as string[], updated: [] as string[], unchanged: [] as string[] };
          // the valid rows are applied even when others have errors, so that conflicts with existing plans are
          // reported in the same run; nothing is kept then
          const rollback = new Error('rollback');
          try {
            await db.kysely.transaction().execute(async (trx) => {
              const applied = await applyPlanRows(trx, read.rows, { update: Boolean(flags.update) }, auditSource(ctx.env));
              problems.push(...applied.problems);
              result = applied;
              if (flags.dryRun || hasErrors()) throw rollback;
            });
          } catch (error) {
            if (error !== rollback) throw error;
          }
          // file-level problems first, then by row (stable: a row keeps its problems in column order)
          problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
          const written = !flags.dryRun && !hasErrors();
          const data = {
            file,
            dryRun: Boolean(flags.dryRun),
            rows: read.dataRows,
            emptyRows: read.emptyRows,
            created: written || flags.dryRun ? result.created.length : 0,
            updated: written || flags.dryRun ? result.updated.length : 0,
            unchanged: result.unchanged.length,
            problems,
          };
          ctx.out.result(data, () => {
            const lines: Array<string | TerminalText> = problems.length ? [renderProblems(file, problems, ctx.out.color, 'Run it with --json to list every one.')] : [];
            const rows = `${plural(data.rows, 'row')}${data.emptyRows > 0 ? `, ${plural(data.emptyRows, 'empty row')} skipped` : ''}`;
            if (hasErrors()) lines.push(`${file} (${rows}): ${summarizeProblems(problems)}: nothing imported.`);
            else {
              const verb = flags.dryRun ? 'would be' : 'were';
              lines.push(`${file} (${rows}): ${data.created} plan(s) ${verb} added, ${data.updated} updated, ${data.unchanged} unchanged.`);
            }
            return joinLines(lines);
          });
          return hasErrors() ? 65 : 0;
        }),
      ),
    ['memberctl plans import plans.csv', 'memberctl plans import plans.xlsx --dry-run --json'],
  );
}

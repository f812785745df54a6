import type { Command } from 'commander';
import { type Action, examples, parseWholeNumber, parseYesNo } from '../command-kit.js';
import type { Queryable } from '../db/connect.js';
import type { Membership } from '../db/types.js';
import { usageError } from '../errors.js';
import { escapeControls } from '../terminal-text.js';

interface AddFlags {
  plan: string;
  start: string;
  nextInvoice?: string;
  end?: string;
  quantity?: number;
  price?: string;
  allowOverlap?: boolean;
  prorate?: boolean;
  autoRenew?: boolean;
  autoRenewUntil?: string;
}

interface SetFlags {
  plan?: string;
  quantity?: number;
  price?: string;
  autoRenew?: boolean;
  autoRenewUntil?: string;
  doNotRenew?: boolean;
  reason?: string;
  intervention?: string | false;
  end?: string;
  nextInvoice?: string;
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** A `YYYY-MM-DD` option value; anything else is a usage error naming the option. */
export function parseDateOption(name: string) {
  return (value: string): string => {
    const text = value.trim();
    const [year, month, day] = text.split('-').map(Number);
    const real = isoDate.test(text) && month! >= 1 && month! <= 12 && day! >= 1 && day! <= new Date(Date.UTC(year!, month!, 0)).getUTCDate();
    if (!real) throw usageError(`${name}: "${value}" is not a date; use YYYY-MM-DD`);
    return text;
  };
}

/** A date option that `none` clears. */
const parseDateOrNone = (name: string) => (value: string) => (value.trim().toLowerCase() === 'none' ? 'none' : parseDateOption(name)(value));
const dateOrNull = (value: string | undefined) => (value === undefined ? undefined : value === 'none' ? null : value);

/** The membership, its plan and its status, in the `--json` shape of `members show`. */
async function membershipView(db: Queryable, membership: Membership, asOf: string) {
  const { loadMemberState } = await import('../core/status/member-status.js');
  const { membershipJson } = await import('../core/people/members.js');
  const state = await loadMemberState(db, membership.member_id, asOf);
  const own = state.memberships.find((m) => m.membership.id === membership.id)!;
  return membershipJson(own);
}

type MembershipJson = Awaited<ReturnType<typeof membershipView>>;

/** "22.50 EUR (its own price)", "30.00 EUR (the plan's price)" */
export const priceText = (json: Pick<MembershipJson, 'price' | 'currency' | 'followsPlanPrice'>) =>
  `${json.price} ${json.currency} (${json.followsPlanPrice ? "the plan's price" : 'its own price'})`;

function describe(json: MembershipJson): string {
  const end = json.endDate ? `, ends ${json.endDate}` : '';
  return `membership ${json.id} (${json.plan}): starts ${json.startDate}, next invoice ${json.nextInvoiceDate}${end}, ${priceText(json)} per period, ${json.status}`;
}

/**
 * The format of `memberships list`: --format, else --json, else the -o extension (.xlsx, .json, else CSV), else a
 * table. xlsx needs -o; a table goes to the terminal only; --json with another --format is a usage error.
 */
function membershipsListFormat(flags: { format?: string; output?: string }, json: boolean): 'table' | 'csv' | 'xlsx' | 'json' {
  const given = flags.format?.trim().toLowerCase();
  if (given !== undefined && !['table', 'csv', 'xlsx', 'json'].includes(given)) throw usageError(`--format: "${flags.format}" must be table, csv, xlsx or json`);
  const output = flags.output?.toLowerCase();
  const fromFile = output === undefined ? undefined : output.endsWith('.xlsx') ? 'xlsx' : output.endsWith('.json') ? 'json' : 'csv';
  const wanted = (given ?? fromFile ?? (json ? 'json' : 'table')) as 'table' | 'csv' | 'xlsx' | 'json';
  if (json && flags.output === undefined && wanted !== 'json') throw usageError(`--json and --format ${wanted} cannot be used together`);
  if (wanted === 'xlsx' && !flags.output) throw usageError('an xlsx list needs -o FILE');
  if (wanted === 'table' && flags.output) throw usageError('-o writes csv, xlsx or json: give --format or a file extension');
  return wanted;
}

export function registerMemberships(program: Command, action: Action): void {
  const memberships = program.command('memberships').description('memberships: who is on which plan, from when, billed how');

  examples(
    memberships
      .command('add')
      .argument('<ref>', 'member id, e-mail or exact name')
      .description('put a member on a plan')
      .requiredOption('--plan <name>', 'exact plan name')
      .requiredOption('--start <date>', 'first day of the membership (YYYY-MM-DD)', parseDateOption('--start'))
      .option(
        '--next-invoice <date>',
        'first recurring invoice date; the period before it counts as paid unless --prorate (default: billed from the start)',
        parseDateOption('--next-invoice'),
      )
      .option('--end <date>', 'last day of the membership', parseDateOption('--end'))
      .option('--quantity <n>', 'number of seats or units (default 1)', parseWholeNumber('--quantity', 1, 100_000))
      .option('--price <amount>', "its own net price per period in the plan's currency, e.g. 45 or 45,50 (default: the plan's price)")
      .option('--allow-overlap', 'allow a second membership on a plan the member already has at the same time (another desk)')
      .option('--prorate', 'bill the days from the start to the first recurring date, prorated (default: up to the next billing-day)')
      .option('--auto-renew <yes|no>', 'renew automatically (default: the plan\'s)', parseYesNo('--auto-renew'))
      .option('--auto-renew-until <date>', 'renew automatically only for periods starting up to this day', parseDateOption('--auto-renew-until'))
      .action(
        action(async (ctx, ref: string, flags: AddFlags) => {
          const { resolveMember } = await import('../core/people/refs.js');
          const { requirePlan } = await import('../core/billing/plans.js');
          const { addMembership, parseMembershipPrice } = await import('../core/billing/memberships.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          // before the transaction: without --today, the date is read from the settings on the same connection
          const asOf = await ctx.today();
          const json = await db.kysely.transaction().execute(async (trx) => {
            const member = await resolveMember(trx, ref);
            const plan = await requirePlan(trx, flags.plan);
            const price = flags.price === undefined ? null : parseMembershipPrice(flags.price, plan.currency);
            const membership = await addMembership(
              trx,
              {
                memberId: member.id,
                planId: plan.id,
                startDate: flags.start,
                nextInvoiceDate: flags.nextInvoice ?? null,
                endDate: flags.end ?? null,
                quantity: flags.quantity ?? 1,
                price,
                refuseOverlap: !flags.allowOverlap,
                prorateFirst: Boolean(flags.prorate),
                autoRenew: flags.autoRenew ?? null,
                autoRenewUntil: flags.autoRenewUntil ?? null,
                origin: 'cli',
              },
              auditSource(ctx.env),
            );
            return { member, json: await membershipView(trx, membership, asOf) };
          });
          ctx.out.result(json.json, () => `Added ${describe(json.json)} for ${json.member.name}.`);
        }),
      ),
    [
      'memberctl memberships add jane@example.org --plan "Hot Desk" --start 2026-03-01',
      'memberctl memberships add "Tom Martin" --plan "Hot Desk" --start 2026-03-15 --next-invoice 2026-04-01 --prorate',
      'memberctl memberships add 12 --plan "Association Annual" --start 2026-01-01 --quantity 2 --auto-renew no',
      'memberctl memberships add jane@example.org --plan "Hot Desk" --start 2026-03-01 --price 180',
      'memberctl memberships add jane@example.org --plan "Hot Desk" --start 2026-03-01 --allow-overlap',
    ],
  );

  examples(
    memberships
      .command('set')
      .argument('<id>', 'membership id (see `memberctl members show REF`)', parseWholeNumber('membership id', 1))
      .description('change a membership: renewal, end date, plan, quantity, price, next invoice date')
      .option('--plan <name>', 'move to another plan (future invoices only)')
      .option('--quantity <n>', 'number of seats or units', parseWholeNumber('--quantity', 1, 100_000))
      .option('--price <amount>', "its own net price per period in the plan's currency, for future invoices (plan: follow the plan's price again)")
      .option('--auto-renew <yes|no>', 'renew automatically', parseYesNo('--auto-renew'))
      .option('--auto-renew-until <date>', 'renew automatically only for periods starting up to this day (none: no limit)', parseDateOrNone('--auto-renew-until'))
      .option('--do-not-renew', 'end the membership with its covered period (needs --reason)')
      .option('--no-do-not-renew', 'renew it again')
      .option('--reason <text>', 'why it is not renewed')
      .option('--intervention <text>', 'a renewal needs someone to act first, for this reason')
      .option('--no-intervention', 'no intervention needed any more')
      .option('--end <date>', 'last day of the membership (none: no end)', parseDateOrNone('--end'))
      .option('--next-invoice <date>', 'where billing resumes, e.g. to bill a voided period again', parseDateOption('--next-invoice'))
      .action(
        action(async (ctx, id: number, flags: SetFlags) => {
          const { requirePlan } = await import('../core/billing/plans.js');
          const { invoicedPast, parseMembershipPrice, requireMembership, setMembership } = await import('../core/billing/memberships.js');
          const { syncInterventions } = await import('../core/renewals/renewals.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          if (flags.doNotRenew === true && !flags.reason?.trim()) throw usageError('--do-not-renew needs --reason TEXT');
          if (flags.reason !== undefined && flags.doNotRenew !== true) throw usageError('--reason goes with --do-not-renew');
          if (typeof flags.intervention === 'string' && flags.intervention.trim() === '') throw usageError('--intervention needs a reason');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const result = await db.kysely.transaction().execute(async (trx) => {
            const plan = flags.plan === undefined ? undefined : await requirePlan(trx, flags.plan);
            // the price is in the currency of the plan it will be billed on
            const currency =
              flags.price === undefined
                ? undefined
                : (plan?.currency ?? (await trx.selectFrom('plans').select('currency').where('id', '=', (await requireMembership(trx, id)).plan_id).executeTakeFirstOrThrow()).currency);
            const membership = await setMembership(
              trx,
              id,
              {
                planId: plan?.id,
                quantity: flags.quantity,
                price: flags.price === undefined ? undefined : parseMembershipPrice(flags.price, currency!),
                autoRenew: flags.autoRenew,
                autoRenewUntil: dateOrNull(flags.autoRenewUntil),
                doNotRenew: flags.doNotRenew === undefined ? undefined : flags.doNotRenew ? { reason: flags.reason!.trim() } : false,
                intervention: flags.intervention === undefined ? undefined : flags.intervention === false ? false : { reason: flags.intervention.trim() },
                endDate: dateOrNull(flags.end),
                nextInvoiceDate: flags.nextInvoice,
              },
              auditSource(ctx.env),
            );
            // pending renewals follow the intervention flag: `intervention` while one is required, `open` after
            if (flags.intervention !== undefined) await syncInterventions(trx, id, auditSource(ctx.env));
            const billedPast = membership.end_date === null || flags.end === undefined ? [] : await invoicedPast(trx, id, membership.end_date);
            return { json: await membershipView(trx, membership, asOf), billedPast };
          });
          if (result.billedPast.length > 0) {
            const last = result.billedPast.reduce((a, b) => (a.periodEnd > b.periodEnd ? a : b));
            const numbers = result.billedPast.map((i) => i.number).join(', ');
            ctx.out.warn(
              `membership ${id} now ends on ${result.json.endDate}, but ${result.billedPast.length === 1 ? 'invoice' : 'invoices'} ${numbers} already ${result.billedPast.length === 1 ? 'bills' : 'bill'} it through ${last.periodEnd}: nothing is credited by itself; void ${result.billedPast.length === 1 ? 'it' : 'them'} with \`memberctl invoices void ${result.billedPast.length === 1 ? result.billedPast[0]!.number : 'NUMBER'} --reason TEXT\` if that period is not owed.`,
            );
          }
          ctx.out.result(result.json, () => `Updated ${describe(result.json)}.`);
        }),
      ),
    [
      'memberctl memberships set 12 --auto-renew-until 2026-12-31',
      'memberctl memberships set 12 --do-not-renew --reason "moving abroad"',
      'memberctl memberships set 12 --intervention "check the company still pays"',
      'memberctl memberships set 12 --end 2026-06-30 --json',
      'memberctl memberships set 12 --price 45.50',
      'memberctl memberships set 12 --price plan',
    ],
  );

  examples(
    memberships
      .command('list')
      .description('memberships with their member and status; a table, CSV (stdout or -o), xlsx (-o) or JSON')
      .option('--member <ref>', 'of this member (id, e-mail or exact name)')
      .option('--plan <name>', 'on this plan (exact name)')
      .option('--status <status>', 'upcoming, active, grace, suspended or ended (as of --today)')
      .option('--from <date>', 'running on or after this day: not ended before it (YYYY-MM-DD)', parseDateOption('--from'))
      .option('--to <date>', 'running on or before this day: started by then (YYYY-MM-DD)', parseDateOption('--to'))
      .option('--format <table|csv|xlsx|json>', 'output format (default table, or from the -o extension; --json is the same as --format json)')
      .option('-o, --output <file>', 'write the CSV or xlsx to this file')
      .action(
        action(async (ctx, flags: { member?: string; plan?: string; status?: string; from?: string; to?: string; format?: string; output?: string }) => {
          const { listMemberships, listedMembershipJson } = await import('../core/billing/membership-list.js');
          const { membershipStatuses } = await import('../core/status/status.js');
          const status = flags.status?.trim().toLowerCase();
          if (status !== undefined && !(membershipStatuses as readonly string[]).includes(status)) {
            throw usageError(`--status: "${flags.status}" is not a membership status; use one of ${membershipStatuses.join(', ')}`);
          }
          if (flags.from !== undefined && flags.to !== undefined && flags.from > flags.to) throw usageError(`--from ${flags.from} is after --to ${flags.to}`);
          const format = membershipsListFormat(flags, ctx.out.json);
          const { assertStdoutOpen, checkOutput, outputGuard } = await import('../safe-file.js');
          if (flags.output) checkOutput(flags.output, '-o', await outputGuard(ctx.dbUrl, []));
          else if (format !== 'table') assertStdoutOpen('the memberships');
          const db = await ctx.db();
          const memberId = flags.member === undefined ? undefined : (await (await import('../core/people/refs.js')).resolveMember(db.kysely, flags.member)).id;
          const listed = await listMemberships(db.kysely, await ctx.today(), {
            memberId,
            plan: flags.plan,
            status: status as import('../core/status/status.js').MembershipStatus | undefined,
            from: flags.from,
            to: flags.to,
          });
          if (format === 'json' && !flags.output) {
            const list = listed.map(listedMembershipJson);
            ctx.out.result(list, () => JSON.stringify(list, null, 2));
            return;
          }
          if (format === 'table') {
            const { renderTable } = await import('../output.js');
            if (listed.length === 0) ctx.out.print('No membership matches.');
            else {
              ctx.out.print(
                renderTable(listed.map(listedMembershipJson), [
                  { header: 'id', value: (m) => m.id, align: 'right' },
                  { header: 'member', value: (m) => `#${m.member.id} ${escapeControls(m.member.name)}` },
                  { header: 'plan', value: (m) => m.plan },
                  { header: 'qty', value: (m) => m.quantity, align: 'right' },
                  { header: 'price', value: (m) => `${m.price} ${m.currency}${m.followsPlanPrice ? '' : ' (own)'}`, align: 'right' },
                  { header: 'start', value: (m) => m.startDate },
                  { header: 'next invoice', value: (m) => m.nextInvoiceDate },
                  { header: 'end', value: (m) => m.endDate },
                  { header: 'status', value: (m) => m.status },
                ]),
              );
              ctx.out.info(`${listed.length} ${listed.length === 1 ? 'membership' : 'memberships'}`);
            }
            return;
          }
          const { writeMembershipList } = await import('../writers/membership-list.js');
          await writeMembershipList(listed, format, flags.output ? { file: flags.output, flag: '-o' } : { stream: process.stdout });
          if (flags.output) ctx.out.result({ file: flags.output, format, memberships: listed.length }, () => null);
          ctx.out.info(`Listed ${listed.length === 1 ? '1 membership' : `${listed.length} memberships`}${flags.output ? ` in ${flags.output}` : ''}.`);
        }),
      ),
    [
      'memberctl memberships list --plan "Hot Desk" --status active',
      'memberctl memberships list --member jane@example.org --json',
      'memberctl memberships list --from 2026-01-01 --to 2026-12-31 --format csv > memberships-2026.csv',
      'memberctl memberships list --status ended -o ended.xlsx',
    ],
  );

  examples(
    memberships
      .command('show')
      .argument('<id>', 'membership id (see `memberctl members show REF`)', parseWholeNumber('membership id', 1))
      .description("show a membership: its plan, dates, price per period (its own or the plan's) and status")
      .action(
        action(async (ctx, id: number) => {
          const { requireMembership } = await import('../core/billing/memberships.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const membership = await requireMembership(db.kysely, id);
          const json = await membershipView(db.kysely, membership, asOf);
          ctx.out.result(json, () =>
            [
              `membership ${json.id}: ${json.plan}${json.quantity === 1 ? '' : ` x ${json.quantity}`}, ${json.status}`,
              `price      ${priceText(json)} per period`,
              `starts     ${json.startDate}`,
              `next       ${json.nextInvoiceDate}`,
              `ends       ${json.endDate ?? 'no end date'}`,
              `auto-renew ${json.autoRenew ? `yes${json.autoRenewUntil ? ` (until ${json.autoRenewUntil})` : ''}` : 'no'}${json.doNotRenew ? ', do not renew' : ''}`,
            ]
              .map((line) => escapeControls(line))
              .join('\n'),
          );
        }),
      ),
    ['memberctl memberships show 12', 'memberctl memberships show 12 --json'],
  );

  examples(
    memberships
      .command('renew-now')
      .argument('<id>', 'membership id (see `memberctl members show REF`)', parseWholeNumber('membership id', 1))
      .description('open the renewal of the next term today, whatever the notice window (reopens a refused one)')
      .action(
        action(async (ctx, id: number) => {
          const { renewNow, renewalJson } = await import('../core/renewals/renewals.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const { renewal, change } = await db.kysely.transaction().execute((trx) => renewNow(trx, id, asOf, auditSource(ctx.env)));
          const json = { ...renewalJson(renewal), change };
          const verb = { opened: 'Opened', reopened: 'Reopened', unchanged: 'Already open:' }[change];
          ctx.out.result(json, () => `${verb} renewal ${json.id} of ${json.member.name} (${json.plan}, ${json.termStart} to ${json.termEnd}), ${json.status}${json.reason ? `: ${json.reason}` : ''}. Decide with \`memberctl renewals accept ${json.id}\` or \`memberctl renewals refuse ${json.id} --reason TEXT\`.`);
        }),
      ),
    ['memberctl memberships renew-now 12', 'memberctl memberships renew-now 12 --json'],
  );
}

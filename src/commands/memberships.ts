import type { Command } from 'commander';
import { type Action, examples, parseWholeNumber, parseYesNo } from '../command-kit.js';
import type { Queryable } from '../db/connect.js';
import type { Membership } from '../db/types.js';
import type { AdjustmentJson } from '../core/billing/adjustments.js';
import { dataError, usageError } from '../errors.js';
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
  creditUnused?: boolean;
  from?: string;
  prorate?: boolean;
  discount?: string;
  discountPeriods?: number;
  discountReason?: string;
  billDelegatesSeparately?: boolean;
}

interface PauseFlags {
  from: string;
  to?: string;
  reason?: string;
}

interface DelegatesFlags {
  add?: string;
  remove?: string;
  list?: boolean;
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
  const { discountJson } = await import('../core/billing/discounts.js');
  const { listDelegates } = await import('../core/billing/delegates.js');
  const json = membershipJson(own);
  const delegates = await listDelegates(db, membership.id);
  return {
    ...json,
    discount: await discountJson(db, membership.id, json.currency),
    delegates: delegates.map((d) => ({ id: d.id, name: d.name })),
    billDelegatesSeparately: membership.bill_delegates_separately === 1,
  };
}

type MembershipJson = Awaited<ReturnType<typeof membershipView>>;

/** "22.50 EUR (its own price)", "30.00 EUR (the plan's price)" */
export const priceText = (json: Pick<MembershipJson, 'price' | 'currency' | 'followsPlanPrice'>) =>
  `${json.price} ${json.currency} (${json.followsPlanPrice ? "the plan's price" : 'its own price'})`;

/** "Hot Desk, paused 2026-07-01 to 2026-07-31 (credit 31/31 days): -100.00 EUR" */
/** "from 2026-07-01 to 2026-07-31", "from 2026-07-01 until resumed" */
const pausedText = (p: { from: string; to: string | null }) => (p.to === null ? `from ${p.from} until resumed` : `from ${p.from} to ${p.to}`);

const adjustmentText = (a: AdjustmentJson): string => `${a.description}: ${a.net} ${a.currency}`;

/** "15% for 3 periods, 1 left (early bird)", "15.00 EUR per period until removed", "none" */
export function discountShown(json: Pick<MembershipJson, 'discount' | 'currency'>): string {
  const d = json.discount;
  if (d === null) return 'none';
  const value = d.kind === 'percent' ? d.value : `${d.value} ${json.currency} per period`;
  const periods = d.periods === null ? 'until removed' : `for ${d.periods} ${d.periods === 1 ? 'period' : 'periods'}, ${d.periodsLeft} left`;
  return `${value} ${periods}${d.reason ? ` (${d.reason})` : ''}`;
}

function describe(json: MembershipJson): string {
  const end = json.endDate ? `, ends ${json.endDate}` : '';
  const discount = json.discount ? `, discount ${discountShown(json)}` : '';
  return `membership ${json.id} (${json.plan}): starts ${json.startDate}, next invoice ${json.nextInvoiceDate}${end}, ${priceText(json)} per period${discount}, ${json.status}`;
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
      .description('change a membership: renewal, end date, plan, quantity, price, discount, next invoice date')
      .option('--plan <name>', 'move to another plan (from the next period, or from --from)')
      .option('--from <date>', 'with --plan: the first day on the new plan, not after the next invoice date (default: the next period)', parseDateOption('--from'))
      .option('--prorate', 'with --plan: credit the invoiced days from --from (default today) at the old price and charge them at the new one on the next invoice')
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
      .option('--discount <value>', "a discount on its next invoices: 10% or a net amount per period like 15.00 in the plan's currency (none: remove it)")
      .option('--discount-periods <n>', 'the discount lasts this many billed periods (default: until removed)', parseWholeNumber('--discount-periods', 1, 10_000))
      .option('--discount-reason <text>', 'why it is discounted (printed on the invoices)')
      .option('--bill-delegates-separately', 'bill each delegate their share on their own invoice (see `memberships delegates`)')
      .option('--no-bill-delegates-separately', "bill the holder's payer for the whole membership again")
      .option('--credit-unused', 'with --end: a credit note for the days after the end of each period already invoiced')
      .action(
        action(async (ctx, id: number, flags: SetFlags) => {
          const { requirePlan } = await import('../core/billing/plans.js');
          const { changeMembership, invoicedPast, parseMembershipPrice, requireMembership } = await import('../core/billing/memberships.js');
          const { adjustmentJson } = await import('../core/billing/adjustments.js');
          const { syncInterventions } = await import('../core/renewals/renewals.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          if (flags.doNotRenew === true && !flags.reason?.trim()) throw usageError('--do-not-renew needs --reason TEXT');
          if (flags.reason !== undefined && flags.doNotRenew !== true) throw usageError('--reason goes with --do-not-renew');
          if (typeof flags.intervention === 'string' && flags.intervention.trim() === '') throw usageError('--intervention needs a reason');
          if ((flags.from !== undefined || flags.prorate) && flags.plan === undefined) throw usageError(`${flags.from !== undefined ? '--from' : '--prorate'} goes with --plan NAME`);
          if (flags.discount === undefined && (flags.discountPeriods !== undefined || flags.discountReason !== undefined)) {
            throw usageError(`${flags.discountPeriods !== undefined ? '--discount-periods' : '--discount-reason'} goes with --discount VALUE`, 'give the whole discount again: it starts counting its periods anew');
          }
          if (flags.discount?.trim().toLowerCase() === 'none' && (flags.discountPeriods !== undefined || flags.discountReason !== undefined)) {
            throw usageError('--discount none removes the discount: it takes no --discount-periods or --discount-reason');
          }
          if (flags.discountReason !== undefined && flags.discountReason.trim() === '') throw usageError('--discount-reason needs a text');
          if (flags.creditUnused && (flags.end === undefined || flags.end === 'none')) throw usageError('--credit-unused goes with --end DATE: the days after that end are credited');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const result = await db.kysely.transaction().execute(async (trx) => {
            const { checkSeats, setBillDelegatesSeparately } = await import('../core/billing/delegates.js');
            // a membership keeps a seat for each of its delegates
            if (flags.quantity !== undefined) await checkSeats(trx, id, flags.quantity);
            const plan = flags.plan === undefined ? undefined : await requirePlan(trx, flags.plan);
            // the price is in the currency of the plan it will be billed on
            const currency =
              flags.price === undefined
                ? undefined
                : (plan?.currency ?? (await trx.selectFrom('plans').select('currency').where('id', '=', (await requireMembership(trx, id)).plan_id).executeTakeFirstOrThrow()).currency);
            if (plan !== undefined && flags.discount === undefined) {
              // a fixed discount is in the currency of the plan it was given for
              const { discountInForce, discountValueText } = await import('../core/billing/discounts.js');
              const current = await discountInForce(trx, id);
              const { currency: was } = await trx.selectFrom('plans').select('currency').where('id', '=', (await requireMembership(trx, id)).plan_id).executeTakeFirstOrThrow();
              if (current && current.amount !== null && was !== plan.currency) {
                throw dataError(
                  `membership ${id} has a discount of ${discountValueText(current, was)} per period, and plan "${plan.name}" bills in ${plan.currency}`,
                  `give the discount in ${plan.currency} with --discount AMOUNT, or --discount none`,
                );
              }
            }
            const changed = await changeMembership(
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
                planFrom: flags.from ?? (flags.prorate ? asOf : undefined),
                prorate: Boolean(flags.prorate),
              },
              auditSource(ctx.env),
            );
            let membership = changed.membership;
            const { adjustments } = changed;
            // pending renewals follow the intervention flag: `intervention` while one is required, `open` after
            if (flags.intervention !== undefined) await syncInterventions(trx, id, auditSource(ctx.env));
            if (flags.billDelegatesSeparately !== undefined) membership = await setBillDelegatesSeparately(trx, membership, flags.billDelegatesSeparately, auditSource(ctx.env));
            if (flags.discount !== undefined) {
              const { parseDiscount, setDiscount } = await import('../core/billing/discounts.js');
              const { currency: planCurrency } = await trx.selectFrom('plans').select('currency').where('id', '=', membership.plan_id).executeTakeFirstOrThrow();
              const value = parseDiscount(flags.discount, planCurrency);
              await setDiscount(
                trx,
                membership,
                value === null ? null : { value, periods: flags.discountPeriods ?? null, reason: flags.discountReason ?? null },
                planCurrency,
                auditSource(ctx.env),
              );
            }
            let credited: Array<{ number: string; invoice: string; line: number; days: number; total: string; currency: string }> | undefined;
            if (flags.creditUnused) {
              const { creditUnusedDays } = await import('../core/billing/credit-notes.js');
              const { formatAmount } = await import('../core/kernel/money.js');
              const notes = await creditUnusedDays(trx, id, membership.end_date!, asOf, auditSource(ctx.env));
              credited = notes.map((c) => ({ number: c.creditNote.number, invoice: c.invoice, line: c.line, days: c.days, total: formatAmount(c.creditNote.total, c.creditNote.currency), currency: c.creditNote.currency }));
            }
            const billedPast = membership.end_date === null || flags.end === undefined || flags.creditUnused ? [] : await invoicedPast(trx, id, membership.end_date);
            const view = await membershipView(trx, membership, asOf);
            // `adjustments` only after a prorated plan change: the membership shape stays as it was otherwise
            const json = flags.prorate ? { ...view, adjustments: adjustments.map(adjustmentJson) } : view;
            return { json: credited ? { ...json, creditNotes: credited } : json, adjustments, billedPast, credited };
          });
          for (const c of result.credited ?? []) ctx.out.info(`Credit note ${c.number} credits the ${c.days} unused days of line ${c.line} of ${c.invoice} (${c.total} ${c.currency}).`);
          if (result.credited?.length === 0) ctx.out.info(`No invoiced period of membership ${id} runs past ${result.json.endDate}: nothing to credit.`);
          if (result.billedPast.length > 0) {
            const last = result.billedPast.reduce((a, b) => (a.periodEnd > b.periodEnd ? a : b));
            const numbers = result.billedPast.map((i) => i.number).join(', ');
            ctx.out.warn(
              `membership ${id} now ends on ${result.json.endDate}, but ${result.billedPast.length === 1 ? 'invoice' : 'invoices'} ${numbers} already ${result.billedPast.length === 1 ? 'bills' : 'bill'} it through ${last.periodEnd}: nothing is credited by itself; void ${result.billedPast.length === 1 ? 'it' : 'them'} with \`memberctl invoices void ${result.billedPast.length === 1 ? result.billedPast[0]!.number : 'NUMBER'} --reason TEXT\` if that period is not owed.`,
            );
          }
          ctx.out.result(result.json, () => [`Updated ${describe(result.json)}.`, ...result.adjustments.map((a) => `  on the next invoice: ${adjustmentText(adjustmentJson(a))}`)].map((l) => escapeControls(l)).join('\n'));
        }),
      ),
    [
      'memberctl memberships set 12 --plan "Fixed Desk" --from 2026-07-16 --prorate',
      'memberctl memberships set 12 --auto-renew-until 2026-12-31',
      'memberctl memberships set 12 --do-not-renew --reason "moving abroad"',
      'memberctl memberships set 12 --intervention "check the company still pays"',
      'memberctl memberships set 12 --end 2026-06-30 --json',
      'memberctl memberships set 12 --end 2026-06-20 --credit-unused',
      'memberctl memberships set 12 --price 45.50',
      'memberctl memberships set 12 --price plan',
      'memberctl memberships set 12 --discount 15% --discount-periods 3 --discount-reason "early bird"',
      'memberctl memberships set 12 --discount 20.00',
      'memberctl memberships set 12 --discount none',
    ],
  );

  examples(
    memberships
      .command('list')
      .description('memberships with their member and status; a table, CSV (stdout or -o), xlsx (-o) or JSON')
      .option('--member <ref>', 'of this member (id, e-mail or exact name)')
      .option('--plan <name>', 'on this plan (exact name)')
      .option('--status <status>', 'upcoming, active, paused, grace, suspended or ended (as of --today)')
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
      .command('pause')
      .argument('<id>', 'membership id (see `memberctl members show REF`)', parseWholeNumber('membership id', 1))
      .description('pause a membership: its days from --from to --to are not billed, and invoiced ones are credited')
      .requiredOption('--from <date>', 'first paused day (YYYY-MM-DD)', parseDateOption('--from'))
      .option('--to <date>', 'last paused day, included (default: paused until `memberships resume`)', parseDateOption('--to'))
      .option('--reason <text>', 'why it is paused')
      .action(
        action(async (ctx, id: number, flags: PauseFlags) => {
          const { pauseMembership, pauseJson } = await import('../core/billing/pauses.js');
          const { adjustmentJson } = await import('../core/billing/adjustments.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const result = await db.kysely.transaction().execute(async (trx) => {
            const { pause, adjustments } = await pauseMembership(trx, id, { from: flags.from, to: flags.to ?? null, reason: flags.reason ?? null }, asOf, auditSource(ctx.env));
            const membership = await trx.selectFrom('memberships').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
            return { pause: pauseJson(pause), adjustments, membership: await membershipView(trx, membership, asOf) };
          });
          const json = { pause: result.pause, adjustments: result.adjustments.map(adjustmentJson), membership: result.membership };
          ctx.out.result(json, () =>
            [`Paused membership ${id} (${json.membership.plan}) ${pausedText(json.pause)}: ${json.membership.status}.`, ...result.adjustments.map((a) => `  on the next invoice: ${adjustmentText(adjustmentJson(a))}`)]
              .map((l) => escapeControls(l))
              .join('\n'),
          );
        }),
      ),
    [
      'memberctl memberships pause 12 --from 2026-07-01 --to 2026-08-31 --reason "summer abroad"',
      'memberctl memberships pause 12 --from 2026-07-01 --json              # until resumed',
    ],
  );

  examples(
    memberships
      .command('resume')
      .argument('<id>', 'membership id (see `memberctl members show REF`)', parseWholeNumber('membership id', 1))
      .description('end the pause in progress or to come: billed again from --on (on or before its first day: the pause is cancelled)')
      .option('--on <date>', 'first day billed again (default: today)', parseDateOption('--on'))
      .action(
        action(async (ctx, id: number, flags: { on?: string }) => {
          const { resumeMembership, pauseJson } = await import('../core/billing/pauses.js');
          const { adjustmentJson } = await import('../core/billing/adjustments.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const on = flags.on ?? asOf;
          const result = await db.kysely.transaction().execute(async (trx) => {
            const { pause, cancelled, adjustments } = await resumeMembership(trx, id, on, asOf, auditSource(ctx.env));
            const membership = await trx.selectFrom('memberships').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
            return { pause: pauseJson(pause), cancelled, adjustments, membership: await membershipView(trx, membership, asOf) };
          });
          const json = { pause: result.pause, resumedOn: on, adjustments: result.adjustments.map(adjustmentJson), membership: result.membership };
          const what = result.cancelled ? `pause ${pausedText(json.pause)} cancelled` : `paused ${pausedText(json.pause)}`;
          ctx.out.result(json, () =>
            [`Resumed membership ${id} (${json.membership.plan}) on ${on}: ${what}; ${json.membership.status}.`, ...result.adjustments.map((a) => `  on the next invoice: ${adjustmentText(adjustmentJson(a))}`)]
              .map((l) => escapeControls(l))
              .join('\n'),
          );
        }),
      ),
    ['memberctl memberships resume 12', 'memberctl memberships resume 12 --on 2026-08-15 --json'],
  );

  examples(
    memberships
      .command('show')
      .argument('<id>', 'membership id (see `memberctl members show REF`)', parseWholeNumber('membership id', 1))
      .description("show a membership: its plan, dates, price per period (its own or the plan's), discount and status")
      .action(
        action(async (ctx, id: number) => {
          const { requireMembership } = await import('../core/billing/memberships.js');
          const { pauseJson, pausesOf } = await import('../core/billing/pauses.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const membership = await requireMembership(db.kysely, id);
          const json = { ...(await membershipView(db.kysely, membership, asOf)), pauses: (await pausesOf(db.kysely, id)).map(pauseJson) };
          ctx.out.result(json, () =>
            [
              `membership ${json.id}: ${json.plan}${json.quantity === 1 ? '' : ` x ${json.quantity}`}, ${json.status}`,
              `price      ${priceText(json)} per period`,
              `discount   ${discountShown(json)}`,
              ...(json.delegates.length > 0 || json.quantity > 1
                ? [`delegates  ${json.delegates.length} of ${json.quantity} ${json.quantity === 1 ? 'seat' : 'seats'}${json.delegates.length > 0 ? `: ${json.delegates.map((d) => `${d.name} (#${d.id})`).join(', ')}` : ''}${json.billDelegatesSeparately ? ', each billed their share' : ''}`]
                : []),
              `starts     ${json.startDate}`,
              `next       ${json.nextInvoiceDate}`,
              `ends       ${json.endDate ?? 'no end date'}`,
              `auto-renew ${json.autoRenew ? `yes${json.autoRenewUntil ? ` (until ${json.autoRenewUntil})` : ''}` : 'no'}${json.doNotRenew ? ', do not renew' : ''}`,
              ...json.pauses.map((p) => `paused     ${pausedText(p)}${p.reason ? ` (${p.reason})` : ''}`),
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
      .command('delegates')
      .argument('<id>', 'membership id (see `memberctl members show REF`)', parseWholeNumber('membership id', 1))
      .description('the people a membership with several seats names (company seats): each is a member through it')
      .option('--add <ref>', 'name a delegate (member id, e-mail or exact name): one per seat')
      .option('--remove <ref>', 'remove a delegate')
      .option('--list', 'list its delegates (the default)')
      .action(
        action(async (ctx, id: number, flags: DelegatesFlags) => {
          const chosen = [flags.add !== undefined, flags.remove !== undefined, flags.list === true].filter(Boolean).length;
          if (chosen > 1) throw usageError('give one of --add REF, --remove REF or --list');
          const { requireMembership } = await import('../core/billing/memberships.js');
          const { addDelegate, listDelegates, removeDelegate } = await import('../core/billing/delegates.js');
          const { resolveMember } = await import('../core/people/refs.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const result = await db.kysely.transaction().execute(async (trx) => {
            const membership = await requireMembership(trx, id);
            let change: 'added' | 'removed' | 'unchanged' | null = null;
            if (flags.add !== undefined) {
              const member = await resolveMember(trx, flags.add);
              change = (await addDelegate(trx, membership, member, auditSource(ctx.env))).added ? 'added' : 'unchanged';
            } else if (flags.remove !== undefined) {
              await removeDelegate(trx, membership, await resolveMember(trx, flags.remove), auditSource(ctx.env));
              change = 'removed';
            }
            const delegates = await listDelegates(trx, id);
            return { membership: id, seats: membership.quantity, billSeparately: membership.bill_delegates_separately === 1, delegates, ...(change ? { change } : {}) };
          });
          ctx.out.result(result, () => {
            const head = `membership ${id}: ${result.delegates.length} of ${result.seats} ${result.seats === 1 ? 'seat' : 'seats'} named${result.billSeparately ? ', each delegate billed their share' : ''}`;
            const verb = result.change === 'added' ? `Added ${flags.add!.trim()}. ` : result.change === 'removed' ? `Removed ${flags.remove!.trim()}. ` : result.change === 'unchanged' ? `${flags.add!.trim()} already is a delegate. ` : '';
            return [`${verb}${head}`, ...result.delegates.map((d) => `  #${d.id}  ${d.name}${d.email ? ` <${d.email}>` : ''}  since ${d.since.slice(0, 10)}`)].map((line) => escapeControls(line)).join('\n');
          });
        }),
      ),
    [
      'memberctl memberships delegates 12 --add jane@example.org',
      'memberctl memberships delegates 12 --remove "Tom Doe"',
      'memberctl memberships delegates 12 --list --json',
      'memberctl memberships set 12 --bill-delegates-separately',
    ],
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

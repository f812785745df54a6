import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import type { ApplyResult, RefundResult } from '../core/billing/credit-apply.js';
import type { CreditsView } from '../core/billing/credits.js';
import type { SpendResult } from '../core/renewals/spending.js';
import type { Queryable } from '../db/connect.js';
import { usageError } from '../errors.js';
import { renderTable } from '../output.js';

interface ApplyFlags {
  invoice: string;
  amount?: string;
}

interface RefundFlags {
  amount: string;
  method: string;
  reference?: string;
  currency?: string;
}

const refundMethods = ['card', 'cash', 'transfer', 'check', 'other'];

interface UseFlags {
  amount: string;
  currency?: string;
  description?: string;
}

/** The currency of a member's credit a command works on: `--currency`, else the one their credit is in. */
async function currencyOf(db: Queryable, memberId: number, flag: string | undefined): Promise<string> {
  if (flag === undefined) {
    const { creditCurrency, memberEntries } = await import('../core/billing/credits.js');
    return creditCurrency(db, await memberEntries(db, [memberId]));
  }
  const { normalizeCurrency } = await import('../core/kernel/money.js');
  const normalized = normalizeCurrency(flag);
  if (normalized === null) throw usageError(`--currency: "${flag}" is not a currency code such as EUR`);
  return normalized;
}

function renderCredits(view: CreditsView): string {
  const lines = [
    `${view.member.name} (#${view.member.id})`,
    `money    ${view.money.balance} ${view.money.currency} (pays the next invoices; can be paid back)`,
    ...view.otherMoney.map((other) => `money    ${other.balance} ${other.currency}`),
    `credits  ${view.credits.balance} ${view.credits.currency} (plan credits)${Number(view.credits.frozen) !== 0 ? `, ${view.credits.frozen} frozen while suspended` : ''}`,
    ...view.otherCredits.map((other) => `credits  ${other.balance} ${other.currency}`),
    `passes   ${view.passes.balance}${view.passes.frozen > 0 ? ` (${view.passes.frozen} frozen while suspended)` : ''}`,
  ];
  const grants = [
    ...view.credits.grants.map((g) => ({ unit: 'credits', ...g })),
    ...view.passes.grants.map((g) => ({ unit: 'passes', ...g })),
  ];
  if (grants.length > 0) {
    lines.push(
      '',
      renderTable(grants, [
        { header: 'grant', value: (g) => g.unit },
        { header: 'granted on', value: (g) => g.grantedOn },
        { header: 'granted', value: (g) => g.granted, align: 'right' },
        { header: 'remaining', value: (g) => g.remaining, align: 'right' },
        { header: 'expires on', value: (g) => g.expiresOn },
      ]),
    );
  }
  if (view.ledger.length > 0) {
    lines.push(
      '',
      renderTable(view.ledger, [
        { header: 'date', value: (e) => e.date },
        { header: 'account', value: (e) => e.account },
        { header: 'kind', value: (e) => e.kind },
        { header: 'amount', value: (e) => (e.unit === 'pass' ? `${e.amount} pass${Math.abs(Number(e.amount)) === 1 ? '' : 'es'}` : `${e.amount} ${e.currency}`), align: 'right' },
        { header: 'description', value: (e) => e.description },
      ]),
    );
  }
  return lines.join('\n');
}

const money = (amount: number, currency: string, format: (amount: number, currency: string) => string) => `${format(amount, currency)} ${currency}`;

function describeApplied(result: ApplyResult, format: (amount: number, currency: string) => string): string {
  const c = result.invoice.currency;
  const parts = [result.fromMoney > 0 ? `${money(result.fromMoney, c, format)} money` : null, result.fromPlanCredits > 0 ? `${money(result.fromPlanCredits, c, format)} plan credits` : null].filter(Boolean);
  return [
    `Applied ${money(result.payment.amount, c, format)} of ${result.member.name}'s credit (${parts.join(', ')}) to ${result.invoice.number} as payment #${result.payment.id}; it is now ${result.invoice.status} (paid ${format(result.paid, c)} of ${format(result.invoice.total, c)}).`,
    `Left: ${money(result.left.money, c, format)} money, ${money(result.left.planCredits, c, format)} plan credits.`,
  ].join('\n');
}

/** The human line of a spending, shared with `passes use`. */
export function describeSpending(result: SpendResult): string {
  const unit = (n: string | number) => (result.unit === 'credit' ? `${n} ${result.currency}` : `${n} pass${Number(n) === 1 ? '' : 'es'}`);
  const lines = [`Used ${unit(result.used)} of ${result.member.name}'s ${result.unit === 'credit' ? 'credits' : 'passes'}; ${unit(result.balance)} left.`];
  for (const t of result.transitions) lines.push(`${result.member.name}'s status is now ${t.to} (was ${t.from}).`);
  return lines.join('\n');
}

export function registerCredits(program: Command, action: Action): void {
  const credits = program.command('credits').description('money credit and the credits and passes granted by plans: balances, spending, paying invoices, paying back');

  examples(
    credits
      .command('show')
      .argument('<ref>', 'member id, e-mail or exact name')
      .description('balances, grants with what remains and when they expire, and the ledger')
      .action(
        action(async (ctx, ref: string) => {
          const { resolveMember } = await import('../core/people/refs.js');
          const { creditsView } = await import('../core/billing/credits.js');
          const db = await ctx.db();
          const { loadMemberState } = await import('../core/status/member-status.js');
          const member = await resolveMember(db.kysely, ref);
          // frozen as spending sees it: by the status today, before the next job run records it
          const state = await loadMemberState(db.kysely, member.id, await ctx.today());
          const view = await creditsView(db.kysely, member, state.status === 'suspended');
          ctx.out.result(view, () => renderCredits(view));
        }),
      ),
    ['memberctl credits show jane@example.org', 'memberctl credits show 42 --json'],
  );

  examples(
    credits
      .command('use')
      .argument('<ref>', 'member id, e-mail or exact name')
      .description('spend credits, oldest grant first; more than the balance is refused (65) and changes nothing')
      .requiredOption('--amount <amount>', 'amount, e.g. 10 or 12.50')
      .option('--currency <code>', 'currency of the credits spent (default: the member\'s, else the organisation\'s)')
      .option('--description <text>', 'what it was used for')
      .action(
        action(async (ctx, ref: string, flags: UseFlags) => {
          const { resolveMember } = await import('../core/people/refs.js');
          const { parseAmount } = await import('../core/kernel/money.js');
          const { spend } = await import('../core/renewals/spending.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const member = await resolveMember(db.kysely, ref);
          const currency = await currencyOf(db.kysely, member.id, flags.currency);
          const parsed = parseAmount(flags.amount, currency);
          if (!parsed.ok) throw usageError(`--amount: "${flags.amount}": ${parsed.message}`, 'write it like 10, 12.50 or 12,50');
          if (parsed.value <= 0) throw usageError(`--amount: "${flags.amount}": more than 0, please`);
          const result = await spend(
            db.kysely,
            member,
            { unit: 'credit', amount: parsed.value, currency, description: flags.description?.trim() || null },
            asOf,
            auditSource(ctx.env),
          );
          ctx.out.result(result, () => describeSpending(result));
        }),
      ),
    ['memberctl credits use jane@example.org --amount 15 --description "meeting room, 2 hours"', 'memberctl credits use 42 --amount 7.50 --json'],
  );

  examples(
    credits
      .command('apply')
      .argument('<ref>', 'member id, e-mail or exact name: whose credit pays')
      .description('pay an open invoice from the member\'s credit: their money first, then their plan credits (oldest grant first)')
      .requiredOption('--invoice <number>', 'the invoice to pay, one the member pays or is billed on')
      .option('--amount <amount>', 'how much, in the invoice\'s currency (default: what is due, or all the credit if less)')
      .action(
        action(async (ctx, ref: string, flags: ApplyFlags) => {
          const { resolveMember } = await import('../core/people/refs.js');
          const { applyCredit } = await import('../core/billing/credit-apply.js');
          const { paymentJson, withInvoice } = await import('../core/billing/payments.js');
          const { formatAmount } = await import('../core/kernel/money.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const member = await resolveMember(db.kysely, ref);
          const result = await applyCredit(db.kysely, member, { invoice: flags.invoice, amount: flags.amount ?? null }, asOf, auditSource(ctx.env));
          const c = result.invoice.currency;
          const json = {
            ...paymentJson(withInvoice(result.payment, result.invoice)),
            invoiceStatus: result.invoice.status,
            fromMoney: formatAmount(result.fromMoney, c),
            fromPlanCredits: formatAmount(result.fromPlanCredits, c),
            left: { money: formatAmount(result.left.money, c), credits: formatAmount(result.left.planCredits, c), currency: c },
          };
          ctx.out.result(json, () => describeApplied(result, formatAmount));
        }),
      ),
    [
      'memberctl credits apply jane@example.org --invoice INV-2026-00042',
      'memberctl credits apply 42 --invoice INV-2026-00042 --amount 20 --json',
    ],
  );

  examples(
    credits
      .command('refund')
      .argument('<ref>', 'member id, e-mail or exact name')
      .description('record money credit paid back to the member; more than their money balance is refused (65)')
      .requiredOption('--amount <amount>', 'amount paid back, e.g. 30 or 12,50')
      .requiredOption('--method <method>', `how it was paid back: ${refundMethods.join(', ')}`)
      .option('--reference <text>', 'bank reference, cheque number, ...')
      .option('--currency <code>', 'currency of the money paid back (default: the member\'s, else the organisation\'s)')
      .action(
        action(async (ctx, ref: string, flags: RefundFlags) => {
          const method = flags.method.trim().toLowerCase();
          if (!refundMethods.includes(method)) throw usageError(`--method: "${flags.method}" is not a method; use ${refundMethods.join(', ')}`);
          const { resolveMember } = await import('../core/people/refs.js');
          const { refundCredit } = await import('../core/billing/credit-apply.js');
          const { formatAmount } = await import('../core/kernel/money.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const member = await resolveMember(db.kysely, ref);
          const currency = await currencyOf(db.kysely, member.id, flags.currency);
          const result: RefundResult = await refundCredit(
            db.kysely,
            member,
            { amount: flags.amount, currency, method: method as RefundResult['method'], reference: flags.reference?.trim() || null },
            asOf,
            auditSource(ctx.env),
          );
          const json = { ...result, amount: formatAmount(result.amount, currency), balance: formatAmount(result.balance, currency) };
          ctx.out.result(json, () => `Paid back ${json.amount} ${currency} to ${result.member.name} by ${result.method}${result.reference ? ` (${result.reference})` : ''}; ${json.balance} ${currency} money left.`);
        }),
      ),
    ['memberctl credits refund jane@example.org --amount 30 --method transfer --reference "VIR 2026-118"', 'memberctl credits refund 42 --amount 12,50 --method cash --json'],
  );
}

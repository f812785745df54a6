import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import type { CreditsView } from '../core/billing/credits.js';
import type { SpendResult } from '../core/renewals/spending.js';
import { usageError } from '../errors.js';
import { renderTable } from '../output.js';

interface UseFlags {
  amount: string;
  currency?: string;
  description?: string;
}

function renderCredits(view: CreditsView): string {
  const lines = [
    `${view.member.name} (#${view.member.id})`,
    `credits  ${view.credits.balance} ${view.credits.currency}${Number(view.credits.frozen) !== 0 ? ` (${view.credits.frozen} frozen while suspended)` : ''}`,
    `passes   ${view.passes.balance}${view.passes.frozen > 0 ? ` (${view.passes.frozen} frozen while suspended)` : ''}`,
  ];
  for (const other of view.otherCredits) lines.push(`credits  ${other.balance} ${other.currency}`);
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
        { header: 'kind', value: (e) => e.kind },
        { header: 'amount', value: (e) => (e.unit === 'pass' ? `${e.amount} pass${Math.abs(Number(e.amount)) === 1 ? '' : 'es'}` : `${e.amount} ${e.currency}`), align: 'right' },
        { header: 'description', value: (e) => e.description },
      ]),
    );
  }
  return lines.join('\n');
}

/** The human line of a spending, shared with `passes use`. */
export function describeSpending(result: SpendResult): string {
  const unit = (n: string | number) => (result.unit === 'credit' ? `${n} ${result.currency}` : `${n} pass${Number(n) === 1 ? '' : 'es'}`);
  const lines = [`Used ${unit(result.used)} of ${result.member.name}'s ${result.unit === 'credit' ? 'credits' : 'passes'}; ${unit(result.balance)} left.`];
  for (const t of result.transitions) lines.push(`${result.member.name}'s status is now ${t.to} (was ${t.from}).`);
  return lines.join('\n');
}

export function registerCredits(program: Command, action: Action): void {
  const credits = program.command('credits').description('credits and passes granted by plans: balances and spending');

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
          const member = await resolveMember(db.kysely, ref);
          const view = await creditsView(db.kysely, member);
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
          const { creditCurrency, memberEntries } = await import('../core/billing/credits.js');
          const { normalizeCurrency, parseAmount } = await import('../core/kernel/money.js');
          const { spend } = await import('../core/renewals/spending.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const member = await resolveMember(db.kysely, ref);
          let currency: string;
          if (flags.currency !== undefined) {
            const normalized = normalizeCurrency(flags.currency);
            if (normalized === null) throw usageError(`--currency: "${flags.currency}" is not a currency code such as EUR`);
            currency = normalized;
          } else currency = await creditCurrency(db.kysely, await memberEntries(db.kysely, [member.id]));
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
}

import type { Command } from 'commander';
import { type Action, examples, parseWholeNumber } from '../command-kit.js';

interface UseFlags {
  count?: number;
  description?: string;
}

export function registerPasses(program: Command, action: Action): void {
  const passes = program.command('passes').description('passes granted by plans (day passes, guest passes...): spending');

  examples(
    passes
      .command('use')
      .argument('<ref>', 'member id, e-mail or exact name')
      .description('use passes, oldest grant first; more than the balance is refused (65) and changes nothing')
      .option('--count <n>', 'how many (default 1)', parseWholeNumber('--count', 1, 100_000))
      .option('--description <text>', 'what it was used for')
      .action(
        action(async (ctx, ref: string, flags: UseFlags) => {
          const { resolveMember } = await import('../core/people/refs.js');
          const { spend } = await import('../core/renewals/spending.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const { describeSpending } = await import('./credits.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const member = await resolveMember(db.kysely, ref);
          const result = await spend(
            db.kysely,
            member,
            { unit: 'pass', amount: flags.count ?? 1, currency: null, description: flags.description?.trim() || null },
            asOf,
            auditSource(ctx.env),
          );
          ctx.out.result(result, () => describeSpending(result));
        }),
      ),
    ['memberctl passes use jane@example.org', 'memberctl passes use 42 --count 2 --description "guests at the open day" --json'],
  );
}

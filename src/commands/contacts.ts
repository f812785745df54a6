import type { Command } from 'commander';
import { type Action, examples, parseWholeNumber, parseYesNo } from '../command-kit.js';
import { usageError } from '../errors.js';
import { type ListFlags, listOptions, type MemberFlags, memberInput, memberOptions, outputFormat, parseLimit, printMembers } from './members.js';

export function registerContacts(program: Command, action: Action): void {
  const contacts = program.command('contacts').description('people without a membership: add without duplicates, list, convert to members');

  examples(
    listOptions(contacts.command('list').description('list contacts (people who never had a membership)'), false).action(
      action(async (ctx, flags: ListFlags) => {
        const { listMembers } = await import('../core/people/members.js');
        const format = outputFormat(ctx, flags.format);
        const limit = await parseLimit(flags.limit);
        const db = await ctx.db();
        const views = await listMembers(db.kysely, await ctx.today(), {
          contactsOnly: true,
          company: flags.company,
          tags: flags.tag,
          search: flags.search,
          limit,
        });
        await printMembers(ctx, views, format, 'No contacts match.');
      }),
    ),
    ['memberctl contacts list', 'memberctl contacts list --tag Newsletter --format csv > contacts.csv'],
  );

  examples(
    memberOptions(
      contacts.command('add').description('add a contact; a person with the same e-mail (any case) is updated instead, never duplicated'),
      true,
    ).action(
      action(async (ctx, flags: MemberFlags) => {
        const { upsertContact } = await import('../core/people/contacts.js');
        const { memberView, memberJson } = await import('../core/people/members.js');
        const { auditSource } = await import('../core/kernel/audit.js');
        const input = await memberInput(flags);
        const db = await ctx.db();
        const today = await ctx.today();
        const { retryingUniqueRace } = await import('../db/connect.js');
        const { written, view } = await retryingUniqueRace(db, async (trx) => {
          const result = await upsertContact(trx, { ...input, name: flags.name ?? '' }, auditSource(ctx.env));
          return { written: result, view: await memberView(trx, result.member, today) };
        });
        for (const c of written.createdCompanies) ctx.out.info(`Created company "${c}".`);
        if (written.sameName.length > 0) {
          ctx.out.warn(
            `${written.sameName.map((m) => `#${m.id}`).join(', ')} also named "${view.member.name}" without an e-mail: if it is the same person, merge them with \`memberctl members merge ${written.sameName[0]!.id} ${view.member.id}\``,
          );
        }
        if (written.hasMemberships) ctx.out.warn(`#${view.member.id} ${view.member.name} has memberships: updated, but not a contact`);
        const verb = { created: 'Added contact', updated: 'Updated', unchanged: 'Nothing to change for' }[written.result];
        ctx.out.result({ ...memberJson(view), result: written.result }, () => `${verb} #${view.member.id} ${view.member.name}.`);
      }),
    ),
    [
      'memberctl contacts add --name "Paul Martin" --email paul@example.org --tag Newsletter',
      'memberctl contacts add --name "Paul Martin" --email PAUL@example.org --phone "+33 6 00 00 00 00"   # updates Paul',
    ],
  );

  examples(
    contacts
      .command('convert')
      .argument('<ref>', 'contact id, e-mail or exact name')
      .description('give a contact their first membership: they become upcoming or a member')
      .requiredOption('--plan <name>', 'exact plan name')
      .requiredOption('--start <date>', 'membership start, YYYY-MM-DD')
      .option('--next-invoice <date>', 'first recurring invoice date, YYYY-MM-DD (the period before it counts as paid unless --prorate)')
      .option('--prorate', 'bill the first period prorated, from the start to the first recurring invoice date')
      .option('--quantity <n>', 'quantity (default 1)', parseWholeNumber('--quantity', 1, 10_000))
      .option('--auto-renew <yes|no>', 'renew automatically (default: the plan\'s)', parseYesNo('--auto-renew'))
      .action(
        action(
          async (
            ctx,
            ref: string,
            flags: { plan: string; start: string; nextInvoice?: string; prorate?: boolean; quantity?: number; autoRenew?: boolean },
          ) => {
            const { isIsoDate } = await import('../core/kernel/dates.js');
            for (const [flag, value] of [
              ['--start', flags.start],
              ['--next-invoice', flags.nextInvoice],
            ] as const) {
              if (value !== undefined && !isIsoDate(value.trim())) throw usageError(`${flag}: "${value}" is not a date; use YYYY-MM-DD`);
            }
            const { convertContact } = await import('../core/people/contacts.js');
            const { resolveMember } = await import('../core/people/refs.js');
            const { memberView, memberJson, membershipJson } = await import('../core/people/members.js');
            const { auditSource } = await import('../core/kernel/audit.js');
            const db = await ctx.db();
            const today = await ctx.today();
            const { view, membershipId } = await db.kysely.transaction().execute(async (trx) => {
              const contact = await resolveMember(trx, ref, 'contact');
              const membership = await convertContact(
                trx,
                contact,
                {
                  plan: flags.plan,
                  startDate: flags.start.trim(),
                  nextInvoiceDate: flags.nextInvoice?.trim(),
                  prorate: flags.prorate,
                  quantity: flags.quantity,
                  autoRenew: flags.autoRenew,
                },
                auditSource(ctx.env),
              );
              return { view: await memberView(trx, contact, today), membershipId: membership.id };
            });
            const memberships = view.state.memberships.map(membershipJson);
            ctx.out.result({ ...memberJson(view), memberships }, () => {
              const m = memberships.find((x) => x.id === membershipId)!;
              return `#${view.member.id} ${view.member.name} is now ${view.state.status === 'member' ? 'a member' : view.state.status}: membership ${m.id} (${m.plan}) from ${m.startDate}, next invoice ${m.nextInvoiceDate}.`;
            });
          },
        ),
      ),
    [
      'memberctl contacts convert paul@example.org --plan "Hot Desk" --start 2026-03-01',
      'memberctl contacts convert "Paul Martin" --plan "Hot Desk" --start 2026-03-15 --next-invoice 2026-04-01 --prorate',
    ],
  );
}

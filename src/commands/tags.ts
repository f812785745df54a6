import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import { renderTable } from '../output.js';

export function registerTags(program: Command, action: Action): void {
  const tags = program.command('tags').description('tags, written Tag or Category/Tag: list by category, rename everywhere');

  examples(
    tags
      .command('list')
      .description('list tags by category with their number of members')
      .option('--category <name>', 'only the tags of this category')
      .action(
        action(async (ctx, flags: { category?: string }) => {
          const { listTags } = await import('../core/people/tags.js');
          const db = await ctx.db();
          const rows = await listTags(db.kysely, { category: flags.category });
          ctx.out.result(rows, () =>
            rows.length === 0
              ? 'No tags yet. Tag someone with `memberctl members tag REF TAG`.'
              : renderTable(rows, [
                  { header: 'category', value: (t) => t.category },
                  { header: 'tag', value: (t) => t.name },
                  { header: 'members', value: (t) => t.members, align: 'right' },
                ]),
          );
        }),
      ),
    ['memberctl tags list', 'memberctl tags list --category Sport --json'],
  );

  examples(
    tags
      .command('rename')
      .argument('<from>', 'existing tag (any case), or a category with --category')
      .argument('<to>', 'new name; an existing tag of that name absorbs this one')
      .option('--category', 'rename a category: every Category/... tag moves to the new category')
      .description('rename a tag (or a category) on every member')
      .action(
        action(async (ctx, from: string, to: string, flags: { category?: boolean }) => {
          const { renameTag, renameCategory } = await import('../core/people/tags.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          if (ctx.interactive) {
            const { confirmOrStop } = await import('../confirm.js');
            const { tagsRenamedOntoExisting } = await import('../core/people/tags.js');
            const merges = await tagsRenamedOntoExisting(db.kysely, from, to, Boolean(flags.category));
            const summary = `${merges.map((m) => `"${m.from}" merges into the existing tag "${m.to}" (${m.members} member(s)).`).join('\n')}\nTwo tags merged cannot be told apart again.`;
            if (merges.length > 0 && !(await confirmOrStop(summary, { ctx }))) return 0;
          }
          const result = await db.kysely
            .transaction()
            .execute((trx) => (flags.category ? renameCategory(trx, from, to, auditSource(ctx.env)) : renameTag(trx, from, to, auditSource(ctx.env))));
          ctx.out.result(result, () => {
            const lines = [
              ...result.renamed.map((r) => `Renamed "${r.from}" to "${r.to}".`),
              ...result.merged.map((r) => `Merged "${r.from}" into the existing "${r.to}".`),
            ];
            if (lines.length === 0) return 'Nothing to rename.';
            lines.push(`${result.members} member tag(s) changed.`);
            return lines.join('\n');
          });
        }),
      ),
    ['memberctl tags rename "Sport/Yoga" "Sport/Hatha yoga"', 'memberctl tags rename Sport Fitness --category'],
  );
}

import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import { usageError } from '../errors.js';

interface TemplateFlags {
  output?: string;
  format?: string;
  lang?: string;
}

export function registerTemplate(program: Command, action: Action): void {
  examples(
    program
      .command('template')
      .description('write the member import template (xlsx with a plan drop-down and instructions, or a CSV header)')
      .option('-o, --output <file>', 'where to write it (default: members-template.xlsx, or .csv with --format csv)')
      .option('--format <xlsx|csv>', 'file format (default: from the -o extension, else xlsx)')
      .option('--lang <en|fr>', 'header language (default en)', 'en')
      .action(
        action(async (ctx, flags: TemplateFlags) => {
          const lang = flags.lang?.toLowerCase();
          if (lang !== 'en' && lang !== 'fr') throw usageError(`--lang: "${flags.lang}" must be en or fr`);
          const fromName = flags.output?.toLowerCase().endsWith('.csv') ? 'csv' : flags.output ? 'xlsx' : undefined;
          const format = (flags.format?.toLowerCase() ?? fromName ?? 'xlsx') as string;
          if (format !== 'xlsx' && format !== 'csv') throw usageError(`--format: "${flags.format}" must be xlsx or csv`);
          const extension = flags.output === undefined ? null : path.extname(flags.output).toLowerCase();
          if (extension === '.csv' || extension === '.xlsx') {
            if (extension !== `.${format}`) throw usageError(`--format ${format} does not fit the name ${flags.output}: name it .${format}, or leave --format out`);
          }
          const file = flags.output ?? (lang === 'fr' ? `modele-membres.${format}` : `members-template.${format}`);
          const { checkOutput, outputGuard } = await import('../safe-file.js');
          checkOutput(file, '-o', await outputGuard(ctx.dbUrl, []));
          // a template filled in at the same place is work nobody wants to lose: at a terminal, ask first
          if (ctx.interactive && fs.existsSync(file)) {
            const { confirm } = await import('../prompt.js');
            if (!(await confirm({ interactive: true }, `${file} exists already (it may be a filled-in copy). Replace it with an empty template?`, false))) {
              ctx.out.info(`Kept ${file}; write the template elsewhere with -o FILE.`);
              return 0;
            }
          }

          const { listPlans } = await import('../core/billing/plans.js');
          const { formatAmount } = await import('../core/kernel/money.js');
          const { writeTemplate, templateHeaders } = await import('../writers/template.js');
          const db = await ctx.db();
          const plans = (await listPlans(db.kysely)).map((p) => ({
            name: p.name,
            price: formatAmount(p.price, p.currency),
            currency: p.currency,
            interval: p.every === 1 ? p.interval : `${p.every} ${p.interval}s`,
          }));
          await writeTemplate(file, { format, lang, plans, flag: '-o' });
          const columns = templateHeaders(lang);
          ctx.out.result({ file, format, lang, columns, plans: plans.map((p) => p.name) }, () =>
            format === 'csv'
              ? `Wrote ${file}: the ${columns.length} template headers.`
              : `Wrote ${file}: ${columns.length} columns, ${plans.length} plan(s) in the drop-down, instructions on the Instructions sheet.`,
          );
        }),
      ),
    ['memberctl template', 'memberctl template --lang fr -o modele.xlsx', 'memberctl template --format csv -o members.csv'],
  );
}

import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import type { Context } from '../context.js';
import type { CompanyInput, CompanySummary } from '../core/people/companies.js';
import { renderTable } from '../output.js';
import { escapeControls } from '../terminal-text.js';

// commander names these options as the fields of CompanyInput, so a command's flags are its input
function companyOptions(command: Command, edit: boolean): Command {
  if (edit) command.option('--name <name>', 'new exact name');
  return command
    .option('--parent <name>', `parent company (exact name${edit ? '; "" removes it' : ''})`)
    .option('--billing-email <email>', 'where invoices for the company go')
    .option('--address <lines>', 'street address, up to 3 lines separated by line breaks ("" removes it)')
    .option('--postcode <code>', 'postcode, in the format of the country ("" removes it)')
    .option('--city <city>', 'city ("" removes it)')
    .option('--country <code>', 'ISO 3166-1 alpha-2 country code, e.g. FR, BE ("" or never given: the organisation\'s)')
    .option('--siren <siren>', 'SIREN, 9 digits (a 14-digit SIRET is accepted: its SIREN is kept; "" removes it)')
    .option('--vat-id <vat>', 'VAT number, e.g. FR44732829320 ("" removes it)')
    .option('--tax-id <id>', 'other tax id, free text')
    .option('--notes <text>', 'free text');
}

function warnVariants(ctx: Context, name: string, variants: string[]): void {
  if (variants.length > 0) {
    ctx.out.warn(`"${name}" differs from ${variants.map((v) => `"${v}"`).join(', ')} only by case, accents, punctuation or spacing`);
  }
}

function companyBlock(s: CompanySummary): string {
  const c = s.company;
  const rows: Array<[string, string | null]> = [
    ['parent', s.parent?.name ?? null],
    ['children', s.children.map((x) => x.name).join(', ') || null],
    ['billing email', c.billing_email],
    ['address', c.address],
    ['postcode', c.postcode],
    ['city', c.city],
    ['country', c.country],
    ['siren', c.siren],
    ['vat number', c.vat_id],
    ['tax id', c.tax_id],
    ['notes', c.notes],
    ['members', String(s.members)],
  ];
  // each value on its own line, its line breaks shown as \n
  return [escapeControls(c.name), ...rows.filter(([, v]) => v !== null).map(([k, v]) => `  ${k.padEnd(13)}  ${escapeControls(v!)}`)].join('\n');
}

export function registerCompanies(program: Command, action: Action): void {
  const companies = program.command('companies').description('companies (accounts): members per company, parent and child accounts');

  examples(
    companies
      .command('list')
      .description('list companies with their parent, children and number of members')
      .option('--limit <n>', 'at most N companies')
      .action(
        action(async (ctx, flags: { limit?: string }) => {
          const { listCompanies, companyJson } = await import('../core/people/companies.js');
          const { parseLimit } = await import('./members.js');
          const limit = await parseLimit(flags.limit);
          const db = await ctx.db();
          let rows = await listCompanies(db.kysely);
          if (limit !== undefined) rows = rows.slice(0, limit);
          ctx.out.result(rows.map(companyJson), () =>
            rows.length === 0
              ? 'No companies yet. Add one with `memberctl companies add NAME`.'
              : renderTable(rows, [
                  { header: 'name', value: (s) => s.company.name },
                  { header: 'parent', value: (s) => s.parent?.name },
                  { header: 'children', value: (s) => s.children.length || '', align: 'right' },
                  { header: 'members', value: (s) => s.members, align: 'right' },
                ]),
          );
        }),
      ),
    ['memberctl companies list', 'memberctl companies list --json'],
  );

  examples(
    companies
      .command('show')
      .argument('<name>', 'exact company name')
      .description('one company: details, parent, children and members')
      .action(
        action(async (ctx, name: string) => {
          const { companySummary, companyJson } = await import('../core/people/companies.js');
          const { listMembers, memberJson } = await import('../core/people/members.js');
          const db = await ctx.db();
          const summary = await companySummary(db.kysely, name);
          const members = await listMembers(db.kysely, await ctx.today(), { company: summary.company.name });
          ctx.out.result({ ...companyJson(summary), members: members.map(memberJson) }, () => {
            const list =
              members.length === 0
                ? ''
                : `\n\nMembers\n${renderTable(members, [
                    { header: 'id', value: (v) => v.member.id, align: 'right' },
                    { header: 'name', value: (v) => v.member.name },
                    { header: 'email', value: (v) => v.member.email },
                    { header: 'status', value: (v) => v.state.status },
                  ])}`;
            return `${companyBlock(summary)}${list}`;
          });
        }),
      ),
    ['memberctl companies show "Acme SA"', 'memberctl companies show "Acme SA" --json'],
  );

  examples(
    companyOptions(companies.command('add').argument('<name>', 'unique exact name').description('add a company'), false).action(
      action(async (ctx, name: string, flags: CompanyInput) => {
        const { addCompany, companySummary, companyJson } = await import('../core/people/companies.js');
        const { auditSource } = await import('../core/kernel/audit.js');
        const db = await ctx.db();
        const { summary, variants } = await db.kysely.transaction().execute(async (trx) => {
          const added = await addCompany(trx, { ...flags, name }, auditSource(ctx.env));
          return { summary: await companySummary(trx, added.company.name), variants: added.variants };
        });
        warnVariants(ctx, summary.company.name, variants);
        ctx.out.result(companyJson(summary), () => `Added company "${summary.company.name}".`);
      }),
    ),
    [
      'memberctl companies add "Acme SA" --billing-email billing@acme.example --siren 732829320 --vat-id FR44732829320',
      'memberctl companies add "Acme Lyon" --parent "Acme SA" --address "5 quai Perrache" --postcode 69002 --city Lyon',
    ],
  );

  examples(
    companyOptions(companies.command('edit').argument('<name>', 'exact company name').description('change a company; options not given are kept'), true).action(
      action(async (ctx, name: string, flags: CompanyInput) => {
        const { editCompany, companySummary, companyJson } = await import('../core/people/companies.js');
        const { auditSource } = await import('../core/kernel/audit.js');
        const db = await ctx.db();
        const { summary, variants } = await db.kysely.transaction().execute(async (trx) => {
          const edited = await editCompany(trx, name, flags, auditSource(ctx.env));
          return { summary: await companySummary(trx, edited.company.name), variants: edited.variants };
        });
        warnVariants(ctx, summary.company.name, variants);
        ctx.out.result(companyJson(summary), () => `Updated company "${summary.company.name}".`);
      }),
    ),
    ['memberctl companies edit "Acme SA" --name "Acme Group" --billing-email ap@acme.example'],
  );

  examples(
    companies
      .command('set-parent')
      .argument('<child>', 'exact name of the child company')
      .argument('[parent]', 'exact name of the parent company')
      .option('--none', 'remove the parent')
      .description('put a company under a parent company (cycles are refused)')
      .action(
        action(async (ctx, child: string, parent: string | undefined, flags: { none?: boolean }) => {
          const { usageError } = await import('../errors.js');
          if ((parent === undefined) === !flags.none) throw usageError('give either a parent company or --none');
          const { setParent, companySummary, companyJson } = await import('../core/people/companies.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const summary = await db.kysely.transaction().execute(async (trx) => {
            const company = await setParent(trx, child, parent ?? null, auditSource(ctx.env));
            return companySummary(trx, company.name);
          });
          ctx.out.result(companyJson(summary), () =>
            summary.parent ? `"${summary.company.name}" is now under "${summary.parent.name}".` : `"${summary.company.name}" has no parent company now.`,
          );
        }),
      ),
    ['memberctl companies set-parent "Acme Lyon" "Acme SA"', 'memberctl companies set-parent "Acme Lyon" --none'],
  );
}

import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import type { Context } from '../context.js';
import type { MemberInput, MemberView } from '../core/people/members.js';
import type { MembershipState } from '../core/status/member-status.js';
import type { Member } from '../db/types.js';
import type { Queryable } from '../db/connect.js';
import type { IsoDate } from '../core/kernel/dates.js';
import { usageError } from '../errors.js';
import { renderTable } from '../output.js';
import { escapeControls } from '../terminal-text.js';

export interface MemberFlags {
  name?: string;
  email?: string;
  phone?: string;
  address?: string;
  postcode?: string;
  city?: string;
  country?: string;
  language?: string;
  taxId?: string;
  company?: string;
  paidBy?: string;
  externalId?: string;
  billingEmail?: string;
  renewalEmail?: string;
  cc?: string;
  /** --mail: true, --no-mail: false, neither: undefined */
  mail?: boolean;
  field?: string[];
  tag?: string[];
}

export interface ListFlags {
  status?: string;
  plan?: string;
  company?: string;
  tag?: string[];
  search?: string;
  limit?: string;
  format?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Options shared by `members add|edit` and `contacts add`. */
export function memberOptions(command: Command, requireName: boolean): Command {
  return (requireName ? command.requiredOption('--name <name>', 'full name') : command.option('--name <name>', 'full name'))
    .option('--email <email>', 'e-mail, unique case-insensitively ("" removes it)')
    .option('--phone <phone>', 'phone number ("" removes it)')
    .option('--address <lines>', 'street address, up to 3 lines separated by line breaks ("" removes it)')
    .option('--postcode <code>', 'postcode, in the format of the country ("" removes it)')
    .option('--city <city>', 'city ("" removes it)')
    .option('--country <code>', 'ISO 3166-1 alpha-2 country code, e.g. FR, BE ("" or never given: the organisation\'s)')
    .option('--language <fr|en>', 'language of the person\'s invoices ("" or never given: the language setting)')
    .option('--tax-id <id>', 'tax or VAT id ("" removes it)')
    .option('--company <name>', 'exact company name, created if new ("" removes it)')
    .option('--paid-by <ref>', 'the member who receives this member\'s invoices ("" removes it)')
    .option('--external-id <id>', 'a stable id from another system, e.g. a Stripe customer id')
    .option('--billing-email <email>', 'where the person\'s invoices go when their company has no billing e-mail ("" removes it)')
    .option('--renewal-email <email>', 'where the person\'s renewal notices go instead of their e-mail ("" removes it)')
    .option('--cc <list>', 'copies of each of the person\'s e-mails: addresses separated by ; or , ("" removes them)')
    // --mail first: commander then leaves the value undefined when neither is given
    .option('--mail', 'the person may be written to again (undoes --no-mail)')
    .option('--no-mail', 'the person asked not to be written to: their e-mails are skipped')
    .option('--field <key=value>', 'custom field, repeatable; KEY= removes it', collect)
    .option('--tag <tag>', 'tag (Tag or Category/Tag), repeatable', collect);
}

/** Filter options shared by `members list` and `contacts list`. */
export function listOptions(command: Command, withStatus: boolean): Command {
  if (withStatus) {
    command
      .option('--status <status>', 'member, paused, upcoming, grace, suspended, former or contact')
      .option('--plan <name>', 'on this plan (a membership that has not ended; any with --status former)');
  }
  return command
    .option('--company <name>', 'of this company (exact name)')
    .option('--tag <tag>', 'with this tag, or any tag of this category; repeatable (all must match)', collect)
    .option('--search <text>', 'text in the name, e-mail or company (ignores case and accents)')
    .option('--limit <n>', 'at most N people')
    .option('--format <table|csv|json>', 'output format (default table; --json is the same as --format json)');
}

export async function memberInput(flags: MemberFlags): Promise<MemberInput> {
  const { parseFieldAssignments } = await import('../core/people/members.js');
  return {
    name: flags.name,
    email: flags.email,
    phone: flags.phone,
    address: flags.address,
    postcode: flags.postcode,
    city: flags.city,
    country: flags.country,
    language: flags.language,
    taxId: flags.taxId,
    company: flags.company,
    paidBy: flags.paidBy,
    externalId: flags.externalId,
    billingEmail: flags.billingEmail,
    renewalEmail: flags.renewalEmail,
    cc: flags.cc,
    noMail: flags.mail === undefined ? undefined : !flags.mail,
    fields: flags.field ? parseFieldAssignments(flags.field) : undefined,
    tags: flags.tag,
  };
}

export function outputFormat(ctx: Context, format: string | undefined): 'table' | 'csv' | 'json' {
  const wanted = format?.trim().toLowerCase();
  if (wanted !== undefined && wanted !== 'table' && wanted !== 'csv' && wanted !== 'json') {
    throw usageError(`--format: "${format}" must be table, csv or json`);
  }
  if (ctx.out.json) {
    if (wanted !== undefined && wanted !== 'json') throw usageError(`--json and --format ${wanted} cannot be used together`);
    return 'json';
  }
  return wanted ?? 'table';
}

/** Prints a list of members as a table, CSV or JSON. */
export async function printMembers(ctx: Context, views: MemberView[], format: 'table' | 'csv' | 'json', empty: string): Promise<void> {
  const { memberJson } = await import('../core/people/members.js');
  if (format !== 'table') {
    const { assertStdoutOpen } = await import('../safe-file.js');
    assertStdoutOpen(`the ${format === 'csv' ? 'CSV' : 'JSON'} list`);
  }
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(views.map(memberJson), null, 2)}\n`);
    return;
  }
  if (format === 'csv') {
    const { csvLines } = await import('../writers/cells.js');
    const keys = [...new Set(views.flatMap((v) => Object.keys(v.fields)))].sort();
    const fixed = ['ID', 'Member number', 'Name', 'Email', 'Phone', 'Company', 'Paid by', 'Status', 'Plans', 'Tags', 'External ID'];
    const header = [...fixed, ...keys.map((k) => (fixed.some((f) => f.toLowerCase() === k.toLowerCase()) ? `field:${k}` : k))];
    const rows = views.map((v) => [
      v.member.id,
      v.member.member_number ?? '',
      v.member.name,
      v.member.email ?? '',
      v.member.phone ?? '',
      v.company ?? '',
      v.paidBy?.name ?? '',
      v.state.status,
      currentPlans([...v.state.memberships, ...(v.state.delegated ?? [])]).join('; '),
      v.tags.join('; '),
      v.member.external_id ?? '',
      ...keys.map((k) => v.fields[k] ?? ''),
    ]);
    process.stdout.write(csvLines([header, ...rows]));
    return;
  }
  if (views.length === 0) {
    ctx.out.print(empty);
    return;
  }
  ctx.out.print(
    renderTable(views, [
      { header: 'id', value: (v) => v.member.id, align: 'right' },
      { header: 'number', value: (v) => v.member.member_number },
      { header: 'name', value: (v) => v.member.name },
      { header: 'email', value: (v) => v.member.email },
      { header: 'company', value: (v) => v.company },
      { header: 'status', value: (v) => v.state.status },
      { header: 'plans', value: (v) => currentPlans([...v.state.memberships, ...(v.state.delegated ?? [])]).join(', ') },
      { header: 'tags', value: (v) => v.tags.join(', ') },
    ]),
  );
  ctx.out.info(`${views.length} ${views.length === 1 ? 'person' : 'people'}`);
}

/** Plans of the memberships that have not ended. */
function currentPlans(memberships: MembershipState[]): string[] {
  return [...new Set(memberships.filter((m) => m.detail.status !== 'ended').map((m) => m.membership.plan_name))];
}

export async function parseLimit(limit: string | undefined): Promise<number | undefined> {
  if (limit === undefined) return undefined;
  const { parseWholeNumber } = await import('../command-kit.js');
  return parseWholeNumber('--limit', 1)(limit);
}

function memberBlock(view: MemberView, m: Member): string {
  const rows: Array<[string, string | null]> = [
    ['status', view.state.status],
    ['member no.', m.member_number],
    ['email', m.email],
    ['phone', m.phone],
    ['address', m.address],
    ['postcode', m.postcode],
    ['city', m.city],
    ['country', m.country],
    ['language', m.language],
    ['tax id', m.tax_id],
    ['company', view.company],
    ['paid by', view.paidBy ? `#${view.paidBy.id} ${view.paidBy.name}` : null],
    ['external id', m.external_id],
    ['billing email', m.billing_email],
    ['renewal email', m.renewal_email],
    ['cc', m.cc_emails],
    ['mail', m.no_mail === 1 ? 'no (asked not to be written to)' : null],
    ['tags', view.tags.join(', ') || null],
    ...Object.entries(view.fields).map(([k, v]): [string, string] => [`field ${k}`, v]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  // each value on its own line, its line breaks shown as \n
  return [`#${m.id} ${escapeControls(m.name)}`, ...rows.filter(([, v]) => v !== null && v !== '').map(([k, v]) => `  ${k.padEnd(width)}  ${escapeControls(v!)}`)].join('\n');
}

export function registerMembers(program: Command, action: Action): void {
  const members = program.command('members').description('people: add, edit, list, tag, annotate, merge, unmerge, history');

  examples(
    listOptions(members.command('list').description('list people (members and contacts) with their status'), true).action(
      action(async (ctx, flags: ListFlags) => {
        const { listMembers, parseMemberStatus } = await import('../core/people/members.js');
        const format = outputFormat(ctx, flags.format);
        const limit = await parseLimit(flags.limit);
        const status = flags.status === undefined ? undefined : parseMemberStatus(flags.status);
        const db = await ctx.db();
        const views = await listMembers(db.kysely, await ctx.today(), {
          status,
          plan: flags.plan,
          company: flags.company,
          tags: flags.tag,
          search: flags.search,
          limit,
        });
        await printMembers(ctx, views, format, 'Nobody matches.');
      }),
    ),
    [
      'memberctl members list',
      'memberctl members list --status grace --plan "Hot Desk"',
      'memberctl members list --tag Sport --search muller --format csv > members.csv',
      'memberctl members list --company "Acme SA" --json',
    ],
  );

  examples(
    members
      .command('export')
      .description('people in the import template\'s columns (plus their memberctl ID), to edit and give back to `import --update`')
      .option('--status <status>', 'member, paused, upcoming, grace, suspended, former or contact')
      .option('--plan <name>', 'on this plan (a membership that has not ended; any with --status former)')
      .option('--company <name>', 'of this company (exact name)')
      .option('--tag <tag>', 'with this tag, or any tag of this category; repeatable (all must match)', collect)
      .option('--search <text>', 'text in the name, e-mail or company (ignores case and accents)')
      .option('--limit <n>', 'at most N people')
      .option('--format <csv|xlsx|json>', 'file format (default: from the -o extension, else csv)')
      .option('-o, --output <file>', 'write to this file (default for CSV and JSON: stdout)')
      .action(
        action(async (ctx, flags: Omit<ListFlags, 'format'> & { format?: string; output?: string }) => {
          const { exportFormatOrJson } = await import('../command-kit.js');
          const { parseMemberStatus } = await import('../core/people/members.js');
          const { exportMembers } = await import('../core/people/member-export.js');
          const { writeMemberExport } = await import('../writers/member-export.js');
          const { assertStdoutOpen, checkOutput, outputGuard } = await import('../safe-file.js');
          const format = exportFormatOrJson(flags, ctx.out.json);
          const limit = await parseLimit(flags.limit);
          const status = flags.status === undefined ? undefined : parseMemberStatus(flags.status);
          if (flags.output) checkOutput(flags.output, '-o', await outputGuard(ctx.dbUrl, []));
          else assertStdoutOpen('the exported members');
          const db = await ctx.db();
          const exported = await exportMembers(db.kysely, await ctx.today(), { status, plan: flags.plan, company: flags.company, tags: flags.tag, search: flags.search, limit });
          for (const key of exported.skipped) ctx.out.warn(`custom field "${key}" is not exported: its name is that of a template column, which an import would read instead`);
          await writeMemberExport(exported, format, flags.output ? { file: flags.output, flag: '-o' } : { stream: process.stdout });
          if (flags.output) ctx.out.result({ file: flags.output, format, people: exported.people, rows: exported.rows.length, skippedFields: exported.skipped }, () => null);
          ctx.out.info(`Exported ${exported.people === 1 ? '1 person' : `${exported.people} people`} (${exported.rows.length === 1 ? '1 row' : `${exported.rows.length} rows`})${flags.output ? ` to ${flags.output}` : ''}.`);
        }),
      ),
    [
      'memberctl members export -o members.xlsx',
      'memberctl members export --status member --plan "Hot Desk" -o hot-desk.csv',
      'memberctl import members.xlsx --update --dry-run   # after editing the file',
    ],
  );

  examples(
    members
      .command('show')
      .argument('<ref>', 'member id, e-mail or exact name')
      .description('one person: details, memberships, notes and history')
      .action(
        action(async (ctx, ref: string) => {
          const { resolveMember } = await import('../core/people/refs.js');
          const { renderHistory } = await import('../core/people/history.js');
          const { membershipJson } = await import('../core/people/members.js');
          const db = await ctx.db();
          const member = await resolveMember(db.kysely, ref);
          const { json, view, notes, history } = await showDocument(db.kysely, member, await ctx.today());
          ctx.out.result(json, () => {
            const parts = [memberBlock(view, member)];
            if (view.state.memberships.length > 0) {
              parts.push(
                `\nMemberships\n${renderTable(view.state.memberships, [
                  { header: 'id', value: (s) => s.membership.id, align: 'right' },
                  { header: 'plan', value: (s) => s.membership.plan_name },
                  { header: 'qty', value: (s) => s.membership.quantity, align: 'right' },
                  {
                    header: 'price',
                    value: (s) => {
                      const m = membershipJson(s);
                      return `${m.price} ${m.currency}${m.followsPlanPrice ? '' : ' (own)'}`;
                    },
                    align: 'right',
                  },
                  { header: 'start', value: (s) => s.membership.start_date },
                  { header: 'next invoice', value: (s) => s.membership.next_invoice_date },
                  { header: 'end', value: (s) => s.membership.end_date },
                  { header: 'renew', value: (s) => (s.membership.do_not_renew ? 'no (do not renew)' : s.membership.auto_renew ? 'auto' : 'term') },
                  { header: 'status', value: (s) => statusText(s) },
                ])}`,
              );
            }
            if (json.delegateOf.length > 0) {
              parts.push(`\nDelegate of\n${json.delegateOf.map((d) => `  membership ${d.membership} (${escapeControls(d.plan)}) of ${escapeControls(d.holder.name)} (#${d.holder.id}), ${d.status}`).join('\n')}`);
            }
            if (notes.length > 0) parts.push(`\nNotes\n${notes.map((n) => `  ${n.created_at.slice(0, 10)}  ${escapeControls(n.body)}`).join('\n')}`);
            const recent = history.slice(-10);
            parts.push(
              `\nHistory${history.length > recent.length ? ` (last ${recent.length} of ${history.length}; see \`memberctl members history ${member.id}\`)` : ''}\n${renderHistory(recent)}`,
            );
            return parts.join('\n');
          });
        }),
      ),
    ['memberctl members show jane@example.org', 'memberctl members show 42 --json'],
  );

  examples(
    memberOptions(members.command('add').description('add a person (a contact until they get a membership)'), true).action(
      action(async (ctx, flags: MemberFlags) => {
        const { addMember, memberView, memberJson } = await import('../core/people/members.js');
        const { auditSource } = await import('../core/kernel/audit.js');
        const input = await memberInput(flags);
        const db = await ctx.db();
        const today = await ctx.today();
        const { retryingUniqueRace } = await import('../db/connect.js');
        const { view, createdCompanies } = await retryingUniqueRace(db, async (trx) => {
          const written = await addMember(trx, { ...input, name: flags.name ?? '' }, auditSource(ctx.env));
          return { view: await memberView(trx, written.member, today), createdCompanies: written.createdCompanies };
        });
        for (const c of createdCompanies) ctx.out.info(`Created company "${c}".`);
        ctx.out.result(memberJson(view), () => `Added #${view.member.id} ${view.member.name}.`);
      }),
    ),
    [
      'memberctl members add --name "Jane Doe" --email jane@example.org --company "Acme SA"',
      'memberctl members add --name "Tom Doe" --paid-by jane@example.org --field "T-shirt=M" --tag Sport/Yoga',
    ],
  );

  examples(
    memberOptions(members.command('edit').argument('<ref>', 'member id, e-mail or exact name').description('change a person; options not given are kept'), false).action(
      action(async (ctx, ref: string, flags: MemberFlags) => {
        const { editMember, memberView, memberJson } = await import('../core/people/members.js');
        const { resolveMember } = await import('../core/people/refs.js');
        const { auditSource } = await import('../core/kernel/audit.js');
        const input = await memberInput(flags);
        const db = await ctx.db();
        const today = await ctx.today();
        const { view, written } = await db.kysely.transaction().execute(async (trx) => {
          const member = await resolveMember(trx, ref);
          const result = await editMember(trx, member, input, auditSource(ctx.env));
          return { view: await memberView(trx, result.member, today), written: result };
        });
        for (const c of written.createdCompanies) ctx.out.info(`Created company "${c}".`);
        ctx.out.result(memberJson(view), () => (written.changed ? `Updated #${view.member.id} ${view.member.name}.` : `Nothing to change for #${view.member.id} ${view.member.name}.`));
      }),
    ),
    [
      'memberctl members edit jane@example.org --phone "+33 6 12 34 56 78" --field "T-shirt=L"',
      'memberctl members edit 42 --company "" --paid-by "" --field Locker=',
      'memberctl members edit jane@example.org --address "3 rue Neuve" --postcode 1000 --city Bruxelles --country BE --language fr',
    ],
  );

  examples(
    members
      .command('tag')
      .argument('<ref>', 'member id, e-mail or exact name')
      .argument('<tags...>', 'tags, each Tag or Category/Tag')
      .description('add tags to a person (new tags are created)')
      .action(
        action(async (ctx, ref: string, tags: string[]) => {
          const { tagMember } = await import('../core/people/tags.js');
          const { resolveMember } = await import('../core/people/refs.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const { member, change } = await db.kysely.transaction().execute(async (trx) => {
            const member = await resolveMember(trx, ref);
            return { member, change: await tagMember(trx, member.id, tags, auditSource(ctx.env)) };
          });
          ctx.out.result({ member: { id: member.id, name: member.name }, added: change.added, unchanged: change.unchanged }, () =>
            [
              change.added.length > 0 ? `Tagged #${member.id} ${member.name}: ${change.added.join(', ')}.` : '',
              change.unchanged.length > 0 ? `Already tagged: ${change.unchanged.join(', ')}.` : '',
            ]
              .filter(Boolean)
              .join('\n'),
          );
        }),
      ),
    ['memberctl members tag jane@example.org VIP Sport/Yoga'],
  );

  examples(
    members
      .command('untag')
      .argument('<ref>', 'member id, e-mail or exact name')
      .argument('<tags...>', 'tags to remove')
      .description('remove tags from a person')
      .action(
        action(async (ctx, ref: string, tags: string[]) => {
          const { untagMember } = await import('../core/people/tags.js');
          const { resolveMember } = await import('../core/people/refs.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const { member, change } = await db.kysely.transaction().execute(async (trx) => {
            const member = await resolveMember(trx, ref);
            return { member, change: await untagMember(trx, member.id, tags, auditSource(ctx.env)) };
          });
          if (change.unchanged.length > 0) ctx.out.warn(`#${member.id} ${member.name} did not have: ${change.unchanged.join(', ')}`);
          ctx.out.result({ member: { id: member.id, name: member.name }, removed: change.removed, unchanged: change.unchanged }, () =>
            change.removed.length > 0 ? `Untagged #${member.id} ${member.name}: ${change.removed.join(', ')}.` : null,
          );
        }),
      ),
    ['memberctl members untag jane@example.org Sport/Yoga'],
  );

  examples(
    members
      .command('note')
      .argument('<ref>', 'member id, e-mail or exact name')
      .argument('<text>', 'the note')
      .description('attach a note to a person')
      .action(
        action(async (ctx, ref: string, text: string) => {
          const { addNote } = await import('../core/people/members.js');
          const { resolveMember } = await import('../core/people/refs.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const { member, note } = await db.kysely.transaction().execute(async (trx) => {
            const member = await resolveMember(trx, ref);
            return { member, note: await addNote(trx, member, text, auditSource(ctx.env)) };
          });
          ctx.out.result(
            { id: note.id, member: { id: member.id, name: member.name }, date: note.created_at.slice(0, 10), source: note.source, text: note.body },
            () => `Noted on #${member.id} ${member.name}.`,
          );
        }),
      ),
    ['memberctl members note jane@example.org "Wants a locker from March"'],
  );

  examples(
    members
      .command('merge')
      .argument('<keep-ref>', 'the member to keep')
      .argument('<remove-ref>', 'the duplicate to merge into it and delete')
      .description('merge two records of the same person: everything moves to the kept one, the other is deleted')
      .option('--dry-run', 'show what would move, change nothing')
      .action(
        action(async (ctx, keepRef: string, removeRef: string, flags: { dryRun?: boolean }) => {
          const { planMerge, applyMerge, mergeJson, describeMoves } = await import('../core/people/merge.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          if (!flags.dryRun && ctx.interactive) {
            const { confirmOrStop } = await import('../confirm.js');
            const preview = await planMerge(db.kysely, keepRef, removeRef);
            const moves = describeMoves(preview);
            const summary = `Merge #${preview.remove.member.id} ${preview.remove.member.name} into #${preview.keep.member.id} ${preview.keep.member.name}: ${moves === 'nothing else to move' ? moves : `${moves} move`}, #${preview.remove.member.id} is deleted (\`memberctl members unmerge\` can bring it back).`;
            if (!(await confirmOrStop(summary, { ctx }))) return 0;
          }
          const { plan, mergeId } = await db.kysely.transaction().execute(async (trx) => {
            const planned = await planMerge(trx, keepRef, removeRef);
            const applied = flags.dryRun ? null : await applyMerge(trx, planned, auditSource(ctx.env));
            return { plan: planned, mergeId: applied?.mergeId ?? null };
          });
          const show = (v: unknown) => (v === null || v === undefined ? '(none)' : typeof v === 'object' ? JSON.stringify(v) : String(v));
          ctx.out.result(mergeJson(plan, Boolean(flags.dryRun), mergeId), () => {
            const who = `#${plan.remove.member.id} ${plan.remove.member.name} into #${plan.keep.member.id} ${plan.keep.member.name}`;
            const lines = [`${flags.dryRun ? 'Would merge' : `Merged (merge ${mergeId})`} ${who}: ${describeMoves(plan)}.`];
            for (const f of plan.filled) lines.push(`  ${f.field}: taken from the removed record (${show(f.value)})`);
            for (const c of plan.conflicts) lines.push(`  ${c.field}: kept ${show(c.kept)}, dropped ${show(c.dropped)} (kept in the audit log)`);
            if (flags.dryRun) lines.push('Dry run: nothing was changed.');
            else lines.push(`Undo with \`memberctl members unmerge ${mergeId}\`.`);
            return lines.join('\n');
          });
        }),
      ),
    ['memberctl members merge jane@example.org "Jane Doe (old)" --dry-run', 'memberctl members merge 12 57'],
  );

  examples(
    members
      .command('unmerge')
      .argument('<merge-id>', 'the merge, as `members merge` and `members history` show it')
      .description('undo a merge: the removed person comes back with everything the merge moved from them')
      .option('--dry-run', 'show what would move back, change nothing')
      .action(
        action(async (ctx, mergeRef: string, flags: { dryRun?: boolean }) => {
          const { planUnmerge, applyUnmerge, unmergeJson, describeBack } = await import('../core/people/unmerge.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const plan = await db.kysely.transaction().execute(async (trx) => {
            const planned = await planUnmerge(trx, mergeRef);
            if (!flags.dryRun) await applyUnmerge(trx, planned, auditSource(ctx.env));
            return planned;
          });
          const show = (v: unknown) => (v === null || v === undefined ? '(none)' : typeof v === 'object' ? JSON.stringify(v) : String(v));
          ctx.out.result(unmergeJson(plan, Boolean(flags.dryRun)), () => {
            const who = `#${plan.removed.id} ${plan.removed.name} from #${plan.kept.id} ${plan.kept.name}`;
            const lines = [`${flags.dryRun ? 'Would undo' : 'Undid'} merge ${plan.merge.id}: ${who} again, with ${describeBack(plan)}.`];
            for (const r of plan.restored) lines.push(`  ${r.field} of #${plan.kept.id}: back to ${show(r.value)}`);
            if (flags.dryRun) lines.push('Dry run: nothing was changed.');
            return lines.join('\n');
          });
        }),
      ),
    ['memberctl members unmerge 12 --dry-run', 'memberctl members unmerge 12'],
  );

  examples(
    members
      .command('history')
      .argument('<ref>', 'member id, e-mail or exact name')
      .description('every recorded change to a person: imports, edits, merges, jobs, payments')
      .option('--limit <n>', 'only the last N changes')
      .action(
        action(async (ctx, ref: string, flags: { limit?: string }) => {
          const { resolveMember } = await import('../core/people/refs.js');
          const { memberHistory, renderHistory } = await import('../core/people/history.js');
          const limit = await parseLimit(flags.limit);
          const db = await ctx.db();
          const member = await resolveMember(db.kysely, ref);
          const { getSetting } = await import('../core/kernel/settings.js');
          let history = await memberHistory(db.kysely, member.id, await getSetting(db.kysely, 'timezone'));
          if (limit !== undefined) history = history.slice(-limit);
          ctx.out.result(history, () => `#${member.id} ${escapeControls(member.name)}\n${renderHistory(history)}`);
        }),
      ),
    ['memberctl members history jane@example.org', 'memberctl members history 42 --json'],
  );

  examples(
    members
      .command('export-data')
      .argument('<ref>', 'member id, e-mail or exact name')
      .description('everything held on one person, as one JSON document (a personal data request)')
      .option('-o, --output <file>', 'write the document to this file (default: stdout)')
      .action(
        action(async (ctx, ref: string, flags: { output?: string }) => {
          const { resolveMember } = await import('../core/people/refs.js');
          const { personalDataSections } = await import('../core/people/personal-data.js');
          const { assertStdoutOpen, checkOutput, outputGuard, writeOutput } = await import('../safe-file.js');
          if (flags.output) checkOutput(flags.output, '-o', await outputGuard(ctx.dbUrl, []));
          else assertStdoutOpen('the personal data document');
          const db = await ctx.db();
          const member = await resolveMember(db.kysely, ref);
          const { json } = await showDocument(db.kysely, member, await ctx.today());
          const document = { exportedAt: new Date().toISOString(), person: json, ...(await personalDataSections(db.kysely, member.id)) };
          const text = `${JSON.stringify(document, null, 2)}\n`;
          if (!flags.output) {
            process.stdout.write(text);
            return;
          }
          await writeOutput(flags.output, '-o', (out) => out.write(text));
          const bytes = Buffer.byteLength(text);
          ctx.out.result({ file: flags.output, bytes }, () => `Wrote everything held on #${member.id} ${escapeControls(member.name)} to ${flags.output} (${bytes} bytes).`);
        }),
      ),
    ['memberctl members export-data jane@example.org -o jane-data.json', 'memberctl members export-data 42 > data.json'],
  );

  registerAnonymise(members, action);
}

/** `members anonymise REF`: erases a person's identifying data (core/people/anonymise.ts, docs/people.md). */
function registerAnonymise(members: Command, action: Action): void {
  examples(
    members
      .command('anonymise')
      .argument('<ref>', 'member id, e-mail or exact name')
      .description('erase what identifies a person (a request to be forgotten): invoices stay as issued')
      .option('--force', 'also a person with an open invoice or a membership that has not ended')
      .action(
        action(async (ctx, ref: string, flags: { force?: boolean }) => {
          const { anonymiseMember } = await import('../core/people/anonymise.js');
          const { resolveMember } = await import('../core/people/refs.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const today = await ctx.today();
          if (ctx.interactive) {
            const { confirmOrStop } = await import('../confirm.js');
            const { wasAnonymised } = await import('../core/people/anonymise.js');
            const member = await resolveMember(db.kysely, ref);
            const summary = `Anonymise #${member.id} ${member.name}: their name, e-mail, phone, address, custom fields, notes and tags are erased for good; invoices keep their buyer as issued.`;
            if (!(await wasAnonymised(db.kysely, member.id)) && !(await confirmOrStop(summary, { ctx }))) return 0;
          }
          const result = await db.kysely.transaction().execute(async (trx) => {
            const member = await resolveMember(trx, ref);
            return anonymiseMember(trx, member, today, { force: Boolean(flags.force) }, auditSource(ctx.env));
          });
          const e = result.erased;
          ctx.out.result(result, () =>
            result.change === 'unchanged'
              ? `#${result.member.id} was anonymised already.`
              : `Anonymised #${result.member.id}${result.forced ? ' (forced)' : ''}: ${e.fields} custom fields, ${e.notes} notes, ${e.tags} tags and the addresses of ${e.messages} e-mails erased; ${e.auditEntries} audit entries scrubbed. Invoices keep their buyer as issued.`,
          );
        }),
      ),
    ['memberctl members anonymise jane@example.org', 'memberctl members anonymise 42 --force --json'],
  );
}

/** What `members show --json` prints of a person, and what its human output is made of. */
async function showDocument(db: Queryable, member: Member, asOf: IsoDate) {
  const { memberView, memberJson, membershipJson, notesOf } = await import('../core/people/members.js');
  const { memberHistory } = await import('../core/people/history.js');
  const { storedAddresses } = await import('../core/people/recipients.js');
  const { getSetting } = await import('../core/kernel/settings.js');
  const view = await memberView(db, member, asOf);
  const notes = await notesOf(db, member.id);
  const history = await memberHistory(db, member.id, await getSetting(db, 'timezone'));
  const json = {
    ...memberJson(view),
    address: member.address,
    postcode: member.postcode,
    city: member.city,
    country: member.country,
    language: member.language,
    taxId: member.tax_id,
    billingEmail: member.billing_email,
    renewalEmail: member.renewal_email,
    cc: storedAddresses(member.cc_emails),
    noMail: member.no_mail === 1,
    memberships: view.state.memberships.map(membershipJson),
    // the memberships the person is a delegate of (company seats): `{"membership", "plan", "holder": {"id", "name"}, "status"}`
    delegateOf: await delegateOfJson(db, view.state.delegated ?? []),
    notes: notes.map((n) => ({ id: n.id, date: n.created_at.slice(0, 10), source: n.source, text: n.body })),
    history,
  };
  return { json, view, notes, history };
}

async function delegateOfJson(db: Queryable, delegated: readonly MembershipState[]) {
  if (delegated.length === 0) return [];
  const holders = await db.selectFrom('members').select(['id', 'name']).where('id', 'in', delegated.map((d) => d.membership.member_id)).execute();
  const names = new Map(holders.map((h) => [h.id, h.name]));
  return delegated.map((d) => ({ membership: d.membership.id, plan: d.membership.plan_name, holder: { id: d.membership.member_id, name: names.get(d.membership.member_id) ?? '' }, status: d.detail.status }));
}

function statusText(s: MembershipState): string {
  const d = s.detail;
  switch (d.status) {
    case 'grace':
      return `grace (suspended from ${d.suspendedFrom})`;
    case 'suspended':
      return `suspended (since ${d.suspendedFrom})`;
    default:
      return d.status;
  }
}

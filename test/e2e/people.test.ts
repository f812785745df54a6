import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { seedInvoice, seedMembership, seedPlan } from '../db/people-fixtures.js';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

describe.each(dialects)('people from the built CLI on %s', (dialect) => {
  it('adds, edits, finds, lists and shows members with the documented shapes and exit codes', async () => {
    const db = await freshDbUrl(dialect);
    const cli = (args: string[]) => runCli(args, { db, today: '2026-02-10' });

    const jane = await cli(['members', 'add', '--name', 'Jane Doe', '--email', 'Jane@Example.org', '--company', 'Société Générale', '--field', 'Size=M', '--field', 'Locker=12', '--tag', 'Sport/Yoga', '--json']);
    expect(jane.code, jane.stderr).toBe(0);
    expect(jane.stderr).toContain('Created company "Société Générale"');
    const janeId = jane.json().id;
    expect((await cli(['members', 'add', '--name', 'Jane Doe', '--email', 'other@example.org'])).code).toBe(0);
    const tom = await cli(['members', 'add', '--name', 'Tom Müller', '--paid-by', 'jane@example.org', '--json']);
    expect(tom.json().paidBy).toEqual({ id: janeId, name: 'Jane Doe' });

    // refused commands change nothing, so they run side by side
    const [duplicate, ambiguous, unknown, cycle, badStatus, unaccented] = await Promise.all([
      cli(['members', 'add', '--name', 'X', '--email', 'JANE@EXAMPLE.ORG']),
      cli(['members', 'show', 'Jane Doe']),
      cli(['members', 'show', 'Tom Muler']),
      cli(['members', 'edit', 'jane@example.org', '--paid-by', 'Tom Müller']),
      cli(['members', 'list', '--status', 'active']),
      cli(['members', 'show', 'muller']),
    ]);
    // e-mails are unique case-insensitively: 65 naming the member who has it
    expect(duplicate.code).toBe(65);
    expect(duplicate.stderr).toContain(`#${janeId} Jane Doe`);
    noStackTrace(duplicate.stderr);
    // an ambiguous ref lists the candidates (64), an unknown one names the closest (65)
    expect(ambiguous.code).toBe(64);
    expect(ambiguous.stderr).toMatch(/ambiguous.*#\d+ Jane Doe.*#\d+ Jane Doe/);
    expect(unknown.code).toBe(65);
    expect(unknown.stderr).toContain('Tom Müller');
    noStackTrace(unknown.stderr);
    // part of a name, without its accent: suggested, not picked
    expect(unaccented.code).toBe(65);
    expect(unaccented.stderr).toContain(`closest: #${tom.json().id} Tom Müller`);
    // a payer cycle is refused
    expect(cycle.code).toBe(65);
    expect(cycle.stderr).toContain('cycle');
    expect(badStatus.code).toBe(64);

    const edit = await cli(['members', 'edit', 'jane@example.org', '--phone', '+33 6 12', '--field', 'Locker=', '--field', 'Size=L', '--json']);
    expect(edit.code, edit.stderr).toBe(0);
    expect(edit.json()).toEqual({
      id: janeId,
      memberNumber: null,
      name: 'Jane Doe',
      email: 'Jane@Example.org',
      phone: '+33 6 12',
      company: 'Société Générale',
      paidBy: null,
      status: 'contact',
      tags: ['Sport/Yoga'],
      customFields: { Size: 'L' },
      externalId: null,
    });

    const [tagged, noted] = await Promise.all([
      cli(['members', 'tag', 'jane@example.org', 'VIP', 'sport/yoga']),
      cli(['members', 'note', String(janeId), 'Wants a locker from March']),
    ]);
    expect([tagged.code, noted.code]).toEqual([0, 0]);

    const [search, byTag, csv, show, history] = await Promise.all([
      cli(['members', 'list', '--search', 'SOCIETE', '--json']),
      cli(['members', 'list', '--tag', 'sport', '--json']),
      cli(['members', 'list', '--format', 'csv']),
      cli(['members', 'show', 'jane@example.org', '--json']),
      cli(['members', 'history', 'jane@example.org']),
    ]);
    expect(search.json().map((m: { id: number }) => m.id)).toEqual([janeId]);
    expect(byTag.json().map((m: { name: string }) => m.name)).toEqual(['Jane Doe']);
    expect(csv.code).toBe(0);
    const rows = parse(csv.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.Name)).toEqual(['Jane Doe', 'Jane Doe', 'Tom Müller']);
    expect(rows[0]).toMatchObject({ Email: 'Jane@Example.org', Tags: 'Sport/Yoga; VIP', Size: 'L', Status: 'contact' });
    expect(rows[2]).toMatchObject({ 'Paid by': 'Jane Doe' });

    expect(show.code).toBe(0);
    const shown = show.json();
    expect(shown.notes.map((n: { text: string }) => n.text)).toEqual(['Wants a locker from March']);
    expect(shown.memberships).toEqual([]);
    const fieldChange = shown.history.find((h: { entity: string; action: string }) => h.entity === 'member_fields' && h.action === 'update');
    expect(fieldChange.changes).toEqual(
      expect.arrayContaining([
        { field: 'Locker', before: '12', after: null, label: 'Locker', beforeText: '12', afterText: null },
        { field: 'Size', before: 'M', after: 'L', label: 'Size', beforeText: 'M', afterText: 'L' },
      ]),
    );
    expect(shown.history.every((h: { source: string }) => h.source === 'manual')).toBe(true);

    expect(history.code).toBe(0);
    expect(history.stdout).toContain('Phone: (none) → +33 6 12');
  });

  it('shows statuses and memberships from billing data, filtered by status and plan', async () => {
    const db = await freshDbUrl(dialect);
    const cli = (args: string[], today = '2026-02-20') => runCli(args, { db, today });
    expect((await cli(['members', 'add', '--name', 'Paid'])).code).toBe(0);
    const conn = await openDb(db);
    const { addMember } = await import('../../src/core/people/members.js');
    for (const name of ['Late', 'Prospect']) await addMember(conn.kysely, { name }, { actor: 'test', at: '2026-01-01T00:00:00Z' });
    const plan = await seedPlan(conn.kysely, 'Hot Desk');
    const ids = Object.fromEntries((await conn.kysely.selectFrom('members').select(['id', 'name']).execute()).map((m) => [m.name, m.id]));
    const paid = await seedMembership(conn.kysely, ids.Paid!, plan, { next_invoice_date: '2026-03-01', auto_renew_until: '2026-12-31' });
    await seedInvoice(conn.kysely, paid, [['2026-02-01', '2026-02-28']], { status: 'paid', dueDate: '2026-02-15' });
    // one unpaid period from Feb 1 to Apr 30: in grace from Feb 16, suspended from Mar 3 (30 grace days)
    const late = await seedMembership(conn.kysely, ids.Late!, plan, { next_invoice_date: '2026-05-01' });
    await seedInvoice(conn.kysely, late, [['2026-02-01', '2026-04-30']], { status: 'open', dueDate: '2026-02-15' });
    await conn.close();

    const [list, grace, suspended, show, contacts, table] = await Promise.all([
      cli(['members', 'list', '--json']),
      cli(['members', 'list', '--status', 'grace', '--plan', 'Hot Desk', '--json']),
      cli(['members', 'list', '--status', 'suspended', '--json'], '2026-03-05'),
      cli(['members', 'show', 'Paid', '--json']),
      cli(['contacts', 'list', '--json']),
      cli(['members', 'list', '--limit', '1']),
    ]);
    expect(list.json().map((m: { name: string; status: string }) => [m.name, m.status])).toEqual([
      ['Late', 'grace'],
      ['Paid', 'member'],
      ['Prospect', 'contact'],
    ]);
    expect(grace.json().map((m: { name: string }) => m.name)).toEqual(['Late']);
    expect(suspended.json().map((m: { name: string }) => m.name)).toEqual(['Late']);

    expect(show.json().memberships).toEqual([
      {
        id: paid,
        plan: 'Hot Desk',
        quantity: 1,
        price: '200.00',
        currency: 'EUR',
        followsPlanPrice: true,
        startDate: '2026-01-01',
        nextInvoiceDate: '2026-03-01',
        endDate: null,
        autoRenew: true,
        autoRenewUntil: '2026-12-31',
        doNotRenew: false,
        status: 'active',
      },
    ]);
    expect(contacts.json().map((m: { name: string }) => m.name)).toEqual(['Prospect']);
    expect(table.stdout).toMatch(/^id\s+number\s+name/);
    expect(table.stdout).toContain('Late');
    expect(table.stdout).not.toContain('Paid');
  });

  it('follows real billing: grace when the invoice is past due, member once paid, all in the history', async () => {
    const db = await freshDbUrl(dialect);
    const cli = (args: string[], today = '2026-01-01') => runCli(args, { db, today });
    expect((await cli(['plans', 'add', 'Hot Desk', '--price', '200'])).code).toBe(0);
    expect((await cli(['members', 'add', '--name', 'Jane', '--email', 'jane@example.org'])).code).toBe(0);
    expect((await cli(['memberships', 'add', 'jane@example.org', '--plan', 'Hot Desk', '--start', '2026-01-01'])).code).toBe(0);
    const run = await cli(['invoices', 'run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const number = run.json().invoices[0].number;
    const [due, late] = await Promise.all([cli(['members', 'list', '--json'], '2026-01-15'), cli(['members', 'list', '--json'], '2026-01-16')]);
    expect(due.json()[0].status).toBe('member');
    expect(late.json()[0].status).toBe('grace');
    expect((await cli(['payments', 'record', number, '--amount', '200', '--method', 'card', '--date', '2026-01-20'], '2026-01-20')).code).toBe(0);
    const show = (await cli(['members', 'show', 'jane@example.org', '--json'], '2026-01-20')).json();
    expect(show.status).toBe('member');
    expect(show.memberships[0]).toMatchObject({ plan: 'Hot Desk', nextInvoiceDate: '2026-02-01', status: 'active' });
    const sources = show.history.map((h: { source: string; entity: string }) => `${h.source} ${h.entity}`);
    expect(sources).toEqual(expect.arrayContaining(['manual members', 'manual memberships', 'job memberships', 'manual payments']));
  });

  it('merges duplicates, manages companies, tags and contacts', async () => {
    const db = await freshDbUrl(dialect);
    const cli = (args: string[]) => runCli(args, { db, today: '2026-02-10' });
    expect((await cli(['contacts', 'add', '--name', 'Paul Martin', '--email', 'paul@example.org', '--tag', 'Newsletter'])).code).toBe(0);
    const again = await cli(['contacts', 'add', '--name', 'Paul Martin', '--email', 'PAUL@example.org', '--phone', '+33 6', '--json']);
    expect(again.json()).toMatchObject({ result: 'updated', email: 'paul@example.org', phone: '+33 6' });
    expect((await cli(['members', 'add', '--name', 'P. Martin', '--field', 'Source=fair', '--tag', 'Sport/Yoga'])).code).toBe(0);

    const dry = await cli(['members', 'merge', 'paul@example.org', 'P. Martin', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json()).toMatchObject({ dryRun: true, moved: { tags: ['Sport/Yoga'], customFields: ['Source'] }, conflicts: [{ field: 'name', kept: 'Paul Martin', dropped: 'P. Martin' }] });
    const self = await cli(['members', 'merge', 'paul@example.org', 'Paul Martin']);
    expect(self.code).toBe(65);
    const merged = await cli(['members', 'merge', 'paul@example.org', 'P. Martin']);
    expect(merged.code, merged.stderr).toBe(0);
    const [gone, show] = await Promise.all([cli(['members', 'show', 'P. Martin']), cli(['members', 'show', 'paul@example.org', '--json'])]);
    expect(gone.code).toBe(65);
    const kept = show.json();
    expect(kept).toMatchObject({ tags: ['Newsletter', 'Sport/Yoga'], customFields: { Source: 'fair' } });
    expect(kept.history.some((h: { action: string }) => h.action === 'merge')).toBe(true);

    expect((await cli(['companies', 'add', 'Acme Group'])).code).toBe(0);
    expect((await cli(['companies', 'add', 'Acme Lyon', '--parent', 'Acme Group'])).code).toBe(0);
    const [again2, cycle, moved] = await Promise.all([
      cli(['companies', 'add', 'Acme Group']),
      cli(['companies', 'set-parent', 'Acme Group', 'Acme Lyon']),
      cli(['members', 'edit', 'paul@example.org', '--company', 'Acme Lyon']),
    ]);
    expect(again2.code).toBe(65);
    expect(cycle.code).toBe(65);
    expect(cycle.stderr).toContain('cycle');
    expect(moved.code).toBe(0);
    const [groupShow, lyonShow, renamed] = await Promise.all([
      cli(['companies', 'show', 'Acme Group', '--json']),
      cli(['companies', 'show', 'Acme Lyon', '--json']),
      cli(['tags', 'rename', 'Sport', 'Fitness', '--category', '--json']),
    ]);
    const group = groupShow.json();
    expect(group).toMatchObject({ name: 'Acme Group', parent: null, children: [{ name: 'Acme Lyon' }], memberCount: 0 });
    const lyon = lyonShow.json();
    expect(lyon.parent).toMatchObject({ name: 'Acme Group' });
    expect(lyon.members.map((m: { name: string }) => m.name)).toEqual(['Paul Martin']);

    expect(renamed.json().renamed).toEqual([{ from: 'Sport/Yoga', to: 'Fitness/Yoga' }]);
    expect((await cli(['plans', 'add', 'Hot Desk', '--price', '200'])).code).toBe(0);
    const converted = await cli(['contacts', 'convert', 'paul@example.org', '--plan', 'Hot Desk', '--start', '2026-03-01', '--json']);
    expect(converted.code, converted.stderr).toBe(0);
    expect(converted.json()).toMatchObject({ status: 'upcoming', memberships: [{ plan: 'Hot Desk', startDate: '2026-03-01', status: 'upcoming' }] });
    const [tagList, twice] = await Promise.all([
      cli(['tags', 'list', '--json']),
      cli(['contacts', 'convert', 'paul@example.org', '--plan', 'Hot Desk', '--start', '2026-03-01']),
    ]);
    expect(twice.code).toBe(65);
    const tags = tagList.json();
    expect(tags).toEqual([
      { name: 'Newsletter', category: null, members: 1 },
      { name: 'Fitness/Yoga', category: 'Fitness', members: 1 },
    ]);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withJobLock } from '../../src/core/kernel/lock.js';
import { openDb } from '../../src/db/connect.js';
import type { Queryable } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { addPerson, addPlan, at, subscribe } from '../db/invoicing-fixtures.js';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

/** Runs memberctl and fails with its stderr unless it exits with `code`. */
async function ok(db: string, args: string[], code = 0) {
  const result = await runCli(args, { db });
  expect(result.code, `memberctl ${args.join(' ')}\n${result.stderr}`).toBe(code);
  return result;
}

/** Writes set-up data straight into the database, sparing a process per row. */
async function seed<T>(url: string, fn: (db: Queryable) => Promise<T>): Promise<T> {
  const db = await openDb(url);
  try {
    await migrateToLatest(db);
    return await fn(db.kysely);
  } finally {
    await db.close();
  }
}

async function addMember(db: string, name: string, ...extra: string[]): Promise<number> {
  return (await ok(db, ['members', 'add', '--name', name, ...extra, '--json'])).json().id;
}

describe.each(dialects)('invoicing from the built CLI on %s', (dialect) => {
  it('bills with the documented JSON shapes; a rerun and a job with nothing due print nothing on stdout', async () => {
    const db = await freshDbUrl(dialect);
    await ok(db, ['plans', 'add', 'Hot Desk', '--price', '100', '--tax-rate', '20']);
    const ann = await addMember(db, 'Ann Smith', '--email', 'ann@example.org');
    const bob = await addMember(db, 'Bob', '--paid-by', 'ann@example.org');
    const added = await ok(db, ['--today', '2025-10-20', 'memberships', 'add', 'ann@example.org', '--plan', 'Hot Desk', '--start', '2025-10-15', '--next-invoice', '2025-11-01', '--prorate', '--json']);
    expect(added.json()).toEqual({
      id: expect.any(Number),
      plan: 'Hot Desk',
      quantity: 1,
      price: '100.00',
      currency: 'EUR',
      followsPlanPrice: true,
      // the prorated first period is billed from the start
      startDate: '2025-10-15',
      nextInvoiceDate: '2025-10-15',
      endDate: null,
      autoRenew: true,
      autoRenewUntil: null,
      doNotRenew: false,
      status: 'active',
      discount: null,
      delegates: [],
      billDelegatesSeparately: false,
    });
    await ok(db, ['memberships', 'add', 'Bob', '--plan', 'Hot Desk', '--start', '2025-11-01', '--quantity', '2']);

    const run = await ok(db, ['--today', '2025-11-02', 'invoices', 'run', '--json']);
    const line = (n: number, member: [number, string], description: string, start: string, end: string, quantity: number, net: string, tax: string, total: string) => ({
      line: n,
      member: { id: member[0], name: member[1] },
      plan: 'Hot Desk',
      description,
      periodStart: start,
      periodEnd: end,
      quantity,
      unitPrice: '100.00',
      net,
      discount: null,
      taxRate: '20',
      vatCategory: 'S',
      tax,
      total,
      credited: '0.00',
    });
    const invoice = {
      number: 'INV-2025-00001',
      date: '2025-11-02',
      dueDate: '2025-11-16',
      payer: { id: ann, name: 'Ann Smith' },
      status: 'open',
      currency: 'EUR',
      // 54.84 + 100.00 + 200.00; tax 10.97 + 20.00 + 40.00
      net: '354.84',
      tax: '70.97',
      total: '425.81',
      paid: '0.00',
      creditNote: null,
      credited: '0.00',
      lines: [
        line(1, [ann, 'Ann Smith'], 'Hot Desk, 2025-10-15 to 2025-10-31 (prorated 17/31 days)', '2025-10-15', '2025-10-31', 1, '54.84', '10.97', '65.81'),
        line(2, [ann, 'Ann Smith'], 'Hot Desk, 2025-11-01 to 2025-11-30', '2025-11-01', '2025-11-30', 1, '100.00', '20.00', '120.00'),
        line(3, [bob, 'Bob'], 'Hot Desk x 2, 2025-11-01 to 2025-11-30', '2025-11-01', '2025-11-30', 2, '200.00', '40.00', '240.00'),
      ],
    };
    expect(run.json()).toEqual({ asOf: '2025-11-02', dryRun: false, count: 1, invoices: [invoice], totals: { EUR: '425.81' }, creditApplied: {}, problems: [] });

    const again = await ok(db, ['--today', '2025-11-02', 'invoices', 'run']);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('Nothing due as of 2025-11-02');
    const cron = await ok(db, ['--today', '2025-11-20', 'jobs', 'run']);
    expect(cron.stdout).toBe('');
    expect(cron.stderr.trim()).toBe('Nothing due as of 2025-11-20: no renewal, invoice, status change or expiry.');
    const cronJson = await ok(db, ['--today', '2025-11-20', 'jobs', 'run', '--json']);
    expect(cronJson.json()).toEqual({
      asOf: '2025-11-20',
      dryRun: false,
      renewals: {
        asOf: '2025-11-20',
        dryRun: false,
        notices: 0,
        invoiced: 0,
        transitions: [],
        expired: { credits: 0, passes: 0 },
        problems: [],
        renewals: [],
        invoices: [],
      },
      invoices: { asOf: '2025-11-20', dryRun: false, count: 0, invoices: [], totals: {}, creditApplied: {}, problems: [] },
      outbox: { reminders: 0, renewalReminders: 0, queued: {} },
      privacy: null,
    });

    expect((await ok(db, ['invoices', 'list', '--json'])).json()).toEqual([invoice]);
    expect((await ok(db, ['invoices', 'show', 'inv-2025-00001', '--json'])).json()).toEqual(invoice);
    expect((await ok(db, ['invoices', 'list', '--member', 'Bob', '--status', 'open', '--json'])).json()).toHaveLength(1);
    expect((await ok(db, ['invoices', 'list', '--status', 'paid', '--json'])).json()).toEqual([]);
    const unknown = await ok(db, ['invoices', 'show', 'INV-2025-00002'], 65);
    expect(unknown.stderr).toContain('INV-2025-00001');

    // cron's next morning: the December periods, with a dry run first
    const dry = await ok(db, ['--today', '2025-12-01', 'jobs', 'run', '--dry-run', '--json']);
    expect(dry.json().invoices.invoices.map((i: { number: string | null; total: string }) => [i.number, i.total])).toEqual([[null, '360.00']]);
    const december = await ok(db, ['--today', '2025-12-01', 'jobs', 'run']);
    expect(december.stdout).toContain('INV-2025-00002');
    expect(december.stdout).toContain('360.00');
    // one summary line: the November invoice is still unpaid, but the December period covering the day is billed
    // and not yet due, so nobody changes status (only the period covering the day decides); the November invoice,
    // past its due date, gets its payment reminder, queued with the December invoice's e-mail
    expect(december.stderr.trim()).toBe('As of 2025-12-01: 1 invoice issued (INV-2025-00002): EUR 360.00; 1 payment reminder, 2 e-mails queued.');
  });

  it('records payments, credits an overpayment, reopens on cancel, and voids with credit notes numbered apart', async () => {
    const db = await freshDbUrl(dialect);
    const { ann, bobMembership } = await seed(db, async (k) => {
      const desk = await addPlan(k, 'Desk', { price: 10000 });
      const ann = await addPerson(k, 'Ann');
      await subscribe(k, ann, desk, { startDate: '2026-01-01' });
      return { ann, bobMembership: await subscribe(k, await addPerson(k, 'Bob'), desk, { startDate: '2026-01-01' }) };
    });
    await ok(db, ['--today', '2026-01-01', 'jobs', 'run']);
    const pay = (args: string[], code = 0) => ok(db, ['--today', '2026-01-10', 'payments', ...args], code);

    expect((await pay(['record', 'INV-2026-00001', '--amount', '60', '--method', 'card', '--json'])).json()).toMatchObject({ amount: '60.00', invoiceStatus: 'open' });
    const second = (await pay(['record', 'INV-2026-00001', '--amount', '50,00', '--method', 'transfer', '--reference', 'VIR 1', '--json'])).json();
    expect(second).toMatchObject({ invoice: 'INV-2026-00001', payer: { id: ann, name: 'Ann' }, amount: '50.00', currency: 'EUR', method: 'transfer', reference: 'VIR 1', status: 'recorded', invoiceStatus: 'paid', credit: '10.00' });
    const handle = await openDb(db);
    const credit = async () =>
      Number((await handle.kysely.selectFrom('ledger_entries').select((eb) => eb.fn.sum<number>('amount').as('s')).where('member_id', '=', ann).executeTakeFirst())?.s ?? 0);
    try {
      expect(await credit()).toBe(1000);
      const listed = (await pay(['list', '--invoice', 'INV-2026-00001', '--json'])).json();
      expect(listed.map((p: { amount: string; method: string }) => [p.amount, p.method])).toEqual([
        ['60.00', 'card'],
        ['50.00', 'transfer'],
      ]);
      const cancelled = (await pay(['cancel', String(listed[0].id), '--reason', 'card charged back', '--json'])).json();
      expect(cancelled).toMatchObject({ status: 'cancelled', cancelReason: 'card charged back', invoiceStatus: 'open' });
      expect(await credit()).toBe(0);
      expect((await pay(['cancel', String(listed[0].id), '--reason', 'again'], 65)).stderr).toContain('already cancelled');

      noStackTrace((await pay(['record', 'INV-2026-00001', '--amount', '-5', '--method', 'cash'], 64)).stderr);
      await pay(['record', 'INV-2026-00001', '--amount', '5', '--method', 'bitcoin'], 64);
      await pay(['record', 'INV-2026-00001', '--amount', '5', '--method', 'cash', '--date', '2026-02-01'], 64);
      expect((await pay(['record', 'INV-2026-00009', '--amount', '5', '--method', 'cash'], 65)).stderr).toMatch(/INV-2026-0000[12]/);

      const voided = (await ok(db, ['--today', '2026-01-12', 'invoices', 'void', 'INV-2026-00002', '--reason', 'wrong plan', '--json'])).json();
      expect(voided.creditNote).toEqual({ number: 'CN-2026-00001', invoice: 'INV-2026-00002', date: '2026-01-12', currency: 'EUR', net: '-100.00', tax: '0.00', total: '-100.00', reason: 'wrong plan', line: null, days: null });
      expect(voided.invoice).toMatchObject({ number: 'INV-2026-00002', status: 'void' });
      // what was paid on a voided invoice becomes credit
      const second_void = (await ok(db, ['--today', '2026-01-12', 'invoices', 'void', 'INV-2026-00001', '--reason', 'duplicate', '--json'])).json();
      expect(second_void.creditNote.number).toBe('CN-2026-00002');
      expect(await credit()).toBe(5000);
      await ok(db, ['invoices', 'void', 'INV-2026-00001', '--reason', 'again'], 65);
      await pay(['record', 'INV-2026-00001', '--amount', '5', '--method', 'cash'], 65);

      // a voided period is billed again once the membership says so, under a new number
      await ok(db, ['memberships', 'set', String(bobMembership), '--next-invoice', '2026-01-01']);
      const rebilled = (await ok(db, ['--today', '2026-01-12', 'invoices', 'run', '--json'])).json();
      expect(rebilled.invoices.map((i: { number: string; payer: { name: string } }) => [i.number, i.payer.name])).toEqual([['INV-2026-00003', 'Bob']]);
      const numbers = (await ok(db, ['invoices', 'list', '--json'])).json().map((i: { number: string; status: string }) => [i.number, i.status]);
      expect(numbers).toEqual([
        ['INV-2026-00001', 'void'],
        ['INV-2026-00002', 'void'],
        ['INV-2026-00003', 'open'],
      ]);
      const intoBilled = await ok(db, ['memberships', 'set', String(bobMembership), '--next-invoice', '2026-01-15'], 65);
      expect(intoBilled.stderr).toContain('INV-2026-00003');

      // credit notes can be looked up, are named by the invoices they void, and are exported with negative amounts
      const note = (await ok(db, ['invoices', 'show', 'cn-2026-00001', '--json'])).json();
      expect(note).toEqual(voided.creditNote);
      expect((await ok(db, ['invoices', 'show', 'INV-2026-00002', '--json'])).json().creditNote).toBe('CN-2026-00001');
      expect((await ok(db, ['invoices', 'show', 'INV-2026-00003', '--json'])).json().creditNote).toBeNull();
      const exported: string[][] = parse((await ok(db, ['invoices', 'export', '--format', 'csv'])).stdout).slice(1);
      const documents = exported.map((cells) => [cells[0], cells[1], cells[15], cells[17]]);
      // in date order, a day's credit notes after its invoices
      expect(documents).toEqual([
        ['INV-2026-00001', '2026-01-01', '100.00', 'void'],
        ['INV-2026-00002', '2026-01-01', '100.00', 'void'],
        ['INV-2026-00003', '2026-01-12', '100.00', 'open'],
        ['CN-2026-00001', '2026-01-12', '-100.00', 'credit note'],
        ['CN-2026-00002', '2026-01-12', '-100.00', 'credit note'],
      ]);
      expect(exported[3]![7]).toContain('credit note for INV-2026-00002 (wrong plan)');
      const paidOnly = (await ok(db, ['invoices', 'export', '--format', 'csv', '--status', 'open'])).stdout;
      expect(paidOnly).not.toContain('CN-2026');
    } finally {
      await handle.close();
    }
  });

  it('exports one row per line to CSV and xlsx with formula injection neutralised', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    const names = ['=HYPERLINK("http://evil.example","x")', '+41 22 555', '-minus', '@SUM(A1)', 'Plain Name'];
    await seed(db, async (k) => {
      const desk = await addPlan(k, 'Desk', { price: 4950, taxRate: '5.5' });
      const company = await k.insertInto('companies').values({ name: "=cmd|' /C calc'!A0", created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
      const payer = await addPerson(k, names[0]!);
      await k.updateTable('members').set({ company_id: company.id }).where('id', '=', payer).execute();
      await subscribe(k, payer, desk, { startDate: '2026-01-01' });
      for (const name of names.slice(1)) await subscribe(k, await addPerson(k, name, payer), desk, { startDate: '2026-01-01' });
    });
    await ok(db, ['--today', '2026-02-01', 'invoices', 'run']);

    const csv = await ok(db, ['invoices', 'export']);
    const rows: string[][] = parse(csv.stdout);
    expect(rows[0]).toEqual(['Number', 'Date', 'Due date', 'Payer', 'Company', 'Member', 'Plan', 'Description', 'Period start', 'Period end', 'Quantity', 'Unit price', 'Net', 'Tax rate', 'Tax', 'Total', 'Currency', 'Status', 'Member number']);
    // 5 members x 2 months, all on the payer's one invoice
    expect(rows).toHaveLength(11);
    const first = rows[1]!;
    expect(first.slice(0, 6)).toEqual(['INV-2026-00001', '2026-02-01', '2026-02-15', `'${names[0]}`, "'=cmd|' /C calc'!A0", `'${names[0]}`]);
    // 5.5% of 49.50 = 2.7225 -> 2.72
    expect(first.slice(8)).toEqual(['2026-01-01', '2026-01-31', '1', '49.50', '49.50', '5.5', '2.72', '52.22', 'EUR', 'open', 'M-00001']);
    // the payer got the first member number with this invoice; the people they pay for have none
    expect(rows.slice(1).filter((r) => r[18] !== '').map((r) => r[5])).toEqual([`'${names[0]}`, `'${names[0]}`]);
    const written = (name: string) => (/^[=+\-@]/.test(name) ? `'${name}` : name);
    expect(rows.slice(1).map((r) => r[5]).sort()).toEqual(names.flatMap((n) => [written(n), written(n)]).sort());
    expect(rows.slice(1).every((r) => r[3] === written(names[0]!))).toBe(true);

    const file = path.join(dir, 'invoices.xlsx');
    expect((await ok(db, ['invoices', 'export', '-o', file, '--json'])).json()).toEqual({ file, format: 'xlsx', invoices: 1, rows: 10 });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.getWorksheet('Invoices')!;
    const payer = sheet.getRow(2).getCell(4);
    expect(payer.type).toBe(ExcelJS.ValueType.String);
    expect(payer.value).toBe(names[0]);
    expect(sheet.getRow(2).getCell(5).type).toBe(ExcelJS.ValueType.String);
    for (let r = 2; r <= 11; r += 1) {
      sheet.getRow(r).eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula));
    }
    expect(sheet.getRow(2).getCell(13).value).toBe(49.5);
    expect(sheet.getRow(2).getCell(2).value).toEqual(new Date('2026-02-01T00:00:00Z'));

    await ok(db, ['invoices', 'export', '--format', 'xlsx'], 64);
    await ok(db, ['invoices', 'export', '--status', 'unpaid'], 64);
  });

  it('exports payments to CSV and xlsx with the filters of payments list, cancelled ones marked, formulas inert', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    await seed(db, async (k) => {
      const desk = await addPlan(k, 'Desk', { price: 10000 });
      await subscribe(k, await addPerson(k, 'Ann'), desk, { startDate: '2026-01-01' });
      await subscribe(k, await addPerson(k, 'Bob'), desk, { startDate: '2026-01-01' });
    });
    await ok(db, ['--today', '2026-01-01', 'invoices', 'run']);
    await ok(db, ['--today', '2026-01-05', 'payments', 'record', 'INV-2026-00001', '--amount', '60', '--method', 'transfer', '--reference', '=HYPERLINK("x")']);
    await ok(db, ['--today', '2026-01-06', 'payments', 'record', 'INV-2026-00002', '--amount', '100', '--method', 'check', '--reference', 'CHQ 881']);
    await ok(db, ['--today', '2026-01-07', 'payments', 'cancel', '2', '--reason', 'cheque bounced']);
    await ok(db, ['--today', '2026-01-08', 'payments', 'record', 'INV-2026-00001', '--amount', '40,50', '--method', 'cash']);

    const rows: string[][] = parse((await ok(db, ['payments', 'export'])).stdout);
    expect(rows).toEqual([
      ['ID', 'Date', 'Invoice', 'Payer', 'Amount', 'Currency', 'Method', 'Reference', 'Status', 'Cancel reason'],
      ['1', '2026-01-05', 'INV-2026-00001', 'Ann', '60.00', 'EUR', 'transfer', `'=HYPERLINK("x")`, 'recorded', ''],
      ['2', '2026-01-06', 'INV-2026-00002', 'Bob', '100.00', 'EUR', 'check', 'CHQ 881', 'cancelled', 'cheque bounced'],
      ['3', '2026-01-08', 'INV-2026-00001', 'Ann', '40.50', 'EUR', 'cash', '', 'recorded', ''],
    ]);
    const recorded: string[][] = parse((await ok(db, ['payments', 'export', '--status', 'recorded', '--member', 'Ann', '--from', '2026-01-06'])).stdout);
    expect(recorded.slice(1).map((r) => r[0])).toEqual(['3']);

    const csvFile = path.join(dir, 'payments.csv');
    expect((await ok(db, ['payments', 'export', '-o', csvFile, '--json'])).json()).toEqual({ file: csvFile, format: 'csv', payments: 3 });
    expect(fs.readFileSync(csvFile).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));

    const xlsx = path.join(dir, 'payments.xlsx');
    await ok(db, ['payments', 'export', '-o', xlsx]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsx);
    const sheet = workbook.getWorksheet('Payments')!;
    expect(sheet.getRow(2).getCell(2).value).toEqual(new Date('2026-01-05T00:00:00Z'));
    expect(sheet.getRow(4).getCell(5).value).toBe(40.5);
    expect(sheet.getRow(2).getCell(8).type).toBe(ExcelJS.ValueType.String);
    expect(sheet.getRow(2).getCell(8).value).toBe('=HYPERLINK("x")');

    await ok(db, ['payments', 'export', '--format', 'xlsx'], 64);
    await ok(db, ['payments', 'export', '--status', 'pending'], 64);
    await ok(db, ['payments', 'export', '--json'], 64);
    await ok(db, ['payments', 'export', '--invoice', 'INV-2026-00099'], 65);
  });

  it('reports a membership it cannot bill (payer deleted) with exit 65 and bills the rest', async () => {
    const db = await freshDbUrl(dialect);
    const gone = await seed(db, async (k) => {
      const desk = await addPlan(k, 'Desk', { price: 1000 });
      const gone = await addPerson(k, 'Gone');
      await subscribe(k, await addPerson(k, 'Kid', gone), desk, { startDate: '2026-01-01' });
      await subscribe(k, await addPerson(k, 'Ann'), desk, { startDate: '2026-01-01' });
      return gone;
    });
    const handle = await openDb(db);
    try {
      if (dialect === 'sqlite') {
        await sql`pragma foreign_keys = off`.execute(handle.kysely);
        await handle.kysely.deleteFrom('members').where('id', '=', gone).execute();
      } else {
        await sql`alter table members disable trigger all`.execute(handle.kysely);
        await handle.kysely.deleteFrom('members').where('id', '=', gone).execute();
        await sql`alter table members enable trigger all`.execute(handle.kysely);
      }
    } finally {
      await handle.close();
    }
    const json = await ok(db, ['--today', '2026-01-01', 'jobs', 'run', '--json'], 65);
    const doc = json.json();
    expect(doc.invoices.invoices.map((i: { payer: { name: string } }) => i.payer.name)).toEqual(['Ann']);
    expect(doc.invoices.problems).toEqual([
      expect.objectContaining({ row: null, column: null, code: 'unknown_payer', severity: 'error', value: String(gone), suggestion: null }),
    ]);
    const human = await ok(db, ['--today', '2026-01-01', 'invoices', 'run'], 65);
    expect(human.stdout).toBe('');
    expect(human.stderr).toContain(`its payer #${gone} no longer exists`);
    noStackTrace(human.stderr);
  });

  it('exits 75 at once while another job holds the lock, or after waiting --wait seconds', async () => {
    const db = await freshDbUrl(dialect);
    await seed(db, async (k) => subscribe(k, await addPerson(k, 'Ann'), await addPlan(k, 'Desk', { price: 1000 }), { startDate: '2026-01-01' }));
    const handle = await openDb(db);
    try {
      await withJobLock(handle, 'jobs', {}, async () => {
        const busy = await ok(db, ['--today', '2026-01-01', 'jobs', 'run'], 75);
        expect(busy.stderr).toContain('lock');
        noStackTrace(busy.stderr);
        const started = Date.now();
        await ok(db, ['--today', '2026-01-01', 'invoices', 'run', '--wait', '1'], 75);
        expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      });
    } finally {
      await handle.close();
    }
    expect((await ok(db, ['--today', '2026-01-01', 'invoices', 'run', '--json'])).json().count).toBe(1);
  });

  it('validates memberships: dates, plan, quantity, renewal options', async () => {
    const db = await freshDbUrl(dialect);
    await seed(db, async (k) => {
      await addPlan(k, 'Hot Desk', { price: 1000 });
      await addPerson(k, 'Ann');
    });
    const add = (args: string[], code: number) => ok(db, ['memberships', 'add', 'Ann', '--plan', 'Hot Desk', ...args], code);
    await add(['--start', '2026-02-30'], 64);
    expect((await add(['--start', '2026-03-01', '--next-invoice', '2026-02-01'], 65)).stderr).toContain('before the start date');
    await add(['--start', '2026-03-01', '--quantity', '0'], 64);
    expect((await add(['--start', '2026-01-01', '--next-invoice', '2026-03-01', '--prorate'], 65)).stderr).toContain('at most one full period');
    const unknownPlan = await ok(db, ['memberships', 'add', 'Ann', '--plan', 'hot desk', '--start', '2026-03-01'], 65);
    expect(unknownPlan.stderr).toContain('"Hot Desk"');

    const id = String((await add(['--start', '2026-03-01', '--json'], 0)).json().id);
    await ok(db, ['memberships', 'set', id, '--do-not-renew'], 64);
    const set = await ok(db, ['memberships', 'set', id, '--do-not-renew', '--reason', 'moving', '--auto-renew-until', '2026-12-31', '--end', '2027-01-31', '--json']);
    expect(set.json()).toMatchObject({ doNotRenew: true, autoRenewUntil: '2026-12-31', endDate: '2027-01-31' });
    const cleared = await ok(db, ['memberships', 'set', id, '--no-do-not-renew', '--auto-renew-until', 'none', '--end', 'none', '--intervention', 'check the company pays', '--json']);
    expect(cleared.json()).toMatchObject({ doNotRenew: false, autoRenewUntil: null, endDate: null });
    const handle = await openDb(db);
    try {
      const row = await handle.kysely.selectFrom('memberships').selectAll().where('id', '=', Number(id)).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ intervention_required: 1, intervention_reason: 'check the company pays', do_not_renew_reason: null });
    } finally {
      await handle.close();
    }
  });
});

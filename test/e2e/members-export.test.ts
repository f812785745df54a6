import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

const people = [
  'Name,Plan name,Start date,Next invoice date,Email,Phone,Company,SIREN,Paid by,Address,Postcode,City,Country,Language,Cc,Quantity,Price,Auto renew,End date,Tags,External ID,Casier,T-shirt',
  'Élise Martin,Hot Desk,2026-01-10,2026-02-10,elise@example.fr,+33 6 11 22 33 44,Acme SA,732829320,,"3 rue Neuve\nBât. B",75001,Paris,FR,fr,a@example.org; b@example.org,2,45.50,yes,,"Sport/Yoga; VIP",X-1,12,M',
  'Grand Payeur,,,,,,,,,,,,,,,,,,,,,,',
  'Tom Petit,Hot Desk,2026-01-01,2026-02-01,,0612,,,Grand Payeur,,,,,,,,,,,,,,L',
  'Contact Seul,,,,seul@example.org,,,,,,,,BE,en,,,,,,Board,,,',
].join('\n');

type Snapshot = Record<string, Array<Record<string, unknown>>>;

/** Every row of the tables a member file writes, without their update times. */
async function snapshot(url: string): Promise<Snapshot> {
  const db = await openDb(url);
  try {
    const out: Snapshot = {};
    for (const table of ['members', 'memberships', 'member_fields', 'member_tags', 'tags', 'companies', 'sepa_mandates', 'notes'] as const) {
      const rows = (await db.kysely.selectFrom(table).selectAll().execute()) as Array<Record<string, unknown>>;
      out[table] = rows
        .map(({ updated_at: _, ...rest }) => rest)
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    }
    return out;
  } finally {
    await db.close();
  }
}

describe.each(dialects)('members export on %s', (dialect) => {
  it('re-imported with --update, an edited export changes the edited cells and nothing else', { timeout: 240_000 }, async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    const today = '2026-03-10';
    const ok = async (args: string[], code = 0) => {
      const result = await runCli(args, { db, today });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code);
      return result;
    };
    await ok(['plans', 'import', path.join(root, 'fixtures', 'plans.csv')]);
    fs.writeFileSync(path.join(dir, 'people.csv'), people);
    await ok(['import', path.join(dir, 'people.csv'), '--yes']);
    await ok(['memberships', 'add', 'Tom Petit', '--plan', 'Association Annual', '--start', '2025-01-01', '--end', '2026-12-31']);
    await ok(['mandates', 'add', 'elise@example.fr', '--iban', 'FR76 3000 6000 0112 3456 7890 189', '--signed', '2026-01-05']);
    // billing moves the next invoice dates on: the export still gives back what an import compares
    await ok(['invoices', 'run']);

    const csv = path.join(dir, 'members.csv');
    const exported = (await ok(['--json', 'members', 'export', '-o', csv])).json();
    expect(exported).toEqual({ file: csv, format: 'csv', people: 4, rows: 5, skippedFields: [] });
    const bytes = fs.readFileSync(csv);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = bytes.toString('utf8').slice(1).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'memberctl ID,Name,Plan name,Start date,Next invoice date,Email,Phone,Company,SIREN,VAT number,Paid by,Delegate of,Address,Postcode,City,Country,Language,Billing e-mail,Renewal e-mail,Cc,No mail,IBAN,BIC,Mandate reference,Mandate date,Mandate scheme,Quantity,Price,Prorate first invoice,Auto renew,End date,Tags,Notes,External ID,Casier,T-shirt',
    );

    // as exported: nothing to change
    const before = await snapshot(db);
    const same = (await ok(['--json', 'import', csv, '--update', '--yes'])).json();
    expect(same).toMatchObject({ rows: 5, unchanged: 5, updated: { members: 0, memberships: 0 } });
    expect(await snapshot(db)).toEqual(before);

    // CSV edited as text: Élise's phone and a custom field, Tom's name (a person without e-mail, on two rows)
    const payer = before.members!.find((m) => m.name === 'Grand Payeur')!;
    const tom = before.members!.find((m) => m.name === 'Tom Petit')!;
    expect(lines.filter((l) => l.startsWith(`${tom.id},`))).toHaveLength(2);
    expect(lines.find((l) => l.startsWith(`${tom.id},`))).toContain(`,#${payer.id},`);
    const edited = lines.map((line) => {
      if (line.includes('elise@example.fr')) return line.replace("'+33 6 11 22 33 44", '+33 7 00 00 00 00');
      // the address's line break: the row goes on on the next line
      if (line.endsWith(',X-1,12,M')) return line.replace(/,12,M$/, ',14,M');
      if (line.startsWith(`${tom.id},`)) return line.replace('Tom Petit', 'Tom Petit-Grand');
      return line;
    });
    expect(edited.join('\n')).toContain(',X-1,14,M');
    fs.writeFileSync(csv, `\uFEFF${edited.join('\n')}\n`);
    const changed = (await ok(['--json', 'import', csv, '--update', '--yes'])).json();
    expect(changed).toMatchObject({ unchanged: 2, updated: { members: 2, memberships: 0 } });
    const afterCsv = await snapshot(db);
    const expected = structuredClone(before);
    const elise = expected.members!.find((m) => m.email === 'elise@example.fr')!;
    elise.phone = '+33 7 00 00 00 00';
    expected.members!.find((m) => m.id === tom.id)!.name = 'Tom Petit-Grand';
    expected.member_fields!.find((f) => f.member_id === elise.id && f.key === 'Casier')!.value = '14';
    for (const table of Object.values(expected)) table.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(afterCsv).toEqual(expected);

    // xlsx edited with exceljs: real dates and numbers; an end date and a price change, nothing else
    const xlsx = path.join(dir, 'members.xlsx');
    await ok(['members', 'export', '-o', xlsx]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsx);
    const sheet = workbook.worksheets[0]!;
    const headers = sheet.getRow(1).values as unknown[];
    const col = (h: string) => headers.indexOf(h);
    let eliseRow = 0;
    sheet.eachRow((row, n) => {
      if (row.getCell(col('Email')).value === 'elise@example.fr') eliseRow = n;
    });
    const row = sheet.getRow(eliseRow);
    expect(row.getCell(col('Start date')).value).toEqual(new Date('2026-01-10T00:00:00Z'));
    expect(row.getCell(col('Price')).value).toBe(45.5);
    expect(row.getCell(col('memberctl ID')).value).toBe(elise.id);
    row.getCell(col('End date')).value = new Date('2026-06-30T00:00:00Z');
    row.getCell(col('Price')).value = 50;
    await workbook.xlsx.writeFile(xlsx);
    const fromXlsx = (await ok(['--json', 'import', xlsx, '--update', '--yes'])).json();
    expect(fromXlsx).toMatchObject({ unchanged: 4, updated: { members: 0, memberships: 1 } });
    const afterXlsx = await snapshot(db);
    const membership = structuredClone(afterCsv);
    const eliseMembership = membership.memberships!.find((m) => m.member_id === elise.id)!;
    eliseMembership.end_date = '2026-06-30';
    eliseMembership.price = 5000;
    for (const table of Object.values(membership)) table.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(afterXlsx).toEqual(membership);
  });

  it('filters like members list, writes JSON, and refuses an unknown memberctl ID; memberships list', { timeout: 240_000 }, async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    const ok = async (args: string[], code = 0) => {
      const result = await runCli(args, { db, today: '2026-03-10' });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code);
      return result;
    };
    await ok(['plans', 'import', path.join(root, 'fixtures', 'plans.csv')]);
    fs.writeFileSync(path.join(dir, 'people.csv'), people);
    await ok(['import', path.join(dir, 'people.csv'), '--yes']);
    const json = JSON.parse((await ok(['members', 'export', '--status', 'contact', '--format', 'json'])).stdout);
    expect(json.map((r: Record<string, unknown>) => r.Name)).toEqual(['Contact Seul', 'Grand Payeur']);
    expect(json[0]).toMatchObject({ Email: 'seul@example.org', Country: 'BE', Tags: 'Board', 'Plan name': null });
    const csv = (await ok(['members', 'export', '--plan', 'Hot Desk'])).stdout;
    expect(csv.startsWith('\uFEFF')).toBe(false);
    expect(csv.split('\n').filter((line) => /^\d+,/.test(line)).map((line) => line.split(',')[1])).toEqual(['Élise Martin', 'Tom Petit']);
    await ok(['members', 'export', '--format', 'xlsx'], 64);
    await ok(['members', 'export', '--format', 'ods'], 64);

    // memberships list: the same people's memberships, filtered, as JSON, CSV and xlsx
    await ok(['memberships', 'add', 'Tom Petit', '--plan', 'Association Annual', '--start', '2025-01-01', '--end', '2025-12-31']);
    const all = (await ok(['--json', 'memberships', 'list'])).json();
    expect(all.map((m: { member: { name: string }; plan: string; status: string }) => [m.member.name, m.plan, m.status])).toEqual([
      ['Élise Martin', 'Hot Desk', 'active'],
      ['Tom Petit', 'Association Annual', 'ended'],
      ['Tom Petit', 'Hot Desk', 'active'],
    ]);
    expect(all[0]).toMatchObject({ quantity: 2, price: '45.50', followsPlanPrice: false, startDate: '2026-01-10' });
    expect((await ok(['--json', 'memberships', 'list', '--status', 'ended'])).json()).toHaveLength(1);
    expect((await ok(['--json', 'memberships', 'list', '--member', 'Tom Petit', '--plan', 'Hot Desk'])).json()).toHaveLength(1);
    expect((await ok(['--json', 'memberships', 'list', '--from', '2025-03-01', '--to', '2025-12-31'])).json().map((m: { plan: string }) => m.plan)).toEqual(['Association Annual']);
    expect((await ok(['--json', 'memberships', 'list', '--from', '2026-01-05', '--to', '2026-01-05'])).json().map((m: { plan: string }) => m.plan)).toEqual(['Hot Desk']);
    const listCsv = (await ok(['memberships', 'list', '--format', 'csv', '--status', 'active'])).stdout.trimEnd().split('\n');
    expect(listCsv[0]).toBe('ID,Member ID,Member,Plan,Quantity,Price,Currency,Own price,Start date,Next invoice date,End date,Auto renew,Do not renew,Status');
    expect(listCsv[1]).toMatch(/^\d+,\d+,Élise Martin,Hot Desk,2,45.50,EUR,yes,2026-01-10,2026-02-10,,yes,no,active$/);
    const listXlsx = path.join(dir, 'memberships.xlsx');
    expect((await ok(['--json', 'memberships', 'list', '-o', listXlsx])).json()).toEqual({ file: listXlsx, format: 'xlsx', memberships: 3 });
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(listXlsx);
    const first = book.worksheets[0]!.getRow(2);
    expect(first.getCell(9).value).toEqual(new Date('2026-01-10T00:00:00Z'));
    expect(first.getCell(6).value).toBe(45.5);
    await ok(['memberships', 'list', '--status', 'frozen'], 64);
    await ok(['memberships', 'list', '--from', '2026-02-01', '--to', '2026-01-01'], 64);
    await ok(['memberships', 'list', '--plan', 'No Such Plan'], 65);
    await ok(['memberships', 'list', '--format', 'xlsx'], 64);

    const file = path.join(dir, 'unknown.csv');
    fs.writeFileSync(file, 'memberctl ID,Name,Email\n999,Nobody,nobody@example.org\n');
    const refused = await runCli(['--json', 'import', file, '--update', '--yes'], { db });
    expect(refused.code).toBe(65);
    expect(refused.json().problems).toMatchObject([{ row: 2, column: 'memberctl ID', code: 'unknown_member' }]);
  });
});

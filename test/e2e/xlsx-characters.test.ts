// 100,000 members with accented names, as the benchmark generates them (bench/import.mjs), saved as CSV and as
// xlsx with shared strings (as Excel and LibreOffice write) and with inline strings (as many web exports do): the
// three imports give the same database, character for character. The xlsx parts are megabytes long, so thousands
// of multi-byte characters fall across the boundaries of the chunks they are inflated and decoded in.
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { inlineStringsXlsx, tempFolder } from '../importers/files.js';

const folder = tempFolder('xlsx-characters');
const today = '2026-11-23';
const count = 100_000;
const plans = ['Hot Desk', 'Fixed Desk', 'Private Office'];
const header = ['Name', 'Email', 'Phone', 'Company', 'Plan name', 'Start date', 'Next invoice date', 'Paid by', 'External ID', 'Tags', 'Locker', 'Level'];
const names = ['Chloé Dubois', 'Hugo Dupré-Laurent', 'Inès Ødegaard', 'Zoë Ærøskøbing', 'Łukasz Żółć', 'Jürgen Größe', '王秀英', 'Nguyễn Thị Minh'];
const companies = ['Société Générale', 'Crème & Brûlée', 'Ørsted Façades', 'Çağdaş Yapı'];

const nameOf = (i: number) => `${names[i % names.length]} ${i}`;

/** Row i (1-based): the benchmark's row, with accented names, companies and custom fields. */
function row(i: number): string[] {
  let payer = '';
  if (i % 10 === 0) payer = i % 20 === 0 || i + 3 > count ? `member${i - 1}@example.org` : nameOf(i + 3);
  const company = i % 5 < 3 ? `${companies[i % companies.length]} ${i % 5000}` : '';
  const day = String(1 + (i % 28)).padStart(2, '0');
  return [
    nameOf(i),
    `member${i}@example.org`,
    `+33 6 ${String(i % 100).padStart(2, '0')} ${String(i % 97).padStart(2, '0')} 00 00`,
    company,
    plans[i % plans.length]!,
    `2025-01-${day}`,
    `2027-01-${day}`,
    payer,
    `crm-${i}`,
    i % 7 === 0 ? 'vip' : '',
    `Casier é${i}`,
    ['Bronze', 'Argent ✦', 'Or 🥇'][i % 3]!,
  ];
}

const rows = () => Array.from({ length: count }, (_, i) => row(i + 1));

function writeCsv(): string {
  const quoted = (cell: string) => (/[",]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
  const lines = [header, ...rows()].map((cells) => cells.map(quoted).join(','));
  return folder.write('members.csv', `${lines.join('\n')}\n`);
}

async function writeSharedStrings(): Promise<string> {
  const file = folder.path('shared-strings.xlsx');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: false });
  const sheet = workbook.addWorksheet('Members');
  sheet.addRow(header).commit();
  for (let i = 1; i <= count; i += 1) sheet.addRow(row(i)).commit();
  sheet.commit();
  await workbook.commit();
  return file;
}

/** Every member as the database holds them, by e-mail: name, e-mail, company and custom fields. */
async function members(url: string) {
  const db = await openDb(url);
  try {
    const people = await db.kysely
      .selectFrom('members')
      .leftJoin('companies', 'companies.id', 'members.company_id')
      .select(['members.id', 'members.name', 'members.email', 'companies.name as company'])
      .orderBy('members.email')
      .execute();
    const fields = await db.kysely.selectFrom('member_fields').select(['member_id', 'key', 'value']).orderBy('member_id').orderBy('key').execute();
    const byMember = new Map<number, string[]>();
    for (const field of fields) byMember.set(field.member_id, [...(byMember.get(field.member_id) ?? []), `${field.key}=${field.value}`]);
    return people.map((person) => ({ name: person.name, email: person.email, company: person.company, fields: byMember.get(person.id) ?? [] }));
  } finally {
    await db.close();
  }
}

async function imported(dialect: (typeof dialects)[number], file: string) {
  const db = await freshDbUrl(dialect);
  for (const plan of plans) expect((await runCli(['plans', 'add', plan, '--price', '200', '--tax-rate', '20'], { db })).code).toBe(0);
  const result = await runCli(['--json', 'import', file], { db, today });
  expect(result.code, result.stderr).toBe(0);
  expect(result.json().created.members).toBe(count);
  return members(db);
}

const files = { csv: '', shared: '', inline: '' };
beforeAll(async () => {
  files.csv = writeCsv();
  files.shared = await writeSharedStrings();
  files.inline = folder.write('inline-strings.xlsx', inlineStringsXlsx([header, ...rows()]));
}, 300_000);

describe.each(dialects)('100,000 accented members (%s)', (dialect) => {
  it('imported from xlsx with shared strings, and with inline strings, equal their CSV import character for character', async () => {
    const fromCsv = await imported(dialect, files.csv);
    // the CSV import holds the generator's rows exactly: the reference is right
    expect(fromCsv.map((person) => person.name).sort()).toEqual(rows().map((cells) => cells[0]).sort());
    expect(fromCsv.find((person) => person.email === 'member2@example.org')).toEqual({
      name: 'Inès Ødegaard 2',
      email: 'member2@example.org',
      company: 'Ørsted Façades 2',
      fields: ['Level=Or 🥇', 'Locker=Casier é2'],
    });
    const fromShared = await imported(dialect, files.shared);
    expect(fromShared.filter((person, i) => JSON.stringify(person) !== JSON.stringify(fromCsv[i])).slice(0, 5)).toEqual([]);
    expect(fromShared).toEqual(fromCsv);
    const fromInline = await imported(dialect, files.inline);
    expect(fromInline.filter((person, i) => JSON.stringify(person) !== JSON.stringify(fromCsv[i])).slice(0, 5)).toEqual([]);
    expect(fromInline).toEqual(fromCsv);
  }, 600_000);
});

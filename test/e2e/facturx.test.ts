import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';
import { fatalAsserts, validateCiiSchema, xpathValues } from '../helpers/einvoice.js';
import { facturxProblems, readFacturx } from '../helpers/facturx.js';

const identity = [
  'org', 'set', '--name', 'Dupont & Fils <Coworking>', '--address', '12 rue de la République', '--postcode', '69001', '--city', 'Lyon',
  '--siren', '732829320', '--vat-id', 'FR44732829320', '--email', 'contact@dupont.example', '--iban', 'FR7630006000011234567890189', '--bic', 'AGRIFRPP',
];

async function ok(db: string, args: string[], options: { cwd?: string } = {}) {
  const result = await runCli(args, { db, ...options });
  expect(result.code, `memberctl ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

/**
 * Invoices of 2025-11-02 (Ann, 50.00 paid; Bob's company, voided on 2025-11-04 by a credit note) and of
 * 2025-12-01 (their second month, Bob's billed again); Chloé pays hers in full.
 */
async function billed(db: string) {
  await ok(db, identity);
  await ok(db, ['plans', 'add', 'Hot Desk', '--price', '100', '--tax-rate', '20']);
  await ok(db, ['members', 'add', '--name', 'Ann Smith', '--email', 'ann@example.org']);
  await ok(db, ['members', 'add', '--name', 'Bob Martin', '--email', 'bob@example.org', '--company', 'Atelier Numérique Rhône']);
  await ok(db, ['members', 'add', '--name', 'Chloé Nguyễn', '--email', 'chloe@example.org']);
  for (const email of ['ann@example.org', 'bob@example.org', 'chloe@example.org']) {
    await ok(db, ['memberships', 'add', email, '--plan', 'Hot Desk', '--start', '2025-11-01']);
  }
  await ok(db, ['--today', '2025-11-02', 'invoices', 'run']);
  const first = (await ok(db, ['invoices', 'list', '--json'])).json() as Array<{ number: string; payer: { name: string } }>;
  const of = (name: string) => first.find((i) => i.payer.name === name)!.number;
  await ok(db, ['--today', '2025-11-03', 'payments', 'record', of('Ann Smith'), '--amount', '50', '--method', 'cash']);
  await ok(db, ['--today', '2025-11-03', 'payments', 'record', of('Chloé Nguyễn'), '--amount', '120', '--method', 'cash']);
  const voided = (await ok(db, ['--today', '2025-11-04', 'invoices', 'void', of('Bob Martin'), '--reason', 'wrong plan', '--json'])).json();
  await ok(db, ['--today', '2025-12-01', 'invoices', 'run']);
  const all = (await ok(db, ['invoices', 'list', '--json'])).json() as Array<{ number: string; date: string; status: string }>;
  return { november: first.map((i) => i.number), december: all.filter((i) => i.date === '2025-12-01').map((i) => i.number), note: voided.creditNote.number as string, paid: of('Chloé Nguyễn'), voidedInvoice: of('Bob Martin') };
}

const pdfs = (dir: string) => fs.readdirSync(dir).sort();

// each test runs the CLI some twenty times and reads every file back
const slow = { timeout: 240_000 };

describe.each(dialects)('Factur-X and documents by selection, from the built CLI on %s', (dialect) => {
  it('writes Factur-X of invoices and credit notes: PDF/A-3b, its XML the CII byte for byte, valid by the official EN 16931 rules', slow, async () => {
    const db = await freshDbUrl(dialect);
    const { november, note } = await billed(db);
    const dir = tempDir();
    const numbers = [...november, note];
    const result = await ok(db, ['invoices', 'einvoice', ...numbers, '--format', 'facturx', '-o', dir, '--json']);
    expect(result.json()).toEqual({ written: numbers.map((number) => ({ number, file: path.join(dir, `${number}.pdf`), format: 'facturx' })) });
    const cii = tempDir();
    await ok(db, ['invoices', 'einvoice', ...numbers, '--format', 'cii', '-o', cii]);
    for (const number of numbers) {
      const file = path.join(dir, `${number}.pdf`);
      expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
      const reading = readFacturx(fs.readFileSync(file));
      expect(facturxProblems(reading), number).toEqual([]);
      const xml = reading.attachments.get('factur-x.xml')!;
      expect(xml.equals(fs.readFileSync(path.join(cii, `${number}.xml`))), `${number}: the embedded XML is --format cii's`).toBe(true);
      expect(fatalAsserts(xml.toString('utf8'), 'cii'), number).toEqual([]);
      expect(validateCiiSchema(xml.toString('utf8'))).toEqual({ valid: true, errors: [] });
      expect(reading.info.Author).toBe('Dupont & Fils <Coworking>');
      expect(reading.info.Title).toBe(`${number.startsWith('CN-') ? 'Avoir' : 'Facture'} ${number}`);
    }
    const noteXml = readFacturx(fs.readFileSync(path.join(dir, `${note}.pdf`))).attachments.get('factur-x.xml')!.toString('utf8');
    expect(xpathValues(noteXml, '/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode')).toEqual(['381']);

    // one number without -o: NUMBER.pdf here
    const here = tempDir();
    const single = await ok(db, ['invoices', 'einvoice', november[0]!.toLowerCase(), '--format', 'FacturX'], { cwd: here });
    expect(single.stdout.trim()).toBe(`Wrote ${november[0]}.pdf (${november[0]}, facturx).`);
    expect(pdfs(here)).toEqual([`${november[0]}.pdf`]);
  });

  it('selects by issue date and status, credit notes by date, into a folder; no match writes nothing and exits 0', slow, async () => {
    const db = await freshDbUrl(dialect);
    const { november, december, note, paid, voidedInvoice } = await billed(db);
    const dir = tempDir();
    const november2 = path.join(dir, 'november');
    fs.mkdirSync(november2);
    // November's invoices, then the credit note of Nov 4, in that order; December's left out
    const result = await ok(db, ['invoices', 'pdf', '--from', '2025-11-01', '--to', '2025-11-30', '-o', november2, '--json']);
    expect(result.json().written.map((w: { number: string }) => w.number)).toEqual([...november, note]);
    expect(pdfs(november2)).toEqual([...november, note].map((n) => `${n}.pdf`).sort());
    for (const file of pdfs(november2)) expect(fs.readFileSync(path.join(november2, file)).subarray(0, 5).toString()).toBe('%PDF-');

    // --from alone: from that day on; Factur-X too
    const fx = path.join(dir, 'fx');
    fs.mkdirSync(fx);
    await ok(db, ['invoices', 'einvoice', '--format', 'facturx', '--from', '2025-11-03', '-o', fx]);
    expect(pdfs(fx)).toEqual([note, ...december].map((n) => `${n}.pdf`).sort());
    expect(facturxProblems(readFacturx(fs.readFileSync(path.join(fx, `${note}.pdf`))))).toEqual([]);

    // --status: invoices only, no credit note
    const statuses = path.join(dir, 'status');
    fs.mkdirSync(statuses);
    const paidOnes = await ok(db, ['invoices', 'einvoice', '--format', 'cii', '--status', 'paid', '-o', statuses, '--json']);
    expect(paidOnes.json().written.map((w: { number: string }) => w.number)).toEqual([paid]);
    const voids = await ok(db, ['invoices', 'pdf', '--status', 'void', '--to', '2025-11-30', '-o', statuses]);
    expect(voids.stdout.trim()).toBe(`Wrote ${path.join(statuses, `${voidedInvoice}.pdf`)} (${voidedInvoice}, pdf).`);
    expect(voids.stderr).toContain('1 document written');

    // no match: exit 0, a message, nothing written
    const empty = tempDir();
    const none = await ok(db, ['invoices', 'pdf', '--from', '2026-01-01', '-o', empty, '--json']);
    expect(none.json()).toEqual({ written: [] });
    expect(none.stderr).toContain('No invoice or credit note matches from 2026-01-01; nothing was written.');
    const noneHuman = await ok(db, ['invoices', 'einvoice', '--format', 'ubl', '--status', 'paid', '--from', '2025-12-01', '-o', empty]);
    expect(noneHuman.stdout).toBe('');
    expect(pdfs(empty)).toEqual([]);
    // no temporary file left anywhere
    for (const folder of [november2, fx, statuses]) expect(fs.readdirSync(folder).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('refuses a selection without a folder, numbers with a selection, bad values and several documents on standard output (64), a missing folder (73)', slow, async () => {
    const db = await freshDbUrl(dialect);
    const { november } = await billed(db);
    const dir = tempDir();
    const file = path.join(dir, 'one.pdf');
    fs.writeFileSync(file, 'keep');
    const cases: Array<[string[], number, string]> = [
      [['invoices', 'pdf', '--from', '2025-11-01', '-o', file], 64, 'a selection needs -o DIR'],
      [['invoices', 'pdf', '--from', '2025-11-01', '-o', '-'], 64, 'several documents cannot be written to standard output'],
      [['invoices', 'pdf', ...november, '-o', '-'], 64, 'several documents cannot be written to standard output'],
      [['invoices', 'pdf', november[0]!, '--from', '2025-11-01', '-o', dir], 64, 'not both'],
      [['invoices', 'pdf', '-o', dir], 64, 'give invoice or credit note numbers, or a selection'],
      [['invoices', 'einvoice', '--format', 'facturx', '--status', 'late', '-o', dir], 64, '--status: "late" is not a status; use open, paid or void'],
      [['invoices', 'pdf', '--from', '2025-13-01', '-o', dir], 64, '--from: "2025-13-01" is not a date'],
      [['invoices', 'pdf', '--from', '2025-12-01', '--to', '2025-11-01', '-o', dir], 64, '--from 2025-12-01 is after --to 2025-11-01'],
      [['invoices', 'einvoice', '--format', 'facturx', '--from', '2025-11-01', '-o', path.join(dir, 'missing')], 73, 'does not exist'],
      // one document to "DIR/": a folder, never a file of that name
      [['invoices', 'pdf', november[0]!, '-o', `${path.join(dir, 'missing')}/`], 73, 'does not exist'],
      [['invoices', 'pdf', november[0]!, '-o', `${file}/`], 73, 'is not a folder'],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(args, { db });
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr, args.join(' ')).toContain(message);
      expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    }
    expect(pdfs(dir)).toEqual(['one.pdf']);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');

    // one document on standard output: the PDF itself, the line that says so on stderr
    const out = await runCli(['invoices', 'einvoice', november[0]!, '--format', 'facturx', '-o', '-'], { db });
    expect(out.code).toBe(0);
    expect(out.stdout.startsWith('%PDF-1.7')).toBe(true);
    expect(out.stderr).toContain(`Wrote ${november[0]} (facturx) to standard output.`);

    // one document to an existing "DIR/": NUMBER.pdf in it
    const folder = await runCli(['invoices', 'pdf', november[0]!, '-o', `${dir}/`], { db });
    expect(folder.code, folder.stderr).toBe(0);
    expect(pdfs(dir)).toEqual([`${november[0]}.pdf`, 'one.pdf']);
  });
});

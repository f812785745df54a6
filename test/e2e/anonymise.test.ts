import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';
import { PdfProbe } from '../helpers/poppler.js';

const identity = ['org', 'set', '--name', 'Coworking Lumière', '--address', '12 rue de la République', '--postcode', '69001', '--city', 'Lyon', '--siren', '732829320', '--vat-id', 'FR44732829320', '--iban', 'FR7630006000011234567890189'];

function pdfText(file: string): string {
  const probe = new PdfProbe(fs.readFileSync(file));
  try {
    return probe.text().replace(/\s+/g, ' ');
  } finally {
    probe.remove();
  }
}

/** Rows of a table, as JSON text, for "nothing was written" and "no erased value is left" checks. */
async function rows(url: string, table: 'members' | 'audit_log' | 'invoices' | 'mail_messages' | 'notes' | 'member_fields' | 'member_tags', memberId?: number) {
  const db = await openDb(url);
  try {
    let query = db.kysely.selectFrom(table).selectAll();
    if (memberId !== undefined) query = query.where(table === 'members' ? 'id' : table === 'invoices' ? 'payer_id' : 'member_id', '=', memberId);
    return (await query.execute()) as Array<Record<string, unknown>>;
  } finally {
    await db.close();
  }
}

describe.each(dialects)('members anonymise on %s', (dialect) => {
  it('erases what identifies the person and their audit values, keeps invoices as issued, refuses without --force', { timeout: 180_000 }, async () => {
    const db = await freshDbUrl(dialect);
    const ok = async (args: string[], code = 0, today = '2026-03-10') => {
      const result = await runCli(args, { db, today });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code);
      return result;
    };
    await ok(identity);
    await ok(['plans', 'import', path.join(root, 'fixtures', 'plans.csv')]);
    await ok(['members', 'add', '--name', 'Élise Martin', '--email', 'elise@example.fr', '--phone', '+33 6 11 22 33 44', '--address', '5 rue des Lilas', '--postcode', '69003', '--city', 'Lyon', '--tax-id', 'FR-TAX-991', '--field', 'Casier=12', '--tag', 'VIP']);
    await ok(['members', 'edit', 'elise@example.fr', '--phone', '+33 6 99 88 77 66']);
    await ok(['members', 'note', 'elise@example.fr', 'Allergic to cats']);
    await ok(['memberships', 'add', 'elise@example.fr', '--plan', 'Hot Desk', '--start', '2026-03-01']);
    const number = (await ok(['invoices', 'run', '--json'])).json().invoices[0].number as string;
    const before = (await ok(['invoices', 'show', number, '--json'])).json();
    const id = (await ok(['members', 'show', 'elise@example.fr', '--json'])).json().id as number;
    const [invoiceRow] = await rows(db, 'invoices', id);
    expect(invoiceRow!.buyer).toContain('Élise Martin');

    const exported = path.join(tempDir(), 'before.csv');
    await ok(['members', 'export', '-o', exported]);
    const refused = await ok(['members', 'anonymise', 'elise@example.fr'], 65);
    expect(refused.stderr).toContain(`open invoice ${number}`);
    expect(refused.stderr).toContain('Hot Desk, active');
    expect((await rows(db, 'members', id))[0]!.name).toBe('Élise Martin');

    const done = (await ok(['--json', 'members', 'anonymise', 'elise@example.fr', '--force', '--yes'])).json();
    expect(done).toMatchObject({ member: { id, name: `Anonymised person #${id}` }, change: 'anonymised', forced: true, erased: { fields: 1, notes: 1, tags: 1 } });
    const person = (await ok(['members', 'show', String(id), '--json'])).json();
    expect(person).toMatchObject({ name: `Anonymised person #${id}`, email: null, phone: null, address: null, postcode: null, city: null, taxId: null, customFields: {}, tags: [], notes: [], noMail: true });

    // nothing of what was erased is left about them, in their record, their audit entries or their e-mails
    const left = JSON.stringify([await rows(db, 'members', id), await rows(db, 'audit_log', id), await rows(db, 'mail_messages', id), await rows(db, 'notes', id), await rows(db, 'member_fields', id), await rows(db, 'member_tags', id)]);
    for (const erased of ['Élise', 'elise@example.fr', '+33 6 11 22 33 44', '+33 6 99 88 77 66', 'Lilas', 'FR-TAX-991', 'Allergic', 'VIP', '"12"', '\\"12\\"']) expect(left).not.toContain(erased);
    expect((await rows(db, 'audit_log', id)).find((a) => a.entity === 'member_fields')).toMatchObject({ after: '{"Casier":"(erased)"}' });
    const history = (await ok(['members', 'history', String(id)])).stdout;
    expect(history).toContain('anonymised (forced');
    // what happened stays: the edit of the phone, without its values
    expect(history).toContain('Phone changed');
    expect(history).toContain('Phone: (erased)');

    // the invoice as issued: number, amounts, frozen buyer, and its PDF
    const after = (await ok(['invoices', 'show', number, '--json'])).json();
    for (const key of ['number', 'date', 'net', 'tax', 'total', 'status', 'lines']) expect(after[key], key).toEqual(before[key]);
    expect((await rows(db, 'invoices', id))[0]!.buyer).toBe(invoiceRow!.buyer);
    const pdf = path.join(tempDir(), 'invoice.pdf');
    await ok(['invoices', 'pdf', number, '-o', pdf]);
    expect(pdfText(pdf)).toContain('Élise Martin');

    expect((await ok(['--json', 'members', 'anonymise', String(id)])).json()).toMatchObject({ change: 'unchanged' });
    // an export taken before does not bring the person back
    const reimport = await runCli(['--json', 'import', exported, '--update', '--yes'], { db, today: '2026-03-10' });
    expect(reimport.code).toBe(65);
    expect(reimport.json().problems.filter((p: { severity: string }) => p.severity === 'error')).toMatchObject([{ row: 2, column: 'memberctl ID', code: 'conflict_existing' }]);
    expect((await rows(db, 'members', id))[0]!.email).toBeNull();
    await ok(['members', 'anonymise', 'nobody@example.org'], 65);
  });

  it('privacy run --dry-run writes nothing; jobs run with retention-years anonymises the long inactive', { timeout: 240_000 }, async () => {
    const db = await freshDbUrl(dialect);
    const ok = async (args: string[], code = 0, today = '2026-01-05') => {
      const result = await runCli(args, { db, today });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code);
      return result;
    };
    await ok(['plans', 'import', path.join(root, 'fixtures', 'plans.csv')]);
    await ok(['members', 'add', '--name', 'Old Contact', '--email', 'old@example.org']);
    await ok(['members', 'add', '--name', 'Former Paid', '--email', 'former@example.org']);
    await ok(['members', 'add', '--name', 'Former Owing', '--email', 'owing@example.org']);
    await ok(['members', 'add', '--name', 'Recent Member', '--email', 'recent@example.org']);
    await ok(['memberships', 'add', 'former@example.org', '--plan', 'Hot Desk', '--start', '2026-01-01', '--end', '2026-01-31']);
    await ok(['memberships', 'add', 'owing@example.org', '--plan', 'Hot Desk', '--start', '2026-01-01', '--end', '2026-01-31']);
    await ok(['memberships', 'add', 'recent@example.org', '--plan', 'Hot Desk', '--start', '2029-01-01', '--end', '2029-01-31']);
    const issued = (await ok(['invoices', 'run', '--json'])).json().invoices as Array<{ number: string; payer: { name: string }; total: string }>;
    const paid = issued.find((i) => i.payer.name === 'Former Paid')!;
    await ok(['payments', 'record', paid.number, '--amount', paid.total, '--method', 'transfer']);
    const contacts = path.join(tempDir(), 'contacts.csv');
    fs.writeFileSync(contacts, 'Name,Email\nImported Contact,imported@example.org\n');
    const batch = (await ok(['--json', 'import', contacts, '--yes'])).json().batch as string;
    const ids = Object.fromEntries((await ok(['members', 'list', '--json'])).json().map((m: { id: number; name: string }) => [m.name, m.id]));

    const later = '2030-06-01';
    await ok(['privacy', 'run', '--dry-run'], 64, later);
    const members = JSON.stringify(await rows(db, 'members'));
    const audit = (await rows(db, 'audit_log')).length;
    const dry = (await ok(['--json', 'privacy', 'run', '--inactive-years', '3', '--dry-run'], 0, later)).json();
    expect(dry).toMatchObject({ asOf: later, dryRun: true, inactiveYears: 3, cutoff: '2027-06-01' });
    expect(dry.anonymised.map((p: { id: number; name: string }) => [p.id, p.name])).toEqual([
      [ids['Old Contact'], 'Old Contact'],
      [ids['Former Paid'], 'Former Paid'],
      [ids['Imported Contact'], 'Imported Contact'],
    ]);
    expect(dry.kept).toMatchObject([{ id: ids['Former Owing'], reason: 'open invoice' }]);
    expect(JSON.stringify(await rows(db, 'members'))).toBe(members);
    expect((await rows(db, 'audit_log')).length).toBe(audit);

    await ok(['settings', 'set', 'retention-years', '3']);
    await ok(['settings', 'set', 'retention-years', '0'], 64);
    const run = (await ok(['--json', 'jobs', 'run'], 0, later)).json();
    expect(run.privacy).toMatchObject({ dryRun: false, cutoff: '2027-06-01', kept: [{ id: ids['Former Owing'] }] });
    expect(run.privacy.anonymised.map((p: { id: number; name: null }) => [p.id, p.name])).toEqual([
      [ids['Old Contact'], null],
      [ids['Former Paid'], null],
      [ids['Imported Contact'], null],
    ]);
    // the import that brought the contact in is not undone over their anonymising
    const undo = await ok(['import', 'undo', batch, '--yes'], 65, later);
    expect(undo.stderr).toContain('anonymised');
    const names = (await ok(['members', 'list', '--json'], 0, later)).json().map((m: { name: string }) => m.name);
    expect(names.sort()).toEqual(
      [`Anonymised person #${ids['Former Paid']}`, `Anonymised person #${ids['Old Contact']}`, `Anonymised person #${ids['Imported Contact']}`, 'Former Owing', 'Recent Member'].sort(),
    );
    // run again: nobody new
    expect((await ok(['--json', 'privacy', 'run'], 0, later)).json().anonymised).toEqual([]);
  });
});

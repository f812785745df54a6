import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

describe.each(dialects)('members export-data on %s', (dialect) => {
  it("writes everything held on the person, and nothing of anyone else's", async () => {
    const db = await freshDbUrl(dialect);
    const today = '2026-03-10';
    const ok = async (args: string[], code = 0) => {
      const result = await runCli(args, { db, today });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code);
      return result;
    };
    await ok(['plans', 'import', path.join(root, 'fixtures', 'plans.csv')]);
    await ok(['members', 'add', '--name', 'Élise Martin', '--email', 'elise@example.fr', '--phone', '+33 6 11 22 33 44', '--field', 'Casier=12', '--tag', 'VIP']);
    await ok(['members', 'add', '--name', 'Other Person', '--email', 'other@example.org']);
    await ok(['members', 'add', '--name', 'Petit Martin', '--paid-by', 'elise@example.fr']);
    await ok(['memberships', 'add', 'elise@example.fr', '--plan', 'Hot Desk', '--start', '2026-03-01']);
    await ok(['memberships', 'add', 'other@example.org', '--plan', 'Hot Desk', '--start', '2026-03-01']);
    await ok(['members', 'note', 'elise@example.fr', 'Wants a locker']);
    await ok(['charges', 'add', 'elise@example.fr', '--amount', '15', '--description', 'Meeting room']);
    await ok(['mandates', 'add', 'elise@example.fr', '--iban', 'FR76 3000 6000 0112 3456 7890 189', '--signed', '2026-03-01']);
    await ok(['invoices', 'run']);
    await ok(['payments', 'record', 'INV-2026-00001', '--amount', '255', '--method', 'transfer']);

    const file = path.join(tempDir(), 'elise.json');
    expect((await ok(['--json', 'members', 'export-data', 'elise@example.fr', '-o', file])).json()).toEqual({ file, bytes: fs.statSync(file).size });
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(data.person).toMatchObject({ name: 'Élise Martin', email: 'elise@example.fr', phone: '+33 6 11 22 33 44', customFields: { Casier: '12' }, tags: ['VIP'] });
    expect(data.person.memberships).toMatchObject([{ plan: 'Hot Desk', startDate: '2026-03-01' }]);
    expect(data.person.notes).toMatchObject([{ text: 'Wants a locker' }]);
    expect(data.person.history.length).toBeGreaterThan(3);
    expect(data.invoices.map((i: { number: string }) => i.number)).toEqual(['INV-2026-00001']);
    expect(data.payments).toMatchObject([{ invoice: 'INV-2026-00001', amount: '255.00', method: 'transfer' }]);
    expect(data.charges).toMatchObject([{ description: 'Meeting room', unitPrice: '15.00' }]);
    expect(data.mandates).toMatchObject([{ iban: 'FR7630006000011234567890189', status: 'active', signedOn: '2026-03-01' }]);
    expect(data.paysFor).toMatchObject([{ name: 'Petit Martin' }]);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('other@example.org');
    expect(text).not.toContain('INV-2026-00002');

    // without -o, the document is on stdout
    const stdout = JSON.parse((await ok(['members', 'export-data', 'elise@example.fr'])).stdout);
    expect(stdout.person.id).toBe(data.person.id);
    await ok(['members', 'export-data', 'nobody@example.org'], 65);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';
import { fatalAsserts, validateCiiSchema } from '../helpers/einvoice.js';
import { runExpecting } from '../helpers/errors.js';

const identity = [
  'org', 'set', '--name', 'Coworking Lumière', '--address', '12 rue de la République', '--postcode', '69001', '--city', 'Lyon',
  '--siren', '732829320', '--vat-id', 'FR44732829320', '--email', 'contact@lumiere.example', '--iban', 'FR7630006000011234567890189', '--bic', 'AGRIFRPP',
];

// a dozen CLI runs and four e-invoices checked by the official rules
const slow = { timeout: 300_000 };

type Line = { description: string; quantity: number; net: string; total: string };

describe.each(dialects)('pauses and plan changes from the built CLI on %s', (dialect) => {
  it('pause, resume and set --plan --prorate: credits and charges on the next invoices, which stay valid EN 16931 e-invoices', slow, async () => {
    const db = await freshDbUrl(dialect);
    const on = (today: string, args: string[], code = 0) => runExpecting(db, ['--today', today, ...args], code);
    await on('2026-06-01', identity);
    await on('2026-06-01', ['plans', 'add', 'Basic', '--price', '10', '--tax-rate', '20']);
    await on('2026-06-01', ['plans', 'add', 'Pro', '--price', '20', '--tax-rate', '20']);
    await on('2026-06-01', ['members', 'add', '--name', 'Ann Smith', '--email', 'ann@example.org']);
    await on('2026-06-01', ['memberships', 'add', 'ann@example.org', '--plan', 'Basic', '--start', '2026-06-01']);
    await on('2026-06-01', ['invoices', 'run']);

    const paused = (await on('2026-06-10', ['memberships', 'pause', '1', '--from', '2026-06-16', '--to', '2026-07-10', '--reason', 'summer', '--json'])).json();
    expect(paused.pause).toEqual({ id: 1, membership: 1, from: '2026-06-16', to: '2026-07-10', reason: 'summer', cancelled: false });
    expect(paused.adjustments.map((a: { description: string; net: string }) => [a.description, a.net])).toEqual([['Basic, paused 2026-06-16 to 2026-06-30 (credit 15/30 days)', '-5.00']]);
    expect(paused.membership.status).toBe('active');
    expect((await on('2026-06-20', ['members', 'list', '--status', 'paused', '--json'])).json().map((m: { name: string }) => m.name)).toEqual(['Ann Smith']);
    expect((await on('2026-06-20', ['memberships', 'show', '1', '--json'])).json().status).toBe('paused');

    expect((await on('2026-06-10', ['memberships', 'pause', '1', '--from', '2026-07-01', '--to', '2026-07-31'], 65)).stderr).toContain('already paused from 2026-06-16 to 2026-07-10 (pause 1): pauses cannot overlap');
    expect((await on('2026-06-10', ['memberships', 'pause', '1', '--from', '2026-09-10', '--to', '2026-09-01'], 65)).stderr).toContain('--to 2026-09-01 is before --from 2026-09-10');
    expect((await on('2026-06-10', ['memberships', 'pause', '1', '--from', '2026-13-01'], 64)).stderr).toContain('--from: "2026-13-01" is not a date');
    expect((await on('2026-06-10', ['memberships', 'set', '1', '--from', '2026-07-01'], 64)).stderr).toContain('--from goes with --plan NAME');

    const july = (await on('2026-07-01', ['invoices', 'run', '--json'])).json().invoices[0];
    expect(july.lines.map((l: Line) => [l.description, l.quantity, l.net, l.total])).toEqual([
      ['Basic, 2026-07-01 to 2026-07-31 (prorated 21/31 days, paused 2026-07-01 to 2026-07-10)', 1, '6.77', '8.12'],
      ['Basic, paused 2026-06-16 to 2026-06-30 (credit 15/30 days)', -1, '-5.00', '-6.00'],
    ]);
    expect(july.total).toBe('2.12');

    const resumed = (await on('2026-07-02', ['memberships', 'resume', '1', '--on', '2026-07-05', '--json'])).json();
    expect([resumed.pause.to, resumed.resumedOn, resumed.adjustments[0].net]).toEqual(['2026-07-04', '2026-07-05', '1.94']);
    expect((await on('2026-07-20', ['memberships', 'resume', '1'], 65)).stderr).toContain('no pause in progress or to come on 2026-07-20');
    expect((await on('2026-07-20', ['memberships', 'show', '1', '--json'])).json().pauses).toEqual([{ id: 1, membership: 1, from: '2026-06-16', to: '2026-07-04', reason: 'summer', cancelled: false }]);
    expect((await on('2026-07-20', ['memberships', 'show', '1'])).stdout).toContain('paused     from 2026-06-16 to 2026-07-04 (summer)');
    const open = (await on('2026-07-20', ['memberships', 'pause', '1', '--from', '2026-10-01', '--json'])).json();
    expect([open.pause.to, open.adjustments]).toEqual([null, []]);
    expect((await on('2026-07-20', ['memberships', 'resume', '1', '--on', '2026-09-01', '--json'])).json().pause.cancelled).toBe(true);

    const changed = (await on('2026-07-16', ['memberships', 'set', '1', '--plan', 'Pro', '--from', '2026-07-16', '--prorate', '--json'])).json();
    expect([changed.plan, changed.price, changed.adjustments.map((a: { net: string }) => a.net)]).toEqual(['Pro', '20.00', ['-5.16', '10.32']]);
    const human = (await on('2026-07-16', ['memberships', 'set', '1', '--plan', 'Basic', '--from', '2026-09-01'], 65)).stderr;
    expect(human).toContain('after its next invoice date 2026-08-01');

    const august = (await on('2026-08-01', ['invoices', 'run', '--json'])).json().invoices[0];
    expect(august.lines.map((l: Line) => [l.description, l.quantity, l.net, l.total])).toEqual([
      ['Pro, 2026-08-01 to 2026-08-31', 1, '20.00', '24.00'],
      ['Basic, resumed 2026-07-05: 2026-07-05 to 2026-07-10 no longer paused (charge 6/31 days)', 1, '1.94', '2.33'],
      ['Basic, 2026-07-16 to 2026-07-31, changed to Pro (credit 16/31 days)', -1, '-5.16', '-6.19'],
      ['Pro, 2026-07-16 to 2026-07-31, changed from Basic (charge 16/31 days)', 1, '10.32', '12.38'],
    ]);
    expect(august.total).toBe('32.52');
    expect((await on('2026-08-01', ['invoices', 'run', '--json'])).json().count).toBe(0);

    const dir = tempDir('pauses-documents-');
    for (const format of ['cii', 'ubl'] as const) {
      fs.mkdirSync(path.join(dir, format));
      await on('2026-08-01', ['invoices', 'einvoice', july.number, august.number, '--format', format, '-o', path.join(dir, format)]);
      for (const number of [july.number, august.number]) {
        const xml = fs.readFileSync(path.join(dir, format, `${number}.xml`), 'utf8');
        expect(fatalAsserts(xml, format), `${format} ${number}`).toEqual([]);
        if (format === 'cii') expect(validateCiiSchema(xml).errors).toEqual([]);
      }
    }
    await on('2026-08-01', ['invoices', 'pdf', july.number, '-o', dir]);
    expect(fs.readFileSync(path.join(dir, `${july.number}.pdf`)).subarray(0, 5).toString()).toBe('%PDF-');

    const history = (await on('2026-08-01', ['members', 'history', 'ann@example.org'])).stdout;
    expect(history).toContain('membership 1 paused from 2026-06-16 to 2026-07-10: summer');
    expect(history).toContain('membership 1 resumed on 2026-07-05');
  });
});

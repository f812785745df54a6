import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dialects, tempDir, withFreshDb } from '../helpers/db.js';
import { PdfProbe } from '../helpers/poppler.js';

async function run(db: string, args: string[], code = 0) {
  const result = await runCli(args, { db });
  expect(result.code, `memberctl ${args.join(' ')}\n${result.stderr}`).toBe(code);
  return result;
}

const identity = ['org', 'set', '--name', 'Coworking Lumière', '--address', '12 rue de la République', '--postcode', '69001', '--city', 'Lyon', '--siren', '732829320', '--vat-id', 'FR44732829320'];

describe.each(dialects)('money credit from the built CLI on %s', (dialect) => {
  it('an overpayment pays the next invoice as a credit payment: payments list, invoice JSON and PDF show it; apply, refund and show by hand', { timeout: 120_000 }, async () => {
    await withFreshDb(dialect, async (_db, url) => {
      await run(url, identity);
      await run(url, ['plans', 'add', 'Bureau nomade', '--price', '100', '--tax-rate', '20', '--credits', '15']);
      await run(url, ['members', 'add', '--name', 'Émilie Dupont', '--email', 'emilie@example.org']);
      await run(url, ['memberships', 'add', 'emilie@example.org', '--plan', 'Bureau nomade', '--start', '2026-01-01']);
      await run(url, ['--today', '2026-01-01', 'invoices', 'run']);
      await run(url, ['--today', '2026-01-05', 'payments', 'record', 'INV-2026-00001', '--amount', '150,00', '--method', 'transfer', '--reference', 'VIR 1']);

      const february = await run(url, ['--today', '2026-02-01', 'invoices', 'run', '--json']);
      expect(february.json()).toMatchObject({ count: 1, totals: { EUR: '120.00' }, creditApplied: { EUR: '30.00' }, invoices: [{ number: 'INV-2026-00002', status: 'open', paid: '30.00' }] });
      const human = await run(url, ['--today', '2026-03-01', 'invoices', 'run', '--dry-run']);
      expect(human.stderr).toContain('Dry run: 1 invoice would be issued as of 2026-03-01 (EUR 120.00); nothing was written.');
      const list = (await run(url, ['payments', 'list', '--invoice', 'INV-2026-00002', '--json'])).json();
      expect(list).toEqual([expect.objectContaining({ invoice: 'INV-2026-00002', amount: '30.00', method: 'credit', reference: null, status: 'recorded' })]);
      expect((await run(url, ['payments', 'list'])).stdout).toMatch(/INV-2026-00002 +Émilie Dupont +30\.00 +EUR +credit/);

      const dir = tempDir();
      await run(url, ['invoices', 'pdf', 'INV-2026-00002', '-o', path.join(dir, 'f.pdf')]);
      const text = new PdfProbe(fs.readFileSync(path.join(dir, 'f.pdf'))).text();
      expect(text).toMatch(/Déjà payé\s+-30,00/);
      expect(text).toMatch(/Reste à payer\s+90,00/);

      // by hand: the plan credits (15.00 from January) pay 15.00 more of February
      const applied = await run(url, ['--today', '2026-02-03', 'credits', 'apply', 'emilie@example.org', '--invoice', 'inv-2026-00002', '--json']);
      expect(applied.json()).toMatchObject({ method: 'credit', amount: '15.00', invoiceStatus: 'open', fromMoney: '0.00', fromPlanCredits: '15.00', left: { money: '0.00', credits: '0.00', currency: 'EUR' } });
      const refused = await run(url, ['--today', '2026-02-03', 'credits', 'apply', 'emilie@example.org', '--invoice', 'INV-2026-00002'], 65);
      expect(refused.stderr).toContain('Émilie Dupont has 0.00 EUR of credit (0.00 EUR money, 0.00 EUR plan credits): cannot apply 75.00 EUR to INV-2026-00002');
      expect((await run(url, ['--today', '2026-02-03', 'payments', 'record', 'INV-2026-00002', '--amount', '1', '--method', 'credit'], 64)).stderr).toContain('credits apply');

      // an overpayment of February, then 20.00 paid back by transfer; more than the money is refused naming it
      await run(url, ['--today', '2026-02-04', 'payments', 'record', 'INV-2026-00002', '--amount', '100', '--method', 'check', '--reference', 'CHQ 7']);
      const refund = await run(url, ['--today', '2026-02-05', 'credits', 'refund', 'emilie@example.org', '--amount', '20', '--method', 'transfer', '--reference', 'VIR R-1']);
      expect(refund.stdout).toBe('Paid back 20.00 EUR to Émilie Dupont by transfer (VIR R-1); 5.00 EUR money left.\n');
      const tooMuch = await run(url, ['--today', '2026-02-05', 'credits', 'refund', 'emilie@example.org', '--amount', '5.01', '--method', 'cash'], 65);
      expect(tooMuch.stderr).toContain("Émilie Dupont's money balance is 5.00 EUR: cannot pay back 5.01 EUR");
      expect((await run(url, ['credits', 'refund', 'emilie@example.org', '--amount', '1', '--method', 'credit'], 64)).stderr).toContain('--method: "credit" is not a method');

      const shown = await run(url, ['--today', '2026-02-06', 'credits', 'show', 'emilie@example.org']);
      expect(shown.stdout).toContain('money    5.00 EUR (pays the next invoices; can be paid back)');
      expect(shown.stdout).toContain('credits  15.00 EUR (plan credits)');
      expect(shown.stdout).toMatch(/2026-02-05 +money +refund +-20\.00 EUR +paid back by transfer \(VIR R-1\)/);
      const json = (await run(url, ['--today', '2026-02-06', 'credits', 'show', 'emilie@example.org', '--json'])).json();
      expect([json.money, json.credits.balance, json.passes.balance]).toEqual([{ balance: '5.00', currency: 'EUR' }, '15.00', 0]);
    });
  });
});

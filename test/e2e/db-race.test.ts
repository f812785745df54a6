import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

const today = '2026-03-01';
/** How long the run starts before the undo in each round, in ms (negative: the undo starts first). */
const leads = [0, 40, 80, 150, 250, -100];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(dialects)('import undo racing invoices run on %s', (dialect) => {
  it('either undoes the batch or bills it, each command exiting 0, 65 or 75, never 70', async () => {
    const csv = path.join(tempDir(), 'members.csv');
    const rows = Array.from({ length: 300 }, (_, i) => `Person ${i},p${i}@example.org,Hot Desk,2025-01-01,2026-02-01`);
    fs.writeFileSync(csv, `Name,Email,Plan name,Start date,Next invoice date\n${rows.join('\n')}\n`);
    for (let round = 0; round < leads.length; round++) {
      const db = await freshDbUrl(dialect);
      expect((await runCli(['plans', 'import', path.join(root, 'fixtures/plans.csv')], { db })).code).toBe(0);
      const imported = await runCli(['import', csv, '--yes', '--json'], { db, today });
      expect(imported.code, imported.stderr).toBe(0);
      const batch = imported.json().batch as string;

            const lead = leads[round] ?? 0;
      const first = runCli(lead >= 0 ? ['invoices', 'run', '--json'] : ['import', 'undo', batch], { db, today });
      await sleep(Math.abs(lead));
      const second = runCli(lead >= 0 ? ['import', 'undo', batch] : ['invoices', 'run', '--json'], { db, today });
      const [invoicing, undo] = lead >= 0 ? [await first, await second] : [await second, await first];
      for (const result of [invoicing, undo]) {
        expect([0, 65, 75], `round ${round}: ${result.stderr}`).toContain(result.code);
        expect(result.stderr).not.toContain('internal error');
      }

      // whichever won, the other saw it whole: no invoice for an undone batch, no undo of a billed one
      const handle = await openDb(db);
      try {
        const members = await handle.kysely.selectFrom('members').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        const invoices = await handle.kysely.selectFrom('invoices').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        const status = await handle.kysely.selectFrom('import_batches').select('status').where('id', '=', batch).executeTakeFirstOrThrow();
        if (undo.code === 0) {
          expect([Number(members.n), Number(invoices.n), status.status]).toEqual([0, 0, 'undone']);
        } else {
          expect(Number(members.n)).toBe(300);
          expect(status.status).not.toBe('undone');
        }
        if (invoicing.code === 0 && undo.code !== 0) expect(Number(invoices.n)).toBeGreaterThan(0);
      } finally {
        await handle.close();
      }
    }
  });
});

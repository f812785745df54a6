import { describe, expect, it } from 'vitest';
import { addDelegate, setBillDelegatesSeparately } from '../../src/core/billing/delegates.js';
import { changeMembership, requireMembership } from '../../src/core/billing/memberships.js';
import { pauseMembership } from '../../src/core/billing/pauses.js';
import { loadInvoiceDocument } from '../../src/core/documents/load-invoice.js';
import { setSetting } from '../../src/core/kernel/settings.js';
import { setIdentity } from '../../src/core/org/org-store.js';
import type { Db } from '../../src/db/connect.js';
import { writeCii } from '../../src/writers/einvoice/cii.js';
import { writeUbl } from '../../src/writers/einvoice/ubl.js';
import { dialects, withFreshDb } from '../helpers/db.js';
import { validateEn16931 } from '../helpers/einvoice.js';
import { addPerson, addPlan, at, bill, source, subscribe } from './invoicing-fixtures.js';

const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

async function documentOf(db: Db, number: string) {
  const doc = await loadInvoiceDocument(db.kysely, number);
  for (const [syntax, xml] of [['cii', writeCii(doc)], ['ubl', writeUbl(doc)]] as const) expect(validateEn16931(xml, syntax), `${number} ${syntax}`).toEqual([]);
  return doc;
}

describe.each(dialects)('line descriptions on the documents of a French organisation, on %s', (dialect) => {
  it('a plan change, a pause credit and delegates\' shares are written in French; the stored lines stay as billed', async () => {
    await withFreshDb(dialect, async (db) => {
      await db.kysely.transaction().execute((trx) =>
        setIdentity(trx, { name: 'Espace Lumière', address: '12 rue de la Paix', postcode: '69003', city: 'Lyon', siren: '732829320', vatId: 'FR44732829320', iban: 'FR7630006000011234567890189' }, source),
      );
      await setSetting(db.kysely, 'language', 'fr', at);
      const basic = await addPlan(db.kysely, 'Basic', { price: 1000, taxRate: '20' });
      const pro = await addPlan(db.kysely, 'Pro', { price: 2000, taxRate: '20' });
      const bureau = await addPlan(db.kysely, 'Bureau', { price: 5000, taxRate: '20' });
      const equipe = await addPlan(db.kysely, 'Équipe', { price: 9000, taxRate: '20' });
      const ann = await subscribe(db.kysely, await addPerson(db.kysely, 'Ann'), basic, { startDate: '2026-06-01' });
      const bob = await subscribe(db.kysely, await addPerson(db.kysely, 'Bob'), bureau, { startDate: '2026-06-01', quantity: 2 });
      const acme = await subscribe(db.kysely, await addPerson(db.kysely, 'Acme SARL'), equipe, { startDate: '2026-06-10', nextInvoiceDate: '2026-07-01', prorateFirst: true, quantity: 3 });
      for (const name of ['Cy', 'Dee', 'Eve']) await addDelegate(db.kysely, await requireMembership(db.kysely, acme), { id: await addPerson(db.kysely, name), name }, source);
      await setBillDelegatesSeparately(db.kysely, await requireMembership(db.kysely, acme), true, source);

      const june = await bill(db, '2026-06-10');
      await db.kysely.transaction().execute((trx) => changeMembership(trx, ann, { planId: pro, planFrom: '2026-06-16', prorate: true }, source));
      await db.kysely.transaction().execute((trx) => pauseMembership(trx, bob, { from: '2026-06-01', to: '2026-06-09' }, '2026-06-10', source));
      const july = await bill(db, '2026-07-01');

      const byPayer = new Map(july.invoices.map((i) => [i.payer.name, i]));
      const annDoc = await documentOf(db, byPayer.get('Ann')!.number!);
      expect(annDoc.language).toBe('fr');
      expect(annDoc.lines.map((l) => plain(l.description))).toEqual([
        'Pro — 1 juil. 2026 au 31 juil. 2026',
        'Basic — 16 juin 2026 au 30 juin 2026, passage à Pro (avoir 15/30 jours)',
        'Pro — 16 juin 2026 au 30 juin 2026, en remplacement de Basic (supplément 15/30 jours)',
      ]);
      const bobDoc = await documentOf(db, byPayer.get('Bob')!.number!);
      expect(bobDoc.lines.map((l) => [plain(l.description), l.quantity])).toEqual([
        ['Bureau × 2 — 1 juil. 2026 au 31 juil. 2026', 2],
        ['Bureau × 2 — suspension du 1 juin 2026 au 9 juin 2026 (avoir 9/30 jours)', -2],
      ]);
      // the first period began on the 10th: 21 of June's 30 days, shared by three
      const juneShare = june.invoices.find((i) => i.payer.name === 'Dee')!;
      const deeJune = await documentOf(db, juneShare.number!);
      expect(deeJune.lines.map((l) => plain(l.description))).toEqual(['Équipe × 3 — 10 juin 2026 au 30 juin 2026 (prorata 21/30 jours) (part 2 sur 3, abonnement de Acme SARL)']);
      const eveJuly = await documentOf(db, byPayer.get('Eve')!.number!);
      expect(eveJuly.lines.map((l) => plain(l.description))).toEqual(['Équipe × 3 — 1 juil. 2026 au 31 juil. 2026 (part 3 sur 3, abonnement de Acme SARL)']);

      // bookkeepers keep the stored English with ISO dates
      expect(byPayer.get('Bob')!.lines.map((l) => l.description)).toEqual(['Bureau x 2, 2026-07-01 to 2026-07-31', 'Bureau x 2, paused 2026-06-01 to 2026-06-09 (credit 9/30 days)']);
      expect(juneShare.lines.map((l) => l.description)).toEqual(['Équipe x 3, 2026-06-10 to 2026-06-30 (prorated 21/30 days) (share 2 of 3, membership of Acme SARL)']);
    });
  }, 180_000);
});

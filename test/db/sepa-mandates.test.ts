import { afterEach, describe, expect, it } from 'vitest';
import { addMember } from '../../src/core/people/members.js';
import { applyMerge, planMerge } from '../../src/core/people/merge.js';
import { closeCollectionItem } from '../../src/core/sepa/collect.js';
import { addMandate, listMandates, mandateUses, revokeMandate } from '../../src/core/sepa/mandates.js';
import type { Db } from '../../src/db/connect.js';
import { UserError } from '../../src/errors.js';
import { dialects, freshDb } from '../helpers/db.js';
import { at, seedInvoice, seedMembership, seedPlan, source } from './people-fixtures.js';

const mandate = (memberRef: string, iban = 'DE89370400440532013000') => ({ memberRef, iban, signedOn: '2026-01-05', scheme: 'core' as const });

describe.each(dialects)('SEPA mandates and collections on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it('a merge moves the mandate of REMOVE to KEEP, and is refused while both have an active one', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const keep = (await addMember(k, { name: 'Jane Doe', email: 'jane@example.org' }, source)).member;
    const remove = (await addMember(k, { name: 'Jane D.' }, source)).member;
    await addMandate(k, mandate(String(remove.id)), '2026-01-10', source);
    await addMandate(k, mandate(String(keep.id), 'NL91ABNA0417164300'), '2026-01-10', source);

    const refused = await planMerge(k, String(keep.id), String(remove.id)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).exitCode).toBe(65);
    expect((refused as UserError).message).toContain('both have an active SEPA mandate (MND-000001-01, MND-000002-01)');

    // KEEP's own mandate is revoked: REMOVE's, signed since, becomes KEEP's
    await revokeMandate(k, 'MND-000001-01', { date: '2026-01-10', reason: 'signed again' }, '2026-01-10', source);
    await k.transaction().execute(async (trx) => applyMerge(trx, await planMerge(trx, String(keep.id), String(remove.id)), source));
    const after = await listMandates(k, { payerId: keep.id }, '2026-01-10');
    expect(after.map((v) => [v.mandate.reference, v.mandate.status])).toEqual([
      ['MND-000002-01', 'active'],
      ['MND-000001-01', 'revoked'],
    ]);
  });

  it('the database refuses a second pending collection of the same invoice; once it is settled or returned, it may be collected again', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const payer = (await addMember(k, { name: 'Ann' }, source)).member;
    const view = await addMandate(k, mandate(String(payer.id)), '2026-01-10', source);
    const membership = await seedMembership(k, payer.id, await seedPlan(k));
    const invoice = await seedInvoice(k, membership, [['2026-01-01', '2026-01-31']]);
    const collection = (
      await k
        .insertInto('sepa_collections')
        .values({ message_id: 'MCTL-1', file: 'a.xml', collection_date: '2026-01-12', transactions: 1, total: 100, currency: 'EUR', created_at: at })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const item = (sequence: 'FRST' | 'RCUR') => ({
      collection_id: collection,
      invoice_id: invoice,
      mandate_id: view.mandate.id,
      end_to_end_id: 'INV-2026-00001',
      amount: 100,
      sequence,
      status: 'pending' as const,
      created_at: at,
    });
    const first = (await k.insertInto('sepa_collection_items').values(item('FRST')).returning('id').executeTakeFirstOrThrow()).id;
    await expect(k.insertInto('sepa_collection_items').values(item('RCUR')).execute()).rejects.toThrow();
    expect((await mandateUses(k, [view.mandate.id])).get(view.mandate.id)).toEqual({ lastCollection: '2026-01-12', used: true, collections: 1 });

    await k.transaction().execute((trx) => closeCollectionItem(trx, first, { status: 'returned', date: '2026-01-15', reason: 'MD06' }, source));
    await expect(k.transaction().execute((trx) => closeCollectionItem(trx, first, { status: 'settled', date: '2026-01-16' }, source))).rejects.toThrow('is already returned');
    // returned: the 36 months count from that presentation, but the next transaction is FRST again
    expect((await mandateUses(k, [view.mandate.id])).get(view.mandate.id)).toEqual({ lastCollection: '2026-01-12', used: false, collections: 1 });
    await k.insertInto('sepa_collection_items').values(item('FRST')).execute();
  });
});

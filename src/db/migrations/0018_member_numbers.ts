import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.

/**
 * A person's member number (`M-00042`), given with their first invoice and never changed or reused. Unique where
 * given. People already invoiced get theirs here, in the order of their first invoice (its date, then its id),
 * from the sequence `number_sequences` (prefix, year 0) that later numbers continue.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('members').addColumn('member_number', 'text').execute();
  await db.schema.createIndex('members_member_number').unique().on('members').column('member_number').execute();

  const setting = await db.selectFrom('settings').select('value').where('key', '=', 'member-number-prefix').executeTakeFirst();
  const prefix: string = setting?.value ?? 'M-';
  const firsts = await sql<{ payer_id: number }>`
    select i.payer_id from invoices i inner join members m on m.id = i.payer_id
    group by i.payer_id order by min(i.date), min(i.id)`.execute(db);
  const payers = firsts.rows.map((r) => Number(r.payer_id));
  if (payers.length === 0) return;
  for (let start = 0; start < payers.length; start += 500) {
    const chunk = payers.slice(start, start + 500);
    const cases = chunk.map((id, i) => sql`when ${id} then ${`${prefix}${String(start + i + 1).padStart(5, '0')}`}`);
    await sql`update members set member_number = case id ${sql.join(cases, sql` `)} end where id in (${sql.join(chunk)})`.execute(db);
  }
  await db.insertInto('number_sequences').values({ prefix, year: 0, last: payers.length }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('number_sequences').where('year', '=', 0).execute();
  await db.schema.dropIndex('members_member_number').execute();
  await db.schema.alterTable('members').dropColumn('member_number').execute();
}

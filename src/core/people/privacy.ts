/**
 * `privacy run` (and the privacy step of `jobs run` when `retention-years` is set): anonymises the former members
 * and contacts with no activity for N years (docs/people.md, "Retention").
 *
 * A person's last activity is the latest of: the day their record was created; the start and end of any of their
 * memberships; the date of any invoice they pay or are billed on, and of any payment of those invoices; the date of
 * any of their one-off charges; the day of any note, any audit entry about them (an edit, an import, a tag, a status
 * change a job recorded) and any e-mail queued for them. memberctl has no logins: there is nothing else to count.
 * Only people whose status is `former` or `contact` (no membership that has not ended) are candidates, and those
 * with an open invoice are kept and reported (`open invoice`), never forced.
 */
import type { Kysely } from 'kysely';
import type { Queryable } from '../../db/connect.js';
import type { Database } from '../../db/types.js';
import type { AuditSource } from '../kernel/audit.js';
import { addMonthsAnchored, type IsoDate } from '../kernel/dates.js';
import { loadMemberStates } from '../status/member-status.js';
import { anonymiseMember } from './anonymise.js';

export interface PrivacyRunResult {
  asOf: IsoDate;
  dryRun: boolean;
  inactiveYears: number;
  /** people whose last activity is before this day are anonymised */
  cutoff: IsoDate;
  /** anonymised (or that would be, on a dry run): id, last activity; the name only on a dry run */
  anonymised: Array<{ id: number; name: string | null; lastActivity: IsoDate }>;
  /** inactive long enough but kept: id and why */
  kept: Array<{ id: number; lastActivity: IsoDate; reason: string }>;
}

/** Each person's last activity day (see the module comment), by member id. */
export async function lastActivity(db: Queryable): Promise<Map<number, IsoDate>> {
  const last = new Map<number, IsoDate>();
  const see = (id: number | null, day: unknown) => {
    if (id === null || day === null || day === undefined) return;
    const text = String(day).slice(0, 10);
    const known = last.get(id);
    if (known === undefined || text > known) last.set(id, text);
  };
  for (const m of await db.selectFrom('members').select(['id', 'created_at']).execute()) see(m.id, m.created_at);
  for (const m of await db
    .selectFrom('memberships')
    .select((eb) => ['member_id', eb.fn.max('start_date').as('started'), eb.fn.max('end_date').as('ended')])
    .groupBy('member_id')
    .execute()) {
    see(m.member_id, m.started);
    see(m.member_id, m.ended);
  }
  for (const i of await db.selectFrom('invoices').select((eb) => ['payer_id', eb.fn.max('date').as('day')]).groupBy('payer_id').execute()) see(i.payer_id, i.day);
  for (const l of await db
    .selectFrom('invoice_lines')
    .innerJoin('invoices', 'invoices.id', 'invoice_lines.invoice_id')
    .select((eb) => ['invoice_lines.member_id', eb.fn.max('invoices.date').as('day')])
    .groupBy('invoice_lines.member_id')
    .execute()) {
    see(l.member_id, l.day);
  }
  for (const p of await db
    .selectFrom('payments')
    .innerJoin('invoices', 'invoices.id', 'payments.invoice_id')
    .select((eb) => ['invoices.payer_id', eb.fn.max('payments.date').as('day')])
    .groupBy('invoices.payer_id')
    .execute()) {
    see(p.payer_id, p.day);
  }
  for (const c of await db.selectFrom('charges').select((eb) => ['member_id', eb.fn.max('date').as('day')]).groupBy('member_id').execute()) see(c.member_id, c.day);
  for (const n of await db.selectFrom('notes').select((eb) => ['member_id', eb.fn.max('created_at').as('day')]).groupBy('member_id').execute()) see(n.member_id, n.day);
  for (const a of await db.selectFrom('audit_log').select((eb) => ['member_id', eb.fn.max('at').as('day')]).where('member_id', 'is not', null).groupBy('member_id').execute()) {
    see(a.member_id, a.day);
  }
  for (const m of await db.selectFrom('mail_messages').select((eb) => ['member_id', eb.fn.max('created_at').as('day')]).where('member_id', 'is not', null).groupBy('member_id').execute()) {
    see(m.member_id, m.day);
  }
  return last;
}

/** The day `years` years before `asOf` (29 February gives 28 February in a common year). */
export const retentionCutoff = (asOf: IsoDate, years: number): IsoDate => addMonthsAnchored(asOf, -12 * years);

/**
 * Finds the people to anonymise and, unless `dryRun`, anonymises them, each in its own transaction (a kill keeps
 * those done). People anonymised already are not candidates.
 */
export async function runPrivacy(db: Kysely<Database>, options: { asOf: IsoDate; inactiveYears: number; dryRun: boolean; source: AuditSource }): Promise<PrivacyRunResult> {
  const cutoff = retentionCutoff(options.asOf, options.inactiveYears);
  const result: PrivacyRunResult = { asOf: options.asOf, dryRun: options.dryRun, inactiveYears: options.inactiveYears, cutoff, anonymised: [], kept: [] };
  const anonymised = new Set((await db.selectFrom('audit_log').select('member_id').where('action', '=', 'anonymise').execute()).map((r) => r.member_id));
  const last = await lastActivity(db);
  const inactive = [...last].filter(([id, day]) => day < cutoff && !anonymised.has(id)).sort(([a], [b]) => a - b);
  if (inactive.length === 0) return result;
  const states = await loadMemberStates(db, options.asOf, { memberIds: inactive.map(([id]) => id) });
  const open = new Set(
    (await db.selectFrom('invoices').select('payer_id').where('status', '=', 'open').where('payer_id', 'in', inactive.map(([id]) => id)).execute()).map((i) => i.payer_id),
  );
  for (const [id, day] of inactive) {
    const status = states.get(id)?.status ?? 'contact';
    if (status !== 'former' && status !== 'contact') continue;
    if (open.has(id)) {
      result.kept.push({ id, lastActivity: day, reason: 'open invoice' });
      continue;
    }
    if (options.dryRun) {
      const member = await db.selectFrom('members').select('name').where('id', '=', id).executeTakeFirstOrThrow();
      result.anonymised.push({ id, name: member.name, lastActivity: day });
      continue;
    }
    await db.transaction().execute(async (trx) => {
      const member = await trx.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      await anonymiseMember(trx, member, options.asOf, { force: false }, options.source);
    });
    result.anonymised.push({ id, name: null, lastActivity: day });
  }
  return result;
}

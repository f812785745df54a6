/**
 * The messages that fall due with the calendar rather than with a write: payment reminders of unpaid invoices, on
 * the days of `reminder-days` after their due date, and the notice before an automatically renewing membership of
 * a year or more renews, `tacit-renewal-notice-days` before. `jobs run` queues them as of its day; each is queued
 * once (its stage names the day it is for), so a rerun, or a day the job did not run, never sends one twice.
 */
import type { Kysely } from 'kysely';
import type { Queryable } from '../../db/connect.js';
import { type Database, type MailKind, mailKinds } from '../../db/types.js';
import { addDays, daysBetween, type IsoDate } from '../kernel/dates.js';
import { getSettings } from '../kernel/settings.js';
import { chunks } from '../billing/invoices.js';
import { type MessageToQueue, queueMessages } from './outbox.js';

export interface DueMessages {
  /** payment reminders queued (or that a dry run would queue) */
  reminders: number;
  /** notices of tacit renewals queued (or that a dry run would queue) */
  renewalReminders: number;
}

/**
 * Payment reminders due as of `asOf`: for each invoice still open whose due date is at least the first of
 * `reminder-days` behind, the latest stage reached (`day-21` rather than `day-7` and `day-21` when the job did not run
 * in between), unless that stage or a later one is queued already.
 */
export async function dueReminders(db: Queryable, asOf: IsoDate, reminderDays: readonly number[]): Promise<MessageToQueue[]> {
  if (reminderDays.length === 0) return [];
  const open = await db
    .selectFrom('invoices')
    .select(['id', 'due_date'])
    .where('status', '=', 'open')
    .where('total', '>', 0)
    .where('due_date', '<=', addDays(asOf, -reminderDays[0]!))
    .orderBy('id')
    .execute();
  const wanted = open.map((invoice) => {
    const overdue = daysBetween(invoice.due_date, asOf);
    return { id: invoice.id, day: reminderDays.filter((d) => d <= overdue).at(-1)!, overdue };
  });
  const queued = await stagesOf(db, 'reminder', wanted.map((w) => w.id));
  const latestDay = (id: number) => Math.max(0, ...[...(queued.get(id) ?? [])].map((stage) => Number(/^day-(\d+)$/.exec(stage)?.[1] ?? 0)));
  return wanted
    .filter((w) => latestDay(w.id) < w.day)
    .map((w) => ({ kind: 'reminder', subjectId: w.id, stage: `day-${w.day}`, data: { asOf, daysOverdue: w.overdue } }));
}

/** The stages already queued of `kind` for each subject. */
async function stagesOf(db: Queryable, kind: 'reminder' | 'renewal_reminder', ids: readonly number[]): Promise<Map<number, Set<string>>> {
  const stages = new Map<number, Set<string>>();
  for (const part of chunks(ids, 500)) {
    const rows = await db.selectFrom('mail_messages').select(['subject_id', 'stage']).where('kind', '=', kind).where('subject_id', 'in', part).execute();
    for (const row of rows) {
      const set = stages.get(row.subject_id) ?? new Set<string>();
      set.add(row.stage);
      stages.set(row.subject_id, set);
    }
  }
  return stages;
}

/**
 * Notices of tacit renewals due as of `asOf`: memberships that renew automatically into their next term, on a plan
 * of a year or more (a yearly plan, or 12 months and more), whose next term starts after `asOf` and at most
 * `noticeDays` later. Stage `renews-DATE`: one notice per term. A membership in its first term has no renewal yet.
 */
export async function dueRenewalReminders(db: Queryable, asOf: IsoDate, noticeDays: number): Promise<MessageToQueue[]> {
  const due = await db
    .selectFrom('memberships as ms')
    .innerJoin('plans as p', 'p.id', 'ms.plan_id')
    .select(['ms.id', 'ms.next_invoice_date'])
    .where('ms.next_invoice_date', '>', asOf)
    .where('ms.next_invoice_date', '<=', addDays(asOf, noticeDays))
    .where('ms.next_invoice_date', '<>', (eb) => eb.ref('ms.start_date'))
    .where('ms.auto_renew', '=', 1)
    .where('ms.do_not_renew', '=', 0)
    .where((eb) => eb.or([eb('ms.auto_renew_until', 'is', null), eb('ms.auto_renew_until', '>=', eb.ref('ms.next_invoice_date'))]))
    .where((eb) => eb.or([eb('ms.end_date', 'is', null), eb('ms.end_date', '>=', eb.ref('ms.next_invoice_date'))]))
    .where((eb) => eb.or([eb('p.interval', '=', 'year'), eb.and([eb('p.interval', '=', 'month'), eb('p.every', '>=', 12)])]))
    .orderBy('ms.id')
    .execute();
  const queued = await stagesOf(db, 'renewal_reminder', due.map((m) => m.id));
  return due
    .filter((m) => !queued.get(m.id)?.has(`renews-${m.next_invoice_date}`))
    .map((m) => ({ kind: 'renewal_reminder', subjectId: m.id, stage: `renews-${m.next_invoice_date}`, data: { renewsOn: m.next_invoice_date } }));
}

/**
 * Queues the reminders and tacit-renewal notices due as of `asOf`, in transactions of a few hundred (a kill loses
 * nothing: the rerun finds what is left). A dry run only counts them. A kind switched off counts 0.
 */
export async function queueDueMessages(db: Kysely<Database>, asOf: IsoDate, options: { dryRun: boolean; now: string }): Promise<DueMessages> {
  const settings = await getSettings(db);
  const reminderDays = settings['reminder-days'] === '' ? [] : settings['reminder-days'].split(',').map(Number);
  const reminders = settings['mail-reminders'] === 'on' ? await dueReminders(db, asOf, reminderDays) : [];
  const renewals = settings['mail-renewal-reminders'] === 'on' ? await dueRenewalReminders(db, asOf, settings['tacit-renewal-notice-days']) : [];
  if (!options.dryRun) {
    for (const part of chunks([...reminders, ...renewals], 500)) {
      await db.transaction().execute((trx) => queueMessages(trx, part, { now: options.now }));
    }
  }
  return { reminders: reminders.length, renewalReminders: renewals.length };
}

/** The messages a run queued, by kind (each is stamped with the run's time): what `jobs run` reports. */
export async function queuedAt(db: Queryable, at: string): Promise<Partial<Record<MailKind, number>>> {
  const rows = await db
    .selectFrom('mail_messages')
    .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
    .where('created_at', '=', at)
    .groupBy('kind')
    .execute();
  return Object.fromEntries(mailKinds.filter((k) => rows.some((r) => r.kind === k)).map((k) => [k, Number(rows.find((r) => r.kind === k)!.n)]));
}

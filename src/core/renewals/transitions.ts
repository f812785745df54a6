/**
 * The status step of the daily jobs: member statuses are derived (status.ts), but a move caused by the passing
 * of time (to grace, suspended or former) must be reported once, and written once to the audit log. The status
 * each member had at the last run is kept in `member_statuses`, except `member`, the status of most people, which
 * is what a missing row means; a run compares today's statuses with it, reports and records the differences, and
 * freezes or releases credits and passes on moves to and from `suspended` (credits.ts).
 *
 * Someone without a row who is not a `member` today was a `member` at the last run when they had a membership
 * then (the last run keeps the highest membership id it saw), whatever made them change since (the passing of
 * time, a cancelled payment, a void invoice). Only someone whose memberships are all newer (an import, a new
 * membership), or anyone on a first run, is compared with their status on the day of the last run (or the day
 * before on a first run) computed from today's facts, so that a base imported already in grace is recorded without
 * being reported. A same-day rerun reads nothing when nothing was written since the last run (no new audit entry,
 * no settings change, no new membership): its statuses cannot have changed.
 */
import { sql, type Kysely } from 'kysely';
import type { Queryable } from '../../db/connect.js';
import type { Database } from '../../db/types.js';
import { type AuditChange, type AuditSource, recordAudits } from '../kernel/audit.js';
import { setFrozen } from '../billing/credits.js';
import { addDays, type IsoDate } from '../kernel/dates.js';
import { inChunks, loadMemberStates, type MemberState } from '../status/member-status.js';
import type { MemberStatus } from '../status/status.js';
import { queueMessages } from '../mail/outbox.js';

/** The moves a run reports: those the passing of time causes. */
export const reportedStatuses: readonly MemberStatus[] = ['grace', 'suspended', 'former'];

export interface Transition {
  member: { id: number; name: string };
  /** the status recorded at the last run (`member` when none was), or on the last run's day for someone new */
  from: MemberStatus;
  to: MemberStatus;
}

export interface TransitionOptions {
  dryRun: boolean;
  source: AuditSource;
  /** only these members (a command acting on one member); no rerun shortcut */
  memberIds?: readonly number[];
}

interface Change {
  memberId: number;
  /** what the next status is compared with: the recorded one, or the day before's */
  from: MemberStatus;
  to: MemberStatus;
  /** the recorded status, null when none */
  recorded: string | null;
}

const markerName = 'statuses-checked';
const batchSize = 500;

/** What a run leaves for the next one. */
interface Marker {
  asOf: IsoDate;
  audit: number;
  settings: string | null;
  /** the highest membership id when the run read the statuses: everyone with one of these was assessed */
  memberships?: number;
}

/** The highest membership id (ids are never reused: SQLite AUTOINCREMENT, PostgreSQL serial). */
async function lastMembershipId(db: Queryable): Promise<number> {
  const row = await db.selectFrom('memberships').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * What must not have changed for a same-day rerun to be skipped: the date, the audit log, the settings and the
 * memberships (`membershipsThrough`, read before the statuses).
 */
async function currentMarker(db: Queryable, asOf: IsoDate, membershipsThrough: number): Promise<string> {
  const audit = await db.selectFrom('audit_log').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  const settings = await db.selectFrom('settings').select((eb) => eb.fn.max('updated_at').as('at')).executeTakeFirst();
  const marker: Marker = { asOf, audit: Number(audit?.id ?? 0), settings: settings?.at ?? null, memberships: membershipsThrough };
  return JSON.stringify(marker);
}

/**
 * Records every member's status as of `asOf`, reporting (and auditing) the moves to grace, suspended and former,
 * freezing credits and passes on a move to `suspended` and releasing them on a move away. In transactions of a
 * few hundred members: a kill loses at most one, and the rerun finds what is left.
 */
export async function recordTransitions(db: Kysely<Database>, asOf: IsoDate, options: TransitionOptions): Promise<Transition[]> {
  const scoped = options.memberIds !== undefined;
  const marker = (await db.selectFrom('job_state').select('value').where('name', '=', markerName).executeTakeFirst())?.value ?? null;
  const membershipsThrough = await lastMembershipId(db);
  if (!scoped && !options.dryRun && marker === (await currentMarker(db, asOf, membershipsThrough))) return [];
  const last: Marker | null = marker === null ? null : JSON.parse(marker);
  const baselineDay = last !== null && last.asOf < asOf ? last.asOf : addDays(asOf, -1);
  // a marker written before memberships were kept in it: everyone without a row is compared as someone new
  const assessedThrough = last?.memberships ?? 0;

  const states = await loadMemberStates(db, asOf, scoped ? { memberIds: options.memberIds } : {});
  const storedQuery = (ids?: number[]) => {
    let q = db.selectFrom('member_statuses').select(['member_id', 'status']);
    if (ids) q = q.where('member_id', 'in', ids);
    return q.execute();
  };
  const storedRows = scoped ? await inChunks(options.memberIds!, storedQuery) : await storedQuery();
  const stored = new Map(storedRows.map((r) => [r.member_id, r.status]));

  const changes: Change[] = [];
  const unrecorded: number[] = [];
  for (const [memberId, state] of states) {
    if (state.status === 'contact') continue;
    const recorded = stored.get(memberId);
    if (recorded === undefined) {
      if (state.status !== 'member') unrecorded.push(memberId);
    } else if (recorded !== state.status) changes.push({ memberId, from: recorded as MemberStatus, to: state.status, recorded });
  }
  // without a row, someone who had a membership at the last run was a `member` then
  const assessed = (memberId: number) => states.get(memberId)!.memberships.some((m) => m.membership.id <= assessedThrough);
  const newcomers = unrecorded.filter((memberId) => !assessed(memberId));
  const before = newcomers.length > 0 ? await loadMemberStates(db, baselineDay, { memberIds: newcomers }) : new Map<number, MemberState>();
  for (const memberId of unrecorded) {
    const from: MemberStatus = assessed(memberId) ? 'member' : (before.get(memberId)?.status ?? 'contact');
    changes.push({ memberId, from, to: states.get(memberId)!.status, recorded: null });
  }
  // rows of people who are gone (merged, undone) or have no membership any more
  const stale = storedRows.filter((r) => (states.get(r.member_id)?.status ?? 'contact') === 'contact');

  const reported = changes.filter((c) => c.from !== c.to && reportedStatuses.includes(c.to));
  const names = await memberNames(db, reported.map((c) => c.memberId));
  const transitions = reported
    .map((c) => ({ member: { id: c.memberId, name: names.get(c.memberId) ?? '' }, from: c.from, to: c.to }))
    .sort((a, b) => reportedStatuses.indexOf(a.to) - reportedStatuses.indexOf(b.to) || a.member.name.localeCompare(b.member.name) || a.member.id - b.member.id);
  if (options.dryRun) return transitions;

  const { source } = options;
  for (let i = 0; i < changes.length; i += batchSize) {
    const batch = changes.slice(i, i + batchSize);
    await db.transaction().execute(async (trx) => {
      const members = batch.filter((c) => c.to === 'member').map((c) => c.memberId);
      if (members.length > 0) await trx.deleteFrom('member_statuses').where('member_id', 'in', members).execute();
      const others = batch.filter((c) => c.to !== 'member');
      if (others.length > 0) {
        await trx
          .insertInto('member_statuses')
          .values(others.map((c) => ({ member_id: c.memberId, status: c.to, since: asOf, updated_at: source.at })))
          .onConflict((oc) =>
            oc.column('member_id').doUpdateSet({
              status: sql.ref('excluded.status'),
              since: sql.ref('excluded.since'),
              updated_at: sql.ref('excluded.updated_at'),
            }),
          )
          .execute();
      }
      const audits: AuditChange[] = batch
        .filter((c) => c.from !== c.to && reportedStatuses.includes(c.to))
        .map((c) => ({
          action: 'status',
          entity: 'members',
          entityId: c.memberId,
          memberId: c.memberId,
          before: { status: c.from },
          after: { status: c.to, asOf },
          summary: `status ${c.from} -> ${c.to} as of ${asOf}`,
        }));
      await recordAudits(trx, source, audits);
      const freeze = batch.filter((c) => c.to === 'suspended' && c.recorded !== 'suspended').map((c) => c.memberId);
      const release = batch.filter((c) => c.to !== 'suspended' && c.recorded === 'suspended').map((c) => c.memberId);
      await setFrozen(trx, freeze, true, asOf, source);
      // each suspension is told once: a later one (after a return to member) is a new stage
      await queueMessages(
        trx,
        freeze.map((memberId) => ({ kind: 'suspension_notice', subjectId: memberId, stage: `suspended-${asOf}`, data: { since: asOf } })),
        { now: source.at },
      );
      await setFrozen(trx, release, false, asOf, source);
    });
  }
  for (let i = 0; i < stale.length; i += batchSize) {
    const batch = stale.slice(i, i + batchSize);
    await db.transaction().execute(async (trx) => {
      const ids = batch.map((r) => r.member_id);
      await trx.deleteFrom('member_statuses').where('member_id', 'in', ids).execute();
      // someone still on file who was suspended and has no membership any more gets their grants back
      const released = batch.filter((r) => r.status === 'suspended').map((r) => r.member_id);
      if (released.length === 0) return;
      const present = await trx.selectFrom('members').select('id').where('id', 'in', released).execute();
      await setFrozen(
        trx,
        present.map((p) => p.id),
        false,
        asOf,
        source,
      );
    });
  }

  if (!scoped) {
    const value = await currentMarker(db, asOf, membershipsThrough);
    await db
      .insertInto('job_state')
      .values({ name: markerName, value, updated_at: source.at })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value, updated_at: source.at }))
      .execute();
  }
  return transitions;
}

async function memberNames(db: Queryable, ids: readonly number[]): Promise<Map<number, string>> {
  const rows = await inChunks(ids, (chunk) => db.selectFrom('members').select(['id', 'name']).where('id', 'in', chunk).execute());
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * `members merge`: the removed member's ledger now belongs to the kept one, so its grants must be frozen exactly
 * when the kept member is recorded as suspended (entries dated `date`, the day of the merge). The removed member's
 * recorded status goes, or becomes the kept member's when they have none and it is not `suspended` (which would
 * freeze the kept member's own grants): the memberships it was recorded for are now theirs, so the next run
 * compares with it rather than with `member`.
 */
export async function mergeRecordedStatuses(db: Queryable, keepId: number, removeId: number, date: IsoDate, source: AuditSource): Promise<void> {
  const rows = await db.selectFrom('member_statuses').select(['member_id', 'status']).where('member_id', 'in', [keepId, removeId]).execute();
  const suspended = (id: number) => rows.some((r) => r.member_id === id && r.status === 'suspended');
  const keepRecorded = rows.some((r) => r.member_id === keepId);
  if (!keepRecorded && rows.some((r) => r.member_id === removeId) && !suspended(removeId)) {
    await db.updateTable('member_statuses').set({ member_id: keepId }).where('member_id', '=', removeId).execute();
    return;
  }
  await db.deleteFrom('member_statuses').where('member_id', '=', removeId).execute();
  if (suspended(keepId) !== suspended(removeId)) await setFrozen(db, [keepId], suspended(keepId), date, source);
}

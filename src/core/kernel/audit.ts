import os from 'node:os';
import type { Queryable } from '../../db/connect.js';

/** Who and what a write belongs to: every audit entry carries it. */
export interface AuditSource {
  /** the person or system: $MEMBERCTL_ACTOR, else the OS user */
  actor: string;
  /** ISO timestamp of the operation */
  at: string;
  batchId?: string | null;
  jobId?: string | null;
}

export interface AuditChange {
  /** e.g. insert, update, delete, merge, status */
  action: string;
  /** table or concept, e.g. members, memberships, plans, settings */
  entity: string;
  entityId?: string | number | null;
  /** the person this change concerns, so `members history` can find it */
  memberId?: number | null;
  before?: unknown;
  after?: unknown;
  summary?: string | null;
}

export function auditSource(env: NodeJS.ProcessEnv = process.env, extra: Partial<AuditSource> = {}): AuditSource {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (some containers): keep "unknown"
  }
  return { actor: env.MEMBERCTL_ACTOR ?? user, at: new Date().toISOString(), ...extra };
}

const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

export async function recordAudit(db: Queryable, source: AuditSource, change: AuditChange): Promise<void> {
  await recordAudits(db, source, [change]);
}

/** The audit_log columns the source decides, the same for every change it writes. */
export function auditSourceColumns(source: AuditSource) {
  return { at: source.at, actor: source.actor, batch_id: source.batchId ?? null, job_id: source.jobId ?? null };
}

/** The audit_log columns of one change, those its source does not decide. */
export function auditChangeColumns(c: AuditChange) {
  return {
    action: c.action,
    entity: c.entity,
    entity_id: c.entityId === undefined || c.entityId === null ? null : String(c.entityId),
    member_id: c.memberId ?? null,
    before: json(c.before),
    after: json(c.after),
    summary: c.summary ?? null,
  };
}

/** The audit_log row of one change. */
export function auditRow(source: AuditSource, c: AuditChange) {
  return { ...auditSourceColumns(source), ...auditChangeColumns(c) };
}

/** Writes several entries in one statement (imports write thousands). */
export async function recordAudits(db: Queryable, source: AuditSource, changes: readonly AuditChange[]): Promise<void> {
  // stay well below SQLite's and PostgreSQL's bound-parameter limits
  const chunk = 500;
  for (let i = 0; i < changes.length; i += chunk) {
    await db
      .insertInto('audit_log')
      .values(changes.slice(i, i + chunk).map((c) => auditRow(source, c)))
      .execute();
  }
}

/**
 * A person's history: every audit log entry about them (imports, edits, tags, notes, merges, jobs, payments),
 * including the entries of people merged into them, oldest first, with the values before and after.
 */
import type { Queryable } from '../../db/connect.js';
import type { AuditEntry } from '../../db/types.js';
import { escapeControls } from '../../terminal-text.js';

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface HistoryEntry {
  id: number;
  at: string;
  /** the calendar date of `at` (UTC) */
  date: string;
  actor: string;
  /** what made the change: an import batch, a job, or a person at the command line */
  source: 'import' | 'job' | 'manual';
  batchId: string | null;
  jobId: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  memberId: number | null;
  summary: string | null;
  changes: FieldChange[];
}

// bookkeeping columns that change with every write and say nothing to a reader
const ignored = new Set(['id', 'updated_at', 'created_at', 'email_key']);

const parse = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The fields whose value differs between two images (all fields of the one present for an insert or delete). */
export function diffImages(before: unknown, after: unknown): FieldChange[] {
  if (!isRecord(before) && !isRecord(after)) {
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ field: 'value', before, after }];
  }
  const b = isRecord(before) ? before : {};
  const a = isRecord(after) ? after : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !ignored.has(k));
  const changes: FieldChange[] = [];
  for (const field of keys) {
    const old = b[field] ?? null;
    const now = a[field] ?? null;
    if (JSON.stringify(old) !== JSON.stringify(now)) changes.push({ field, before: old, after: now });
  }
  return changes;
}

/** A member snapshot (`{member, company, fields, ...}`) as one level of fields, so a diff names each field. */
function flattenSnapshot(snapshot: unknown): unknown {
  if (!isRecord(snapshot) || !isRecord(snapshot.member)) return snapshot;
  const { member, ...rest } = snapshot;
  const { company_id: _company, paid_by_id: _payer, ...fields } = member;
  return { ...fields, ...rest };
}

export function historyEntry(row: AuditEntry): HistoryEntry {
  const before = parse(row.before);
  const after = parse(row.after);
  // a merge keeps both people's images: show how the kept person changed
  const changes =
    row.action === 'merge' && row.entity === 'members' && isRecord(before) && isRecord(after)
      ? diffImages(flattenSnapshot(before.keep), flattenSnapshot(after.keep))
      : diffImages(flattenSnapshot(before), flattenSnapshot(after));
  return {
    id: row.id,
    at: row.at,
    date: row.at.slice(0, 10),
    actor: row.actor,
    source: row.batch_id ? 'import' : row.job_id ? 'job' : 'manual',
    batchId: row.batch_id,
    jobId: row.job_id,
    action: row.action,
    entity: row.entity,
    entityId: row.entity_id,
    memberId: row.member_id,
    summary: row.summary,
    changes,
  };
}

/** The ids whose history belongs to this member: theirs and, transitively, those of people merged into them. */
export async function historyMemberIds(db: Queryable, memberId: number): Promise<number[]> {
  const ids = new Set([memberId]);
  let frontier = [memberId];
  while (frontier.length > 0) {
    const merged = await db
      .selectFrom('audit_log')
      .select('entity_id')
      .where('action', '=', 'merge')
      .where('entity', '=', 'members')
      .where('member_id', 'in', frontier)
      .execute();
    frontier = merged.map((r) => Number(r.entity_id)).filter((id) => Number.isInteger(id) && !ids.has(id));
    for (const id of frontier) ids.add(id);
  }
  return [...ids];
}

/** Every audit entry about the member, oldest first. */
export async function memberHistory(db: Queryable, memberId: number): Promise<HistoryEntry[]> {
  const ids = await historyMemberIds(db, memberId);
  const rows = await db.selectFrom('audit_log').selectAll().where('member_id', 'in', ids).orderBy('id').execute();
  return rows.map(historyEntry);
}

const show = (value: unknown): string => (value === null || value === undefined ? '(none)' : typeof value === 'string' ? escapeControls(value) : JSON.stringify(value));

/** Plain-text history: one line per entry, then one indented line per changed field. */
export function renderHistory(entries: readonly HistoryEntry[]): string {
  if (entries.length === 0) return 'No recorded changes.';
  const lines: string[] = [];
  for (const e of entries) {
    const source = e.source === 'import' ? `import ${e.batchId}` : e.source === 'job' ? `job ${e.jobId}` : e.actor;
    lines.push(`${e.at.slice(0, 16).replace('T', ' ')}  ${source}  ${e.action} ${e.entity}${e.summary ? `: ${escapeControls(e.summary)}` : ''}`);
    for (const c of e.changes.slice(0, 20)) lines.push(`    ${c.field}: ${show(c.before)} -> ${show(c.after)}`);
    if (e.changes.length > 20) lines.push(`    ... and ${e.changes.length - 20} more fields (see --json)`);
  }
  return lines.join('\n');
}

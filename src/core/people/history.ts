/**
 * A person's history: every audit log entry about them (imports, edits, tags, notes, merges, jobs, payments),
 * including the entries of people merged into them, oldest first, with the values before and after.
 */
import type { Queryable } from '../../db/connect.js';
import type { AuditEntry } from '../../db/types.js';
import { escapeControls } from '../../terminal-text.js';
import { inChunks } from '../kernel/bulk.js';
import { formatAmount, isMinorAmount } from '../kernel/money.js';

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

/** A change as people read it: the field's label and both values as the rest of the CLI shows them. */
export interface LabelledChange extends FieldChange {
  label: string;
  /** null: no value */
  beforeText: string | null;
  afterText: string | null;
}

export interface LabelledEntry extends Omit<HistoryEntry, 'changes'> {
  /** `at` in the `timezone` setting: `2026-03-23 14:05` */
  localTime: string;
  /** the entry adds something that was not there (it has no image from before) */
  added: boolean;
  changes: LabelledChange[];
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
  /** the merge a `merge` or `unmerge` entry belongs to (`members unmerge MERGE-ID`); null for other entries */
  mergeId: number | null;
  changes: FieldChange[];
}

// bookkeeping columns that change with every write and say nothing to a reader
const ignored = new Set(['id', 'updated_at', 'created_at', 'email_key']);

/** A stored JSON text (an audit image, a list of addresses) as its value; text that is not JSON as itself. */
export const parseStored = (text: string | null): unknown => {
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
  const before = parseStored(row.before);
  const after = parseStored(row.after);
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
    mergeId: isRecord(after) && typeof after.mergeId === 'number' ? after.mergeId : null,
    changes,
  };
}

/** The ids whose history belongs to this member: theirs and, transitively, those of people merged into them. */
export async function historyMemberIds(db: Queryable, memberId: number): Promise<number[]> {
  const ids = new Set([memberId]);
  let frontier = [memberId];
  while (frontier.length > 0) {
    // a merge undone since (`members unmerge`, its entry on the removed person) no longer joins the two histories
    const entries = await db
      .selectFrom('audit_log')
      .select(['id', 'action', 'entity_id', 'member_id'])
      .where('entity', '=', 'members')
      .where((eb) =>
        eb.or([
          eb.and([eb('action', '=', 'merge'), eb('member_id', 'in', frontier)]),
          eb.and([eb('action', '=', 'unmerge'), eb.exists(eb.selectFrom('merges').select('merges.id').whereRef('merges.removed_id', '=', 'audit_log.member_id').where('merges.kept_id', 'in', frontier))]),
        ]),
      )
      .orderBy('id')
      .execute();
    const last = new Map<number, string>();
    for (const e of entries) last.set(Number(e.entity_id), e.action);
    frontier = [...last].filter(([id, action]) => action === 'merge' && Number.isInteger(id) && !ids.has(id)).map(([id]) => id);
    for (const id of frontier) ids.add(id);
  }
  return [...ids];
}

/** Every audit entry about the member, oldest first, with labels and values as people read them. */
export async function memberHistory(db: Queryable, memberId: number, timeZone = 'UTC'): Promise<LabelledEntry[]> {
  const ids = await historyMemberIds(db, memberId);
  const rows = await db.selectFrom('audit_log').selectAll().where('member_id', 'in', ids).orderBy('id').execute();
  return labelHistory(db, rows, timeZone);
}

/**
 * How a field is shown: its label, and the kind of its value. A field not listed (a column added later) is shown
 * by its column name in words (`do_not_renew_reason`: Do not renew reason).
 */
type ValueKind = 'text' | 'flag' | 'money' | 'plan' | 'member' | 'company' | 'invoice' | 'list' | 'origin';
const fields: Readonly<Record<string, readonly [label: string, kind?: ValueKind]>> = {
  name: ['Name'],
  email: ['E-mail'],
  phone: ['Phone'],
  address: ['Address'],
  postcode: ['Postcode'],
  city: ['City'],
  country: ['Country'],
  language: ['Language'],
  billing_email: ['Billing e-mail'],
  renewal_email: ['Renewal e-mail'],
  cc_emails: ['Copies to'],
  no_mail: ['No mail', 'flag'],
  tax_id: ['Tax ID'],
  company_id: ['Company', 'company'],
  paid_by_id: ['Paid by', 'member'],
  payer_id: ['Payer', 'member'],
  external_id: ['External ID'],
  member_number: ['Member number'],
  company: ['Company'],
  paidBy: ['Paid by'],
  tags: ['Tags', 'list'],
  plan_id: ['Plan', 'plan'],
  quantity: ['Quantity'],
  start_date: ['Start date'],
  next_invoice_date: ['Next invoice date'],
  anchor_day: ['Billing day of the month'],
  covered_until: ['Billed until'],
  end_date: ['End date'],
  auto_renew: ['Auto-renew', 'flag'],
  auto_renew_until: ['Auto-renew until'],
  do_not_renew: ['Do not renew', 'flag'],
  do_not_renew_reason: ['Reason not to renew'],
  intervention_required: ['Needs attention', 'flag'],
  intervention_reason: ['Why it needs attention'],
  prorate_first: ['Prorated first period', 'flag'],
  first_recurring_date: ['First full period'],
  source: ['Added through', 'origin'],
  body: ['Note'],
  price: ['Price', 'money'],
  amount: ['Amount', 'money'],
  net: ['Net', 'money'],
  tax: ['Tax', 'money'],
  total: ['Total', 'money'],
  unit_price: ['Unit price', 'money'],
  currency: ['Currency'],
  method: ['Method'],
  date: ['Date'],
  due_date: ['Due date'],
  reference: ['Reference'],
  status: ['Status'],
  cancel_reason: ['Reason cancelled'],
  void_reason: ['Reason voided'],
  number: ['Number'],
  invoice_id: ['Invoice', 'invoice'],
  tax_rate: ['Tax rate'],
  billed: ['Billed', 'flag'],
  mergedInto: ['Merged into', 'member'],
  mergeId: ['Merge'],
  membership_id: ['Membership'],
  pause_id: ['Pause'],
  line_id: ['Invoice line'],
  kind: ['Kind'],
  reason: ['Reason'],
  description: ['Description'],
  plan_name: ['Plan name'],
  period_start: ['From'],
  period_end: ['To'],
  days: ['Days'],
  full_days: ['Days of the full period'],
  cancelled_at: ['Cancelled at'],
  removed_at: ['Removed at'],
  discount: ['Discount'],
  delegate: ['Delegate'],
  bill_delegates_separately: ['Delegates billed separately', 'flag'],
  // a partial credit note: the invoice line it credits (numbered as `invoices show` lists them); its days are `days`
  creditNote: ['Credit note'],
  line: ['Line'],
};

// how a membership came: its `source` column
const origins: Readonly<Record<string, string>> = { cli: 'command line', import: 'import', stripe: 'Stripe import' };

// what the person's own history need not repeat: the person themselves, images of whole documents, and a delegate's id
// beside their name
const hiddenFields = new Set(['member_id', 'buyer', 'issuer_id', 'idempotency_key', 'delegate_id']);

/** `do_not_renew_reason` as words: Do not renew reason. */
const words = (field: string): string => {
  const text = field.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
};

/** The names of the plans, companies and people the entries refer to by id, in a few queries. */
async function namesOf(db: Queryable, entries: readonly HistoryEntry[]) {
  const wanted = { plan: new Set<number>(), company: new Set<number>(), member: new Set<number>(), invoice: new Set<number>() };
  for (const e of entries) {
    for (const c of e.changes) {
      const kind = fields[c.field]?.[1];
      if (kind !== 'plan' && kind !== 'company' && kind !== 'member' && kind !== 'invoice') continue;
      for (const v of [c.before, c.after]) if (typeof v === 'number') wanted[kind].add(v);
    }
  }
  const names = { plan: new Map<number, string>(), company: new Map<number, string>(), member: new Map<number, string>(), invoice: new Map<number, string>() };
  const tables = { plan: 'plans', company: 'companies', member: 'members' } as const;
  for (const kind of ['plan', 'company', 'member'] as const) {
    await inChunks([...wanted[kind]], async (ids) => {
      const rows = await db.selectFrom(tables[kind]).select(['id', 'name']).where('id', 'in', ids).execute();
      for (const row of rows) names[kind].set(row.id, row.name);
    }, 500);
  }
  await inChunks([...wanted.invoice], async (ids) => {
    for (const row of await db.selectFrom('invoices').select(['id', 'number']).where('id', 'in', ids).execute()) names.invoice.set(row.id, row.number);
  }, 500);
  return names;
}

/** `2026-03-23T13:05:00.000Z` in `timeZone`: `2026-03-23 14:05`. */
export function localTime(at: string, timeZone: string): string {
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime())) return at;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** Labels and shown values for each entry's changes, and its time in `timeZone`. */
export async function labelHistory(db: Queryable, rows: readonly AuditEntry[], timeZone: string): Promise<LabelledEntry[]> {
  const entries = rows.map(historyEntry);
  const names = await namesOf(db, entries);
  return entries.map((e, i) => {
    const row = rows[i]!;
    const images = [parseStored(row.before), parseStored(row.after)].filter(isRecord);
    const currency = images.map((image) => image.currency).find((c): c is string => typeof c === 'string') ?? null;
    const text = (field: string, value: unknown): string | null => {
      if (value === null || value === undefined) return null;
      // a custom field is text whatever its name
      const kind = e.entity === 'member_fields' ? 'text' : (fields[field]?.[1] ?? 'text');
      if (kind === 'flag' && (value === 0 || value === 1 || typeof value === 'boolean')) return value === 1 || value === true ? 'yes' : 'no';
      if (kind === 'money' && isMinorAmount(value) && currency !== null) return formatAmount(value, currency);
      if ((kind === 'plan' || kind === 'company' || kind === 'member' || kind === 'invoice') && typeof value === 'number') {
        const name = names[kind].get(value);
        return name === undefined ? `#${value}` : kind === 'member' ? `#${value} ${name}` : name;
      }
      if (kind === 'origin' && typeof value === 'string') return origins[value] ?? value;
      if (kind === 'list' && Array.isArray(value)) return value.length === 0 ? null : value.map(String).join(', ');
      if (field === 'paidBy' && isRecord(value)) return `#${String(value.id)} ${String(value.name)}`;
      if (isRecord(value) && Object.keys(value).length === 0) return null;
      return typeof value === 'string' ? value : JSON.stringify(value);
    };
    const changes = e.changes
      // a note's source repeats who wrote it
      .filter((c) => !hiddenFields.has(c.field) && !(e.entity === 'notes' && c.field === 'source'))
      .map((c) => ({
        ...c,
        label: e.entity === 'member_fields' ? c.field : (fields[c.field]?.[0] ?? words(c.field)),
        beforeText: text(c.field, c.before),
        afterText: text(c.field, c.after),
      }));
    return { ...e, localTime: localTime(e.at, timeZone), added: row.before === null, changes };
  });
}

const shown = (value: string | null): string => (value === null ? '(none)' : escapeControls(value));

/**
 * A summary naming columns (`phone, no_mail changed`, `membership 3 changed: end_date`) in labels (`Phone, No mail
 * changed`, `membership 3 changed: End date`).
 */
function summaryText(summary: string): string {
  const labels = (list: string) => list.split(', ').map((field) => fields[field]?.[0] ?? words(field)).join(', ');
  const before = /^([a-z_]+(?:, [a-z_]+)*) changed$/.exec(summary);
  if (before) return `${labels(before[1]!)} changed`;
  const after = /^(.* changed: )([a-z_]+(?:, [a-z_]+)*)$/.exec(summary);
  if (after) return `${after[1]}${labels(after[2]!)}`;
  return summary;
}

/**
 * Plain-text history: one line per entry (its time in the `timezone` setting, who or what made it, what happened),
 * then one indented line per field: `Plan: (none) → Hot Desk`. What an entry adds is shown as `Label: value`, leaving
 * out empty values and flags that are off.
 */
export function renderHistory(entries: readonly LabelledEntry[]): string {
  if (entries.length === 0) return 'No recorded changes.';
  const lines: string[] = [];
  for (const e of entries) {
    const source = e.source === 'import' ? `import ${e.batchId}` : e.source === 'job' ? `job ${e.jobId}` : e.actor;
    const what = e.summary ? summaryText(e.summary) : `${e.action} ${e.entity}`;
    lines.push(`${e.localTime}  ${source}  ${escapeControls(what)}`);
    const added = e.added;
    // a value stored another way but shown the same (no tags, then none) is no change to a reader
    const changes = added ? e.changes.filter((c) => c.afterText !== null && !(fields[c.field]?.[1] === 'flag' && c.afterText === 'no')) : e.changes.filter((c) => c.beforeText !== c.afterText);
    for (const c of changes.slice(0, 20)) {
      lines.push(added ? `    ${escapeControls(c.label)}: ${shown(c.afterText)}` : `    ${escapeControls(c.label)}: ${shown(c.beforeText)} → ${shown(c.afterText)}`);
    }
    if (changes.length > 20) lines.push(`    ... and ${changes.length - 20} more fields (see --json)`);
  }
  return lines.join('\n');
}

/**
 * What an import needs to know about the database before reading the file: plans, companies, and every
 * member as compact keys only (id, e-mail key, external id, name, company, payer), never whole rows.
 */
import type { Queryable } from '../../db/connect.js';
import type { Plan } from '../../db/types.js';

export interface ExistingMembers {
  byExternalId: Map<string, number>;
  byEmail: Map<string, number>;
  /** exact name -> flat pairs [id, companyId (-1 for none), id, companyId, ...] */
  byName: Map<string, number[]>;
  /** member id -> the member who pays for them */
  paidBy: Map<number, number>;
  withEmail: Set<number>;
  withExternalId: Set<number>;
  /** every member's id (a memberctl ID cell names one) */
  ids: Set<number>;
  /** members anonymised (`members anonymise`, `privacy run`): no file brings their data back */
  anonymised: Set<number>;
  count: number;
}

export interface Existing {
  members: ExistingMembers;
  plans: Map<string, Plan>;
  /** company name -> id */
  companies: Map<string, number>;
  /** SEPA mandate reference -> the member (payer) whose mandate it is */
  mandates: Map<string, number>;
}

const noCompany = -1;

export async function loadExisting(db: Queryable): Promise<Existing> {
  const members: ExistingMembers = { byExternalId: new Map(), byEmail: new Map(), byName: new Map(), paidBy: new Map(), withEmail: new Set(), withExternalId: new Set(), ids: new Set(), anonymised: new Set(), count: 0 };
  const rows = await db.selectFrom('members').select(['id', 'name', 'email_key', 'external_id', 'company_id', 'paid_by_id']).execute();
  for (const m of rows) {
    members.count += 1;
    members.ids.add(m.id);
    if (m.external_id !== null) {
      members.byExternalId.set(m.external_id, m.id);
      members.withExternalId.add(m.id);
    }
    if (m.email_key !== null) {
      members.byEmail.set(m.email_key, m.id);
      members.withEmail.add(m.id);
    }
    if (m.paid_by_id !== null) members.paidBy.set(m.id, m.paid_by_id);
    const same = members.byName.get(m.name);
    if (same) same.push(m.id, m.company_id ?? noCompany);
    else members.byName.set(m.name, [m.id, m.company_id ?? noCompany]);
  }
  for (const a of await db.selectFrom('audit_log').select('member_id').where('action', '=', 'anonymise').execute()) if (a.member_id !== null) members.anonymised.add(a.member_id);
  const plans = new Map((await db.selectFrom('plans').selectAll().execute()).map((p) => [p.name, p]));
  const companies = new Map((await db.selectFrom('companies').select(['id', 'name']).execute()).map((c) => [c.name, c.id]));
  const mandates = new Map((await db.selectFrom('sepa_mandates').select(['reference', 'member_id']).execute()).map((m) => [m.reference, m.member_id]));
  return { members, plans, companies, mandates };
}

/** Members with this exact name, with their company id (null for none). */
export function membersNamed(members: ExistingMembers, name: string): Array<{ id: number; companyId: number | null }> {
  const flat = members.byName.get(name);
  if (!flat) return [];
  const found: Array<{ id: number; companyId: number | null }> = [];
  for (let i = 0; i < flat.length; i += 2) found.push({ id: flat[i]!, companyId: flat[i + 1] === noCompany ? null : flat[i + 1]! });
  return found;
}

export type Match =
  | { kind: 'new' }
  | { kind: 'existing'; id: number; by: 'memberId' | 'externalId' | 'email' | 'name' }
  | { kind: 'conflict'; message: string }
  | { kind: 'unknown'; message: string }
  | { kind: 'ambiguous'; ids: number[] };

export interface MatchKeys {
  /** the memberctl ID cell of an export */
  memberId?: number | null;
  externalId: string | null;
  emailKey: string | null;
  name: string | null;
  company: string | null;
}

/**
 * The existing member a row stands for (docs/importing.md, "Existing members, re-imports and `--update`"): by
 * External ID, else by e-mail (case-insensitive), else by exact name and company. A name match is refused when the
 * member has another e-mail or external id than the row (they are then two people who share a name). With
 * `keysOnly` (members update) only the first two are tried. A memberctl ID (a file of `members export`) comes before
 * all: the row is that member, whose External ID and e-mail it may change, unless they are another member's.
 */
export function matchExisting(keys: MatchKeys, existing: Existing, keysOnly = false): Match {
  const { members } = existing;
  const byExternalId = keys.externalId === null ? undefined : members.byExternalId.get(keys.externalId);
  const byEmail = keys.emailKey === null ? undefined : members.byEmail.get(keys.emailKey);
  const memberId = keys.memberId ?? null;
  if (memberId !== null) {
    if (!members.ids.has(memberId)) return { kind: 'unknown', message: `no member has the memberctl ID ${memberId} (merged or deleted since the export?): leave the cell empty to add the row as a new person` };
    if (members.anonymised.has(memberId)) return { kind: 'conflict', message: `member #${memberId} was anonymised since the export: the row would bring their data back; remove it` };
    if (byExternalId !== undefined && byExternalId !== memberId) {
      return { kind: 'conflict', message: `External ID "${keys.externalId}" is member #${byExternalId}, not #${memberId} of the memberctl ID` };
    }
    if (byEmail !== undefined && byEmail !== memberId) return { kind: 'conflict', message: `the e-mail belongs to member #${byEmail}, not #${memberId} of the memberctl ID` };
    return { kind: 'existing', id: memberId, by: 'memberId' };
  }
  if (byExternalId !== undefined) {
    if (byEmail !== undefined && byEmail !== byExternalId) {
      return {
        kind: 'conflict',
        message: `External ID "${keys.externalId}" is member #${byExternalId} but the e-mail belongs to member #${byEmail}`,
      };
    }
    return { kind: 'existing', id: byExternalId, by: 'externalId' };
  }
  if (byEmail !== undefined) return { kind: 'existing', id: byEmail, by: 'email' };
  if (keysOnly || keys.name === null) return { kind: 'new' };
  let companyId: number | null = null;
  if (keys.company !== null) {
    const id = existing.companies.get(keys.company);
    // a company that does not exist yet has no members
    if (id === undefined) return { kind: 'new' };
    companyId = id;
  }
  const candidates = membersNamed(members, keys.name)
    .filter((m) => m.companyId === companyId)
    .filter((m) => (keys.emailKey === null || !members.withEmail.has(m.id)) && (keys.externalId === null || !members.withExternalId.has(m.id)))
    .map((m) => m.id);
  if (candidates.length === 0) return { kind: 'new' };
  if (candidates.length > 1) return { kind: 'ambiguous', ids: candidates };
  return { kind: 'existing', id: candidates[0]!, by: 'name' };
}

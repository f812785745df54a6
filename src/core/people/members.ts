/**
 * People: add, edit, list and show members (contacts are members without a membership). Every write is in
 * the audit log with the values before it.
 */
import type { Queryable } from '../../db/connect.js';
import type { Selectable } from 'kysely';
import type { Member, MemberUpdate, NotesTable } from '../../db/types.js';
import { dataError, existsError, usageError } from '../../errors.js';
import { hasControlCharacter } from '../kernel/cell-characters.js';
import { type AuditChange, type AuditSource, recordAudits } from '../kernel/audit.js';
import { companyForMember, requireCompany } from './companies.js';
import type { IsoDate } from '../kernel/dates.js';
import { formatAmount } from '../kernel/money.js';
import { inChunks, loadMemberStates, type MemberState, type MembershipState } from '../status/member-status.js';
import { requirePlan } from '../billing/plans.js';
import { describeMember, emailKey, resolveMember } from './refs.js';
import { type MemberStatus, memberStatuses } from '../status/status.js';
import { normalizeName } from '../kernel/suggest.js';
import { orgCountry } from '../org/org-store.js';
import { type PartyColumns, type PartyInput, planPartyChange } from './party-fields.js';
import { joinAddresses, splitAddresses } from './recipients.js';
import { tagMember, tagsMatching, tagsOfMembers } from './tags.js';

/** Member fields as typed on the command line; '' clears an optional field. */
export interface MemberInput {
  name?: string;
  email?: string;
  phone?: string;
  /** street lines, one per line */
  address?: string;
  postcode?: string;
  city?: string;
  /** ISO 3166-1 alpha-2; '' (or never given): the organisation's */
  country?: string;
  /** fr or en: the language of the person's documents; '' (or never given): the `language` setting */
  language?: string;
  taxId?: string;
  /** exact company name ('' removes it); a new name creates the company */
  company?: string;
  /** a member ref ('' removes the payer) */
  paidBy?: string;
  externalId?: string;
  /** where the person's invoices go when no company billing e-mail does ('' removes it) */
  billingEmail?: string;
  /** where the person's renewal notices and reminders go ('' removes it) */
  renewalEmail?: string;
  /** copies of each of the person's messages, addresses separated by `;` or `,` ('' removes them) */
  cc?: string;
  /** true: the person asked not to be written to; false: they may be again */
  noMail?: boolean;
  /** custom fields: a value sets, null removes */
  fields?: Record<string, string | null>;
  tags?: string[];
}

export type Note = Selectable<NotesTable>;

const emailPattern = /^[^\s\p{Cc}@]+@[^\s\p{Cc}@]+\.[^\s\p{Cc}@]+$/u;

/** A trimmed e-mail, or a usage error (64) for something that is not one. */
export function normalizeEmail(text: string): string {
  return checkedAddress('--email', text);
}

/** A trimmed e-mail, or a usage error (64) naming `option` and the value. */
export function checkedAddress(option: string, text: string): string {
  const email = text.trim();
  if (!emailPattern.test(email)) throw usageError(`${option}: "${email}" is not an e-mail address`);
  return email;
}

/** The columns of where a person's messages go that `input` sets; a usage error (64) naming a bad address. */
function recipientChanges(input: MemberInput): Partial<Pick<Member, 'billing_email' | 'renewal_email' | 'cc_emails' | 'no_mail'>> {
  const changes: Partial<Pick<Member, 'billing_email' | 'renewal_email' | 'cc_emails' | 'no_mail'>> = {};
  if (input.billingEmail !== undefined) changes.billing_email = optional(input.billingEmail) ? checkedAddress('--billing-email', input.billingEmail) : null;
  if (input.renewalEmail !== undefined) changes.renewal_email = optional(input.renewalEmail) ? checkedAddress('--renewal-email', input.renewalEmail) : null;
  if (input.cc !== undefined) changes.cc_emails = joinAddresses(splitAddresses(input.cc).map((a) => checkedAddress('--cc', a)));
  if (input.noMail !== undefined) changes.no_mail = input.noMail ? 1 : 0;
  return changes;
}

/** `KEY=VALUE` pairs of `--field` (`KEY=` removes the field); 64 for a pair without `=` or without a key. */
export function parseFieldAssignments(pairs: readonly string[]): Record<string, string | null> {
  const fields: Record<string, string | null> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw usageError(`--field: "${pair}" must be KEY=VALUE (KEY= removes the field)`);
    const key = pair.slice(0, eq).trim();
    if (key === '') throw usageError(`--field: "${pair}" has no key before =`);
    const value = pair.slice(eq + 1).trim();
    fields[key] = value === '' ? null : value;
  }
  return fields;
}

/**
 * The address and language columns `input` changes on `current`; a usage error (64) naming every refused value
 * and its rule.
 */
async function partyChanges(db: Queryable, current: PartyColumns, input: MemberInput): Promise<Partial<PartyColumns>> {
  const party: PartyInput = { address: input.address, postcode: input.postcode, city: input.city, country: input.country, language: input.language };
  if (Object.values(party).every((v) => v === undefined)) return {};
  const { changes, problems } = planPartyChange(current, party, await orgCountry(db));
  if (problems.length > 0) throw usageError(problems.join('; '));
  return changes;
}

const noParty: PartyColumns = { address: null, postcode: null, city: null, country: null, language: null };

const optional = (text: string | undefined) => (text === undefined ? undefined : text.trim() === '' ? null : text.trim());

/** The member using this e-mail (case-insensitive), if any. */
export async function findMemberByEmail(db: Queryable, email: string): Promise<Member | undefined> {
  return db.selectFrom('members').selectAll().where('email_key', '=', emailKey(email)).executeTakeFirst();
}

async function checkEmailFree(db: Queryable, email: string, self: number | null): Promise<void> {
  const other = await findMemberByEmail(db, email);
  if (other && other.id !== self) {
    throw existsError(`the e-mail ${email} is already used by ${describeMember(other)}`, 'e-mails are unique (case-insensitive); edit or merge that member instead');
  }
}

async function checkExternalIdFree(db: Queryable, externalId: string, self: number | null): Promise<void> {
  const other = await db.selectFrom('members').selectAll().where('external_id', '=', externalId).executeTakeFirst();
  if (other && other.id !== self) throw existsError(`the external id ${externalId} is already used by ${describeMember(other)}`);
}

/**
 * Refuses (65) a payer that would make `memberId` pay for themselves, directly or through a chain of payers
 * (A paid by B paid by A). `memberId` is null for a member not yet created.
 */
export async function checkPayer(db: Queryable, memberId: number | null, payer: Member): Promise<void> {
  if (memberId === null) return;
  if (payer.id === memberId) throw dataError(`${describeMember(payer)} cannot pay for themselves`, 'use --paid-by "" to remove the payer');
  const chain: Array<Pick<Member, 'id' | 'name' | 'email' | 'paid_by_id'>> = [payer];
  const seen = new Set([payer.id]);
  for (let next = payer.paid_by_id; next !== null; ) {
    if (next === memberId) {
      const member = await db.selectFrom('members').selectAll().where('id', '=', memberId).executeTakeFirstOrThrow();
      throw dataError(
        `${describeMember(payer)} cannot pay for ${describeMember(member)}: payers would form a cycle (${[member, ...chain, member].map((m) => `#${m.id}`).join(' -> ')})`,
      );
    }
    if (seen.has(next)) break;
    seen.add(next);
    const row = await db.selectFrom('members').select(['id', 'name', 'email', 'paid_by_id']).where('id', '=', next).executeTakeFirst();
    if (!row) break;
    chain.push(row);
    next = row.paid_by_id;
  }
}

async function customFields(db: Queryable, memberId: number): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await db.selectFrom('member_fields').select(['key', 'value']).where('member_id', '=', memberId).orderBy('key').execute()).map((f) => [f.key, f.value]),
  );
}

/** Sets and removes custom fields; returns the audit change, or null when nothing changed. */
async function applyFields(db: Queryable, memberId: number, fields: Record<string, string | null>): Promise<AuditChange | null> {
  const current = await customFields(db, memberId);
  const before: Record<string, string | null> = {};
  const after: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(fields)) {
    const old = current[key] ?? null;
    if (old === value) continue;
    before[key] = old;
    after[key] = value;
    if (value === null) await db.deleteFrom('member_fields').where('member_id', '=', memberId).where('key', '=', key).execute();
    else if (old === null) await db.insertInto('member_fields').values({ member_id: memberId, key, value }).execute();
    else await db.updateTable('member_fields').set({ value }).where('member_id', '=', memberId).where('key', '=', key).execute();
  }
  const keys = Object.keys(after);
  if (keys.length === 0) return null;
  return { action: 'update', entity: 'member_fields', entityId: memberId, memberId, before, after, summary: `custom fields ${keys.join(', ')} changed` };
}

export interface MemberWrite {
  member: Member;
  /** companies created on the way (a new company name) */
  createdCompanies: string[];
  changed: boolean;
}

/** Adds a person (a contact until they get a membership). */
export async function addMember(db: Queryable, input: MemberInput & { name: string }, source: AuditSource): Promise<MemberWrite> {
  const name = requireName(input.name);
  const party = { ...noParty, ...(await partyChanges(db, noParty, input)) };
  const email = optional(input.email) ? normalizeEmail(input.email!) : null;
  const recipients = recipientChanges(input);
  if (email) await checkEmailFree(db, email, null);
  const externalId = optional(input.externalId) ?? null;
  if (externalId) await checkExternalIdFree(db, externalId, null);
  const createdCompanies: string[] = [];
  let companyId: number | null = null;
  if (optional(input.company)) {
    const { company, created } = await companyForMember(db, input.company!, source);
    if (created) createdCompanies.push(company.name);
    companyId = company.id;
  }
  const payer = optional(input.paidBy) ? await resolveMember(db, input.paidBy!, 'payer') : null;
  const member = await db
    .insertInto('members')
    .values({
      name,
      email,
      email_key: email ? emailKey(email) : null,
      phone: optional(input.phone) ?? null,
      address: party.address,
      postcode: party.postcode,
      city: party.city,
      country: party.country,
      language: party.language ?? null,
      tax_id: optional(input.taxId) ?? null,
      company_id: companyId,
      paid_by_id: payer?.id ?? null,
      external_id: externalId,
      billing_email: recipients.billing_email ?? null,
      renewal_email: recipients.renewal_email ?? null,
      cc_emails: recipients.cc_emails ?? null,
      no_mail: recipients.no_mail ?? 0,
      created_at: source.at,
      updated_at: source.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const audits: AuditChange[] = [{ action: 'insert', entity: 'members', entityId: member.id, memberId: member.id, after: member, summary: `${member.name} added` }];
  const fields = await applyFields(db, member.id, input.fields ?? {});
  if (fields) audits.push({ ...fields, action: 'insert' });
  await recordAudits(db, source, audits);
  if (input.tags && input.tags.length > 0) await tagMember(db, member.id, input.tags, source);
  return { member, createdCompanies, changed: true };
}

function requireName(text: string): string {
  const name = text.replace(/\s+/g, ' ').trim();
  if (name === '') throw usageError('--name: a member needs a name');
  if (name.length > 200) throw usageError('--name: a name is at most 200 characters');
  // the shell can pass them ($'\x01'); an import refuses them in a cell (control_character) and so does this
  if (hasControlCharacter(name)) throw usageError('--name: a name cannot hold control characters');
  return name;
}

/** Changes the given fields of a member; fields not given are kept. Nothing is written when nothing changes. */
export async function editMember(db: Queryable, member: Member, input: MemberInput, source: AuditSource): Promise<MemberWrite> {
  const changes: MemberUpdate = {};
  const createdCompanies: string[] = [];
  if (input.name !== undefined) changes.name = requireName(input.name);
  Object.assign(changes, await partyChanges(db, member, input));
  if (input.email !== undefined) {
    const email = optional(input.email) ? normalizeEmail(input.email) : null;
    if (email) await checkEmailFree(db, email, member.id);
    changes.email = email;
    changes.email_key = email ? emailKey(email) : null;
  }
  if (input.externalId !== undefined) {
    const externalId = optional(input.externalId) ?? null;
    if (externalId) await checkExternalIdFree(db, externalId, member.id);
    changes.external_id = externalId;
  }
  Object.assign(changes, recipientChanges(input));
  if (input.phone !== undefined) changes.phone = optional(input.phone) ?? null;
  if (input.taxId !== undefined) changes.tax_id = optional(input.taxId) ?? null;
  if (input.company !== undefined) {
    if (optional(input.company)) {
      const { company, created } = await companyForMember(db, input.company, source);
      if (created) createdCompanies.push(company.name);
      changes.company_id = company.id;
    } else changes.company_id = null;
  }
  if (input.paidBy !== undefined) {
    if (optional(input.paidBy)) {
      const payer = await resolveMember(db, input.paidBy, 'payer');
      await checkPayer(db, member.id, payer);
      changes.paid_by_id = payer.id;
    } else changes.paid_by_id = null;
  }
  const changed = Object.entries(changes).filter(([k, v]) => member[k as keyof Member] !== v);
  let updated = member;
  const audits: AuditChange[] = [];
  if (changed.length > 0) {
    updated = await db
      .updateTable('members')
      .set({ ...Object.fromEntries(changed), updated_at: source.at })
      .where('id', '=', member.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const names = changed.map(([k]) => k).filter((k) => k !== 'email_key');
    audits.push({ action: 'update', entity: 'members', entityId: member.id, memberId: member.id, before: member, after: updated, summary: `${names.join(', ')} changed` });
  }
  const fields = await applyFields(db, member.id, input.fields ?? {});
  if (fields) audits.push(fields);
  await recordAudits(db, source, audits);
  let tagged = false;
  if (input.tags && input.tags.length > 0) tagged = (await tagMember(db, member.id, input.tags, source)).added.length > 0;
  return { member: updated, createdCompanies, changed: audits.length > 0 || tagged };
}

/** Attaches a note to a member. */
export async function addNote(db: Queryable, member: Member, text: string, source: AuditSource): Promise<Note> {
  const body = text.trim();
  if (body === '') throw usageError('a note cannot be empty');
  const note = await db
    .insertInto('notes')
    .values({ member_id: member.id, body, source: source.batchId ? `import ${source.batchId}` : `note by ${source.actor}`, created_at: source.at })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudits(db, source, [{ action: 'note', entity: 'notes', entityId: note.id, memberId: member.id, after: note, summary: 'note added' }]);
  return note;
}

// ---- reading ----

/** The columns a list shows (a full row for one member works too). */
export type MemberListRow = Pick<Member, 'id' | 'name' | 'email' | 'phone' | 'company_id' | 'paid_by_id' | 'external_id' | 'member_number'>;

export interface MemberView {
  member: MemberListRow;
  company: string | null;
  paidBy: { id: number; name: string } | null;
  tags: string[];
  fields: Record<string, string>;
  state: MemberState;
}

export interface MemberFilters {
  status?: MemberStatus;
  /** exact plan name: members with a membership on it that has not ended (any, for `--status former`) */
  plan?: string;
  /** exact company name */
  company?: string;
  /** tags or categories the member must all have */
  tags?: string[];
  /** accent- and case-insensitive text in the name, e-mail or company */
  search?: string;
  /** only people who never had a membership */
  contactsOnly?: boolean;
  limit?: number;
}

export function parseMemberStatus(text: string): MemberStatus {
  const status = text.trim().toLowerCase();
  if (!(memberStatuses as readonly string[]).includes(status)) {
    throw usageError(`--status: "${text}" is not a status; use one of ${memberStatuses.join(', ')}`);
  }
  return status as MemberStatus;
}

/** Above this many members, side data (tags, fields, payers) is loaded whole instead of by chunks of ids. */
const loadAllAbove = 5_000;

/**
 * Sorts people by name ignoring case and accents, then by id: the same order on SQLite and PostgreSQL
 * (whose collations differ), computed once per row rather than in every comparison.
 */
export function sortByName<T extends { id: number; name: string }>(rows: T[]): T[] {
  const keyed = rows.map((row) => ({ row, key: normalizeName(row.name) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.row.name < b.row.name ? -1 : a.row.name > b.row.name ? 1 : a.row.id - b.row.id));
  return keyed.map((k) => k.row);
}

/**
 * Members matching the filters, by name then id, with everything `members list` shows. A handful of queries
 * whatever the number of people: no ORDER BY or join in the bulk queries (sorting and company names are
 * cheaper here than in SQLite's random reads through an index).
 */
export async function listMembers(db: Queryable, asOf: IsoDate, filters: MemberFilters = {}): Promise<MemberView[]> {
  let query = db.selectFrom('members').select(['members.id', 'members.name', 'members.email', 'members.phone', 'members.company_id', 'members.paid_by_id', 'members.external_id', 'members.member_number']);
  if (filters.company !== undefined) {
    const company = await requireCompany(db, filters.company);
    query = query.where('members.company_id', '=', company.id);
  }
  for (const tag of filters.tags ?? []) {
    const ids = (await tagsMatching(db, tag)).map((t) => t.id);
    query = query.where(({ exists, selectFrom }) =>
      exists(selectFrom('member_tags').select('member_tags.member_id').whereRef('member_tags.member_id', '=', 'members.id').where('member_tags.tag_id', 'in', ids)),
    );
  }
  let planId: number | null = null;
  if (filters.plan !== undefined) {
    planId = (await requirePlan(db, filters.plan)).id;
    const id = planId;
    query = query.where(({ exists, or, selectFrom }) =>
      or([
        exists(selectFrom('memberships').select('memberships.id').whereRef('memberships.member_id', '=', 'members.id').where('memberships.plan_id', '=', id)),
        // delegates of a membership on the plan
        exists(
          selectFrom('delegates')
            .innerJoin('memberships', 'memberships.id', 'delegates.membership_id')
            .select('delegates.id')
            .whereRef('delegates.member_id', '=', 'members.id')
            .where('delegates.removed_at', 'is', null)
            .where('memberships.plan_id', '=', id),
        ),
      ]),
    );
  }
  if (filters.contactsOnly) {
    query = query.where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('memberships').select('memberships.id').whereRef('memberships.member_id', '=', 'members.id'))),
    );
    // a delegate is a member through the membership that names them
    query = query.where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('delegates').select('delegates.id').whereRef('delegates.member_id', '=', 'members.id').where('delegates.removed_at', 'is', null))),
    );
  }
  let rows: MemberListRow[] = await query.execute();
  const companies = await companyNames(db);

  if (filters.search !== undefined && filters.search.trim() !== '') {
    const needle = normalizeName(filters.search);
    const compactNeedle = needle.replace(/ /g, '');
    const companyKeys = new Map([...companies].map(([id, name]) => [id, normalizeName(name)]));
    rows = rows.filter((r) => {
      const company = r.company_id === null ? '' : (companyKeys.get(r.company_id) ?? '');
      const haystack = `${normalizeName(r.name)} | ${normalizeName(r.email ?? '')} | ${company}`;
      return haystack.includes(needle) || (compactNeedle !== '' && haystack.replace(/ /g, '').includes(compactNeedle));
    });
  }

  const states = new Map<number, MemberState>();
  const stateOf = (id: number): MemberState => states.get(id) ?? { status: 'contact', memberships: [] };
  const wanted = (r: MemberListRow) => {
    const state = stateOf(r.id);
    if (filters.status !== undefined && state.status !== filters.status) return false;
    if (planId !== null) {
      // a delegate is on the plan of the membership that names them
      const onPlan = [...state.memberships, ...(state.delegated ?? [])].filter((m) => m.membership.plan_id === planId);
      const current = onPlan.some((m) => m.detail.status !== 'ended');
      if (!current && !(filters.status === 'former' && onPlan.length > 0)) return false;
    }
    return true;
  };
  // contacts have no membership: nothing to load
  const loadStates = async (memberIds?: number[]) => {
    if (filters.contactsOnly) return;
    for (const [id, state] of await loadMemberStates(db, asOf, memberIds ? { memberIds } : {})) states.set(id, state);
  };

  if (filters.limit !== undefined) {
    // the first `limit` in name order: statuses are worked out for people in that order, a chunk at a time (each
    // twice the last, for a filter few match), until enough match, rather than for everyone
    const sorted = sortByName(rows);
    const selected: MemberListRow[] = [];
    let chunk = Math.max(filters.limit * 2, 200);
    for (let from = 0; from < sorted.length && selected.length < filters.limit; from += chunk, chunk *= 2) {
      const some = sorted.slice(from, from + chunk);
      await loadStates(some.map((r) => r.id));
      for (const r of some) if (selected.length < filters.limit && wanted(r)) selected.push(r);
    }
    return buildViews(db, selected, companies, stateOf);
  }
  const all = rows.length > loadAllAbove || (filters.company === undefined && !filters.tags?.length && !filters.plan && !filters.search);
  await loadStates(all ? undefined : rows.map((r) => r.id));
  return buildViews(db, sortByName(rows.filter(wanted)), companies, stateOf);
}

async function companyNames(db: Queryable): Promise<Map<number, string>> {
  return new Map((await db.selectFrom('companies').select(['id', 'name']).execute()).map((c) => [c.id, c.name]));
}

async function buildViews(
  db: Queryable,
  rows: MemberListRow[],
  companies: Map<number, string>,
  stateOf: (id: number) => MemberState,
): Promise<MemberView[]> {
  const loadAll = rows.length > loadAllAbove;
  const ids = rows.map((r) => r.id);
  const tags = await tagsOfMembers(db, loadAll ? undefined : ids);
  const fieldQuery = (chunk?: number[]) => {
    let q = db.selectFrom('member_fields').select(['member_id', 'key', 'value']);
    if (chunk) q = q.where('member_id', 'in', chunk);
    return q.execute();
  };
  const fieldRows = loadAll ? await fieldQuery() : await inChunks(ids, fieldQuery);
  const fields = new Map<number, Record<string, string>>();
  for (const f of fieldRows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const record = fields.get(f.member_id) ?? {};
    record[f.key] = f.value;
    fields.set(f.member_id, record);
  }
  const payerIds = [...new Set(rows.map((r) => r.paid_by_id).filter((id): id is number => id !== null))];
  const payers = new Map(
    (await inChunks(payerIds, (chunk) => db.selectFrom('members').select(['id', 'name']).where('id', 'in', chunk).execute())).map((p) => [p.id, p]),
  );
  return rows.map((member) => ({
    member,
    company: member.company_id === null ? null : (companies.get(member.company_id) ?? null),
    paidBy: member.paid_by_id === null ? null : (payers.get(member.paid_by_id) ?? null),
    tags: tags.get(member.id) ?? [],
    fields: fields.get(member.id) ?? {},
    state: stateOf(member.id),
  }));
}

/** Everything `members list` shows about one member. */
export async function memberView(db: Queryable, member: Member, asOf: IsoDate): Promise<MemberView> {
  const company = member.company_id === null ? undefined : await db.selectFrom('companies').select(['id', 'name']).where('id', '=', member.company_id).executeTakeFirst();
  const states = await loadMemberStates(db, asOf, { memberIds: [member.id] });
  const companies = new Map(company ? [[company.id, company.name]] : []);
  const [view] = await buildViews(db, [member], companies, (id) => states.get(id) ?? { status: 'contact', memberships: [] });
  return view!;
}

export async function notesOf(db: Queryable, memberId: number): Promise<Note[]> {
  return db.selectFrom('notes').selectAll().where('member_id', '=', memberId).orderBy('created_at').orderBy('id').execute();
}

/** The documented `--json` shape of a member (docs/reference.md). */
export function memberJson(view: MemberView) {
  return {
    id: view.member.id,
    memberNumber: view.member.member_number,
    name: view.member.name,
    email: view.member.email,
    phone: view.member.phone,
    company: view.company,
    paidBy: view.paidBy,
    status: view.state.status,
    tags: view.tags,
    customFields: view.fields,
    externalId: view.member.external_id,
  };
}

/** The documented `--json` shape of a membership (docs/reference.md). */
export function membershipJson(state: MembershipState) {
  const m = state.membership;
  return {
    id: m.id,
    plan: m.plan_name,
    quantity: m.quantity,
    /** net per period, in the plan's currency: the membership's own price, or the plan's when it follows it */
    price: formatAmount(m.price ?? m.plan_price, m.plan_currency),
    currency: m.plan_currency,
    followsPlanPrice: m.price === null,
    startDate: m.start_date,
    nextInvoiceDate: m.next_invoice_date,
    endDate: m.end_date,
    autoRenew: m.auto_renew === 1,
    autoRenewUntil: m.auto_renew_until,
    doNotRenew: m.do_not_renew === 1,
    status: state.detail.status,
  };
}

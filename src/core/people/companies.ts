/**
 * Companies (accounts): exact unique names, an optional parent company. A child inherits nothing from its
 * parent; it only shows under it. Parent links never form a cycle.
 */
import { hasControlCharacter } from '../kernel/cell-characters.js';
import type { Queryable } from '../../db/connect.js';
import type { Company } from '../../db/types.js';
import { dataError, existsError, notFoundError, usageError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import { rankByCloseness, sameExceptFormatting } from '../kernel/suggest.js';
import { orgCountry } from '../org/org-store.js';
import { type PartyColumns, planPartyChange } from './party-fields.js';
import { checkedAddress } from './members.js';

export interface CompanyInput {
  name?: string;
  /** exact name of the parent; '' removes it */
  parent?: string;
  billingEmail?: string;
  /** street lines, one per line */
  address?: string;
  postcode?: string;
  city?: string;
  /** ISO 3166-1 alpha-2; '' (or never given): the organisation's */
  country?: string;
  /** 9 digits (a SIRET's first 9) */
  siren?: string;
  vatId?: string;
  taxId?: string;
  notes?: string;
}

export interface CompanyRef {
  id: number;
  name: string;
}

export interface CompanySummary {
  company: Company;
  parent: CompanyRef | null;
  children: CompanyRef[];
  members: number;
}

const maxNameLength = 200;

export function normalizeCompanyName(text: string): string {
  const name = text.trim();
  if (name === '') throw usageError('a company needs a name');
  if (hasControlCharacter(name)) throw usageError('a company name cannot hold control characters');
  if (name.length > maxNameLength) throw usageError(`company "${name.slice(0, 20)}...": a name is at most ${maxNameLength} characters`);
  return name;
}

export async function findCompany(db: Queryable, name: string): Promise<Company | undefined> {
  return db.selectFrom('companies').selectAll().where('name', '=', name.trim()).executeTakeFirst();
}

async function companyNames(db: Queryable): Promise<string[]> {
  return (await db.selectFrom('companies').select('name').orderBy('name').execute()).map((c) => c.name);
}

/** The company with exactly this name (after trimming), or a 65 naming the closest ones. */
export async function requireCompany(db: Queryable, name: string): Promise<Company> {
  const company = await findCompany(db, name);
  if (company) return company;
  const close = rankByCloseness(name, await companyNames(db), 3);
  throw notFoundError(
    `no company named "${name.trim()}"`,
    close.length > 0 ? `did you mean ${close.map((n) => `"${n}"`).join(' or ')}?` : 'see `memberctl companies list`',
  );
}

/** Existing company names that differ from `name` only by case, accents, punctuation or spacing. */
export async function companyVariants(db: Queryable, name: string): Promise<string[]> {
  return (await companyNames(db)).filter((other) => sameExceptFormatting(name, other));
}

type CompanyParty = Pick<Company, 'address' | 'postcode' | 'city' | 'country' | 'siren' | 'vat_id'>;

const noParty: CompanyParty = { address: null, postcode: null, city: null, country: null, siren: null, vat_id: null };

/** The address and identifier columns `input` changes on `current`; a usage error (64) naming every refused value. */
async function partyChanges(db: Queryable, current: CompanyParty, input: CompanyInput): Promise<Partial<CompanyParty>> {
  const { address, postcode, city, country, siren, vatId } = input;
  const party = { address, postcode, city, country, siren, vatId };
  if (Object.values(party).every((v) => v === undefined)) return {};
  const { changes, problems } = planPartyChange(current as PartyColumns, party, await orgCountry(db));
  if (problems.length > 0) throw usageError(problems.join('; '));
  return changes as Partial<CompanyParty>;
}

const emptyToNull = (text: string | undefined) => (text === undefined ? undefined : text.trim() === '' ? null : text.trim());

export async function addCompany(db: Queryable, input: CompanyInput & { name: string }, source: AuditSource): Promise<{ company: Company; variants: string[] }> {
  const name = normalizeCompanyName(input.name);
  const party = { ...noParty, ...(await partyChanges(db, noParty, input)) };
  if (await findCompany(db, name)) throw existsError(`a company named "${name}" already exists`, 'use `memberctl companies edit` to change it');
  const variants = await companyVariants(db, name);
  const parent = input.parent ? await requireCompany(db, input.parent) : null;
  return { company: await insertCompany(db, name, input, parent, source, party), variants };
}

/** A company's billing e-mail as given: checked (64 for something that is not an address), or null when empty. */
const billingEmail = (text: string | undefined) => (emptyToNull(text) == null ? null : checkedAddress('--billing-email', text!));

/**
 * Inserts a company the caller found no row for. Another process may have inserted the same name since: the
 * unique name then fails the insert, and the caller's transaction runs again (retryingUniqueRace) and finds it.
 */
async function insertCompany(db: Queryable, name: string, input: CompanyInput, parent: Company | null, source: AuditSource, party = noParty): Promise<Company> {
  const company = await db
    .insertInto('companies')
    .values({
      name,
      parent_id: parent?.id ?? null,
      billing_email: billingEmail(input.billingEmail),
      ...party,
      tax_id: emptyToNull(input.taxId) ?? null,
      notes: emptyToNull(input.notes) ?? null,
      created_at: source.at,
      updated_at: source.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(db, source, { action: 'insert', entity: 'companies', entityId: company.id, after: company, summary: `company ${name} added` });
  return company;
}

/**
 * The company a member belongs to by this name: the existing one, else a new one. A name that differs from
 * an existing company only by formatting is refused (65) rather than creating a near-duplicate.
 */
export async function companyForMember(db: Queryable, name: string, source: AuditSource): Promise<{ company: Company; created: boolean }> {
  const trimmed = normalizeCompanyName(name);
  const existing = await findCompany(db, trimmed);
  if (existing) return { company: existing, created: false };
  const variants = await companyVariants(db, trimmed);
  if (variants.length > 0) {
    throw dataError(
      `company "${trimmed}" differs from the existing ${variants.map((v) => `"${v}"`).join(', ')} only by case, accents, punctuation or spacing`,
      `use the exact name, or create it first with \`memberctl companies add "${trimmed}"\``,
    );
  }
  return { company: await insertCompany(db, trimmed, {}, null, source), created: true };
}

export async function editCompany(db: Queryable, name: string, input: CompanyInput, source: AuditSource): Promise<{ company: Company; variants: string[] }> {
  const company = await requireCompany(db, name);
  const changes: Partial<Company> = await partyChanges(db, company, input);
  let variants: string[] = [];
  if (input.name !== undefined) {
    const newName = normalizeCompanyName(input.name);
    if (newName !== company.name) {
      if (await findCompany(db, newName)) throw existsError(`a company named "${newName}" already exists`);
      variants = (await companyVariants(db, newName)).filter((v) => v !== company.name);
      changes.name = newName;
    }
  }
  if (input.billingEmail !== undefined) changes.billing_email = billingEmail(input.billingEmail);
  if (input.taxId !== undefined) changes.tax_id = emptyToNull(input.taxId) ?? null;
  if (input.notes !== undefined) changes.notes = emptyToNull(input.notes) ?? null;
  let updated = await updateCompany(db, company, changes, source);
  if (input.parent !== undefined) updated = await setParent(db, updated.name, input.parent.trim() === '' ? null : input.parent, source);
  return { company: updated, variants };
}

async function updateCompany(db: Queryable, company: Company, changes: Partial<Company>, source: AuditSource): Promise<Company> {
  const changed = Object.entries(changes).filter(([k, v]) => company[k as keyof Company] !== v);
  if (changed.length === 0) return company;
  const updated = await db
    .updateTable('companies')
    .set({ ...Object.fromEntries(changed), updated_at: source.at })
    .where('id', '=', company.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(db, source, { action: 'update', entity: 'companies', entityId: company.id, before: company, after: updated, summary: `company ${updated.name} changed` });
  return updated;
}

/** Makes `parent` the parent of `child` (null removes it); refuses (65) a company as its own ancestor. */
export async function setParent(db: Queryable, childName: string, parentName: string | null, source: AuditSource): Promise<Company> {
  const child = await requireCompany(db, childName);
  if (parentName === null) return updateCompany(db, child, { parent_id: null }, source);
  const parent = await requireCompany(db, parentName);
  if (parent.id === child.id) throw dataError(`company "${child.name}" cannot be its own parent`);
  const parents = new Map((await db.selectFrom('companies').select(['id', 'parent_id', 'name']).execute()).map((c) => [c.id, c]));
  const chain = [parent.name];
  for (let at = parent.parent_id; at !== null; at = parents.get(at)?.parent_id ?? null) {
    const ancestor = parents.get(at);
    if (!ancestor) break;
    chain.push(ancestor.name);
    if (ancestor.id === child.id) {
      throw dataError(
        `"${parent.name}" cannot be the parent of "${child.name}": that would make a cycle (${[child.name, ...chain].join(' -> ')})`,
      );
    }
  }
  return updateCompany(db, child, { parent_id: parent.id }, source);
}

/** Every company (or the one named) with its parent, children and number of members, by name. */
export async function listCompanies(db: Queryable): Promise<CompanySummary[]> {
  const companies = await db.selectFrom('companies').selectAll().orderBy('name').execute();
  const counts = new Map(
    (
      await db
        .selectFrom('members')
        .select((eb) => ['company_id', eb.fn.countAll<number>().as('n')])
        .where('company_id', 'is not', null)
        .groupBy('company_id')
        .execute()
    ).map((r) => [r.company_id, Number(r.n)]),
  );
  const byId = new Map(companies.map((c) => [c.id, c]));
  return companies.map((company) => {
    const parent = company.parent_id === null ? null : byId.get(company.parent_id);
    return {
      company,
      parent: parent ? { id: parent.id, name: parent.name } : null,
      children: companies.filter((c) => c.parent_id === company.id).map((c) => ({ id: c.id, name: c.name })),
      members: counts.get(company.id) ?? 0,
    };
  });
}

export async function companySummary(db: Queryable, name: string): Promise<CompanySummary> {
  const company = await requireCompany(db, name);
  return (await listCompanies(db)).find((s) => s.company.id === company.id)!;
}

/** The `--json` shape of a company. */
export function companyJson(s: CompanySummary) {
  return {
    id: s.company.id,
    name: s.company.name,
    parent: s.parent,
    children: s.children,
    billingEmail: s.company.billing_email,
    address: s.company.address,
    postcode: s.company.postcode,
    city: s.company.city,
    /** null: the organisation's */
    country: s.company.country,
    siren: s.company.siren,
    vatId: s.company.vat_id,
    taxId: s.company.tax_id,
    notes: s.company.notes,
    memberCount: s.members,
  };
}

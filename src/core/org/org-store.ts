/** The organisation's identity in the database: its one row of `org_identity`, read and changed with an audit entry. */
import type { Queryable } from '../../db/connect.js';
import type { OrgIdentityRow } from '../../db/types.js';
import { UserError, usageError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import {
  defaultCountry,
  emptyIdentity,
  type IdentityField,
  type IdentityInput,
  type IdentityProblem,
  type LogoType,
  logoSummary,
  type MissingField,
  missingForInvoices,
  type OrgIdentity,
  planIdentityChange,
} from './identity.js';

function fromRow(row: OrgIdentityRow | undefined): OrgIdentity {
  if (!row) return { ...emptyIdentity };
  return {
    name: row.name,
    address: row.address,
    postcode: row.postcode,
    city: row.city,
    country: row.country,
    siren: row.siren,
    siret: row.siret,
    vatId: row.vat_id,
    email: row.email,
    phone: row.phone,
    iban: row.iban,
    bic: row.bic,
    legalForm: row.legal_form,
    registration: row.registration,
    vatExemption: row.vat_exemption,
    latePenalty: row.late_penalty,
    footer: row.footer,
    logo: row.logo && row.logo_type ? { type: row.logo_type as LogoType, bytes: new Uint8Array(row.logo) } : null,
    updatedAt: row.updated_at,
  };
}

function toRow(identity: OrgIdentity, at: string) {
  return {
    name: identity.name,
    address: identity.address,
    postcode: identity.postcode,
    city: identity.city,
    country: identity.country,
    siren: identity.siren,
    siret: identity.siret,
    vat_id: identity.vatId,
    email: identity.email,
    phone: identity.phone,
    iban: identity.iban,
    bic: identity.bic,
    legal_form: identity.legalForm,
    registration: identity.registration,
    vat_exemption: identity.vatExemption,
    late_penalty: identity.latePenalty,
    footer: identity.footer,
    logo: identity.logo ? Buffer.from(identity.logo.bytes) : null,
    logo_type: identity.logo?.type ?? null,
    updated_at: at,
  };
}

export async function getIdentity(db: Queryable): Promise<OrgIdentity> {
  return fromRow(await db.selectFrom('org_identity').selectAll().where('id', '=', 1).executeTakeFirst());
}

/** Whether invoices carry VAT lines: as soon as a plan not archived has a tax rate above 0. */
export async function hasVatLines(db: Queryable): Promise<boolean> {
  const rates = await db.selectFrom('plans').select('tax_rate').where('archived', '=', 0).execute();
  return rates.some((r) => Number(r.tax_rate) > 0);
}

export interface IdentityStatus {
  identity: OrgIdentity;
  vatLines: boolean;
  missing: MissingField[];
}

export async function identityStatus(db: Queryable): Promise<IdentityStatus> {
  const identity = await getIdentity(db);
  const vatLines = await hasVatLines(db);
  return { identity, vatLines, missing: missingForInvoices(identity, { vatLines }) };
}

/** The refused values of `org set`, reported together; the exit code is 66 when the only problems are unreadable files. */
export class IdentityProblems extends UserError {
  readonly problems: IdentityProblem[];
  constructor(problems: IdentityProblem[], exitCode: 64 | 66) {
    super(problems.length === 1 ? problems[0]!.message : `${problems.length} values refused; nothing was changed`, { exitCode });
    this.problems = problems;
  }
}

const auditValue = (identity: OrgIdentity, field: IdentityField) => {
  const value = identity[field];
  return field === 'logo' ? (identity.logo ? logoSummary(identity.logo) : null) : value;
};

/**
 * Applies `org set`'s options in one transaction (the caller's): every value is checked first, and any problem
 * (an IdentityProblems, 64) leaves everything as it was. Writes one audit entry with each changed field before and
 * after (the logo as its media type and size). Returns the identity after and the fields changed.
 */
export async function setIdentity(
  db: Queryable,
  input: IdentityInput,
  source: AuditSource,
  fileProblems: IdentityProblem[] = [],
): Promise<{ identity: OrgIdentity; changed: IdentityField[] }> {
  if (Object.keys(input).length === 0 && fileProblems.length === 0) throw usageError('org set: give at least one option', 'see `memberctl org set --help`');
  // the update takes the row's lock first (PostgreSQL), so two `org set` at once never audit a stale "before"
  await db.updateTable('org_identity').set({ id: 1 }).where('id', '=', 1).execute();
  const current = await getIdentity(db);
  const { next, changed, problems } = planIdentityChange(current, input);
  const all = [...problems, ...fileProblems];
  if (all.length > 0) throw new IdentityProblems(all, all.every((p) => p.exitCode === 66) ? 66 : 64);
  if (changed.length === 0) return { identity: current, changed };
  const row = toRow(next, source.at);
  const updated = await db.updateTable('org_identity').set(row).where('id', '=', 1).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await db.insertInto('org_identity').values({ id: 1, ...row }).execute();
  await recordAudit(db, source, {
    action: 'update',
    entity: 'org_identity',
    entityId: 1,
    before: Object.fromEntries(changed.map((f) => [f, auditValue(current, f)])),
    after: Object.fromEntries(changed.map((f) => [f, auditValue(next, f)])),
    summary: `organisation identity: ${changed.join(', ')} changed`,
  });
  return { identity: { ...next, updatedAt: source.at }, changed };
}

/** The organisation's country (FR until `org set --country`): a member's or company's country when theirs is not set. */
export async function orgCountry(db: Queryable): Promise<string> {
  const row = await db.selectFrom('org_identity').select('country').where('id', '=', 1).executeTakeFirst();
  return row?.country ?? defaultCountry;
}

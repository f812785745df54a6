/**
 * SEPA Direct Debit mandates: added for the payer (the member invoices are issued to), listed, revoked. A payer has
 * at most one active mandate; its state on a day (active, revoked, expired after 36 months unused) comes from
 * rules.ts and its collections.
 */
import type { Queryable } from '../../db/connect.js';
import type { Member, SepaMandate, SepaScheme } from '../../db/types.js';
import { dataError, notFoundError, usageError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import { compareDates, type IsoDate } from '../kernel/dates.js';
import { rankByCloseness } from '../kernel/suggest.js';
import { describeMember, resolveMember } from '../people/refs.js';
import { bicProblem, compactCode, debtorIbanProblem, mandateExpiresOn, mandateReferenceProblem, mandateState, type MandateState } from './rules.js';

export const sepaSchemes = ['core', 'b2b'] as const satisfies readonly SepaScheme[];

export interface MandateInput {
  /** the payer, as a member ref (id, e-mail or exact name) */
  memberRef: string;
  iban: string;
  bic?: string | undefined;
  reference?: string | undefined;
  signedOn: IsoDate;
  scheme: SepaScheme;
}

/** What a mandate's collections say about it: the last collection date and whether a transaction not returned exists. */
export interface MandateUse {
  lastCollection: IsoDate | null;
  /** a transaction that was not returned exists: the next one is RCUR */
  used: boolean;
  collections: number;
}

/** The use of each mandate, from its collection items. */
export async function mandateUses(db: Queryable, mandateIds: readonly number[]): Promise<Map<number, MandateUse>> {
  const uses = new Map<number, MandateUse>();
  for (const id of mandateIds) uses.set(id, { lastCollection: null, used: false, collections: 0 });
  for (let i = 0; i < mandateIds.length; i += 500) {
    const rows = await db
      .selectFrom('sepa_collection_items as i')
      .innerJoin('sepa_collections as c', 'c.id', 'i.collection_id')
      .select(['i.mandate_id', 'i.status', 'c.collection_date'])
      .where('i.mandate_id', 'in', mandateIds.slice(i, i + 500))
      .execute();
    for (const row of rows) {
      const use = uses.get(row.mandate_id)!;
      use.collections += 1;
      // a collection presented counts as a use for the 36 months, even when returned; FRST only for the sequence
      if (use.lastCollection === null || compareDates(row.collection_date, use.lastCollection) > 0) use.lastCollection = row.collection_date;
      if (row.status !== 'returned') use.used = true;
    }
  }
  return uses;
}

export interface MandateView {
  mandate: SepaMandate;
  payer: Pick<Member, 'id' | 'name'>;
  use: MandateUse;
}

/** The `--json` shape of a mandate, its state as of `asOf`. */
export function mandateJson(view: MandateView, asOf: IsoDate) {
  const { mandate, payer, use } = view;
  const state: MandateState = mandateState(mandate, use.lastCollection, asOf);
  return {
    reference: mandate.reference,
    payer: { id: payer.id, name: payer.name },
    iban: mandate.iban,
    bic: mandate.bic,
    scheme: mandate.scheme,
    signedOn: mandate.signed_on,
    status: state,
    revokedOn: mandate.revoked_on,
    revokeReason: mandate.revoke_reason,
    lastCollection: use.lastCollection,
    expiresOn: mandate.status === 'revoked' ? null : mandateExpiresOn(mandate.signed_on, use.lastCollection),
    collections: use.collections,
    nextSequence: use.used ? 'RCUR' : 'FRST',
  };
}

export type MandateJson = ReturnType<typeof mandateJson>;

async function views(db: Queryable, mandates: readonly SepaMandate[]): Promise<MandateView[]> {
  if (mandates.length === 0) return [];
  const payerIds = [...new Set(mandates.map((m) => m.member_id))];
  const payers = new Map<number, Pick<Member, 'id' | 'name'>>();
  for (let i = 0; i < payerIds.length; i += 500) {
    for (const p of await db.selectFrom('members').select(['id', 'name']).where('id', 'in', payerIds.slice(i, i + 500)).execute()) payers.set(p.id, p);
  }
  const uses = await mandateUses(
    db,
    mandates.map((m) => m.id),
  );
  return mandates.map((mandate) => ({ mandate, payer: payers.get(mandate.member_id)!, use: uses.get(mandate.id)! }));
}

/** The reference memberctl gives the `n`th mandate of a payer: `MND-000012-01`. */
export const generatedReference = (payerId: number, n: number): string => `MND-${String(payerId).padStart(6, '0')}-${String(n).padStart(2, '0')}`;

/** A reference no mandate has: `MND-<payer id>-<n>`, n counting the payer's mandates. */
async function newReference(db: Queryable, payerId: number): Promise<string> {
  const count = await db
    .selectFrom('sepa_mandates')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('member_id', '=', payerId)
    .executeTakeFirstOrThrow();
  for (let n = Number(count.n) + 1; ; n += 1) {
    const reference = generatedReference(payerId, n);
    if (!(await db.selectFrom('sepa_mandates').select('id').where('reference', '=', reference).executeTakeFirst())) return reference;
  }
}

/**
 * References for new mandates of many payers at once (an import): `MND-<payer id>-<n>` from each payer's `from`,
 * skipping those a mandate has and those `reserved` (given by the rows being imported). One query per few hundred.
 */
export async function newReferences(db: Queryable, payers: ReadonlyArray<{ payerId: number; from: number }>, reserved: (reference: string) => boolean): Promise<string[]> {
  const next = payers.map((p) => p.from);
  const references = payers.map((p, i) => generatedReference(p.payerId, next[i]!));
  let open = payers.map((_, i) => i);
  const seen = new Set<string>();
  while (open.length > 0) {
    const taken = new Set<string>();
    for (let i = 0; i < open.length; i += 500) {
      const chunk = open.slice(i, i + 500).map((k) => references[k]!);
      for (const m of await db.selectFrom('sepa_mandates').select('reference').where('reference', 'in', chunk).execute()) taken.add(m.reference);
    }
    const again: number[] = [];
    for (const k of open) {
      const reference = references[k]!;
      if (taken.has(reference) || reserved(reference) || seen.has(reference)) {
        next[k]! += 1;
        references[k] = generatedReference(payers[k]!.payerId, next[k]!);
        again.push(k);
      } else seen.add(reference);
    }
    open = again;
  }
  return references;
}

/**
 * Adds a mandate for the payer `memberRef` names. Refuses (64) a malformed IBAN (a wrong checksum included), BIC or
 * reference and a signature after `asOf`; refuses (65) a member paid by someone else (the mandate is the payer's),
 * a reference taken, and a payer who already has an active mandate. Run it inside a transaction.
 */
export async function addMandate(trx: Queryable, input: MandateInput, asOf: IsoDate, source: AuditSource): Promise<MandateView> {
  const iban = compactCode(input.iban);
  const ibanIssue = debtorIbanProblem(iban);
  if (ibanIssue !== null) throw usageError(`--iban: "${input.iban}": ${ibanIssue}`);
  const bic = input.bic === undefined || input.bic.trim() === '' ? null : compactCode(input.bic);
  if (bic !== null) {
    const bicIssue = bicProblem(bic);
    if (bicIssue !== null) throw usageError(`--bic: "${input.bic}": ${bicIssue}`);
  }
  const given = input.reference?.trim();
  if (given !== undefined) {
    const referenceIssue = mandateReferenceProblem(given);
    if (referenceIssue !== null) throw usageError(`--reference: "${input.reference}": ${referenceIssue}`);
  }
  if (compareDates(input.signedOn, asOf) > 0) throw usageError(`--signed: ${input.signedOn} is after today (${asOf})`);
  const member = await resolveMember(trx, input.memberRef);
  if (member.paid_by_id !== null) {
    const payer = await trx.selectFrom('members').select(['id', 'name', 'email']).where('id', '=', member.paid_by_id).executeTakeFirstOrThrow();
    throw dataError(
      `${describeMember(member)} is paid by ${describeMember(payer)}: a mandate belongs to the payer, who is debited for the invoices`,
      `give the payer: \`memberctl mandates add ${payer.id} --iban ...\``,
    );
  }
  const active = await trx.selectFrom('sepa_mandates').selectAll().where('member_id', '=', member.id).where('status', '=', 'active').executeTakeFirst();
  if (active) {
    throw dataError(`${describeMember(member)} already has the active mandate ${active.reference}`, `revoke it first: \`memberctl mandates revoke ${active.reference}\``);
  }
  const reference = given ?? (await newReference(trx, member.id));
  const taken = await trx.selectFrom('sepa_mandates').select(['id', 'member_id']).where('reference', '=', reference).executeTakeFirst();
  if (taken) throw dataError(`--reference: a mandate ${reference} exists already (of member #${taken.member_id}); a mandate reference is unique`);
  const mandate = await trx
    .insertInto('sepa_mandates')
    .values({
      member_id: member.id,
      reference,
      iban,
      bic,
      scheme: input.scheme,
      signed_on: input.signedOn,
      status: 'active',
      revoked_on: null,
      revoke_reason: null,
      created_at: source.at,
      updated_at: source.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, source, {
    action: 'insert',
    entity: 'sepa_mandates',
    entityId: mandate.id,
    memberId: member.id,
    after: mandate,
    summary: `SEPA mandate ${reference} (${input.scheme}) signed on ${input.signedOn}`,
  });
  return { mandate, payer: member, use: { lastCollection: null, used: false, collections: 0 } };
}

/** The mandate of `reference` (exact, else case-insensitive); unknown is a data error (65) naming the closest. */
export async function requireMandate(db: Queryable, reference: string): Promise<SepaMandate> {
  const text = reference.trim();
  const exact = await db.selectFrom('sepa_mandates').selectAll().where('reference', '=', text).executeTakeFirst();
  if (exact) return exact;
  const all = await db.selectFrom('sepa_mandates').selectAll().orderBy('id').execute();
  const folded = all.find((m) => m.reference.toUpperCase() === text.toUpperCase());
  if (folded) return folded;
  const close = rankByCloseness(
    text,
    all.map((m) => m.reference),
    3,
  );
  throw notFoundError(`no mandate ${text}`, close.length > 0 ? `closest: ${close.join(', ')}` : 'see `memberctl mandates list`');
}

export async function showMandate(db: Queryable, reference: string): Promise<MandateView> {
  return (await views(db, [await requireMandate(db, reference)]))[0]!;
}

export interface MandateFilter {
  payerId?: number;
  status?: MandateState;
}

/** Mandates, oldest first; `status` is their state as of `asOf`. */
export async function listMandates(db: Queryable, filter: MandateFilter, asOf: IsoDate): Promise<MandateView[]> {
  let query = db.selectFrom('sepa_mandates').selectAll().orderBy('id');
  if (filter.payerId !== undefined) query = query.where('member_id', '=', filter.payerId);
  const all = await views(db, await query.execute());
  return filter.status === undefined ? all : all.filter((v) => mandateState(v.mandate, v.use.lastCollection, asOf) === filter.status);
}

/** Revokes a mandate on `date` (not after `asOf`); a mandate revoked already is refused (65). Run it inside a transaction. */
export async function revokeMandate(trx: Queryable, reference: string, change: { date: IsoDate; reason: string | null }, asOf: IsoDate, source: AuditSource): Promise<MandateView> {
  const mandate = await requireMandate(trx, reference);
  if (mandate.status === 'revoked') throw dataError(`mandate ${mandate.reference} was revoked on ${mandate.revoked_on}${mandate.revoke_reason ? ` (${mandate.revoke_reason})` : ''}`);
  if (compareDates(change.date, asOf) > 0) throw usageError(`--date: ${change.date} is after today (${asOf})`);
  if (compareDates(change.date, mandate.signed_on) < 0) throw dataError(`--date: ${change.date} is before the mandate ${mandate.reference} was signed (${mandate.signed_on})`);
  const revoked = await trx
    .updateTable('sepa_mandates')
    .set({ status: 'revoked', revoked_on: change.date, revoke_reason: change.reason, updated_at: source.at })
    .where('id', '=', mandate.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, source, {
    action: 'revoke',
    entity: 'sepa_mandates',
    entityId: mandate.id,
    memberId: mandate.member_id,
    before: mandate,
    after: revoked,
    summary: `SEPA mandate ${mandate.reference} revoked on ${change.date}${change.reason ? `: ${change.reason}` : ''}`,
  });
  return (await views(trx, [revoked]))[0]!;
}

/** How many of a mandate's transactions are still being collected (pending). */
export async function pendingItems(db: Queryable, mandateId: number): Promise<number> {
  const row = await db
    .selectFrom('sepa_collection_items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('mandate_id', '=', mandateId)
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

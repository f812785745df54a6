/**
 * The issuers of documents: each distinct identity of the organisation that issued an invoice or a credit note,
 * stored once and never changed, so that a later `org set` never changes a past document. An identity is found
 * again by the digest of its content (its fields and its logo's SHA-256); a logo is stored once in
 * `document_logos`, by the SHA-256 of its bytes, however many identities and documents use it.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/connect.js';
import { emptyIdentity, type Logo, type LogoType, type OrgIdentity } from '../org/identity.js';

/** An identity ready to be stored: its fields as JSON, its logo with the logo's SHA-256, and the digest of both. */
export interface IssuerSnapshot {
  digest: string;
  identity: string;
  logo: (Logo & { sha256: string }) | null;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The identity's fields (without the logo and the time it was changed), always in the same order. */
function identityFields(identity: OrgIdentity): Record<string, string | null> {
  const fields: Record<string, string | null> = {};
  for (const key of Object.keys(emptyIdentity) as Array<keyof OrgIdentity>) {
    if (key !== 'logo' && key !== 'updatedAt') fields[key] = identity[key] as string | null;
  }
  return fields;
}

/** The snapshot of an identity: hashing a 1 MB logo takes a few milliseconds, so a run takes it once. */
export function issuerSnapshot(identity: OrgIdentity): IssuerSnapshot {
  const json = JSON.stringify(identityFields(identity));
  const logo = identity.logo ? { ...identity.logo, sha256: sha256(identity.logo.bytes) } : null;
  return { digest: sha256(`${json}\n${logo?.sha256 ?? ''}`), identity: json, logo };
}

/**
 * The id of the issuer row of this snapshot, written when it is new (its logo too, when that is new). Safe to run
 * at the same time as another writer of the same snapshot: both get the same row.
 */
export async function storeIssuer(db: Queryable, snapshot: IssuerSnapshot, at: string): Promise<number> {
  const find = () => db.selectFrom('issuers').select('id').where('digest', '=', snapshot.digest).executeTakeFirst();
  const found = await find();
  if (found) return found.id;
  if (snapshot.logo) {
    await db
      .insertInto('document_logos')
      .values({ sha256: snapshot.logo.sha256, type: snapshot.logo.type, bytes: Buffer.from(snapshot.logo.bytes) })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
  }
  await db
    .insertInto('issuers')
    .values({ digest: snapshot.digest, identity: snapshot.identity, logo_sha256: snapshot.logo?.sha256 ?? null, created_at: at })
    .onConflict((oc) => oc.column('digest').doNothing())
    .execute();
  return (await find())!.id;
}

/** The identity an issuer row holds, as `getIdentity` gives the current one (`updatedAt`: when the row was written). */
export async function readIssuer(db: Queryable, id: number): Promise<OrgIdentity> {
  const row = await db
    .selectFrom('issuers')
    .leftJoin('document_logos', 'document_logos.sha256', 'issuers.logo_sha256')
    .select(['issuers.identity', 'issuers.created_at', 'document_logos.type', 'document_logos.bytes'])
    .where('issuers.id', '=', id)
    .executeTakeFirstOrThrow();
  const logo = row.bytes && row.type ? { type: row.type as LogoType, bytes: new Uint8Array(row.bytes) } : null;
  return { ...emptyIdentity, ...(JSON.parse(row.identity) as Partial<OrgIdentity>), logo, updatedAt: row.created_at };
}

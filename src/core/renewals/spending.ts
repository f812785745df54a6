/**
 * `credits use` and `passes use`: spending from a member's ledger (credits.ts), oldest grant first. Before the
 * spending, the member is brought up to date the way the jobs would (grants expired, status recorded with its
 * freeze or release), but only once the spending is known to fit: a refused spending writes nothing.
 */
import type { Kysely } from 'kysely';
import type { Database, Member } from '../../db/types.js';
import { dataError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import { catchUpEntries, draftFacts, expireGrants, formatUnits, type LedgerUnit, memberEntries, planSpending, writeEntries } from '../billing/credits.js';
import type { IsoDate } from '../kernel/dates.js';
import { loadMemberState } from '../status/member-status.js';
import { lockMembers } from '../billing/money-credit.js';
import { formatAmount } from '../kernel/money.js';
import { recordTransitions, type Transition } from './transitions.js';

export interface SpendRequest {
  unit: LedgerUnit;
  /** minor units for credits, a count for passes */
  amount: number;
  /** credits only */
  currency: string | null;
  description: string | null;
}

export interface SpendResult {
  member: { id: number; name: string };
  unit: LedgerUnit;
  used: string | number;
  currency: string | null;
  /** the balance after the spending */
  balance: string | number;
  /** what was drawn from each grant (null for credit without a grant), oldest first */
  drawn: Array<{ grantedOn: IsoDate | null; expiresOn: IsoDate | null; amount: string | number }>;
  /** a status change noticed on the way (recorded once, like the jobs do) */
  transitions: Transition[];
}

/** Spends from the member's balance as of `asOf`; refuses (65, writing nothing) more than the balance or while suspended. */
export async function spend(db: Kysely<Database>, member: Pick<Member, 'id' | 'name'>, request: SpendRequest, asOf: IsoDate, source: AuditSource): Promise<SpendResult> {
  const what = request.unit === 'credit' ? 'credits' : 'passes';
  const show = (n: number) => (request.unit === 'credit' ? formatAmount(n, request.currency ?? 'EUR') : n);
  const state = await loadMemberState(db, member.id, asOf);
  if (state.status === 'suspended') {
    throw dataError(`${member.name}'s ${what} are frozen while they are suspended (as of ${asOf})`, 'they are released once the member is no longer suspended (e.g. once the unpaid invoice is paid)');
  }
  const input = { memberId: member.id, unit: request.unit, amount: request.amount, currency: request.currency, date: asOf, description: request.description };
  const entries = await memberEntries(db, [member.id]);
  const simulated = planSpending([...entries, ...draftFacts(catchUpEntries(entries, asOf, false))], input);
  if (!simulated.drafts) throw notEnough(member.name, request, simulated.balance);

  await expireGrants(db, asOf, { dryRun: false, source, memberId: member.id });
  const transitions = await recordTransitions(db, asOf, { dryRun: false, source, memberIds: [member.id] });
  return db.transaction().execute(async (trx) => {
    // the member's credit is not spent twice by two commands at once (PostgreSQL; SQLite takes turns anyway)
    await lockMembers(trx, [member.id]);
    const current = await memberEntries(trx, [member.id]);
    const planned = planSpending(current, input);
    if (!planned.drafts) throw notEnough(member.name, request, planned.balance);
    await writeEntries(trx, planned.drafts, source);
    const lots = new Map(
      (await trx.selectFrom('ledger_entries').select(['id', 'date', 'expires_on']).where('member_id', '=', member.id).where('kind', '=', 'grant').execute()).map((g) => [g.id, g]),
    );
    const used = formatUnits(request.unit, request.amount, request.currency);
    await recordAudit(trx, source, {
      action: 'use',
      entity: what,
      entityId: member.id,
      memberId: member.id,
      before: { balance: planned.balance },
      after: { balance: planned.balance - request.amount, used: request.amount, currency: request.currency },
      summary: `${used} used${request.description ? `: ${request.description}` : ''}`,
    });
    return {
      member: { id: member.id, name: member.name },
      unit: request.unit,
      used: show(request.amount),
      currency: request.currency,
      balance: show(planned.balance - request.amount),
      drawn: planned.drafts.map((d) => {
        const lot = d.grantId === null ? undefined : lots.get(d.grantId);
        return { grantedOn: lot?.date ?? null, expiresOn: lot?.expires_on ?? null, amount: show(-d.amount) };
      }),
      transitions,
    };
  });
}

function notEnough(name: string, request: SpendRequest, balance: number) {
  return dataError(
    `${name} has ${formatUnits(request.unit, balance, request.currency)}: cannot use ${formatUnits(request.unit, request.amount, request.currency)}`,
    `see \`memberctl credits show "${name}"\``,
  );
}

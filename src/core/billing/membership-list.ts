/**
 * `memberships list`: every membership with its member and its status as of a day, filtered by member, plan, status
 * and a date range (docs/billing.md, "Listing memberships").
 */
import type { Queryable } from '../../db/connect.js';
import type { IsoDate } from '../kernel/dates.js';
import { membershipJson } from '../people/members.js';
import { inChunks, loadMemberStates, type MembershipState } from '../status/member-status.js';
import type { MembershipStatus } from '../status/status.js';
import { requirePlan } from './plans.js';

export interface MembershipListFilters {
  memberId?: number;
  /** exact plan name */
  plan?: string;
  status?: MembershipStatus;
  /** memberships that run on at least one day of [from, to]: starting on or before `to`, not ended before `from` */
  from?: IsoDate;
  to?: IsoDate;
}

export interface ListedMembership {
  state: MembershipState;
  member: { id: number; name: string; email: string | null };
}

/** The memberships that pass the filters, by member name then start date. An unknown plan is a UserError (65). */
export async function listMemberships(db: Queryable, asOf: IsoDate, filters: MembershipListFilters = {}): Promise<ListedMembership[]> {
  const planId = filters.plan === undefined ? undefined : (await requirePlan(db, filters.plan)).id;
  const states = await loadMemberStates(db, asOf, filters.memberId === undefined ? {} : { memberIds: [filters.memberId] });
  const kept: MembershipState[] = [];
  for (const state of states.values()) {
    for (const s of state.memberships) {
      const m = s.membership;
      if (planId !== undefined && m.plan_id !== planId) continue;
      if (filters.status !== undefined && s.detail.status !== filters.status) continue;
      if (filters.to !== undefined && m.start_date > filters.to) continue;
      if (filters.from !== undefined && m.end_date !== null && m.end_date < filters.from) continue;
      kept.push(s);
    }
  }
  const memberIds = [...new Set(kept.map((s) => s.membership.member_id))];
  const members = new Map(
    (await inChunks(memberIds, (chunk) => db.selectFrom('members').select(['id', 'name', 'email']).where('id', 'in', chunk).execute())).map((m) => [m.id, m]),
  );
  return kept
    .map((state) => ({ state, member: members.get(state.membership.member_id)! }))
    .sort(
      (a, b) =>
        a.member.name.localeCompare(b.member.name) ||
        a.member.id - b.member.id ||
        (a.state.membership.start_date < b.state.membership.start_date ? -1 : a.state.membership.start_date > b.state.membership.start_date ? 1 : a.state.membership.id - b.state.membership.id),
    );
}

/** The `--json` shape of a listed membership: the membership shape with its member. */
export const listedMembershipJson = (listed: ListedMembership) => ({ ...membershipJson(listed.state), member: { id: listed.member.id, name: listed.member.name } });

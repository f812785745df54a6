/**
 * Names the delegates of a member file once its rows are written, in the import's transaction, as
 * `memberships delegates ID --add` does (same audit entries, with the import's batch: `import undo` removes them).
 */
import type { Queryable } from '../../db/connect.js';
import { addDelegate } from '../billing/delegates.js';
import type { AuditSource } from '../kernel/audit.js';
import { type Problem, problem } from '../kernel/problems.js';
import { headerOf } from './member-row.js';
import type { Analysis } from './run.js';

/** How many delegates were added; a link whose row or holder row was not imported is a warning. */
export async function writeDelegates(
  db: Queryable,
  analysis: Analysis,
  memberOf: (row: number) => number | undefined,
  source: AuditSource & { batchId: string },
  warn: (p: Problem) => void,
): Promise<number> {
  let added = 0;
  const column = headerOf(analysis.layout, 'delegateOf');
  const today = analysis.checks.today;
  for (const [row, link] of analysis.delegates.links) {
    const memberId = memberOf(row);
    const holderId = link.holder.kind === 'member' ? link.holder.id : memberOf(link.holder.row);
    const ref = analysis.index.delegateRefs.get(row)!.ref;
    // the delegate's own row was rejected (--on-error skip): nothing to name
    if (memberId === undefined) continue;
    if (holderId === undefined) {
      warn(
        problem({
          row,
          column,
          value: ref,
          code: 'holder_rejected',
          severity: 'warning',
          message: `the holder "${ref}"${link.holder.kind === 'row' ? ` (row ${link.holder.row})` : ''} is not imported: this person is imported without being their delegate; name them later with \`memberctl memberships delegates ID --add REF\``,
        }),
      );
      continue;
    }
    const membership = await db
      .selectFrom('memberships as ms')
      .innerJoin('plans as p', 'p.id', 'ms.plan_id')
      .selectAll('ms')
      .where('ms.member_id', '=', holderId)
      .where('p.name', '=', link.plan)
      .where((eb) => eb.or([eb('ms.end_date', 'is', null), eb('ms.end_date', '>=', today)]))
      .orderBy('ms.id')
      .executeTakeFirst();
    if (membership === undefined) throw new Error(`row ${row}: the holder #${holderId} has no membership on ${link.plan} once written`);
    const member = await db.selectFrom('members').select(['id', 'name']).where('id', '=', memberId).executeTakeFirstOrThrow();
    if ((await addDelegate(db, membership, member, source)).added) added += 1;
  }
  return added;
}

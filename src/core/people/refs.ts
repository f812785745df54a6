/**
 * `<ref>` on the command line: a member id, an e-mail (case-insensitive) or an exact name. Other commands
 * (memberships, payments, credits) resolve people through here so every command reads refs the same way.
 */
import type { Queryable } from '../../db/connect.js';
import type { Member } from '../../db/types.js';
import { ExitCode, notFoundError, usageError, UserError } from '../../errors.js';
import { normalizeName, rankByCloseness } from '../kernel/suggest.js';
import { shellWord } from '../kernel/words.js';

/** The lookup key of an e-mail: unique among members when present. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** Every member the ref could mean: by id (`12` or `#12`), else by e-mail, else by exact name (after trimming). */
export async function findMembersByRef(db: Queryable, ref: string): Promise<Member[]> {
  const text = ref.trim();
  const id = /^#?(\d{1,15})$/.exec(text)?.[1];
  if (id !== undefined) {
    const byId = await db.selectFrom('members').selectAll().where('id', '=', Number(id)).executeTakeFirst();
    if (byId) return [byId];
  }
  if (text.includes('@')) {
    const byEmail = await db.selectFrom('members').selectAll().where('email_key', '=', emailKey(text)).executeTakeFirst();
    if (byEmail) return [byEmail];
  }
  return db.selectFrom('members').selectAll().where('name', '=', text).orderBy('id').execute();
}

/** How a member is named in messages: `#12 Jane Doe <jane@example.org>`. */
export function describeMember(m: Pick<Member, 'id' | 'name' | 'email'>): string {
  return `#${m.id} ${m.name}${m.email ? ` <${m.email}>` : ''}`;
}

/**
 * The one member `ref` names. An empty ref is a usage error (64); a ref matching several people is refused
 * (64) listing them, so the caller can retry with an id or e-mail; a ref matching nobody is a data error (65)
 * naming the closest names and e-mails.
 */
export async function resolveMember(db: Queryable, ref: string, role = 'member'): Promise<Member> {
  const text = ref.trim();
  if (text === '') throw usageError(`${role}: an empty reference; give a member id, an e-mail or an exact name`);
  const found = await findMembersByRef(db, text);
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    throw new UserError(
      `${role} "${text}" is ambiguous: ${found.length} people have that name: ${found.map(describeMember).join(', ')}`,
      { exitCode: ExitCode.usage, hint: `use the id or the e-mail instead, e.g. ${found[0]!.id}`, kind: 'ambiguous' },
    );
  }
  throw notFoundError(`no ${role} matches "${text}"`, await closestMembersHint(db, text));
}

/**
 * Who a ref that matches nobody may have meant: first the people whose name or e-mail holds it once case, accents and
 * punctuation are set aside (as `members list --search` finds them: `Benoit` finds Benoît Durand), then the closest
 * names and e-mails by spelling. At most five; never picked for the user.
 */
async function closestMembersHint(db: Queryable, text: string): Promise<string> {
  const rows = await db.selectFrom('members').select(['id', 'name', 'email']).orderBy('id').execute();
  const needle = normalizeName(text);
  const compactNeedle = needle.replace(/ /g, '');
  const found: Array<(typeof rows)[number]> = [];
  if (compactNeedle !== '') {
    for (const row of rows) {
      const haystack = `${normalizeName(row.name)} | ${normalizeName(row.email ?? '')}`;
      if (haystack.includes(needle) || haystack.replace(/ /g, '').includes(compactNeedle)) found.push(row);
      if (found.length > 5) break;
    }
  }
  const byLabel = new Map<string, Array<(typeof rows)[number]>>();
  const add = (label: string, row: (typeof rows)[number]) => {
    const list = byLabel.get(label) ?? [];
    list.push(row);
    byLabel.set(label, list);
  };
  for (const row of rows) {
    add(row.name, row);
    if (row.email) add(row.email, row);
  }
  const close = rankByCloseness(text, [...byLabel.keys()], 3).flatMap((label) => byLabel.get(label)!);
  const seen = new Set<number>();
  const named = [...found, ...close].filter((m) => !seen.has(m.id) && seen.add(m.id));
  if (named.length === 0) return 'see `memberctl members list --search TEXT`';
  const more = named.length > 5 ? ` (more: \`memberctl members list --search ${shellWord(text)}\`)` : '';
  return `closest: ${named.slice(0, 5).map(describeMember).join(', ')}${more}`;
}

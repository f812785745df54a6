/**
 * Tags group people: `VIP`, or with a category `Sport/Yoga` (the category is the part before the first slash).
 * Tag names are unique case-insensitively: tagging with `sport/yoga` reuses an existing `Sport/Yoga`.
 */
import type { Queryable } from '../../db/connect.js';
import { notFoundError, usageError } from '../../errors.js';
import { type AuditChange, type AuditSource, recordAudits } from '../kernel/audit.js';
import { inChunks } from '../status/member-status.js';
import { rankByCloseness } from '../kernel/suggest.js';

export interface Tag {
  id: number;
  name: string;
}

const maxLength = 100;

/**
 * The canonical spelling of a typed tag: trimmed, inner white space collapsed, no spaces around slashes
 * (`" Sport / Yoga "` -> `Sport/Yoga`). Refuses (64) an empty tag or an empty category or tag part.
 */
export function normalizeTag(text: string): string {
  const parts = text.split('/').map((p) => p.replace(/\s+/g, ' ').trim());
  const name = parts.join('/');
  if (name === '') throw usageError('a tag cannot be empty');
  if (parts.some((p) => p === '')) throw usageError(`tag "${text.trim()}": write it as Tag or Category/Tag, without an empty part`);
  if (parts.length > 2) throw usageError(`tag "${name}": write it as Tag or Category/Tag (one level of category)`);
  // the import template separates tags with , or ;
  if (/[,;]/.test(name)) throw usageError(`tag "${name}": a tag cannot contain , or ; (they separate tags in files)`);
  if (name.length > maxLength) throw usageError(`tag "${name.slice(0, 20)}...": a tag is at most ${maxLength} characters`);
  return name;
}

/** `Sport` for `Sport/Yoga`, null for a tag without a category. */
export function tagCategory(name: string): string | null {
  const slash = name.indexOf('/');
  return slash < 0 ? null : name.slice(0, slash);
}

const key = (name: string) => name.toLowerCase();

async function allTags(db: Queryable): Promise<Tag[]> {
  return db.selectFrom('tags').select(['id', 'name']).orderBy('name').execute();
}

export async function findTag(db: Queryable, name: string): Promise<Tag | undefined> {
  const wanted = key(normalizeTag(name));
  return (await allTags(db)).find((t) => key(t.name) === wanted);
}

/** The tag with this name (case-insensitive), or a 65 naming the closest tags. */
export async function requireTag(db: Queryable, name: string): Promise<Tag> {
  const tag = await findTag(db, name);
  if (tag) return tag;
  throw notFoundError(`no tag "${normalizeTag(name)}"`, await closestTagsHint(db, name));
}

async function closestTagsHint(db: Queryable, name: string): Promise<string> {
  const close = rankByCloseness(name, (await allTags(db)).map((t) => t.name), 3);
  return close.length > 0 ? `did you mean ${close.map((n) => `"${n}"`).join(' or ')}?` : 'see `memberctl tags list`';
}

/**
 * The tags a filter names: the tag itself, or every tag of the category when the text is a category
 * (`Sport` matches `Sport/Yoga` and `Sport/Running`, and a plain `Sport` tag if there is one). 65 when nothing matches.
 */
export async function tagsMatching(db: Queryable, text: string): Promise<Tag[]> {
  const wanted = key(normalizeTag(text));
  const tags = await allTags(db);
  const matches = tags.filter((t) => key(t.name) === wanted || (!wanted.includes('/') && key(tagCategory(t.name) ?? '') === wanted));
  if (matches.length > 0) return matches;
  throw notFoundError(`no tag or tag category "${normalizeTag(text)}"`, await closestTagsHint(db, text));
}

/**
 * A new tag's name with its category spelt as the existing tags spell it: `SPORT/Running` next to `Sport/Yoga` is
 * `Sport/Running`, so that a category is one category whatever the capitals it was typed with.
 */
export function withKnownCategory(name: string, existing: Iterable<string>): string {
  const category = tagCategory(name);
  if (category === null) return name;
  for (const other of existing) {
    const known = tagCategory(other);
    if (known !== null && key(known) === key(category)) return `${known}${name.slice(category.length)}`;
  }
  return name;
}

/** The tags with these names, creating the missing ones (existing spelling wins over the typed one). */
export async function ensureTags(db: Queryable, names: readonly string[]): Promise<Tag[]> {
  const tags = await allTags(db);
  const byKey = new Map(tags.map((t) => [key(t.name), t]));
  const result: Tag[] = [];
  for (const raw of names) {
    const name = withKnownCategory(normalizeTag(raw), [...byKey.values()].map((t) => t.name));
    let tag = byKey.get(key(name));
    if (!tag) {
      tag = await db.insertInto('tags').values({ name }).returning(['id', 'name']).executeTakeFirstOrThrow();
      byKey.set(key(name), tag);
    }
    if (!result.some((t) => t.id === tag.id)) result.push(tag);
  }
  return result;
}

/** The tag names of each member, sorted (every member's when `memberIds` is omitted). */
export async function tagsOfMembers(db: Queryable, memberIds?: readonly number[]): Promise<Map<number, string[]>> {
  const query = (ids?: number[]) => {
    let q = db.selectFrom('member_tags').innerJoin('tags', 'tags.id', 'member_tags.tag_id').select(['member_tags.member_id', 'tags.name']);
    if (ids) q = q.where('member_tags.member_id', 'in', ids);
    return q.execute();
  };
  const rows = memberIds === undefined ? await query() : await inChunks(memberIds, query);
  const map = new Map<number, string[]>();
  for (const row of rows) {
    const list = map.get(row.member_id) ?? [];
    list.push(row.name);
    map.set(row.member_id, list);
  }
  for (const list of map.values()) list.sort((a, b) => a.localeCompare(b));
  return map;
}

export interface TagChange {
  added: string[];
  /** tags the member already had (tag) or did not have (untag): nothing to do for them */
  unchanged: string[];
  removed: string[];
}

async function tagIdsOf(db: Queryable, memberId: number): Promise<Set<number>> {
  return new Set((await db.selectFrom('member_tags').select('tag_id').where('member_id', '=', memberId).execute()).map((r) => r.tag_id));
}

/** One audit entry for the tags a member gained (`tag`: they are after the change) or lost (`untag`: before it). */
async function auditTagging(db: Queryable, source: AuditSource, memberId: number, action: 'tag' | 'untag', tags: readonly Tag[]): Promise<void> {
  const names = tags.map((t) => t.name);
  await recordAudits(db, source, [
    {
      action,
      entity: 'member_tags',
      entityId: memberId,
      memberId,
      ...(action === 'tag' ? { after: { tags: names } } : { before: { tags: names } }),
      summary: `${action === 'tag' ? 'tagged' : 'untagged'} ${names.join(', ')}`,
    },
  ]);
}

/** Adds tags to a member (creating new tags); a tag the member already has is left alone. */
export async function tagMember(db: Queryable, memberId: number, names: readonly string[], source: AuditSource): Promise<TagChange> {
  const tags = await ensureTags(db, names);
  const current = await tagIdsOf(db, memberId);
  const added = tags.filter((t) => !current.has(t.id));
  if (added.length > 0) {
    await db
      .insertInto('member_tags')
      .values(added.map((t) => ({ member_id: memberId, tag_id: t.id })))
      .execute();
    await auditTagging(db, source, memberId, 'tag', added);
  }
  return { added: added.map((t) => t.name), unchanged: tags.filter((t) => current.has(t.id)).map((t) => t.name), removed: [] };
}

/** Removes tags from a member; a tag the member does not have (or that does not exist) is reported unchanged. */
export async function untagMember(db: Queryable, memberId: number, names: readonly string[], source: AuditSource): Promise<TagChange> {
  const tags = await allTags(db);
  const current = await tagIdsOf(db, memberId);
  const removed: Tag[] = [];
  const unchanged: string[] = [];
  for (const raw of names) {
    const name = normalizeTag(raw);
    const tag = tags.find((t) => key(t.name) === key(name));
    if (tag && current.has(tag.id)) {
      if (!removed.some((t) => t.id === tag.id)) removed.push(tag);
    } else unchanged.push(tag?.name ?? name);
  }
  if (removed.length > 0) {
    await db
      .deleteFrom('member_tags')
      .where('member_id', '=', memberId)
      .where(
        'tag_id',
        'in',
        removed.map((t) => t.id),
      )
      .execute();
    await auditTagging(db, source, memberId, 'untag', removed);
  }
  return { added: [], unchanged, removed: removed.map((t) => t.name) };
}

export interface TagSummary {
  name: string;
  category: string | null;
  members: number;
}

/** Every tag with its number of members, by category then name; only one category's with `category`. */
export async function listTags(db: Queryable, options: { category?: string } = {}): Promise<TagSummary[]> {
  const rows = await db
    .selectFrom('tags')
    .leftJoin('member_tags', 'member_tags.tag_id', 'tags.id')
    .select((eb) => ['tags.name', eb.fn.count<number>('member_tags.member_id').as('members')])
    .groupBy(['tags.id', 'tags.name'])
    .execute();
  let tags = rows.map((r) => ({ name: r.name, category: tagCategory(r.name), members: Number(r.members) }));
  if (options.category !== undefined) {
    const wanted = key(normalizeTag(options.category));
    tags = tags.filter((t) => t.category !== null && key(t.category) === wanted);
    if (tags.length === 0) {
      const categories = [...new Set(rows.map((r) => tagCategory(r.name)).filter((c): c is string => c !== null))];
      const close = rankByCloseness(options.category, categories, 3);
      throw notFoundError(`no tag category "${options.category.trim()}"`, close.length > 0 ? `did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : 'see `memberctl tags list`');
    }
  }
  return tags.sort((a, b) => (a.category ?? '').localeCompare(b.category ?? '') || a.name.localeCompare(b.name));
}

export interface RenameResult {
  renamed: Array<{ from: string; to: string }>;
  /** tags folded into a tag that already had the new name */
  merged: Array<{ from: string; to: string }>;
  members: number;
}

/**
 * Renames a tag everywhere. When another tag already has the new name, the two become one: its members
 * get the existing tag. A case-only change (`yoga` -> `Yoga`) just respells it.
 */
export async function renameTag(db: Queryable, from: string, to: string, source: AuditSource): Promise<RenameResult> {
  return renameTags(db, await tagRenames(db, from, to, false), source);
}

/** Renames a category: `Sport/Yoga` and `Sport/Running` become `Fitness/Yoga` and `Fitness/Running`. */
export async function renameCategory(db: Queryable, from: string, to: string, source: AuditSource): Promise<RenameResult> {
  return renameTags(db, await tagRenames(db, from, to, true), source);
}

/** The tags `tags rename FROM TO [--category]` renames, each with its new name; an unknown tag or category is a 65. */
async function tagRenames(db: Queryable, from: string, to: string, category: boolean): Promise<Array<{ tag: Tag; to: string }>> {
  if (!category) return [{ tag: await requireTag(db, from), to: normalizeTag(to) }];
  const oldCategory = normalizeTag(from);
  const newCategory = normalizeTag(to);
  if (oldCategory.includes('/') || newCategory.includes('/')) throw usageError('a category has no slash: write `tags rename Sport Fitness --category`');
  const tags = (await allTags(db)).filter((t) => key(tagCategory(t.name) ?? '') === key(oldCategory));
  if (tags.length === 0) {
    const listed = await listTags(db).catch(() => []);
    const categories = [...new Set(listed.map((t) => t.category).filter((c): c is string => c !== null))];
    const close = rankByCloseness(oldCategory, categories, 3);
    throw notFoundError(`no tag category "${oldCategory}"`, close.length > 0 ? `did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : 'see `memberctl tags list`');
  }
  return tags.map((tag) => ({ tag, to: `${newCategory}${tag.name.slice(tag.name.indexOf('/'))}` }));
}

/** The tags a rename would merge into another existing tag (which cannot be undone), without writing. */
export async function tagsRenamedOntoExisting(db: Queryable, from: string, to: string, category: boolean): Promise<Array<{ from: string; to: string; members: number }>> {
  const existing = await allTags(db);
  const merges: Array<{ from: string; to: string; members: number }> = [];
  for (const rename of await tagRenames(db, from, to, category)) {
    const target = existing.find((t) => t.id !== rename.tag.id && key(t.name) === key(rename.to));
    if (!target) continue;
    const members = await db.selectFrom('member_tags').select((eb) => eb.fn.countAll<number>().as('n')).where('tag_id', '=', rename.tag.id).executeTakeFirstOrThrow();
    merges.push({ from: rename.tag.name, to: target.name, members: Number(members.n) });
  }
  return merges;
}

async function renameTags(db: Queryable, renames: Array<{ tag: Tag; to: string }>, source: AuditSource): Promise<RenameResult> {
  const result: RenameResult = { renamed: [], merged: [], members: 0 };
  const audits: AuditChange[] = [];
  for (const { tag, to } of renames) {
    if (tag.name === to) continue;
    const members = (await db.selectFrom('member_tags').select('member_id').where('tag_id', '=', tag.id).execute()).map((r) => r.member_id);
    const target = (await allTags(db)).find((t) => t.id !== tag.id && key(t.name) === key(to));
    if (target) {
      const already = new Set(
        (await db.selectFrom('member_tags').select('member_id').where('tag_id', '=', target.id).execute()).map((r) => r.member_id),
      );
      const moving = members.filter((m) => !already.has(m));
      for (let i = 0; i < moving.length; i += 500) {
        await db
          .insertInto('member_tags')
          .values(moving.slice(i, i + 500).map((m) => ({ member_id: m, tag_id: target.id })))
          .execute();
      }
      await db.deleteFrom('member_tags').where('tag_id', '=', tag.id).execute();
      await db.deleteFrom('tags').where('id', '=', tag.id).execute();
      result.merged.push({ from: tag.name, to: target.name });
      audits.push({ action: 'merge', entity: 'tags', entityId: tag.id, before: tag, after: target, summary: `tag ${tag.name} merged into ${target.name}` });
      for (const m of members) {
        audits.push({ action: 'retag', entity: 'member_tags', entityId: m, memberId: m, before: { tags: [tag.name] }, after: { tags: [target.name] }, summary: `tag ${tag.name} renamed to ${target.name}` });
      }
    } else {
      await db.updateTable('tags').set({ name: to }).where('id', '=', tag.id).execute();
      result.renamed.push({ from: tag.name, to });
      audits.push({ action: 'update', entity: 'tags', entityId: tag.id, before: tag, after: { id: tag.id, name: to }, summary: `tag ${tag.name} renamed to ${to}` });
      for (const m of members) {
        audits.push({ action: 'retag', entity: 'member_tags', entityId: m, memberId: m, before: { tags: [tag.name] }, after: { tags: [to] }, summary: `tag ${tag.name} renamed to ${to}` });
      }
    }
    result.members += members.length;
  }
  await recordAudits(db, source, audits);
  return result;
}

import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { addCompany, companySummary, editCompany, listCompanies, setParent } from '../../src/core/people/companies.js';
import { convertContact, upsertContact } from '../../src/core/people/contacts.js';
import { loadMemberState } from '../../src/core/status/member-status.js';
import { memberHistory } from '../../src/core/people/history.js';
import { addMember, listMembers } from '../../src/core/people/members.js';
import { resolveMember } from '../../src/core/people/refs.js';
import { listTags, normalizeTag, renameCategory, renameTag, tagMember, untagMember } from '../../src/core/people/tags.js';
import { UserError } from '../../src/errors.js';
import { dialects, freshDb } from '../helpers/db.js';
import { rejection } from '../helpers/errors.js';
import { seedMembership, seedPlan, source } from './people-fixtures.js';

const exitCodeOf = async (promise: Promise<unknown>) => (await rejection(promise)).exitCode;

describe('tag names', () => {
  it.each([
    [' Sport / Yoga ', 'Sport/Yoga'],
    ['VIP', 'VIP'],
    ['Sport/Hatha   yoga', 'Sport/Hatha yoga'],
  ])('writes %j as %j', (typed, expected) => {
    expect(normalizeTag(typed)).toBe(expected);
  });

  it.each(['', 'Sport/', '/Yoga', 'a,b', 'a;b'])('refuses %j', (typed) => {
    expect(() => normalizeTag(typed)).toThrow(UserError);
  });
});

describe.each(dialects)('companies, tags and contacts on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it('keeps company names exact and unique, shows parents and children, refuses cycles', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    await addCompany(k, { name: 'Acme Group' }, source);
    await addCompany(k, { name: 'Acme Lyon', parent: 'Acme Group' }, source);
    await addCompany(k, { name: 'Acme Lyon Sud' }, source);
    await setParent(k, 'Acme Lyon Sud', 'Acme Lyon', source);
    expect(await exitCodeOf(addCompany(k, { name: ' Acme Group ' }, source))).toBe(65);
    const variant = await addCompany(k, { name: 'ACME group' }, source);
    expect(variant.variants).toEqual(['Acme Group']);

    const group = await companySummary(k, 'Acme Group');
    expect(group.children.map((c) => c.name)).toEqual(['Acme Lyon']);
    const lyon = await companySummary(k, 'Acme Lyon');
    expect(lyon.parent?.name).toBe('Acme Group');
    expect(lyon.children.map((c) => c.name)).toEqual(['Acme Lyon Sud']);

    expect(await exitCodeOf(setParent(k, 'Acme Group', 'Acme Lyon Sud', source))).toBe(65);
    expect(await exitCodeOf(setParent(k, 'Acme Group', 'Acme Group', source))).toBe(65);
    expect(await exitCodeOf(setParent(k, 'Acme Grop', 'Acme Lyon', source))).toBe(65);
    expect((await companySummary(k, 'Acme Group')).parent).toBeNull();

    await addMember(k, { name: 'Jane', company: 'Acme Lyon' }, source);
    const renamed = await editCompany(k, 'Acme Lyon', { name: 'Acme Lyon Centre', billingEmail: 'ap@acme.example', parent: '' }, source);
    expect(renamed.company).toMatchObject({ name: 'Acme Lyon Centre', billing_email: 'ap@acme.example', parent_id: null });
    const listed = await listCompanies(k);
    expect(listed.find((s) => s.company.name === 'Acme Lyon Centre')?.members).toBe(1);
    expect((await listMembers(k, '2026-01-01', { company: 'Acme Lyon Centre' })).map((v) => v.member.name)).toEqual(['Jane']);
  });

  it('tags by category, reuses a tag whatever its case, renames tags and categories everywhere', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const jane = (await addMember(k, { name: 'Jane', tags: ['Sport/Yoga'] }, source)).member;
    const tom = (await addMember(k, { name: 'Tom' }, source)).member;
    // a new tag of a known category takes the category's spelling
    const added = await tagMember(k, tom.id, ['sport/yoga', 'SPORT/Running', 'VIP'], source);
    expect(added.added).toEqual(['Sport/Yoga', 'Sport/Running', 'VIP']);
    expect(await exitCodeOf(tagMember(k, tom.id, ['Sport/Yoga/Hatha'], source))).toBe(64);
    expect((await tagMember(k, tom.id, ['VIP'], source)).unchanged).toEqual(['VIP']);

    expect(await listTags(k)).toEqual([
      { name: 'VIP', category: null, members: 1 },
      { name: 'Sport/Running', category: 'Sport', members: 1 },
      { name: 'Sport/Yoga', category: 'Sport', members: 2 },
    ]);
    expect((await listTags(k, { category: 'sport' })).map((t) => t.name)).toEqual(['Sport/Running', 'Sport/Yoga']);

    await renameTag(k, 'Sport/Running', 'Sport/Yoga', source);
    expect((await listTags(k, { category: 'Sport' })).map((t) => [t.name, t.members])).toEqual([['Sport/Yoga', 2]]);
    const result = await renameCategory(k, 'Sport', 'Fitness', source);
    expect(result.renamed).toEqual([{ from: 'Sport/Yoga', to: 'Fitness/Yoga' }]);
    expect((await listMembers(k, '2026-01-01', { tags: ['Fitness'] })).map((v) => v.member.name)).toEqual(['Jane', 'Tom']);
    expect(await exitCodeOf(renameTag(k, 'Nope', 'X', source))).toBe(65);

    const removed = await untagMember(k, jane.id, ['fitness/yoga', 'VIP'], source);
    expect(removed).toEqual({ added: [], removed: ['Fitness/Yoga'], unchanged: ['VIP'] });
    const history = await memberHistory(k, jane.id);
    expect(history.map((h) => h.action)).toEqual(['insert', 'tag', 'retag', 'untag']);
    expect(history[2]!.changes).toEqual([{ field: 'tags', before: ['Sport/Yoga'], after: ['Fitness/Yoga'], label: 'Tags', beforeText: 'Sport/Yoga', afterText: 'Fitness/Yoga' }]);
  });

  it('adds a contact once per e-mail (any case) and updates it on the next add', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const first = await upsertContact(k, { name: 'Paul Martin', email: 'paul@example.org' }, source);
    expect(first.result).toBe('created');
    const again = await upsertContact(k, { name: 'Paul Martin', email: 'PAUL@Example.org', phone: '+33 6' }, source);
    expect(again.result).toBe('updated');
    expect(again.member.id).toBe(first.member.id);
    expect(again.member.phone).toBe('+33 6');
    const same = await upsertContact(k, { name: 'Paul Martin', email: 'paul@example.org' }, source);
    expect(same.result).toBe('unchanged');
    const count = await k.selectFrom('members').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);

    const noEmail = await upsertContact(k, { name: 'Lea' }, source);
    const twin = await upsertContact(k, { name: 'Lea' }, source);
    expect(twin.result).toBe('created');
    expect(twin.sameName.map((m) => m.id)).toEqual([noEmail.member.id]);

    const plan = await seedPlan(k);
    await seedMembership(k, first.member.id, plan);
    expect((await upsertContact(k, { name: 'Paul Martin', email: 'paul@example.org', address: 'Lyon' }, source)).hasMemberships).toBe(true);
  });

  it('converts a contact with a first membership: upcoming before the start, a member from it; only once', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    await seedPlan(k, 'Hot Desk');
    const paul = (await upsertContact(k, { name: 'Paul', email: 'paul@example.org' }, source)).member;
    expect((await loadMemberState(k, paul.id, '2026-02-10')).status).toBe('contact');
    const membership = await convertContact(k, await resolveMember(k, 'PAUL@example.org'), { plan: 'Hot Desk', startDate: '2026-03-01' }, source);
    expect(membership).toMatchObject({ member_id: paul.id, start_date: '2026-03-01', source: 'convert' });
    expect((await loadMemberState(k, paul.id, '2026-02-10')).status).toBe('upcoming');
    expect((await loadMemberState(k, paul.id, '2026-03-01')).status).toBe('member');
    expect((await listMembers(k, '2026-02-10', { contactsOnly: true })).map((v) => v.member.id)).toEqual([]);
    expect(await exitCodeOf(convertContact(k, paul, { plan: 'Hot Desk', startDate: '2026-03-01' }, source))).toBe(65);
    const lea = (await upsertContact(k, { name: 'Lea' }, source)).member;
    expect(await exitCodeOf(convertContact(k, lea, { plan: 'Hot desk', startDate: '2026-03-01' }, source))).toBe(65);
    const history = await k.selectFrom('audit_log').select(['entity', 'member_id']).where('entity', '=', 'memberships').execute();
    expect(history).toEqual([{ entity: 'memberships', member_id: paul.id }]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { addMember, addNote, editMember, listMembers, memberJson, memberView } from '../../src/core/people/members.js';
import { loadMemberState, loadMemberStates } from '../../src/core/status/member-status.js';
import { resolveMember } from '../../src/core/people/refs.js';
import { dialects, freshDb } from '../helpers/db.js';
import { rejection } from '../helpers/errors.js';
import { seedInvoice, seedMembership, seedPlan, source } from './people-fixtures.js';

describe.each(dialects)('people on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it('resolves a ref by id, case-insensitive e-mail or exact name; ambiguous is 64, unknown 65 with the closest', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const jane = (await addMember(k, { name: 'Jane Doe', email: 'Jane.Doe@Example.org' }, source)).member;
    const other = (await addMember(k, { name: 'Jane Doe', email: 'other@example.org' }, source)).member;
    const tom = (await addMember(k, { name: 'Tom Martin' }, source)).member;

    expect((await resolveMember(k, String(tom.id))).id).toBe(tom.id);
    expect((await resolveMember(k, `#${tom.id}`)).id).toBe(tom.id);
    expect((await resolveMember(k, ' JANE.DOE@example.ORG ')).id).toBe(jane.id);
    expect((await resolveMember(k, 'Tom Martin')).id).toBe(tom.id);

    const ambiguous = await rejection(resolveMember(k, 'Jane Doe'));
    expect(ambiguous.exitCode).toBe(64);
    expect(ambiguous.message).toContain(`#${jane.id}`);
    expect(ambiguous.message).toContain(`#${other.id}`);

    const unknown = await rejection(resolveMember(k, 'Tom Matrin'));
    expect(unknown.exitCode).toBe(65);
    expect(unknown.hint).toContain(`#${tom.id} Tom Martin`);
    expect((await rejection(resolveMember(k, 'tom martin'))).exitCode).toBe(65);
  });

  it('a ref that matches nobody suggests whom it may mean, by name or e-mail without case, accents or punctuation, and never picks', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const benoit = (await addMember(k, { name: 'Benoît Durand', email: 'benoit@example.fr' }, source)).member;
    const paul = (await addMember(k, { name: 'Paul Durand' }, source)).member;
    const anne = (await addMember(k, { name: "Anne-Marie O'Neil", email: 'am@example.fr' }, source)).member;
    for (let i = 0; i < 6; i += 1) await addMember(k, { name: `Zoé Lefort ${i}` }, source);

    const hint = async (ref: string) => {
      const error = await rejection(resolveMember(k, ref));
      expect(error.exitCode, ref).toBe(65);
      return error.hint ?? '';
    };
    expect(await hint('Benoit')).toBe(`closest: #${benoit.id} Benoît Durand <benoit@example.fr>`);
    expect(await hint('durand')).toBe(`closest: #${benoit.id} Benoît Durand <benoit@example.fr>, #${paul.id} Paul Durand`);
    expect(await hint('anne marie oneil')).toBe(`closest: #${anne.id} Anne-Marie O'Neil <am@example.fr>`);
    expect(await hint('BENOIT@example')).toContain(`#${benoit.id} Benoît Durand`);
    // more than five: the first five and the search that lists them all
    const many = await hint('zoe lefort');
    expect(many.match(/#\d+ Zoé Lefort/g)).toHaveLength(5);
    expect(many).toContain('(more: `memberctl members list --search "zoe lefort"`)');
    expect(await hint('qqqq')).toBe('see `memberctl members list --search TEXT`');
  });

  it('keeps e-mails unique case-insensitively and names the member who has it', async () => {
    db = await freshDb(dialect);
    const jane = (await addMember(db.kysely, { name: 'Jane', email: 'jane@example.org' }, source)).member;
    const duplicate = await rejection(addMember(db.kysely, { name: 'Other', email: 'JANE@EXAMPLE.ORG' }, source));
    expect(duplicate.exitCode).toBe(65);
    expect(duplicate.message).toContain(`#${jane.id} Jane`);
    const tom = (await addMember(db.kysely, { name: 'Tom' }, source)).member;
    expect((await rejection(editMember(db.kysely, tom, { email: 'Jane@example.org' }, source))).exitCode).toBe(65);
    expect((await rejection(addMember(db.kysely, { name: 'X', email: 'not-an-email' }, source))).exitCode).toBe(64);
    // changing the case of one's own e-mail is not a conflict
    const edited = await editMember(db.kysely, jane, { email: 'Jane@Example.org' }, source);
    expect(edited.member.email).toBe('Jane@Example.org');
  });

  it('sets and removes custom fields and records the values before each change', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const jane = (await addMember(k, { name: 'Jane', fields: { 'T-shirt': 'M', Locker: '12' } }, source)).member;
    await editMember(k, jane, { fields: { 'T-shirt': 'L', Locker: null, Diet: 'vegan' } }, source);
    const view = await memberView(k, jane, '2026-01-01');
    expect(view.fields).toEqual({ Diet: 'vegan', 'T-shirt': 'L' });
    const audit = await k.selectFrom('audit_log').selectAll().where('entity', '=', 'member_fields').orderBy('id').execute();
    expect(JSON.parse(audit.at(-1)!.before!)).toEqual({ 'T-shirt': 'M', Locker: '12', Diet: null });
    expect(JSON.parse(audit.at(-1)!.after!)).toEqual({ 'T-shirt': 'L', Locker: null, Diet: 'vegan' });
  });

  it('refuses a payer who is the member or who would close a cycle, and allows a chain', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const a = (await addMember(k, { name: 'A' }, source)).member;
    const b = (await addMember(k, { name: 'B', paidBy: 'A' }, source)).member;
    const c = (await addMember(k, { name: 'C', paidBy: 'B' }, source)).member;
    expect(b.paid_by_id).toBe(a.id);
    expect(c.paid_by_id).toBe(b.id);
    expect((await rejection(editMember(k, a, { paidBy: 'A' }, source))).exitCode).toBe(65);
    const cycle = await rejection(editMember(k, a, { paidBy: 'C' }, source));
    expect(cycle.exitCode).toBe(65);
    expect(cycle.message).toMatch(/cycle/);
    const unchanged = await k.selectFrom('members').select('paid_by_id').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(unchanged.paid_by_id).toBeNull();
    const cleared = await editMember(k, c, { paidBy: '' }, source);
    expect(cleared.member.paid_by_id).toBeNull();
  });

  it('creates a company once and refuses a name that differs from an existing one only by formatting', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const first = await addMember(k, { name: 'A', company: 'Acme SA' }, source);
    expect(first.createdCompanies).toEqual(['Acme SA']);
    const second = await addMember(k, { name: 'B', company: 'Acme SA' }, source);
    expect(second.createdCompanies).toEqual([]);
    expect(second.member.company_id).toBe(first.member.company_id);
    const variant = await rejection(addMember(k, { name: 'C', company: 'ACME S.A.' }, source));
    expect(variant.exitCode).toBe(65);
    expect(variant.message).toContain('"Acme SA"');
  });

  it('lists with filters: status, plan, company, tag category, accent-insensitive search, limit', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const hotDesk = await seedPlan(k, 'Hot Desk');
    const office = await seedPlan(k, 'Office');
    const muller = (await addMember(k, { name: 'Jürgen Müller', email: 'jm@example.org', company: 'Société Générale', tags: ['Sport/Yoga'] }, source)).member;
    const ana = (await addMember(k, { name: 'Ana Lopez', tags: ['Sport/Running', 'VIP'] }, source)).member;
    const former = (await addMember(k, { name: 'Bob Former', tags: ['VIP'] }, source)).member;
    await addMember(k, { name: 'Carla Contact', company: 'Société Générale' }, source);
    await seedMembership(k, muller.id, hotDesk);
    await seedMembership(k, ana.id, office, { start_date: '2026-03-01', next_invoice_date: '2026-03-01' });
    await seedMembership(k, former.id, hotDesk, { end_date: '2026-01-31' });
    const today = '2026-02-10';
    const names = async (filters: Parameters<typeof listMembers>[2]) => (await listMembers(k, today, filters)).map((v) => v.member.name);

    expect(await names({})).toEqual(['Ana Lopez', 'Bob Former', 'Carla Contact', 'Jürgen Müller']);
    expect(await names({ status: 'member' })).toEqual(['Jürgen Müller']);
    expect(await names({ status: 'upcoming' })).toEqual(['Ana Lopez']);
    expect(await names({ status: 'former' })).toEqual(['Bob Former']);
    expect(await names({ status: 'contact' })).toEqual(['Carla Contact']);
    expect(await names({ plan: 'Hot Desk' })).toEqual(['Jürgen Müller']);
    expect(await names({ plan: 'Hot Desk', status: 'former' })).toEqual(['Bob Former']);
    expect(await names({ company: 'Société Générale' })).toEqual(['Carla Contact', 'Jürgen Müller']);
    expect(await names({ tags: ['sport'] })).toEqual(['Ana Lopez', 'Jürgen Müller']);
    expect(await names({ tags: ['Sport/Yoga'] })).toEqual(['Jürgen Müller']);
    expect(await names({ tags: ['Sport', 'VIP'] })).toEqual(['Ana Lopez']);
    expect(await names({ search: 'MULLER' })).toEqual(['Jürgen Müller']);
    expect(await names({ search: 'societe gen' })).toEqual(['Carla Contact', 'Jürgen Müller']);
    expect(await names({ search: 'jm@example' })).toEqual(['Jürgen Müller']);
    expect(await names({ limit: 2 })).toEqual(['Ana Lopez', 'Bob Former']);
    expect(await names({ contactsOnly: true })).toEqual(['Carla Contact']);

    expect((await rejection(listMembers(k, today, { company: 'Societe Generale' }))).hint).toContain('Société Générale');
    expect((await rejection(listMembers(k, today, { tags: ['Sprot'] }))).exitCode).toBe(65);
    expect((await rejection(listMembers(k, today, { plan: 'Hot desk' }))).exitCode).toBe(65);
  });

  it('a limit with a status or plan filter gives the first matches in name order, however far down the list they are', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const plan = await seedPlan(k, 'Hot Desk');
    // 700 contacts first in name order, then members on the plan: the matches lie beyond the first chunks looked at
    await k
      .insertInto('members')
      .values(Array.from({ length: 700 }, (_, i) => ({ name: `Aaron ${String(i).padStart(4, '0')}`, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' })))
      .execute();
    for (const name of ['Zoé Dernier', 'Yann Avant', 'Xavier Milieu', 'Wanda Premier']) {
      const member = (await addMember(k, { name }, source)).member;
      await seedMembership(k, member.id, plan);
    }
    const today = '2026-02-10';
    const names = async (filters: Parameters<typeof listMembers>[2]) => (await listMembers(k, today, filters)).map((v) => v.member.name);
    expect(await names({ status: 'member', limit: 3 })).toEqual(['Wanda Premier', 'Xavier Milieu', 'Yann Avant']);
    expect(await names({ plan: 'Hot Desk', limit: 2 })).toEqual(['Wanda Premier', 'Xavier Milieu']);
    expect(await names({ status: 'member', limit: 10 })).toEqual(['Wanda Premier', 'Xavier Milieu', 'Yann Avant', 'Zoé Dernier']);
    expect(await names({ status: 'contact', limit: 2 })).toEqual(['Aaron 0000', 'Aaron 0001']);
    const limited = await listMembers(k, today, { limit: 1 });
    expect(limited.map((v) => [v.member.name, v.state.status])).toEqual([['Aaron 0000', 'contact']]);
    expect((await listMembers(k, today, { status: 'grace', limit: 5 })).length).toBe(0);
  });

  it('shows the documented member and membership JSON shape', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const plan = await seedPlan(k);
    const payer = (await addMember(k, { name: 'Payer' }, source)).member;
    const jane = (await addMember(k, { name: 'Jane', email: 'jane@example.org', phone: '+33 1', company: 'Acme', paidBy: 'Payer', externalId: 'cus_1', fields: { Size: 'M' }, tags: ['VIP'] }, source)).member;
    await seedMembership(k, jane.id, plan, { auto_renew_until: '2026-12-31' });
    const view = await memberView(k, jane, '2026-01-15');
    expect(memberJson(view)).toEqual({
      id: jane.id,
      memberNumber: null,
      name: 'Jane',
      email: 'jane@example.org',
      phone: '+33 1',
      company: 'Acme',
      paidBy: { id: payer.id, name: 'Payer' },
      status: 'member',
      tags: ['VIP'],
      customFields: { Size: 'M' },
      externalId: 'cus_1',
    });
    await addNote(k, jane, 'Wants a locker', source);
    const notes = await k.selectFrom('notes').selectAll().where('member_id', '=', jane.id).execute();
    expect(notes.map((n) => n.body)).toEqual(['Wants a locker']);
  });

  it('derives statuses from memberships and their invoices as of T', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const plan = await seedPlan(k);
    const person = async (name: string) => (await addMember(k, { name }, source)).member.id;
    const paid = await person('Paid');
    const unpaid = await person('Unpaid');
    const longUnpaid = await person('Long unpaid');
    const voided = await person('Voided');
    const term = await person('Term');
    const imported = await person('Imported');
    const contact = await person('Contact');

    const m1 = await seedMembership(k, paid, plan, { next_invoice_date: '2026-03-01' });
    await seedInvoice(k, m1, [['2026-02-01', '2026-02-28']], { status: 'paid', dueDate: '2026-02-15' });
    const m2 = await seedMembership(k, unpaid, plan, { next_invoice_date: '2026-03-01' });
    await seedInvoice(k, m2, [['2026-02-01', '2026-02-28']], { status: 'open', dueDate: '2026-02-15' });
    const m3 = await seedMembership(k, longUnpaid, plan, { next_invoice_date: '2026-03-01' });
    await seedInvoice(k, m3, [['2026-01-01', '2026-01-31']], { status: 'open', dueDate: '2026-01-15' });
    await seedInvoice(k, m3, [['2026-02-01', '2026-02-28']], { status: 'paid', dueDate: '2026-02-15' });
    // a voided invoice covers nothing, and the job does not bill its period again (the next invoice date is past it)
    const m4 = await seedMembership(k, voided, plan, { next_invoice_date: '2026-03-01' });
    await seedInvoice(k, m4, [['2026-01-01', '2026-01-31']], { status: 'paid' });
    await seedInvoice(k, m4, [['2026-02-01', '2026-02-28']], { status: 'void', dueDate: '2026-02-02' });
    const m5 = await seedMembership(k, term, plan, { auto_renew: 0, next_invoice_date: '2026-02-01' });
    await seedInvoice(k, m5, [['2026-01-01', '2026-01-31']], { status: 'paid' });
    await seedMembership(k, imported, plan, { auto_renew: 0, start_date: '2025-06-01', next_invoice_date: '2026-06-01', covered_until: '2026-06-01' });

    const states = await loadMemberStates(k, '2026-02-20', { rules: { graceDays: 30 } });
    const status = (id: number) => states.get(id)?.status ?? 'contact';
    expect(status(paid)).toBe('member');
    expect(status(unpaid)).toBe('grace');
    // only the period covering the day decides: February is paid, January's debt stays on its invoice
    expect(status(longUnpaid)).toBe('member');
    expect(status(voided)).toBe('grace');
    expect(status(term)).toBe('grace');
    expect(status(imported)).toBe('member');
    expect(status(contact)).toBe('contact');
    // while January covers the day, its unpaid invoice gives grace from its start, then suspension
    expect((await loadMemberStates(k, '2026-01-30', { rules: { graceDays: 30 } })).get(longUnpaid)?.status).toBe('grace');
    expect((await loadMemberStates(k, '2026-01-31', { rules: { graceDays: 30 } })).get(longUnpaid)?.status).toBe('suspended');

    // the loader gives the same answer for a chosen few as for everyone, and reads grace-days from the settings
    const few = await loadMemberStates(k, '2026-02-20', { memberIds: [unpaid, term, contact] });
    expect([...few.entries()].map(([id, s]) => [id, s.status])).toEqual([
      [unpaid, 'grace'],
      [term, 'grace'],
      [contact, 'contact'],
    ]);
    await k.insertInto('settings').values({ key: 'grace-days', value: '3', updated_at: '2026-01-01' }).execute();
    expect((await loadMemberState(k, unpaid, '2026-02-20')).status).toBe('suspended');
  });
});

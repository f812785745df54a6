import { afterEach, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../../src/db/connect.js';
import type { MailKind } from '../../src/db/types.js';
import { addMember, editMember, type MemberInput } from '../../src/core/people/members.js';
import { editCompany } from '../../src/core/people/companies.js';
import { applyMerge, planMerge } from '../../src/core/people/merge.js';
import { listMessages, messageJson, queueMessages, retryMessages, unqueuedMessage } from '../../src/core/mail/outbox.js';
import { setSetting } from '../../src/core/kernel/settings.js';
import { dialects, freshDb } from '../helpers/db.js';
import { rejection } from '../helpers/errors.js';
import { at, seedInvoice, seedMembership, seedPlan, source } from './people-fixtures.js';

async function person(db: Queryable, input: MemberInput & { name: string }): Promise<number> {
  return (await addMember(db, input, source)).member.id;
}

/** A membership of `memberId`, one invoice paid by `payerId` (the member unless told), its credit note, and a renewal. */
async function subjects(db: Queryable, memberId: number, payerId = memberId) {
  const plan = (await db.selectFrom('plans').select('id').executeTakeFirst())?.id ?? (await seedPlan(db));
  const membership = await seedMembership(db, memberId, plan);
  const invoice = await seedInvoice(db, membership, [['2026-01-01', '2026-01-31']], { payerId });
  const note = await db
    .insertInto('credit_notes')
    .values({ number: `AV-${invoice}`, invoice_id: invoice, date: '2026-01-05', currency: 'EUR', net: -100, tax: 0, total: -100, reason: 'test', created_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  const renewal = await db
    .insertInto('renewals')
    .values({ membership_id: membership, term_start: '2027-01-01', term_end: '2027-12-31', status: 'open', created_on: '2026-12-01', created_at: at, updated_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { membership, invoice, note: note.id, renewal: renewal.id, person: memberId };
}

type Subjects = Awaited<ReturnType<typeof subjects>>;

/** Every kind about these subjects, queued at once. */
const everyKind = (s: Subjects): Array<{ kind: MailKind; subjectId: number; stage: string }> => [
  { kind: 'invoice', subjectId: s.invoice, stage: 'issued' },
  { kind: 'reminder', subjectId: s.invoice, stage: 'day-7' },
  { kind: 'receipt', subjectId: s.invoice, stage: 'paid' },
  { kind: 'credit_note', subjectId: s.note, stage: 'issued' },
  { kind: 'renewal_notice', subjectId: s.renewal, stage: 'opened' },
  { kind: 'renewal_reminder', subjectId: s.membership, stage: '2027-01-01' },
  { kind: 'suspension_notice', subjectId: s.person, stage: '2026-02-01' },
];

/** kind -> what the queued message holds */
async function queued(db: Queryable, memberId: number) {
  const rows = await listMessages(db, { memberId });
  return Object.fromEntries(
    rows.map((m) => {
      const json = messageJson(m);
      return [m.kind, { to: json.to, cc: json.cc, status: json.status, skipReason: json.skipReason }];
    }),
  );
}

describe.each(dialects)('mail recipients on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it("invoice kinds go to the payer's company billing e-mail, else the payer's billing e-mail, else their e-mail; renewals to the renewal e-mail", async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    await setSetting(k, 'mail-receipts', 'on', at);
    // the company's billing e-mail wins over the person's own
    const chloe = await person(k, { name: 'Chloé', email: 'chloe@example.org', billingEmail: 'chloe-factures@example.org', company: 'Atelier Rhône' });
    await editCompany(k, 'Atelier Rhône', { billingEmail: 'compta@atelier.example' }, source);
    // no company billing e-mail: the person's billing e-mail, and their renewal e-mail for renewals
    const dan = await person(k, {
      name: 'Dan',
      email: 'dan@example.org',
      billingEmail: 'dan-billing@example.org',
      renewalEmail: 'dan-renewals@example.org',
      company: 'Sans Facturation',
    });
    // neither: everything to the e-mail
    const eve = await person(k, { name: 'Eve', email: 'eve@example.org' });
    const all = [await subjects(k, chloe), await subjects(k, dan), await subjects(k, eve)];
    expect(await k.transaction().execute((trx) => queueMessages(trx, all.flatMap(everyKind)))).toBe(21);

    const invoiceKinds = ['invoice', 'reminder', 'receipt', 'credit_note'];
    const expected = {
      [chloe]: { invoice: 'compta@atelier.example', renewal: 'chloe@example.org' },
      [dan]: { invoice: 'dan-billing@example.org', renewal: 'dan-renewals@example.org' },
      [eve]: { invoice: 'eve@example.org', renewal: 'eve@example.org' },
    };
    const emails = { [chloe]: 'chloe@example.org', [dan]: 'dan@example.org', [eve]: 'eve@example.org' };
    for (const id of [chloe, dan, eve]) {
      const messages = await queued(k, id);
      expect(Object.keys(messages).sort()).toEqual(['credit_note', 'invoice', 'receipt', 'reminder', 'renewal_notice', 'renewal_reminder', 'suspension_notice']);
      for (const [kind, m] of Object.entries(messages)) {
        const to = invoiceKinds.includes(kind) ? expected[id]!.invoice : kind === 'suspension_notice' ? emails[id] : expected[id]!.renewal;
        expect(m, `${kind} of #${id}`).toEqual({ to: [to], cc: [], status: 'queued', skipReason: null });
      }
    }
  });

  it('copies go to the cc of the person the message is for: the payer for invoices, the member for renewals', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const payer = await person(k, { name: 'Paul', email: 'paul@example.org', cc: 'assistant@example.org; PAUL@example.org, accounts@example.org' });
    const member = await person(k, { name: 'Mia', email: 'mia@example.org', cc: 'parent@example.org', paidBy: 'paul@example.org' });
    const s = await subjects(k, member, payer);
    await k.transaction().execute((trx) => queueMessages(trx, everyKind(s)));
    const messages = await queued(k, member);
    const paid = await queued(k, payer);
    // the payer's own address is not copied to them again
    expect(paid.invoice).toEqual({ to: ['paul@example.org'], cc: ['assistant@example.org', 'accounts@example.org'], status: 'queued', skipReason: null });
    expect(paid.credit_note?.cc).toEqual(['assistant@example.org', 'accounts@example.org']);
    expect(messages.renewal_notice).toEqual({ to: ['mia@example.org'], cc: ['parent@example.org'], status: 'queued', skipReason: null });
    expect(messages.renewal_reminder?.cc).toEqual(['parent@example.org']);
    expect(messages.suspension_notice?.cc).toEqual(['parent@example.org']);
  });

  it('a person who asked not to be written to has their messages queued as skipped, with the reason, and listed as such', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const quiet = await person(k, { name: 'Quiet', email: 'quiet@example.org', company: 'Acme', noMail: true });
    await editCompany(k, 'Acme', { billingEmail: 'billing@acme.example' }, source);
    const s = await subjects(k, quiet);
    await k.transaction().execute((trx) => queueMessages(trx, everyKind(s)));
    const messages = await queued(k, quiet);
    // receipts are off by default: six kinds
    expect(Object.keys(messages)).toHaveLength(6);
    for (const m of Object.values(messages)) expect(m).toMatchObject({ status: 'skipped', skipReason: 'asked not to be written to' });
    // the list says whom it would have gone to
    expect(messages.invoice?.to).toEqual(['billing@acme.example']);
    const skipped = await listMessages(k, { status: 'skipped' });
    expect(skipped.map((m) => m.skip_reason)).toEqual(Array(6).fill('asked not to be written to'));

    // mail preview shows the same
    const preview = await unqueuedMessage(k, { kind: 'invoice', subjectId: s.invoice, stage: 'preview' }, at);
    expect(preview).toMatchObject({ status: 'skipped', skip_reason: 'asked not to be written to', to_addresses: '["billing@acme.example"]' });

    // allowed again: the next messages are queued
    await editMember(k, (await k.selectFrom('members').selectAll().where('id', '=', quiet).executeTakeFirstOrThrow())!, { noMail: false }, source);
    await k.transaction().execute((trx) => queueMessages(trx, [{ kind: 'reminder', subjectId: s.invoice, stage: 'day-21' }]));
    const later = (await listMessages(k, { kind: 'reminder' })).find((m) => m.stage === 'day-21')!;
    expect(later).toMatchObject({ status: 'queued', skip_reason: null });
  });

  it('mail retry addresses a message again: a fixed address or --mail applies, a person still asking not to be written to stays skipped', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const quiet = await person(k, { name: 'Quiet', email: 'quiet@example.org', noMail: true });
    const lost = await person(k, { name: 'Lost' });
    const [a, b] = [await subjects(k, quiet), await subjects(k, lost)];
    await k.transaction().execute((trx) =>
      queueMessages(trx, [
        { kind: 'invoice', subjectId: a.invoice, stage: 'issued' },
        { kind: 'invoice', subjectId: b.invoice, stage: 'issued' },
      ]),
    );
    const [quietMessage, lostMessage] = (await listMessages(k, { kind: 'invoice' })).map((m) => m.id);
    // nothing changed: both stay skipped, each with its reason
    expect(await retryMessages(k, [quietMessage!, lostMessage!], at)).toEqual({
      requeued: [],
      skipped: [
        { id: quietMessage, reason: 'asked not to be written to' },
        { id: lostMessage, reason: 'no e-mail address' },
      ],
    });
    const member = (id: number) => k.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    await editMember(k, await member(quiet), { noMail: false, cc: 'copy@example.org' }, source);
    await editMember(k, await member(lost), { billingEmail: 'found@example.org' }, source);
    expect(await retryMessages(k, [quietMessage!, lostMessage!], at)).toEqual({ requeued: [quietMessage, lostMessage], skipped: [] });
    const messages = (await listMessages(k, { kind: 'invoice' })).map((m) => messageJson(m));
    expect(messages.map((m) => [m.status, m.to, m.cc, m.skipReason])).toEqual([
      ['queued', ['quiet@example.org'], ['copy@example.org'], null],
      ['queued', ['found@example.org'], [], null],
    ]);
    // a failed message goes to the address fixed since; one whose person asked not to be written to since is skipped
    await k.updateTable('mail_messages').set({ status: 'failed', last_error: '550 No such user' }).execute();
    await editMember(k, await member(lost), { billingEmail: 'fixed@example.org' }, source);
    await editMember(k, await member(quiet), { noMail: true }, source);
    expect(await retryMessages(k, 'failed', at)).toEqual({ requeued: [lostMessage], skipped: [{ id: quietMessage, reason: 'asked not to be written to' }] });
    expect((await listMessages(k, { kind: 'invoice' })).map((m) => [m.status, messageJson(m).to])).toEqual([
      ['skipped', ['quiet@example.org']],
      ['queued', ['fixed@example.org']],
    ]);
  });

  it('a message without any address is skipped with the reason, never an error; one whose subject is gone too', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    // a billing e-mail alone does not address renewals
    const nobody = await person(k, { name: 'No Address', billingEmail: 'only-billing@example.org', cc: 'copy@example.org' });
    const s = await subjects(k, nobody);
    const added = await k.transaction().execute((trx) =>
      queueMessages(trx, [...everyKind(s), { kind: 'suspension_notice', subjectId: 999_999, stage: 'gone' }]),
    );
    expect(added).toBe(7);
    const messages = await queued(k, nobody);
    expect(messages.invoice).toEqual({ to: ['only-billing@example.org'], cc: ['copy@example.org'], status: 'queued', skipReason: null });
    for (const kind of ['renewal_notice', 'renewal_reminder', 'suspension_notice']) {
      expect(messages[kind], kind).toMatchObject({ to: [], status: 'skipped', skipReason: 'no e-mail address' });
    }
    const gone = (await listMessages(k, { status: 'skipped' })).find((m) => m.subject_id === 999_999)!;
    expect(gone).toMatchObject({ member_id: null, skip_reason: 'its subject no longer exists' });
    const preview = await unqueuedMessage(k, { kind: 'renewal_notice', subjectId: s.renewal, stage: 'preview' }, at);
    expect(preview).toMatchObject({ status: 'skipped', skip_reason: 'no e-mail address' });
  });

  it('checks each address when it is set, naming the option, and stores the copies as "a; b"', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    for (const [input, option] of [
      [{ billingEmail: 'compta@' }, '--billing-email'],
      [{ renewalEmail: 'not an address' }, '--renewal-email'],
      [{ cc: 'good@example.org; bad@' }, '--cc'],
    ] as const) {
      const error = await rejection(addMember(k, { name: 'X', ...input }, source));
      expect(error.exitCode).toBe(64);
      expect(error.message).toContain(option);
      expect(error.message).toContain(Object.values(input)[0]!.split('; ').at(-1));
    }
    expect(await k.selectFrom('members').select('id').execute()).toEqual([]);
    const written = await addMember(k, { name: 'Y', cc: ' a@example.org ,b@example.org;; A@EXAMPLE.ORG ', billingEmail: ' y@example.org ' }, source);
    expect(written.member).toMatchObject({ cc_emails: 'a@example.org; b@example.org', billing_email: 'y@example.org', renewal_email: null, no_mail: 0 });
    const cleared = await editMember(k, written.member, { cc: '', billingEmail: '', noMail: true }, source);
    expect(cleared.member).toMatchObject({ cc_emails: null, billing_email: null, no_mail: 1 });
    const audit = await k.selectFrom('audit_log').select(['summary', 'before', 'after']).where('action', '=', 'update').where('entity', '=', 'members').execute();
    expect(audit.at(-1)!.summary).toBe('billing_email, cc_emails, no_mail changed');
    expect(JSON.parse(audit.at(-1)!.before!)).toMatchObject({ cc_emails: 'a@example.org; b@example.org', no_mail: 0 });
  });

  it("a merge keeps KEEP's addresses, else REMOVE's, and no-mail when either record asked", async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    await person(k, { name: 'Kim', email: 'kim@example.org', billingEmail: 'kim-billing@example.org' });
    await person(k, { name: 'Kim (old)', email: 'kim.old@example.org', billingEmail: 'old-billing@example.org', renewalEmail: 'old-renewal@example.org', cc: 'old-cc@example.org', noMail: true });
    const plan = await planMerge(k, 'kim@example.org', 'kim.old@example.org');
    const { kept } = await applyMerge(k, plan, source);
    expect(kept).toMatchObject({ billing_email: 'kim-billing@example.org', renewal_email: 'old-renewal@example.org', cc_emails: 'old-cc@example.org', no_mail: 1 });
    expect(plan.conflicts).toContainEqual({ field: 'billing_email', kept: 'kim-billing@example.org', dropped: 'old-billing@example.org' });
    expect(plan.filled).toContainEqual({ field: 'no_mail', value: true });
  });
});

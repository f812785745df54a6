import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { runCli, startCli } from '../helpers/cli.js';
import { dialects, withFreshDb } from '../helpers/db.js';
import { fatalAsserts } from '../helpers/einvoice.js';
import { facturxProblems, readFacturx } from '../helpers/facturx.js';
import { PdfProbe } from '../helpers/poppler.js';
import { countByMessageId, type Received, mailOrgIdentity, sinksClosedAfterEach } from '../helpers/smtp.js';

async function ok(db: string, args: string[]) {
  const result = await runCli(args, { db });
  expect(result.code, `memberctl ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

const sink = sinksClosedAfterEach(afterEach);

/** The outbox as `kind stage -> to`, in the order queued. */
async function outbox(db: Db): Promise<string[]> {
  const rows = await db.kysely.selectFrom('mail_messages').select(['kind', 'subject_type', 'subject_id', 'stage', 'to_addresses', 'status']).orderBy('id').execute();
  return rows.map((m) => `${m.kind} ${m.subject_type}-${m.subject_id} ${m.stage} -> ${(JSON.parse(m.to_addresses) as string[]).join(',')}`);
}

/**
 * Ann (French) on a yearly plan renewing automatically, Bob (English) monthly, Chloé monthly renewing by decision,
 * billed to her company's billing e-mail; receipts on.
 */
async function members(url: string) {
  await ok(url, mailOrgIdentity);
  await ok(url, ['settings', 'set', 'mail-from', 'Coworking Lumière <factures@lumiere.example>']);
  await ok(url, ['settings', 'set', 'mail-receipts', 'on']);
  await ok(url, ['plans', 'add', 'Annuel', '--price', '600', '--interval', 'year', '--tax-rate', '20']);
  await ok(url, ['plans', 'add', 'Mensuel', '--price', '100', '--tax-rate', '20']);
  await ok(url, ['companies', 'add', 'Atelier Rhône', '--billing-email', 'compta@atelier.example']);
  await ok(url, ['members', 'add', '--name', 'Ann Smith', '--email', 'ann@example.org']);
  await ok(url, ['members', 'add', '--name', 'Bob Martin', '--email', 'bob@example.org', '--language', 'en']);
  await ok(url, ['members', 'add', '--name', 'Chloé Durand', '--email', 'chloe@example.org', '--company', 'Atelier Rhône']);
  await ok(url, ['memberships', 'add', 'ann@example.org', '--plan', 'Annuel', '--start', '2026-01-01']);
  await ok(url, ['memberships', 'add', 'bob@example.org', '--plan', 'Mensuel', '--start', '2026-01-01']);
  await ok(url, ['memberships', 'add', 'chloe@example.org', '--plan', 'Mensuel', '--start', '2026-01-01', '--auto-renew', 'no']);
}

const text = (mail: Received) => (mail.parsed.text ?? '').replace(/\u202f|\u00a0/g, ' ');

describe.each(dialects)('e-mails queued by their causes on %s', (dialect) => {
  it('each kind is queued once by the command that causes it, and arrives with its recipients, language and attachment', { timeout: 300_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      await members(url);
      // a dry run queues nothing
      const dry = await runCli(['--today', '2026-01-01', 'jobs', 'run', '--dry-run', '--json'], { db: url });
      expect(dry.json().outbox).toEqual({ reminders: 0, renewalReminders: 0, queued: null });
      expect(await outbox(db)).toEqual([]);

      // the first invoices, each with its e-mail
      const first = (await ok(url, ['--today', '2026-01-01', 'jobs', 'run', '--json'])).json();
      expect(first.outbox).toEqual({ reminders: 0, renewalReminders: 0, queued: { invoice: 3 } });
      expect(await outbox(db)).toEqual([
        'invoice invoice-1 issued -> ann@example.org',
        'invoice invoice-2 issued -> bob@example.org',
        'invoice invoice-3 issued -> compta@atelier.example',
      ]);
      // Ann's next terms at a price of her own: the tacit renewal reminder quotes it
      await ok(url, ['--today', '2026-01-02', 'memberships', 'set', '1', '--price', '500']);
      // Bob pays: his receipt
      await ok(url, ['--today', '2026-01-05', 'payments', 'record', 'INV-2026-00002', '--amount', '120', '--method', 'transfer']);
      // a week past the due date (15 January): reminders of the unpaid; Chloé's renewal opens, with its notice
      const week = await ok(url, ['--today', '2026-01-22', 'jobs', 'run', '--json']);
      expect(week.json().outbox).toEqual({ reminders: 2, renewalReminders: 0, queued: { renewal_notice: 1, reminder: 2 } });
      expect(week.stderr).toContain('2 payment reminders, 3 e-mails queued');
      // sent before Chloé decides: a notice of a renewal decided since is no longer sent
      const smtp = await sink();
      expect((await ok(url, ['mail', 'send', '--smtp', smtp.url, '--json'])).json()).toMatchObject({ sent: 7, failed: 0, skipped: 0 });
      // Chloé accepts (billed at once), then that invoice is voided: its credit note
      await ok(url, ['--today', '2026-01-25', 'renewals', 'accept', '1']);
      await ok(url, ['--today', '2026-01-26', 'invoices', 'void', 'INV-2026-00004', '--reason', 'wrong term']);
      // three weeks past: the second reminders; Ann and Chloé, unpaid past their grace, are suspended
      await ok(url, ['--today', '2026-02-10', 'jobs', 'run']);
      const february = await outbox(db);
      // the same day again, and a day later: nothing new
      await ok(url, ['--today', '2026-02-10', 'jobs', 'run']);
      await ok(url, ['--today', '2026-02-11', 'jobs', 'run']);
      expect(await outbox(db)).toEqual(february);
      // a month before Ann's yearly term renews by itself, she is told
      const december = (await ok(url, ['--today', '2026-12-02', 'jobs', 'run', '--json'])).json();
      expect(december.outbox).toMatchObject({ reminders: 1, renewalReminders: 1 });
      expect(await outbox(db)).toEqual([
        'invoice invoice-1 issued -> ann@example.org',
        'invoice invoice-2 issued -> bob@example.org',
        'invoice invoice-3 issued -> compta@atelier.example',
        'receipt invoice-2 payment-1 -> bob@example.org',
        'renewal_notice renewal-1 notice -> chloe@example.org',
        'reminder invoice-1 day-7 -> ann@example.org',
        'reminder invoice-3 day-7 -> compta@atelier.example',
        'invoice invoice-4 issued -> compta@atelier.example',
        'credit_note credit_note-1 issued -> compta@atelier.example',
        // the term after the one voided opens in its turn
        'renewal_notice renewal-2 notice -> chloe@example.org',
        'invoice invoice-5 issued -> bob@example.org',
        'suspension_notice person-1 suspended-2026-02-10 -> ann@example.org',
        'reminder invoice-1 day-21 -> ann@example.org',
        'reminder invoice-3 day-21 -> compta@atelier.example',
        'invoice invoice-6 issued -> bob@example.org',
        'suspension_notice person-3 suspended-2026-12-02 -> chloe@example.org',
        // Bob's February invoice, caught up with its last reminder only
        'reminder invoice-5 day-21 -> bob@example.org',
        'renewal_reminder membership-1 renews-2027-01-01 -> ann@example.org',
      ]);

      const sent = await runCli(['mail', 'send', '--smtp', smtp.url, '--json'], { db: url });
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.json()).toMatchObject({ sent: 11, failed: 0, skipped: 0 });
      expect(smtp.received).toHaveLength(18);
      const byId = (kind: string, subject: string, stage: string) => {
        const mail = smtp.received.find((r) => r.messageId?.startsWith(`<${kind}.${subject}.${stage}.`));
        expect(mail, `${kind} ${subject} ${stage}`).toBeDefined();
        return mail!;
      };
      const pdfOf = (mail: Received, name: string) => {
        expect(mail.parsed.attachments.map((a) => a.filename)).toEqual([name]);
        return new PdfProbe(mail.parsed.attachments[0]!.content).text();
      };

      const invoice = byId('invoice', 'invoice-3', 'issued');
      expect(invoice.rcpt).toEqual(['compta@atelier.example']);
      expect(invoice.parsed.subject).toBe('Facture INV-2026-00003 - Coworking Lumière');
      expect(pdfOf(invoice, 'INV-2026-00003.pdf')).toContain('Atelier Rhône');
      // a company gets its invoices and credit notes as Factur-X, valid by the EN 16931 rules; a consumer the plain PDF
      const einvoice = (mail: Received) => readFacturx(mail.parsed.attachments[0]!.content);
      for (const mail of [invoice, byId('credit_note', 'credit_note-1', 'issued')]) {
        const reading = einvoice(mail);
        expect(facturxProblems(reading)).toEqual([]);
        expect(fatalAsserts(reading.attachments.get('factur-x.xml')!.toString('utf8'), 'cii')).toEqual([]);
      }
      expect(einvoice(byId('invoice', 'invoice-1', 'issued')).attachments.size).toBe(0);
      // a reminder attaches the plain PDF: the invoice is not booked twice
      expect(einvoice(byId('reminder', 'invoice-3', 'day-7')).attachments.size).toBe(0);

      const receipt = byId('receipt', 'invoice-2', 'payment-1');
      expect(receipt.parsed.subject).toBe('Receipt: invoice INV-2026-00002 paid - Coworking Lumière');
      expect(receipt.parsed.headers.get('content-language')).toBe('en');
      expect(text(receipt)).toContain('payment of €120.00');
      expect(receipt.parsed.attachments).toEqual([]);

      const notice = byId('renewal_notice', 'renewal-1', 'notice');
      expect(notice.parsed.subject).toBe('Renouvellement de votre abonnement Mensuel - Coworking Lumière');
      // the price of the term as its invoice charges it, VAT included
      expect(text(notice)).toContain('du 1er février 2026 au 28 février 2026, coûte 120,00 €');

      const reminder = byId('reminder', 'invoice-1', 'day-21');
      expect(reminder.parsed.subject).toBe('Rappel : facture INV-2026-00001 impayée - Coworking Lumière');
      expect(text(reminder)).toContain('(il y a 26 jours), reste à régler : 720,00 €');
      expect(pdfOf(reminder, 'INV-2026-00001.pdf')).toContain('INV-2026-00001');
      const english = byId('reminder', 'invoice-5', 'day-21');
      expect(english.parsed.subject).toBe('Reminder: invoice INV-2026-00005 unpaid - Coworking Lumière');

      const credit = byId('credit_note', 'credit_note-1', 'issued');
      expect(credit.parsed.subject).toBe('Avoir CN-2026-00001 - Coworking Lumière');
      expect(text(credit)).toContain('qui annule la facture INV-2026-00004');
      expect(pdfOf(credit, 'CN-2026-00001.pdf')).toContain('CN-2026-00001');

      const suspension = byId('suspension_notice', 'person-1', 'suspended-2026-02-10');
      expect(suspension.parsed.subject).toBe('Votre adhésion est suspendue - Coworking Lumière');
      expect(text(suspension)).toContain('suspendue depuis le 10 février 2026');

      const tacit = byId('renewal_reminder', 'membership-1', 'renews-2027-01-01');
      expect(tacit.parsed.subject).toBe('Votre abonnement Annuel sera reconduit le 1er janvier 2027 - Coworking Lumière');
      // her own price of 500.00, VAT included (the plan's 600.00 would be 720,00 €)
      expect(text(tacit)).toContain('reconduit tacitement le 1er janvier 2027, pour 600,00 €');
      expect([...countByMessageId(smtp.received).values()].every((n) => n === 1)).toBe(true);
    });
  });

  it('a kind switched off is not queued, and a paid invoice gets no reminder', { timeout: 180_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      await members(url);
      await ok(url, ['settings', 'set', 'mail-invoices', 'off']);
      await ok(url, ['--today', '2026-01-01', 'jobs', 'run']);
      await ok(url, ['--today', '2026-01-05', 'payments', 'record', 'INV-2026-00001', '--amount', '720', '--method', 'card']);
      await ok(url, ['settings', 'set', 'reminder-days', '3']);
      await ok(url, ['settings', 'set', 'mail-renewal-notices', 'off']);
      await ok(url, ['--today', '2026-01-19', 'jobs', 'run']);
      expect(await outbox(db)).toEqual([
        'receipt invoice-1 payment-1 -> ann@example.org',
        'reminder invoice-2 day-3 -> bob@example.org',
        'reminder invoice-3 day-3 -> compta@atelier.example',
      ]);
    });
  });

  it('a reminder of an invoice paid, or the notice of a renewal decided, after it was queued is skipped with the reason, not sent', { timeout: 180_000 }, async () => {
    await withFreshDb(dialect, async (_db, url) => {
      await members(url);
      await ok(url, ['--today', '2026-01-01', 'jobs', 'run']);
      await ok(url, ['--today', '2026-01-22', 'jobs', 'run']);
      await ok(url, ['--today', '2026-01-23', 'payments', 'record', 'INV-2026-00001', '--amount', '720', '--method', 'transfer']);
      await ok(url, ['--today', '2026-01-23', 'renewals', 'refuse', '1', '--reason', 'moving out']);
      const dry = (await ok(url, ['mail', 'send', '--dry-run', '--json'])).json();
      const reason = (outcome: string) => dry.messages.filter((m: { outcome: string }) => m.outcome === outcome).map((m: { subject: string; reply: string }) => `${m.subject}: ${m.reply}`);
      expect(reason('would-skip')).toEqual(['renewal 1: the renewal is refused since it was queued', 'invoice 1: invoice INV-2026-00001 is paid since it was queued']);
      const smtp = await sink();
      const sent = (await ok(url, ['mail', 'send', '--smtp', smtp.url, '--json'])).json();
      expect(sent).toMatchObject({ sent: 6, skipped: 2 });
      // the three invoices, the reminders of Bob and Chloé (still unpaid) and Ann's receipt; no reminder to Ann, no
      // notice of a refused renewal
      expect(smtp.received.map((r) => r.parsed.subject).sort()).toEqual([
        'Facture INV-2026-00001 - Coworking Lumière',
        'Facture INV-2026-00003 - Coworking Lumière',
        'Invoice INV-2026-00002 - Coworking Lumière',
        'Rappel : facture INV-2026-00003 impayée - Coworking Lumière',
        'Reminder: invoice INV-2026-00002 unpaid - Coworking Lumière',
        'Reçu : facture INV-2026-00001 réglée - Coworking Lumière',
      ]);
      const skipped = (await ok(url, ['mail', 'list', '--status', 'skipped', '--json'])).json();
      expect(skipped.map((m: { kind: string; skipReason: string }) => `${m.kind}: ${m.skipReason}`)).toEqual([
        'renewal_notice: the renewal is refused since it was queued',
        'reminder: invoice INV-2026-00001 is paid since it was queued',
      ]);
    });
  });

  it('a renewal opened for an intervention gets its notice once the intervention is cleared; renew-now opens one with its notice', { timeout: 180_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      await members(url);
      await ok(url, ['--today', '2026-01-01', 'jobs', 'run']);
      // Chloé's renewal opens for an intervention: nobody is told yet
      await ok(url, ['memberships', 'set', '3', '--intervention', 'check the company still pays']);
      await ok(url, ['--today', '2026-01-10', 'renewals', 'run']);
      const notices = async () => (await outbox(db)).filter((m) => m.startsWith('renewal_notice'));
      expect(await notices()).toEqual([]);
      await ok(url, ['--today', '2026-01-11', 'memberships', 'set', '3', '--no-intervention']);
      expect(await notices()).toEqual(['renewal_notice renewal-1 notice -> chloe@example.org']);
      // refused, then reopened: the notice was queued once already
      await ok(url, ['--today', '2026-01-12', 'renewals', 'refuse', '1', '--reason', 'moving out']);
      await ok(url, ['--today', '2026-01-13', 'memberships', 'renew-now', '3']);
      expect(await notices()).toEqual(['renewal_notice renewal-1 notice -> chloe@example.org']);
      // Bob's monthly membership, set to renew by decision, renewed now: its renewal opens with its notice
      await ok(url, ['memberships', 'set', '2', '--auto-renew', 'no']);
      await ok(url, ['--today', '2026-01-13', 'memberships', 'renew-now', '2']);
      expect(await notices()).toEqual(['renewal_notice renewal-1 notice -> chloe@example.org', 'renewal_notice renewal-2 notice -> bob@example.org']);
    });
  });

  it('jobs run killed after its invoices committed, before sending: the messages stay queued and the next run sends each once', { timeout: 180_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      await members(url);
      let child: ReturnType<typeof startCli>['child'] | null = null;
      // the job connects to the server only once its writes have committed: killed at that moment
      const smtp = await sink(() => null, { onConnect: () => child?.kill('SIGKILL') });
      const run = startCli(['--today', '2026-01-01', 'jobs', 'run', '--smtp', smtp.url], { db: url });
      child = run.child;
      expect(await run.exit).toBeNull();
      expect(smtp.received).toHaveLength(0);
      const invoices = await db.kysely.selectFrom('invoices').select('id').execute();
      expect(invoices).toHaveLength(3);
      const statuses = await db.kysely.selectFrom('mail_messages').select('status').execute();
      expect(statuses.map((s) => s.status)).toEqual(['queued', 'queued', 'queued']);

      const healthy = await sink();
      const rerun = await runCli(['--today', '2026-01-01', 'jobs', 'run', '--smtp', healthy.url, '--json'], { db: url });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.json().invoices.count).toBe(0);
      // the three invoices, and the notice of Chloé's renewal, which opens now that her first term is billed
      expect(rerun.json().mail).toMatchObject({ sent: 4 });
      expect([...countByMessageId(healthy.received).values()]).toEqual([1, 1, 1, 1]);
      expect(healthy.received.map((r) => `${r.parsed.subject} -> ${r.rcpt.join(',')}`).sort()).toEqual([
        'Facture INV-2026-00001 - Coworking Lumière -> ann@example.org',
        'Facture INV-2026-00003 - Coworking Lumière -> compta@atelier.example',
        'Invoice INV-2026-00002 - Coworking Lumière -> bob@example.org',
        'Renouvellement de votre abonnement Mensuel - Coworking Lumière -> chloe@example.org',
      ]);
    });
  });
});

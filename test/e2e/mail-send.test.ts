import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { queueMessages } from '../../src/core/mail/outbox.js';
import { runCli } from '../helpers/cli.js';
import { dialects, tempDir, withFreshDb } from '../helpers/db.js';
import { PdfProbe } from '../helpers/poppler.js';
import { mailOrgIdentity, SmtpSink } from '../helpers/smtp.js';

async function ok(db: string, args: string[]) {
  const result = await runCli(args, { db });
  expect(result.code, `memberctl ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

const sinks: SmtpSink[] = [];
async function sink(...args: ConstructorParameters<typeof SmtpSink>): Promise<SmtpSink> {
  const s = await new SmtpSink(...args).start();
  sinks.push(s);
  return s;
}
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close();
});

/**
 * Ann (French, the default), Bob (English) and Chloé, whose company has a billing e-mail: `invoices run` issues one
 * invoice each, and queues its message. Returns the invoices by payer.
 */
async function billedAndQueued(db: Db, url: string) {
  await ok(url, mailOrgIdentity);
  await ok(url, ['settings', 'set', 'mail-from', 'Coworking Lumière <factures@lumiere.example>']);
  await ok(url, ['plans', 'add', 'Hot Desk', '--price', '100', '--tax-rate', '20']);
  await ok(url, ['members', 'add', '--name', 'Ann Smith', '--email', 'ann@example.org']);
  await ok(url, ['members', 'add', '--name', 'Bob Martin', '--email', 'bob@example.org']);
  await ok(url, ['members', 'add', '--name', 'Chloé Durand', '--email', 'chloe@example.org', '--company', 'Atelier Rhône']);
  await db.kysely.updateTable('members').set({ language: 'en' }).where('email', '=', 'bob@example.org').execute();
  await db.kysely.updateTable('companies').set({ billing_email: 'compta@atelier.example' }).execute();
  for (const email of ['ann@example.org', 'bob@example.org', 'chloe@example.org']) {
    await ok(url, ['memberships', 'add', email, '--plan', 'Hot Desk', '--start', '2026-01-01']);
  }
  await ok(url, ['--today', '2026-01-02', 'invoices', 'run']);
  const invoices = await db.kysely.selectFrom('invoices').select(['id', 'number', 'payer_name']).orderBy('id').execute();
  expect(invoices).toHaveLength(3);
  const queued = await db.kysely.selectFrom('mail_messages').select(['kind', 'subject_id', 'stage', 'status']).orderBy('subject_id').execute();
  expect(queued).toEqual(invoices.map((i) => ({ kind: 'invoice', subject_id: i.id, stage: 'issued', status: 'queued' })));
  const by = (name: string) => invoices.find((i) => i.payer_name === name)!;
  return { ann: by('Ann Smith'), bob: by('Bob Martin'), chloe: by('Chloé Durand') };
}

const statuses = async (db: Db) => (await db.kysely.selectFrom('mail_messages').select(['id', 'status', 'attempts']).orderBy('id').execute()).map((m) => m.status);

describe.each(dialects)('mail send from the built CLI on %s', (dialect) => {
  it('delivers each invoice to its payer (or the company billing e-mail) in their language, with the PDF attached, once', { timeout: 180_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      const { ann, bob, chloe } = await billedAndQueued(db, url);
      // queueing again (a rerun of the same cause) adds nothing
      expect(await queueMessages(db.kysely, [{ kind: 'invoice', subjectId: ann.id, stage: 'issued' }])).toBe(0);
      const smtp = await sink();
      const result = await runCli(['mail', 'send', '--smtp', smtp.url, '--json'], { db: url });
      expect(result.code, result.stderr).toBe(0);
      expect(result.json()).toMatchObject({ sent: 3, retry: 0, failed: 0 });
      expect(smtp.received).toHaveLength(3);

      const to = (address: string) => smtp.received.find((r) => r.rcpt.includes(address))!;
      const cases = [
        { mail: to('ann@example.org'), invoice: ann, subject: `Facture ${ann.number} - Coworking Lumière`, language: 'fr', words: 'Montant à régler : 120,00' },
        { mail: to('bob@example.org'), invoice: bob, subject: `Invoice ${bob.number} - Coworking Lumière`, language: 'en', words: 'Amount due: €120.00' },
        { mail: to('compta@atelier.example'), invoice: chloe, subject: `Facture ${chloe.number} - Coworking Lumière`, language: 'fr', words: 'Bonjour Chloé Durand' },
      ];
      for (const { mail, invoice, subject, language, words } of cases) {
        expect(mail, invoice.number).toBeDefined();
        expect(mail.from).toBe('factures@lumiere.example');
        expect(mail.parsed.subject).toBe(subject);
        expect(mail.parsed.headers.get('content-language')).toBe(language);
        expect(mail.parsed.text?.replace(/\u202f|\u00a0/g, ' ')).toContain(words);
        expect(mail.parsed.html).toContain('Coworking Lumière');
        expect(mail.parsed.messageId).toMatch(new RegExp(`^<invoice\\.invoice-${invoice.id}\\.issued\\.\\d+@lumiere\\.example>$`));
        expect(mail.parsed.attachments.map((a) => [a.filename, a.contentType])).toEqual([[`${invoice.number}.pdf`, 'application/pdf']]);
        const pdf = new PdfProbe(mail.parsed.attachments[0]!.content).text();
        expect(pdf).toContain(invoice.number);
        expect(pdf).toMatch(language === 'fr' ? /Facture/i : /Invoice/i);
        expect(pdf).toContain(language === 'fr' ? 'Date de paiement' : 'Payment date');
      }
      // Chloé's invoice went to her company only
      expect(to('compta@atelier.example').rcpt).toEqual(['compta@atelier.example']);

      // everything is marked sent with the server's reply; a second run has nothing to send
      const list = (await ok(url, ['mail', 'list', '--json'])).json() as Array<{ status: string; serverReply: string; messageId: string }>;
      expect(list.map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
      expect(list[0]!.serverReply).toMatch(/^250 .*Message queued as test/);
      const again = await runCli(['mail', 'send', '--smtp', smtp.url, '--json'], { db: url });
      expect(again.json()).toMatchObject({ sent: 0 });
      expect(smtp.received).toHaveLength(3);
    });
  });

  it('a 451 reply queues the message for a later attempt, which then succeeds; a 550 reply fails it with the reply', { timeout: 180_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      const { ann, bob } = await billedAndQueued(db, url);
      const ids = Object.fromEntries((await db.kysely.selectFrom('mail_messages').select(['id', 'subject_id']).execute()).map((m) => [m.subject_id, m.id]));
      // the first message gets 451, the second 550, the third is accepted
      const smtp = await sink((i) => (i === 0 ? { code: 451, text: 'Try again later' } : i === 1 ? { code: 550, text: 'No such user here' } : null));
      const first = await runCli(['mail', 'send', '--smtp', smtp.url, '--json'], { db: url });
      expect(first.code, first.stderr).toBe(65);
      expect(first.json()).toMatchObject({ sent: 1, retry: 1, failed: 1 });
      expect(first.stderr).toContain('1 message failed');
      const annMessage = (await ok(url, ['mail', 'show', String(ids[ann.id]), '--json'])).json();
      expect(annMessage).toMatchObject({ status: 'queued', attempts: 1, lastError: expect.stringContaining('451 Try again later') });
      expect(Date.parse(annMessage.nextAttemptAt)).toBeGreaterThan(Date.now());
      const bobMessage = (await ok(url, ['mail', 'show', String(ids[bob.id]), '--json'])).json();
      expect(bobMessage).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringContaining('550 No such user here') });

      // not due yet: nothing is sent
      smtp.setAnswer(() => null);
      expect((await runCli(['mail', 'send', '--smtp', smtp.url, '--json'], { db: url })).json()).toMatchObject({ sent: 0 });
      // made due now, it is sent; the failed one only once retried
      await ok(url, ['mail', 'retry', String(ids[ann.id])]);
      expect((await runCli(['mail', 'send', '--smtp', smtp.url, '--json'], { db: url })).json()).toMatchObject({ sent: 1 });
      const sent = (await ok(url, ['mail', 'show', String(ids[ann.id]), '--json'])).json();
      expect(sent).toMatchObject({ status: 'sent', attempts: 2 });
      expect(sent.history.map((a: { outcome: string }) => a.outcome)).toEqual(['retry', 'sent']);
      expect(sent.attachments).toEqual([{ filename: `${ann.number}.pdf`, contentType: 'application/pdf', bytes: expect.any(Number) }]);
      expect((await ok(url, ['mail', 'retry', '--failed', '--json'])).json()).toEqual({ requeued: [ids[bob.id]], skipped: [] });
      expect((await runCli(['mail', 'send', '--smtp', smtp.url, '--json'], { db: url })).json()).toMatchObject({ sent: 1 });
      expect(await statuses(db)).toEqual(['sent', 'sent', 'sent']);
      // one delivery each: the 451 and 550 were not accepted
      expect(new Set(smtp.received.map((r) => r.parsed.messageId)).size).toBe(3);
      expect(smtp.received).toHaveLength(3);
    });
  });

  it('a server that cannot be reached exits 75 and leaves every message queued, its attempts untouched; the password is never printed', { timeout: 180_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      await billedAndQueued(db, url);
      const smtp = await sink();
      const port = smtp.port;
      await smtp.close();
      sinks.splice(sinks.indexOf(smtp), 1);
      const down = await runCli(['mail', 'send', '--smtp', `smtp://club:Sup3rSecret@127.0.0.1:${port}`], { db: url });
      expect(down.code, down.stderr).toBe(75);
      expect(down.stderr).toContain(`cannot reach the SMTP server smtp://club:***@127.0.0.1:${port}`);
      expect(down.stdout + down.stderr).not.toContain('Sup3rSecret');
      const fromEnv = await runCli(['mail', 'send'], { db: url, env: { MEMBERCTL_SMTP: `smtp://club:Sup3rSecret@127.0.0.1:${port}` } });
      expect(fromEnv.code).toBe(75);
      expect(fromEnv.stdout + fromEnv.stderr).not.toContain('Sup3rSecret');
      const rows = await db.kysely.selectFrom('mail_messages').selectAll().execute();
      expect(rows.map((r) => [r.status, r.attempts, r.last_error])).toEqual([['queued', 0, null], ['queued', 0, null], ['queued', 0, null]]);
      expect(JSON.stringify(rows)).not.toContain('Sup3rSecret');

      // the server back on the same port: everything is delivered
      const back = await sink();
      await back.close();
      sinks.pop();
      const again = await new SmtpSink().start(port);
      sinks.push(again);
      const result = await runCli(['mail', 'send', '--smtp', `smtp://127.0.0.1:${port}`, '--json'], { db: url });
      expect(result.code, result.stderr).toBe(0);
      expect(again.received).toHaveLength(3);
    });
  });

  it('a server that goes away in the middle of a run: the message in flight is retried later, the rest stays queued, exit 75', { timeout: 180_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      await billedAndQueued(db, url);
      const smtp = await sink((i) => (i === 1 ? 'drop' : null));
      const result = await runCli(['mail', 'send', '--smtp', smtp.url], { db: url });
      expect(result.code, result.stderr).toBe(75);
      expect(result.stderr).toContain('(1 sent before)');
      const rows = await db.kysely.selectFrom('mail_messages').select(['status', 'attempts', 'last_error', 'next_attempt_at']).orderBy('id').execute();
      expect(rows.map((r) => [r.status, r.attempts])).toEqual([['sent', 1], ['queued', 1], ['queued', 0]]);
      expect(rows[1]!.last_error).not.toBeNull();
      expect(Date.parse(rows[1]!.next_attempt_at!)).toBeGreaterThan(Date.now());
      expect(smtp.received).toHaveLength(1);

      const again = await new SmtpSink().start(smtp.port);
      sinks.push(again);
      expect((await runCli(['mail', 'send', '--smtp', again.url, '--json'], { db: url })).json()).toMatchObject({ sent: 1 });
      await ok(url, ['mail', 'retry', '2']);
      expect((await runCli(['mail', 'send', '--smtp', again.url, '--json'], { db: url })).json()).toMatchObject({ sent: 1 });
      expect(await statuses(db)).toEqual(['sent', 'sent', 'sent']);
    });
  });

  it('jobs run --smtp sends what is queued once the job has committed, and reports it with the job', { timeout: 180_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      await billedAndQueued(db, url);
      const smtp = await sink();
      const run = await runCli(['--today', '2026-01-03', 'jobs', 'run', '--smtp', smtp.url, '--json'], { db: url });
      expect(run.code, run.stderr).toBe(0);
      expect(run.json()).toMatchObject({ asOf: '2026-01-03', mail: { sent: 3, failed: 0 } });
      expect(smtp.received).toHaveLength(3);
      // without --smtp nor MEMBERCTL_SMTP, the job sends nothing and its document has no "mail"
      const quiet = await runCli(['--today', '2026-01-03', 'jobs', 'run', '--json'], { db: url });
      expect(quiet.json()).not.toHaveProperty('mail');
    });
  });

  it('--outbox-dir writes each message as an .eml file and marks it sent; preview renders one without queueing it', { timeout: 180_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      const { bob } = await billedAndQueued(db, url);
      const dir = tempDir();
      const result = await runCli(['mail', 'send', '--outbox-dir', dir, '--json'], { db: url });
      expect(result.code, result.stderr).toBe(0);
      const files = fs.readdirSync(dir).sort();
      expect(files).toHaveLength(3);
      expect(files.every((f) => /^\d{6}-invoice-issued\.eml$/.test(f))).toBe(true);
      const { simpleParser } = await import('mailparser');
      const parsed = await simpleParser(fs.readFileSync(path.join(dir, files[0]!)));
      expect(parsed.attachments).toHaveLength(1);
      expect(fs.statSync(path.join(dir, files[0]!)).mode & 0o777).toBe(0o600);
      expect(await statuses(db)).toEqual(['sent', 'sent', 'sent']);

      const preview = await runCli(['mail', 'preview', 'reminder', '--invoice', bob.number, '--today', '2026-01-30', '--json'], { db: url });
      expect(preview.code, preview.stderr).toBe(0);
      expect(preview.json()).toMatchObject({ to: ['bob@example.org'], language: 'en', subject: `Reminder: invoice ${bob.number} unpaid - Coworking Lumière` });
      expect(preview.json().text).toContain('(14 days ago)');
      const eml = path.join(dir, 'reminder.eml');
      expect((await runCli(['mail', 'preview', 'invoice', '--invoice', bob.number, '-o', eml], { db: url })).code).toBe(0);
      expect((await simpleParser(fs.readFileSync(eml))).attachments[0]!.filename).toBe(`${bob.number}.pdf`);
      expect(await db.kysely.selectFrom('mail_messages').select('id').execute()).toHaveLength(3);
    });
  });

  it('a template naming an unknown placeholder is refused before anything is sent, naming it and the file', { timeout: 180_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      const { ann } = await billedAndQueued(db, url);
      const dir = tempDir();
      expect((await runCli(['mail', 'templates', 'export', dir], { db: url })).code).toBe(0);
      expect(fs.readdirSync(dir)).toContain('invoice.fr.html');
      const file = path.join(dir, 'invoice.fr.subject.txt');
      fs.writeFileSync(file, 'Votre facture {{numero}} - {{orgName}}\n');
      await ok(url, ['settings', 'set', 'mail-templates', dir]);
      const smtp = await sink();
      const send = await runCli(['mail', 'send', '--smtp', smtp.url], { db: url });
      expect(send.code).toBe(65);
      expect(send.stderr).toContain(`${file}, line 1: unknown placeholder "numero"`);
      expect(smtp.received).toHaveLength(0);
      expect(await statuses(db)).toEqual(['queued', 'queued', 'queued']);
      const preview = await runCli(['mail', 'preview', 'invoice', '--invoice', ann.number], { db: url });
      expect(preview.code).toBe(65);
      expect(preview.stderr).toContain('unknown placeholder "numero"');

      // an override that is right is used; HTML values are escaped
      fs.writeFileSync(file, 'Votre facture {{number}}\n');
      fs.writeFileSync(path.join(dir, 'invoice.fr.html'), '<p>{{recipientName}} &lt;{{orgName}}&gt;</p>');
      await db.kysely.updateTable('members').set({ name: 'Ann <b>Smith</b>' }).where('email', '=', 'ann@example.org').execute();
      // the buyer is frozen at issue: without its snapshot, the invoice takes one from the payer as they are now
      await db.kysely.updateTable('invoices').set({ payer_name: 'Ann <b>Smith</b>', buyer: null }).where('id', '=', ann.id).execute();
      expect((await runCli(['mail', 'send', '--smtp', smtp.url], { db: url })).code).toBe(0);
      const annMail = smtp.received.find((r) => r.rcpt.includes('ann@example.org'))!;
      expect(annMail.parsed.subject).toBe(`Votre facture ${ann.number}`);
      expect(annMail.parsed.html).toContain('Ann &lt;b&gt;Smith&lt;/b&gt;');
    });
  });
});

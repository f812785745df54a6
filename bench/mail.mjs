// `npm run bench -- mail`: 10,000 invoice e-mails, each with its PDF, sent by `mail send` to an SMTP server on
// 127.0.0.1 in this process that keeps nothing but a count. The members are imported from a template CSV,
// `invoices run` issues one invoice each, and their messages are queued as the invoicing job queues them (rows of
// the outbox written directly, since the bench measures the sending).
// Targets: at least 100 messages/s, at most 300 MB peak RSS. SQLite. Count: MEMBERCTL_BENCH_MAILS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';
import { fmt, mark, measureCliOk, writeCsvLines } from './lib.mjs';

const count = Number(process.env.MEMBERCTL_BENCH_MAILS ?? 10_000);
const identity = [
  'org', 'set', '--name', 'Coworking Lumière', '--address', '12 rue de la République', '--postcode', '69001', '--city', 'Lyon',
  '--siren', '732829320', '--vat-id', 'FR44732829320', '--email', 'contact@lumiere.example', '--iban', 'FR7630006000011234567890189', '--bic', 'AGRIFRPP',
];

/** An SMTP sink: accepts every message, counts them and their bytes. */
async function startSink() {
  const sink = { messages: 0, bytes: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 20 * 1024 * 1024,
    onData(stream, _session, callback) {
      stream.on('data', (chunk) => (sink.bytes += chunk.length));
      stream.on('error', () => {});
      stream.on('end', () => {
        sink.messages += 1;
        callback(null, 'Ok');
      });
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = server.server.address().port;
  sink.close = () => new Promise((resolve) => server.close(resolve));
  return sink;
}

export const mail = {
  name: 'mail',
  description: `sending ${count} invoice e-mails with their PDF to a local SMTP sink (targets: >= 100 messages/s, <= 300 MB)`,
  async run() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-bench-'));
    const db = path.join(dir, 'bench.db');
    const csv = path.join(dir, 'members.csv');
    const sink = await startSink();
    try {
      writeCsvLines(csv, 'Name,Email,Plan name,Start date,Next invoice date', count, (i) => `Member ${i},member${i}@example.org,Desk,2026-01-01,2026-01-01`);
      await measureCliOk(['--db', db, ...identity], 'org set');
      await measureCliOk(['--db', db, 'settings', 'set', 'mail-from', 'factures@lumiere.example'], 'settings set');
      await measureCliOk(['--db', db, 'plans', 'add', 'Desk', '--price', '49.90', '--tax-rate', '20'], 'plans add');
      await measureCliOk(['--db', db, '--today', '2025-12-15', 'import', csv, '--yes'], 'import');
      await measureCliOk(['--db', db, '--today', '2026-01-01', 'invoices', 'run'], 'invoices run');
      const raw = new Database(db);
      // invoices run queued each invoice's e-mail with it
      const queued = raw.prepare('select count(*) as n from mail_messages').get().n;
      raw.close();
      const sent = await measureCliOk(['--db', db, 'mail', 'send', '--smtp', `smtp://127.0.0.1:${sink.port}`, '--quiet'], 'mail send');
      const rate = sink.messages / (sent.ms / 1000);
      const ok = sink.messages === count && queued === count && rate >= 100 && sent.peakRssMb <= 300;
      return {
        ok,
        lines: [
          `sqlite: ${queued} messages queued, ${sink.messages} received (${fmt(sink.bytes / sink.messages / 1024, 0)} KB each with the PDF)`,
          `  mail send: ${fmt(sent.ms / 1000)} s, ${fmt(rate, 0)} messages/s (target >= 100) ${mark(rate >= 100)}, peak RSS ${fmt(sent.peakRssMb, 0)} MB (target <= 300) ${mark(sent.peakRssMb <= 300)}`,
        ],
      };
    } finally {
      await sink.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

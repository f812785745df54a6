// `npm run bench -- documents`: writing the documents of 10,000 invoices at once. A SQLite database is billed
// through the CLI (the organisation's identity, a plan, a member import, `invoices run`, a few voided by credit
// notes), then `invoices pdf --from ... -o DIR` and `invoices einvoice --format facturx --from ... -o DIR` are timed.
// Targets: at least 100 PDFs/s within 300 MB peak RSS; at least 50 Factur-X/s. Count: MEMBERCTL_BENCH_DOCUMENTS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmt, mark, measureCliOk, writeCsvLines } from './lib.mjs';

const count = Number(process.env.MEMBERCTL_BENCH_DOCUMENTS ?? 10_000);
const voided = 5;
const importedOn = '2026-02-15';
const asOf = '2026-03-01';

const identity = [
  'org', 'set', '--name', 'Coworking Lumière & Cie', '--address', '12 rue de la République\nBâtiment B', '--postcode', '69001', '--city', 'Lyon',
  '--siren', '732829320', '--vat-id', 'FR44732829320', '--email', 'contact@lumiere.example', '--iban', 'FR7630006000011234567890189', '--bic', 'AGRIFRPP',
];

/** Billed as of `asOf`: one invoice per member, every tenth with two desks. */
async function billed(db, dir) {
  const csv = path.join(dir, 'members.csv');
  writeCsvLines(csv, 'Name,Email,Plan name,Quantity,Start date,Next invoice date', count, (i) => `Membre ${i} Lefèvre,member${i}@example.org,Desk,${i % 10 === 0 ? 2 : 1},2026-02-01,${asOf}`);
  await measureCliOk(['--db', db, ...identity], 'org set');
  await measureCliOk(['--db', db, 'plans', 'add', 'Desk', '--price', '249.90', '--tax-rate', '20'], 'plans add');
  await measureCliOk(['--db', db, '--today', importedOn, 'import', csv, '--yes'], 'import');
  await measureCliOk(['--db', db, '--today', asOf, 'invoices', 'run'], 'invoices run');
  for (let i = 1; i <= voided; i += 1) {
    await measureCliOk(['--db', db, '--today', asOf, 'invoices', 'void', `INV-2026-${String(i).padStart(5, '0')}`, '--reason', 'billed twice'], 'invoices void');
  }
}

async function timed(db, dir, name, args) {
  const out = path.join(dir, name);
  fs.mkdirSync(out);
  const result = await measureCliOk(['--db', db, ...args, '--from', asOf, '--to', asOf, '-o', out], name);
  const files = fs.readdirSync(out).filter((f) => f.endsWith('.pdf')).length;
  return { ...result, files, perSecond: files / (result.ms / 1000), perCpuSecond: files / (result.cpuMs / 1000) };
}

export const documents = {
  name: 'documents',
  description: `writing the PDFs and Factur-X of ${count} invoices and ${voided} credit notes at once (targets: >= 100 PDFs/s within 300 MB, >= 50 Factur-X/s)`,
  async run() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-bench-'));
    try {
      const db = path.join(dir, 'bench.db');
      await billed(db, dir);
      const expected = count + voided;
      const pdf = await timed(db, dir, 'pdf', ['invoices', 'pdf']);
      const facturx = await timed(db, dir, 'facturx', ['invoices', 'einvoice', '--format', 'facturx']);
      const pdfOk = pdf.files === expected && pdf.perSecond >= 100 && pdf.peakRssMb <= 300;
      const facturxOk = facturx.files === expected && facturx.perSecond >= 50;
      return {
        ok: pdfOk && facturxOk,
        lines: [
          `sqlite: ${count} invoices and ${voided} credit notes, on ${os.availableParallelism()} cores (load average ${os.loadavg()[0].toFixed(1)})`,
          `  pdf:     ${pdf.files} files in ${fmt(pdf.ms / 1000)} s, ${Math.round(pdf.perSecond)} documents/s (target >= 100) ${mark(pdf.perSecond >= 100)}, peak RSS ${fmt(pdf.peakRssMb, 0)} MB (target <= 300) ${mark(pdf.peakRssMb <= 300)}, ${Math.round(pdf.perCpuSecond)} per CPU second`,
          `  facturx: ${facturx.files} files in ${fmt(facturx.ms / 1000)} s, ${Math.round(facturx.perSecond)} documents/s (target >= 50) ${mark(facturx.perSecond >= 50)}, peak RSS ${fmt(facturx.peakRssMb, 0)} MB, ${Math.round(facturx.perCpuSecond)} per CPU second`,
        ],
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

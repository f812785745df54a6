// `npm run bench -- bank`: `payments import` of a CAMT.053 of 50k credits, each naming its invoice in its own way
// (`INV-2026-00012`, `inv 2026 12`, `FACT INV2026-00012`), against 50k open invoices; then the same statement again.
// Targets: the import at most 20 s and 400 MB peak RSS; the rerun at most 0.2x the import.
// SQLite, then PostgreSQL (bench/pg.mjs). Entries: MEMBERCTL_BENCH_BANK.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fmt, mark, measureCliOk, measureDialects, writeCsvLines } from './lib.mjs';

const count = Number(process.env.MEMBERCTL_BENCH_BANK ?? 50_000);
const asOf = '2026-01-01';

/** The members' CSV at `file`, and the statement of their credits beside it (`statement.xml`). */
export function writeCsv(file) {
  writeCsvLines(file, 'Name,Email,Plan name,Start date,Next invoice date', count, (i) => `Member ${i},member${i}@example.org,Desk,2025-12-01,${asOf}`);
  // the statement, beside the members
  const camt = path.join(path.dirname(file), 'statement.xml');
  const fd = fs.openSync(camt, 'w');
  fs.writeSync(
    fd,
    '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>B</MsgId><CreDtTm>2026-01-31T08:00:00</CreDtTm></GrpHdr><Stmt><Id>1</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>\n',
  );
  let chunk = '';
  for (let i = 1; i <= count; i += 1) {
    const n = String(i).padStart(5, '0');
    const text = i % 3 === 0 ? `INV-2026-${n}` : i % 3 === 1 ? `inv 2026 ${i}` : `FACT INV2026-${n}`;
    chunk += `<Ntry><Amt Ccy="EUR">49.90</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-01-${String(2 + (i % 27)).padStart(2, '0')}</Dt></BookgDt><AcctSvcrRef>B${i}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><RltdPties><Dbtr><Pty><Nm>MEMBER ${i}</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>${text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n`;
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, `${chunk}</Stmt></BkToCstmrStmt></Document>\n`);
  fs.closeSync(fd);
}

/** The members of `csv` imported, one open invoice each. */
export async function setUpInvoices(db, csv) {
  await measureCliOk(['--db', db, 'plans', 'add', 'Desk', '--price', '49.90'], 'plans add');
  await measureCliOk(['--db', db, '--today', '2025-12-15', 'import', csv, '--yes'], 'import');
  await measureCliOk(['--db', db, '--today', asOf, 'invoices', 'run'], 'invoices run');
}

/** The members of `csv` imported, one open invoice each, then the statement next to it imported once. */
async function importStatement(db, csv) {
  const statement = path.join(path.dirname(csv), 'statement.xml');
  await setUpInvoices(db, csv);
  const imported = await measureCliOk(['--db', db, '--json', '--today', '2026-02-01', 'payments', 'import', statement], 'payments import');
  return { statement, imported, counts: JSON.parse(imported.stdout).counts };
}

async function measureDialect(dialect, db, csv) {
  const { statement, imported, counts } = await importStatement(db, csv);
  const rerun = await measureCliOk(['--db', db, '--json', '--today', '2026-02-01', 'payments', 'import', statement], 'the rerun');
  const again = JSON.parse(rerun.stdout).counts;
  const seconds = imported.ms / 1000;
  const ratio = rerun.ms / imported.ms;
  const ok = counts.matched === count && again.duplicate === count && seconds <= 20 && imported.peakRssMb <= 400 && ratio <= 0.2;
  return {
    ok,
    lines: [
      `${dialect}: ${count} credits against ${count} open invoices: ${counts.matched} matched (expected ${count})`,
      `  import: ${fmt(seconds)} s (${Math.round(count / seconds)} entries/s) (target <= 20 s) ${mark(seconds <= 20)}, peak RSS ${fmt(imported.peakRssMb, 0)} MB (target <= 400) ${mark(imported.peakRssMb <= 400)}`,
      `  rerun:  ${fmt(rerun.ms / 1000)} s, ${fmt(ratio, 3)}x the import (target <= 0.2x) ${mark(ratio <= 0.2)}, peak RSS ${fmt(rerun.peakRssMb, 0)} MB, all ${again.duplicate} duplicate`,
      // on a busy machine the wall times follow the load; the processor time of memberctl itself (not of a
      // PostgreSQL server) much less
      `  processor time: import ${fmt(imported.cpuMs / 1000)} s, rerun ${fmt(rerun.cpuMs / 1000)} s (${fmt(rerun.cpuMs / imported.cpuMs, 3)}x)`,
    ],
  };
}

export const bank = {
  name: 'bank',
  description: `payments import of a CAMT.053 of ${count} credits against ${count} open invoices (targets: <= 20 s, <= 400 MB; rerun <= 0.2x)`,
  async run() {
    return measureDialects(writeCsv, measureDialect);
  },
};

// `npm run bench -- bank-suggestions`: credits without an invoice number, all of one amount, each from a member whose
// name (written surname first, in capitals) is the only one it resembles: every one is a suggestion. Each credit used
// to be compared with every open invoice of its amount. Target: at most 20 s, like the import above.
const suggestCount = Number(process.env.MEMBERCTL_BENCH_BANK_SUGGEST ?? 20_000);

/** A made-up name, the same for the same `i`: two words of letters drawn from a hash, so that no two names resemble. */
function randomName(i) {
  const bytes = createHash('sha256').update(`member ${i}`).digest();
  const word = (from, length) => {
    let w = '';
    for (let k = 0; k < length; k += 1) w += 'abcdefghijklmnopqrstuvwxyz'[bytes[from + k] % 26];
    return w[0].toUpperCase() + w.slice(1);
  };
  return `${word(0, 6 + (i % 3))} ${word(10, 7 + (i % 4))}`;
}

function writeSuggestionData(file) {
  writeCsvLines(file, 'Name,Email,Plan name,Start date,Next invoice date', suggestCount, (i) => `${randomName(i)},member${i}@example.org,Desk,2025-12-01,${asOf}`);
  let xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>B</MsgId><CreDtTm>2026-01-31T08:00:00</CreDtTm></GrpHdr><Stmt><Id>1</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>\n';
  for (let i = 1; i <= suggestCount; i += 1) {
    const debtor = randomName(i).split(' ').reverse().join(' ').toUpperCase();
    xml += `<Ntry><Amt Ccy="EUR">49.90</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-01-15</Dt></BookgDt><AcctSvcrRef>S${i}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><RltdPties><Dbtr><Pty><Nm>${debtor}</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>Cotisation</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n`;
  }
  fs.writeFileSync(path.join(path.dirname(file), 'statement.xml'), `${xml}</Stmt></BkToCstmrStmt></Document>\n`);
}

async function measureSuggestions(dialect, db, csv) {
  const { imported, counts } = await importStatement(db, csv);
  const seconds = imported.ms / 1000;
  const ok = counts.suggested === suggestCount && seconds <= 20;
  return {
    ok,
    lines: [
      `${dialect}: ${suggestCount} credits without an invoice number against ${suggestCount} open invoices of the same amount: ${counts.suggested} suggested (expected ${suggestCount})`,
      `  import: ${fmt(seconds)} s (target <= 20 s) ${mark(seconds <= 20)}, processor time ${fmt(imported.cpuMs / 1000)} s, peak RSS ${fmt(imported.peakRssMb, 0)} MB`,
    ],
  };
}

export const bankSuggestions = {
  name: 'bank-suggestions',
  description: `payments import of ${suggestCount} credits without an invoice number, all of one amount, each suggested by its debtor's name (target: <= 20 s)`,
  async run() {
    return measureDialects(writeSuggestionData, measureSuggestions);
  },
};

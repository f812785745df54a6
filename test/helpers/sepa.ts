/**
 * Checks of the SEPA Direct Debit files memberctl writes: the official pain.008.001.02 schema with xmllint (Debian:
 * libxml2-utils; test/fixtures/sepa, see its README), and the EPC rules no schema expresses, computed here from
 * the file itself (not with memberctl's code): the creditor identifier's check digits, the Latin character set,
 * the sums and counts, the grouping by scheme and sequence type.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SaxonJS from 'saxon-js';

export const pain008Schema = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/sepa/pain.008.001.02.xsd');

/** xmllint's verdict on `xml`; throws when xmllint is missing: a test that cannot check must fail, not pass. */
export function validatePain008(xml: string): { valid: boolean; errors: string[] } {
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', pain008Schema, '-'], { input: xml, stdio: ['pipe', 'pipe', 'pipe'] });
    return { valid: true, errors: [] };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('xmllint is not installed: the pain.008 schema cannot be checked (apt-get install -y libxml2-utils)');
    return { valid: false, errors: String(e.stderr ?? '').split('\n').filter((l) => l.trim() !== '' && !/ fails to validate$/.test(l)) };
  }
}

/** The string values an XPath 3.1 expression selects in `xml`; the prefix `p` is the pain.008.001.02 namespace. */
export function painValues(xml: string, expression: string): string[] {
  return SaxonJS.XPath.evaluate(`parse-xml($xml) ! (${expression}) ! string(.)`, null, {
    namespaceContext: { p: 'urn:iso:std:iso:20022:tech:xsd:pain.008.001.02' },
    params: { xml },
    resultForm: 'array',
  }) as string[];
}

export interface PainTransaction {
  endToEndId: string;
  amount: string;
  mandate: string;
  debtor: string;
  iban: string;
  remittance: string;
  scheme: string;
  sequence: string;
}

/** Every transaction of the file with the scheme and sequence type of its payment information block. */
export function painTransactions(xml: string): PainTransaction[] {
  const rows = painValues(
    xml,
    `//p:DrctDbtTxInf ! string-join((p:PmtId/p:EndToEndId, p:InstdAmt, .//p:MndtId, p:Dbtr/p:Nm, p:DbtrAcct/p:Id/p:IBAN, p:RmtInf/p:Ustrd, ../p:PmtTpInf/p:LclInstrm/p:Cd, ../p:PmtTpInf/p:SeqTp), '|')`,
  );
  return rows.map((row) => {
    const [endToEndId, amount, mandate, debtor, iban, remittance, scheme, sequence] = row.split('|') as [string, string, string, string, string, string, string, string];
    return { endToEndId, amount, mandate, debtor, iban, remittance, scheme, sequence };
  });
}

const cents = (amount: string) => {
  if (!/^\d+\.\d{2}$/.test(amount)) throw new Error(`amount ${amount} is not written with 2 decimals`);
  return Number(amount.replace('.', ''));
};

/** ISO 7064 MOD 97-10 with letters as 10..35. */
function mod97(text: string): number {
  const digits = [...text].map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c)).join('');
  let remainder = 0;
  for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  return remainder;
}

/** Every EPC rule the schema does not check that the file breaks (empty when it keeps them all). */
export function epcRuleViolations(xml: string): string[] {
  const problems: string[] = [];
  for (const id of painValues(xml, '//p:CdtrSchmeId//p:Othr/p:Id')) {
    // check digits over the national identifier (after the 3-character business code), then country and 00
    if (mod97(`${id.slice(7)}${id.slice(0, 2)}${id.slice(2, 4)}`) !== 1) problems.push(`creditor identifier ${id}: wrong check digits`);
  }
  for (const text of painValues(xml, '//text()[normalize-space(.) != ""] | //@*')) {
    if (!/^[A-Za-z0-9/\-?:().,'+ ]*$/.test(text)) problems.push(`"${text}" is outside the SEPA Latin character set`);
  }
  for (const id of painValues(xml, '//p:EndToEndId | //p:MndtId | //p:MsgId | //p:PmtInfId')) {
    if (id.startsWith('/') || id.endsWith('/') || id.includes('//') || id.includes(' ')) problems.push(`identifier "${id}" has a misplaced / or a space`);
  }
  const all = painValues(xml, '//p:DrctDbtTxInf/p:InstdAmt').map(cents);
  if (Number(painValues(xml, '/p:Document/*/p:GrpHdr/p:NbOfTxs')[0]) !== all.length) problems.push('GrpHdr/NbOfTxs is not the number of transactions');
  if (cents(painValues(xml, '/p:Document/*/p:GrpHdr/p:CtrlSum')[0]!) !== all.reduce((a, b) => a + b, 0)) problems.push('GrpHdr/CtrlSum is not the sum of the transactions');
  const blocks = painValues(xml, `//p:PmtInf ! string-join((p:NbOfTxs, p:CtrlSum, count(p:DrctDbtTxInf), sum(p:DrctDbtTxInf/p:InstdAmt ! (xs:decimal(.) * 100)), p:PmtTpInf/p:LclInstrm/p:Cd, p:PmtTpInf/p:SeqTp), '|')`);
  const kinds = new Set<string>();
  for (const block of blocks) {
    const [count, sum, real, realSum, scheme, sequence] = block.split('|');
    if (count !== real) problems.push(`PmtInf ${scheme} ${sequence}: NbOfTxs ${count}, ${real} transactions`);
    if (cents(sum!) !== Number(realSum)) problems.push(`PmtInf ${scheme} ${sequence}: CtrlSum ${sum} is not the sum`);
    if (kinds.has(`${scheme}|${sequence}`)) problems.push(`two PmtInf blocks of ${scheme} ${sequence}`);
    kinds.add(`${scheme}|${sequence}`);
  }
  // a mandate has one FRST at most, and no RCUR in the same file before it
  const seen = new Map<string, string>();
  for (const t of painTransactions(xml)) {
    const before = seen.get(t.mandate);
    if (t.sequence === 'FRST' && before !== undefined) problems.push(`mandate ${t.mandate}: FRST after ${before}`);
    seen.set(t.mandate, t.sequence);
  }
  return problems;
}

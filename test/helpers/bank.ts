// Bank statements written for the tests: CAMT.053/054 of any version from .001.02 to .001.08, OFX 1 and 2, and a
// French bank's CSV, from one list of entries.

export interface TestEntry {
  date: string;
  /** decimal, positive, e.g. "120.00" */
  amount: string;
  credit?: boolean;
  reference?: string | null;
  endToEndId?: string | null;
  remittance?: string | null;
  debtor?: string | null;
  debtorIban?: string | null;
  returnReason?: string | null;
  reversal?: boolean;
  /** several transactions booked as one entry (a SEPA collection's credit) */
  transactions?: Array<Omit<TestEntry, 'date' | 'transactions'>>;
  currency?: string;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function txDetails(t: Omit<TestEntry, 'date' | 'transactions'>, version: number, withAmount: boolean, currency: string): string {
  const party = t.debtor ? (version >= 8 ? `<Dbtr><Pty><Nm>${escapeXml(t.debtor)}</Nm></Pty></Dbtr>` : `<Dbtr><Nm>${escapeXml(t.debtor)}</Nm></Dbtr>`) : '';
  const iban = t.debtorIban ? `<DbtrAcct><Id><IBAN>${t.debtorIban}</IBAN></Id></DbtrAcct>` : '';
  const amount = withAmount ? (version >= 3 ? `<Amt Ccy="${currency}">${t.amount}</Amt><CdtDbtInd>${t.credit === false ? 'DBIT' : 'CRDT'}</CdtDbtInd>` : `<AmtDtls><TxAmt><Amt Ccy="${currency}">${t.amount}</Amt></TxAmt></AmtDtls>`) : '';
  return `<TxDtls><Refs>${t.reference ? `<AcctSvcrRef>${t.reference}</AcctSvcrRef>` : ''}<EndToEndId>${t.endToEndId ?? 'NOTPROVIDED'}</EndToEndId></Refs>${amount}${
    party || iban ? `<RltdPties>${party}${iban}</RltdPties>` : ''
  }${t.remittance ? `<RmtInf><Ustrd>${escapeXml(t.remittance)}</Ustrd></RmtInf>` : ''}${t.returnReason ? `<RtrInf><Rsn><Cd>${t.returnReason}</Cd></Rsn></RtrInf>` : ''}</TxDtls>`;
}

/** A camt.053 (or .054) document of the entries, on account FR7630006000011234567890189. */
export function camt(entries: readonly TestEntry[], options: { kind?: '053' | '054'; version?: number; currency?: string } = {}): string {
  const kind = options.kind ?? '053';
  const version = options.version ?? 2;
  const currency = options.currency ?? 'EUR';
  const [root, block] = kind === '053' ? ['BkToCstmrStmt', 'Stmt'] : ['BkToCstmrDbtCdtNtfctn', 'Ntfctn'];
  const ntry = entries
    .map((e) => {
      const c = e.currency ?? currency;
      const status = version >= 6 ? '<Sts><Cd>BOOK</Cd></Sts>' : '<Sts>BOOK</Sts>';
      const txs = e.transactions ?? [e];
      const details = txs.map((t) => txDetails(t, version, txs.length > 1, c)).join('');
      return `<Ntry>${e.transactions ? '' : e.reference ? `<NtryRef>${e.reference}</NtryRef>` : ''}<Amt Ccy="${c}">${e.amount}</Amt><CdtDbtInd>${e.credit === false ? 'DBIT' : 'CRDT'}</CdtDbtInd>${
        e.reversal ? '<RvslInd>true</RvslInd>' : ''
      }${status}<BookgDt><Dt>${e.date}</Dt></BookgDt><ValDt><Dt>${e.date}</Dt></ValDt>${e.transactions && e.reference ? `<AcctSvcrRef>${e.reference}</AcctSvcrRef>` : ''}<BkTxCd/><NtryDtls>${details}</NtryDtls></Ntry>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.${kind}.001.0${version}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<${root}><GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2026-03-01T08:00:00</CreDtTm></GrpHdr>
<${block}><Id>1</Id><CreDtTm>2026-03-01T08:00:00</CreDtTm><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>${currency}</Ccy></Acct>
${ntry}
</${block}></${root}></Document>
`;
}

/** An OFX 1 (SGML, leaves unclosed, Windows-1252 header) statement of the entries. */
export function ofx(entries: readonly TestEntry[], currency = 'EUR'): string {
  const txns = entries
    .map(
      (e) => `<STMTTRN>
<TRNTYPE>${e.credit === false ? 'DEBIT' : 'CREDIT'}
<DTPOSTED>${e.date.replace(/-/g, '')}120000
<TRNAMT>${e.credit === false ? '-' : ''}${e.amount}
<FITID>${e.reference ?? ''}
<NAME>${e.debtor ?? ''}
<MEMO>${e.remittance ?? ''}
</STMTTRN>`,
    )
    .join('\n');
  return `OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260301<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>${currency}
<BANKACCTFROM><BANKID>30006<BRANCHID>00001<ACCTID>12345678901<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20260101<DTEND>20260301
${txns}
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
`;
}

/** A French bank's CSV export: two lines about the account, then `Date;Libellé;Débit;Crédit` with decimal commas. */
export function frenchCsv(entries: readonly TestEntry[]): string {
  const comma = (a: string) => a.replace('.', ',');
  const lines = entries.map((e) => {
    const [y, m, d] = e.date.split('-');
    const label = [e.debtor, e.remittance].filter(Boolean).join(' ').replace(/;/g, ' ');
    return `${d}/${m}/${y};${label};${e.credit === false ? `-${comma(e.amount)}` : ''};${e.credit === false ? '' : comma(e.amount)}`;
  });
  return `Compte courant n° 12345678901;;;\r\nSolde au 01/03/2026;;;1 234,56\r\n;;;\r\nDate;Libellé;Débit;Crédit\r\n${lines.join('\r\n')}\r\n`;
}

/**
 * The ISO 20022 pain.008.001.02 file (CustomerDirectDebitInitiationV02) of a SEPA Direct Debit collection, as the
 * EPC implementation guidelines fill it. Element order follows the schema, which the tests check with the
 * official XSD; the rules the schema does not hold (character set, sequence types, sums) are the collection's
 * (src/core/sepa/).
 */
import type { SepaScheme, SepaSequence } from '../../db/types.js';
import { localInstrument, sepaAmount } from '../../core/sepa/rules.js';

const namespace = 'urn:iso:std:iso:20022:tech:xsd:pain.008.001.02';

export interface Pain008Transaction {
  endToEndId: string;
  /** cents */
  amount: number;
  mandateReference: string;
  mandateSignedOn: string;
  debtorName: string;
  debtorIban: string;
  debtorBic: string | null;
  remittance: string;
}

export interface Pain008Batch {
  id: string;
  scheme: SepaScheme;
  sequence: SepaSequence;
  transactions: Pain008Transaction[];
}

export interface Pain008Input {
  messageId: string;
  /** ISO date and time, without fraction nor zone */
  createdAt: string;
  collectionDate: string;
  creditor: { name: string; iban: string; bic: string | null; creditorId: string };
  batches: Pain008Batch[];
}

/** The number of transactions and the control sum (in cents) of some transactions. */
export const totals = (transactions: readonly Pain008Transaction[]) => ({
  count: transactions.length,
  sum: transactions.reduce((sum, t) => sum + t.amount, 0),
});

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
/** Text as XML character data (the SEPA character set needs no escape; anything else is escaped all the same). */
const xmlText = (text: string) => text.replace(/[&<>"]/g, (c) => escapes[c]!);

/** One element per line at `depth`, with its text. */
const leaf = (depth: number, name: string, text: string, attributes = '') => `${'  '.repeat(depth)}<${name}${attributes}>${xmlText(text)}</${name}>\n`;

/** The bank of an account: its BIC, or NOTPROVIDED (IBAN-only, which SEPA allows since 2016). */
function agent(depth: number, name: string, bic: string | null): string {
  const pad = '  '.repeat(depth);
  const inner = bic !== null ? leaf(depth + 2, 'BIC', bic) : `${pad}    <Othr>\n${leaf(depth + 3, 'Id', 'NOTPROVIDED')}${pad}    </Othr>\n`;
  return `${pad}<${name}>\n${pad}  <FinInstnId>\n${inner}${pad}  </FinInstnId>\n${pad}</${name}>\n`;
}

/**
 * The pain.008.001.02 XML of `input`, UTF-8, in pieces (a transaction each), so that a file of many transactions is
 * written without building one string of it.
 */
export function* pain008Pieces(input: Pain008Input): Generator<string> {
  const all = input.batches.flatMap((b) => b.transactions);
  const group = totals(all);
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<Document xmlns="${namespace}">\n  <CstmrDrctDbtInitn>\n`;
  yield `    <GrpHdr>\n${leaf(3, 'MsgId', input.messageId)}${leaf(3, 'CreDtTm', input.createdAt)}${leaf(3, 'NbOfTxs', String(group.count))}${leaf(3, 'CtrlSum', sepaAmount(group.sum))}`;
  yield `      <InitgPty>\n${leaf(4, 'Nm', input.creditor.name)}      </InitgPty>\n    </GrpHdr>\n`;
  for (const batch of input.batches) {
    const sums = totals(batch.transactions);
    yield `    <PmtInf>\n${leaf(3, 'PmtInfId', batch.id)}${leaf(3, 'PmtMtd', 'DD')}${leaf(3, 'NbOfTxs', String(sums.count))}${leaf(3, 'CtrlSum', sepaAmount(sums.sum))}`;
    yield `      <PmtTpInf>\n        <SvcLvl>\n${leaf(5, 'Cd', 'SEPA')}        </SvcLvl>\n        <LclInstrm>\n${leaf(5, 'Cd', localInstrument(batch.scheme))}        </LclInstrm>\n${leaf(4, 'SeqTp', batch.sequence)}      </PmtTpInf>\n`;
    yield leaf(3, 'ReqdColltnDt', input.collectionDate);
    yield `      <Cdtr>\n${leaf(4, 'Nm', input.creditor.name)}      </Cdtr>\n`;
    yield `      <CdtrAcct>\n        <Id>\n${leaf(5, 'IBAN', input.creditor.iban)}        </Id>\n      </CdtrAcct>\n`;
    yield agent(3, 'CdtrAgt', input.creditor.bic);
    yield leaf(3, 'ChrgBr', 'SLEV');
    yield `      <CdtrSchmeId>\n        <Id>\n          <PrvtId>\n            <Othr>\n${leaf(7, 'Id', input.creditor.creditorId)}              <SchmeNm>\n${leaf(8, 'Prtry', 'SEPA')}              </SchmeNm>\n            </Othr>\n          </PrvtId>\n        </Id>\n      </CdtrSchmeId>\n`;
    for (const t of batch.transactions) {
      yield `      <DrctDbtTxInf>\n        <PmtId>\n${leaf(5, 'EndToEndId', t.endToEndId)}        </PmtId>\n${leaf(4, 'InstdAmt', sepaAmount(t.amount), ' Ccy="EUR"')}`
        + `        <DrctDbtTx>\n          <MndtRltdInf>\n${leaf(6, 'MndtId', t.mandateReference)}${leaf(6, 'DtOfSgntr', t.mandateSignedOn)}${leaf(6, 'AmdmntInd', 'false')}          </MndtRltdInf>\n        </DrctDbtTx>\n`
        + agent(4, 'DbtrAgt', t.debtorBic)
        + `        <Dbtr>\n${leaf(5, 'Nm', t.debtorName)}        </Dbtr>\n`
        + `        <DbtrAcct>\n          <Id>\n${leaf(6, 'IBAN', t.debtorIban)}          </Id>\n        </DbtrAcct>\n`
        + `        <RmtInf>\n${leaf(5, 'Ustrd', t.remittance)}        </RmtInf>\n      </DrctDbtTxInf>\n`;
    }
    yield '    </PmtInf>\n';
  }
  yield '  </CstmrDrctDbtInitn>\n</Document>\n';
}

/** The pain.008.001.02 XML of `input`, as one string. */
export const writePain008 = (input: Pain008Input): string => [...pain008Pieces(input)].join('');

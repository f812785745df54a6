/**
 * The ISO 20022 pain.008.001.02 file (CustomerDirectDebitInitiationV02) of a SEPA Direct Debit collection, as the
 * EPC implementation guidelines fill it. Element order follows the schema, which the tests check with the
 * official XSD; the rules the schema does not hold (character set, sequence types, sums) are the collection's
 * (src/core/sepa/).
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
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

/** The bank of an account: its BIC, or NOTPROVIDED (IBAN-only, which SEPA allows since 2016). */
function agent(parent: XMLBuilder, name: string, bic: string | null): void {
  const institution = parent.ele(name).ele('FinInstnId');
  if (bic !== null) institution.ele('BIC').txt(bic);
  else institution.ele('Othr').ele('Id').txt('NOTPROVIDED');
}

/** The pain.008.001.02 XML of `input`, UTF-8. */
export function writePain008(input: Pain008Input): string {
  const all = input.batches.flatMap((b) => b.transactions);
  const group = totals(all);
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(namespace, 'Document').ele('CstmrDrctDbtInitn');
  const header = root.ele('GrpHdr');
  header.ele('MsgId').txt(input.messageId);
  header.ele('CreDtTm').txt(input.createdAt);
  header.ele('NbOfTxs').txt(String(group.count));
  header.ele('CtrlSum').txt(sepaAmount(group.sum));
  header.ele('InitgPty').ele('Nm').txt(input.creditor.name);

  for (const batch of input.batches) {
    const sums = totals(batch.transactions);
    const info = root.ele('PmtInf');
    info.ele('PmtInfId').txt(batch.id);
    info.ele('PmtMtd').txt('DD');
    info.ele('NbOfTxs').txt(String(sums.count));
    info.ele('CtrlSum').txt(sepaAmount(sums.sum));
    const type = info.ele('PmtTpInf');
    type.ele('SvcLvl').ele('Cd').txt('SEPA');
    type.ele('LclInstrm').ele('Cd').txt(localInstrument(batch.scheme));
    type.ele('SeqTp').txt(batch.sequence);
    info.ele('ReqdColltnDt').txt(input.collectionDate);
    info.ele('Cdtr').ele('Nm').txt(input.creditor.name);
    info.ele('CdtrAcct').ele('Id').ele('IBAN').txt(input.creditor.iban);
    agent(info, 'CdtrAgt', input.creditor.bic);
    info.ele('ChrgBr').txt('SLEV');
    const scheme = info.ele('CdtrSchmeId').ele('Id').ele('PrvtId').ele('Othr');
    scheme.ele('Id').txt(input.creditor.creditorId);
    scheme.ele('SchmeNm').ele('Prtry').txt('SEPA');

    for (const t of batch.transactions) {
      const tx = info.ele('DrctDbtTxInf');
      tx.ele('PmtId').ele('EndToEndId').txt(t.endToEndId);
      tx.ele('InstdAmt', { Ccy: 'EUR' }).txt(sepaAmount(t.amount));
      const mandate = tx.ele('DrctDbtTx').ele('MndtRltdInf');
      mandate.ele('MndtId').txt(t.mandateReference);
      mandate.ele('DtOfSgntr').txt(t.mandateSignedOn);
      mandate.ele('AmdmntInd').txt('false');
      agent(tx, 'DbtrAgt', t.debtorBic);
      tx.ele('Dbtr').ele('Nm').txt(t.debtorName);
      tx.ele('DbtrAcct').ele('Id').ele('IBAN').txt(t.debtorIban);
      tx.ele('RmtInf').ele('Ustrd').txt(t.remittance);
    }
  }
  return root.end({ prettyPrint: true, wellFormed: true });
}

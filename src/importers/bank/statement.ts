/**
 * What every bank statement reader (CAMT.053/054, OFX, bank CSV) yields: plain entries, one per movement of money,
 * so that matching never knows which format an entry came from.
 */
import { ExitCode, UserError } from '../../errors.js';

export type StatementFormat = 'camt053' | 'camt054' | 'ofx' | 'csv';

export const statementFormats: readonly StatementFormat[] = ['camt053', 'camt054', 'ofx', 'csv'];

export interface StatementEntry {
  /** where it is in the file, for messages: `line 42` (XML, OFX) or `row 7` (CSV) */
  at: string;
  /** the statement's account: an IBAN, or the account number an OFX or CSV file gives */
  account: string | null;
  /** booking date, YYYY-MM-DD */
  date: string;
  /** minor units of `currency`, positive */
  amount: number;
  currency: string;
  direction: 'credit' | 'debit';
  /** the bank's own reference of the entry (CAMT AcctSvcrRef, OFX FITID, a CSV reference column) */
  reference: string | null;
  endToEndId: string | null;
  /** remittance information and the bank's label, joined */
  label: string;
  debtor: string | null;
  debtorIban: string | null;
  /** the entry reverses an earlier one (CAMT RvslInd) */
  reversal: boolean;
  /** a returned direct debit's reason code (CAMT RtrInf/Rsn/Cd, e.g. AM04, MD06) */
  returnReason: string | null;
}

export interface Statement {
  file: string;
  format: StatementFormat;
  entries: AsyncIterable<StatementEntry>;
}

/** A statement that cannot be read: the file and the element or line are named, exit 65. */
export const unreadableStatement = (message: string, hint?: string) => new UserError(message, { exitCode: ExitCode.dataError, hint });

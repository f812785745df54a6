/**
 * Bank statements exported as CSV (or xlsx): French banks' `Date;Libellé;Débit;Crédit` with decimal commas, a
 * signed `Montant` column, and any other layout through `--column` entries naming which column is which (as
 * member imports map theirs). The encoding and the delimiter are detected as for member files; lines above the
 * header (an account number, a balance) are skipped.
 */
import { bindMapping, type BoundMapping, type ColumnMapping, mapRow, noColumnMapping } from '../../core/import/column-mapping.js';
import { templateColumnNamed } from '../../core/import/header-mapping.js';
import type { TemplateColumn } from '../../core/import/template-columns.js';
import { cellText } from '../../core/import/values.js';
import { parseLooseDate } from '../../core/kernel/dates.js';
import { parseAmount } from '../../core/kernel/money.js';
import { openTable } from '../open-table.js';
import type { RawRow } from '../types.js';
import { type StatementEntry, unreadableStatement } from './statement.js';

export type BankColumnKey = 'date' | 'label' | 'amount' | 'debit' | 'credit' | 'currency' | 'reference' | 'debtor' | 'debtorIban' | 'account';

const column = (key: BankColumnKey, header: string, frenchHeaders: string[], aliases: string[]): TemplateColumn<BankColumnKey> => ({
  key,
  header,
  frenchHeaders,
  aliases,
  kind: 'text',
  required: 'no',
  instructions: { en: '', fr: '' },
});

/** The columns a bank CSV may have, under the names French and other banks give them; `--column` names them in English or French. */
export const bankColumns: readonly TemplateColumn<BankColumnKey>[] = [
  column('date', 'Date', ['Date', 'Date opération', "Date d'opération", 'Date comptable', 'Date de comptabilisation'], ['Booking date', 'Transaction date', 'Posted date', 'Date operation']),
  column('label', 'Label', ['Libellé', 'Libellé opération', 'Libellé simplifié', 'Détail', 'Motif'], ['Description', 'Details', 'Memo', 'Narrative', 'Remittance information', 'Libelle']),
  column('amount', 'Amount', ['Montant', 'Montant (EUR)', 'Montant en euros', 'Montant opération'], ['Value', 'Amount (EUR)']),
  column('debit', 'Debit', ['Débit', 'Débit euros', 'Montant débit'], ['Withdrawal', 'Paid out', 'Debit amount']),
  column('credit', 'Credit', ['Crédit', 'Crédit euros', 'Montant crédit'], ['Deposit', 'Paid in', 'Credit amount']),
  column('currency', 'Currency', ['Devise'], ['Ccy']),
  column('reference', 'Reference', ['Référence', "Référence de l'opération", "Numéro d'opération", 'Réf.'], ['Bank reference', 'Transaction ID', 'Ref']),
  column('debtor', 'Counterparty', ['Tiers', 'Contrepartie', 'Émetteur', 'Donneur d’ordre', "Donneur d'ordre"], ['Payer', 'Counterparty name', 'Name']),
  column('debtorIban', 'Counterparty IBAN', ['IBAN contrepartie', 'IBAN du tiers'], ['IBAN', 'Payer IBAN']),
  column('account', 'Account', ['Compte', 'Numéro de compte'], ['Account number', 'Account IBAN']),
];

/** Rows above the header looked at for it: banks put the account and the balance there. */
const headerSearchRows = 30;

const isHeader = (cells: readonly string[]) => {
  const keys = new Set(cells.map((c) => templateColumnNamed(c, bankColumns)?.key));
  return keys.has('date') && (keys.has('amount') || keys.has('credit'));
};

interface Layout {
  headerRow: number;
  bound: BoundMapping<BankColumnKey>;
}

/** The header row and what each column is, or a 65 naming the columns a statement needs. */
function layoutOf(file: string, candidates: Array<{ row: number; cells: string[] }>, mapping: ColumnMapping): Layout {
  const header = mapping.entries.length > 0 ? candidates[0] : (candidates.find((c) => isHeader(c.cells)) ?? candidates[0]);
  if (!header) throw unreadableStatement(`${file} is empty: it has no header row`);
  const bound = bindMapping(mapping, header.cells, bankColumns);
  const fed = new Set<BankColumnKey>(bound.assigned.values());
  header.cells.forEach((cell, i) => {
    const key = templateColumnNamed(cell, bankColumns)?.key;
    if (key && !bound.ignored.has(i) && !bound.assigned.has(i)) fed.add(key);
  });
  const missing = !fed.has('date') ? 'a date column' : !fed.has('amount') && !fed.has('credit') ? 'an amount column (or credit and debit columns)' : null;
  if (missing) {
    throw unreadableStatement(
      `${file}, row ${header.row}: no ${missing} among ${header.cells.map((c) => `"${c}"`).join(', ')}`,
      'name them with --column, e.g. --column "Date comptable=Date" --column "Montant net=Amount" (see the billing guide)',
    );
  }
  return { headerRow: header.row, bound };
}

/** The entries of a bank CSV or xlsx export; `file` names it in messages, `path` is where it is read. */
export async function* readBankCsv(file: string, path: string, options: { mapping?: ColumnMapping | undefined; currency: string; sheet?: string | undefined }): AsyncGenerator<StatementEntry> {
  const mapping = options.mapping ?? noColumnMapping;
  const table = await openTable(file, { path, sheet: options.sheet });
  const candidates = [{ row: table.headerRow, cells: table.headers }];
  const early: RawRow[] = [];
  let layout: Layout | null = isHeader(table.headers) || mapping.entries.length > 0 ? layoutOf(file, candidates, mapping) : null;
  for await (const raw of table.rows) {
    if (layout === null) {
      early.push(raw);
      candidates.push({ row: raw.row, cells: raw.cells.map((c) => cellText(c) ?? '') });
      if (isHeader(candidates.at(-1)!.cells) || early.length >= headerSearchRows) {
        layout = layoutOf(file, candidates, mapping);
        for (const before of early) if (before.row > layout.headerRow) yield* entryOf(file, layout, before, options.currency);
      }
      continue;
    }
    yield* entryOf(file, layout, raw, options.currency);
  }
  if (layout === null) {
    layout = layoutOf(file, candidates, mapping);
    for (const before of early) if (before.row > layout.headerRow) yield* entryOf(file, layout, before, options.currency);
  }
}

function* entryOf(file: string, layout: Layout, raw: RawRow, defaultCurrency: string): Generator<StatementEntry> {
  const cells = mapRow(layout.bound, raw).cells;
  const value = (key: BankColumnKey): { text: string | null; header: string } => {
    for (let i = 0; i < layout.bound.headers.length; i += 1) {
      if (layout.bound.ignored.has(i)) continue;
      const assigned = layout.bound.assigned.get(i) ?? (i < layout.bound.fileColumns ? templateColumnNamed(layout.bound.headers[i]!, bankColumns)?.key : undefined);
      if (assigned === key) return { text: cellText(cells[i]), header: layout.bound.headers[i]! };
    }
    return { text: null, header: key };
  };
  const at = (header: string) => `${file}, row ${raw.row}, ${header}`;
  const currency = (value('currency').text ?? defaultCurrency).toUpperCase();
  const date = value('date');
  if (date.text === null) {
    // a line of totals or a blank separator: no date, nothing moved
    return;
  }
  const read = parseLooseDate(date.text, 'DMY');
  if (read.kind !== 'date') throw unreadableStatement(`${at(date.header)}: "${date.text}" is not a date (DD/MM/YYYY or YYYY-MM-DD)`);
  const money = (field: { text: string | null; header: string }): number | null => {
    if (field.text === null) return null;
    const parsed = parseAmount(field.text, currency);
    if (!parsed.ok) throw unreadableStatement(`${at(field.header)}: "${field.text}": ${parsed.message}`);
    return parsed.value;
  };
  const amountField = value('amount');
  const creditField = value('credit');
  const debitField = value('debit');
  let signed: number | null = money(amountField);
  if (signed === null) {
    const credit = money(creditField);
    const debit = money(debitField);
    if (credit !== null && credit !== 0) signed = Math.abs(credit);
    else if (debit !== null && debit !== 0) signed = -Math.abs(debit);
    else if (credit === 0 || debit === 0) signed = 0;
  }
  if (signed === null) throw unreadableStatement(`${file}, row ${raw.row}: no amount (${[amountField, creditField, debitField].map((f) => f.header).join(', ')} are empty)`);
  yield {
    at: `row ${raw.row}`,
    account: value('account').text?.replace(/\s+/g, '').toUpperCase() ?? null,
    date: read.date,
    amount: Math.abs(signed),
    currency,
    direction: signed < 0 ? 'debit' : 'credit',
    reference: value('reference').text,
    endToEndId: null,
    label: value('label').text ?? '',
    debtor: value('debtor').text,
    debtorIban: value('debtorIban').text?.replace(/\s+/g, '').toUpperCase() ?? null,
    reversal: false,
    returnReason: null,
  };
}

import type { Command } from 'commander';
import { type Action, examples, exportFormat, parseWholeNumber } from '../command-kit.js';
import type { PaymentMethod } from '../db/types.js';
import { usageError } from '../errors.js';
import { renderTable } from '../output.js';
import { parseDateOption } from './memberships.js';

interface RecordFlags {
  amount: string;
  method: string;
  date?: string;
  reference?: string;
  key?: string;
  again?: boolean;
  overpay?: boolean;
}

interface ListFlags {
  invoice?: string;
  member?: string;
  from?: string;
  to?: string;
  status?: string;
  limit?: number;
}

const methods = ['card', 'cash', 'transfer', 'check', 'other'];

/** The filters `payments list` and `payments export` share. */
function filterOptions(command: Command): Command {
  return command
    .option('--invoice <number>', 'payments of this invoice')
    .option('--member <ref>', 'payments of invoices this member pays')
    .option('--from <date>', 'received on or after', parseDateOption('--from'))
    .option('--to <date>', 'received on or before', parseDateOption('--to'))
    .option('--status <status>', 'recorded or cancelled');
}

/** The payments the filter flags select, oldest first. */
async function selectedPayments(db: import('../db/connect.js').Db, flags: ListFlags) {
  if (flags.status !== undefined && flags.status !== 'recorded' && flags.status !== 'cancelled') {
    throw usageError(`--status: "${flags.status}" is not a status; use recorded or cancelled`);
  }
  const { listPayments } = await import('../core/billing/payments.js');
  const { requireInvoice } = await import('../core/billing/invoices.js');
  const { resolveMember } = await import('../core/people/refs.js');
  return listPayments(db.kysely, {
    invoiceId: flags.invoice === undefined ? undefined : (await requireInvoice(db.kysely, flags.invoice)).id,
    payerId: flags.member === undefined ? undefined : (await resolveMember(db.kysely, flags.member)).id,
    from: flags.from,
    to: flags.to,
    status: flags.status as 'recorded' | 'cancelled' | undefined,
    limit: flags.limit,
  });
}

export function registerPayments(program: Command, action: Action): void {
  const payments = program.command('payments').description('payments received against invoices');

  examples(
    payments
      .command('record')
      .argument('<invoice-number>', 'the invoice paid, e.g. INV-2026-00001')
      .description('record a payment; the invoice is paid once fully paid, an overpayment becomes credit')
      .requiredOption('--amount <amount>', 'amount in the invoice currency, e.g. 49, 49.50 or 49,50')
      .requiredOption('--method <method>', 'card, cash, transfer, check or other')
      .option('--date <date>', 'when it was received, from the invoice date to today (default: today)', parseDateOption('--date'))
      .option('--reference <text>', 'bank reference, cheque number, ...')
      .option('--key <text>', 'an idempotency key: run again with the same key and values, it finds this payment instead of recording it twice')
      .option('--again', 'record it although it repeats a payment of the invoice (same amount, date, method and reference)')
      .option('--overpay', 'record it although the invoice is paid already: all of it becomes credit for the payer')
      .action(
        action(async (ctx, number: string, flags: RecordFlags) => {
          const method = flags.method.trim().toLowerCase();
          if (method === 'credit') throw usageError('--method credit: a payment from credit is made by `memberctl credits apply MEMBER --invoice NUMBER`', `record money received with ${methods.join(', ')}`);
          if (!methods.includes(method)) throw usageError(`--method: "${flags.method}" is not a method; use ${methods.join(', ')}`);
          const key = flags.key?.trim();
          if (key === '') throw usageError('--key needs some text', 'e.g. the bank entry\'s reference, or any text unique to this payment');
          const { recordPayment, paymentJson, withInvoice } = await import('../core/billing/payments.js');
          const { invoicesJson } = await import('../core/billing/invoices.js');
          const { formatAmount } = await import('../core/kernel/money.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const input = {
            amount: flags.amount,
            method: method as PaymentMethod,
            date: flags.date ?? asOf,
            reference: flags.reference?.trim() || null,
            key: key ?? null,
            again: Boolean(flags.again),
            overpay: Boolean(flags.overpay),
          };
          const { retryingUniqueRace } = await import('../db/connect.js');
          // the same key recorded at the same moment by another process: the second try finds that payment
          const result = await retryingUniqueRace(db, async (trx) => {
            const recorded = await recordPayment(trx, number, input, asOf, auditSource(ctx.env));
            const [invoice] = await invoicesJson(trx, [recorded.invoice]);
            return { payment: paymentJson(withInvoice(recorded.payment, recorded.invoice)), invoice: invoice!, credit: recorded.creditChange, change: recorded.change };
          });
          const json = { ...result.payment, invoiceStatus: result.invoice.status, credit: formatAmount(Math.max(0, result.credit), result.invoice.currency), change: result.change };
          ctx.out.result(json, () => {
            const { payment, invoice } = result;
            if (result.change === 'unchanged') return `Payment #${payment.id} (${payment.amount} ${payment.currency} on ${invoice.number}) was recorded already with key ${input.key}: nothing changed.`;
            const lines = [`Recorded payment #${payment.id}: ${payment.amount} ${payment.currency} on ${invoice.number}, now ${invoice.status} (paid ${invoice.paid} of ${invoice.total}).`];
            if (result.credit > 0) lines.push(`${formatAmount(result.credit, invoice.currency)} ${invoice.currency} beyond the total is now credit for ${invoice.payer.name}.`);
            return lines.join('\n');
          });
        }),
      ),
    [
      'memberctl payments record INV-2026-00001 --amount 240 --method transfer --reference "VIR 8812"',
      'memberctl payments record INV-2026-00002 --amount 50,00 --method cash --date 2026-02-03',
      'memberctl payments record INV-2026-00003 --amount 120 --method transfer --reference "VIR 42" --key bank-2026-03-0042',
    ],
  );

  examples(
    filterOptions(payments.command('list').description('list payments, oldest first'))
      .option('--limit <n>', 'at most N payments', parseWholeNumber('--limit', 1))
      .action(
        action(async (ctx, flags: ListFlags) => {
          const { paymentJson } = await import('../core/billing/payments.js');
          const db = await ctx.db();
          const json = (await selectedPayments(db, flags)).map(paymentJson);
          ctx.out.result(json, () =>
            json.length === 0
              ? 'No payments match.'
              : renderTable(json, [
                  { header: 'id', value: (p) => p.id, align: 'right' },
                  { header: 'date', value: (p) => p.date },
                  { header: 'invoice', value: (p) => p.invoice },
                  { header: 'payer', value: (p) => p.payer.name },
                  { header: 'amount', value: (p) => p.amount, align: 'right' },
                  { header: 'currency', value: (p) => p.currency },
                  { header: 'method', value: (p) => p.method },
                  { header: 'reference', value: (p) => p.reference },
                  { header: 'status', value: (p) => (p.status === 'cancelled' ? `cancelled: ${p.cancelReason}` : p.status) },
                ]),
          );
        }),
      ),
    ['memberctl payments list', 'memberctl payments list --invoice INV-2026-00001 --json'],
  );

  examples(
    filterOptions(
      payments
        .command('export')
        .description('one row per payment, for the bookkeeper: CSV (stdout or -o) or xlsx (-o)')
        .option('--format <csv|xlsx>', 'file format (default: from the -o extension, else csv)')
        .option('-o, --output <file>', 'write to this file (default for CSV: stdout)'),
    ).action(
      action(async (ctx, flags: ListFlags & { format?: string; output?: string }) => {
        const wanted = exportFormat(flags, ctx.out.json);
        const { exportPaymentsCsv, exportPaymentsXlsx } = await import('../writers/payments-export.js');
        const { assertStdoutOpen, checkOutput, outputGuard } = await import('../safe-file.js');
        if (flags.output) checkOutput(flags.output, '-o', await outputGuard(ctx.dbUrl, []));
        else assertStdoutOpen('the exported payments');
        const db = await ctx.db();
        const rows = await selectedPayments(db, flags);
        if (wanted === 'xlsx') await exportPaymentsXlsx(rows, flags.output!, '-o');
        else await exportPaymentsCsv(rows, flags.output ? { file: flags.output, flag: '-o' } : { stream: process.stdout });
        if (flags.output) ctx.out.result({ file: flags.output, format: wanted, payments: rows.length }, () => null);
        ctx.out.info(`Exported ${rows.length === 1 ? '1 payment' : `${rows.length} payments`}${flags.output ? ` to ${flags.output}` : ''}.`);
      }),
    ),
    ['memberctl payments export -o payments-2026.xlsx --from 2026-01-01 --to 2026-12-31', 'memberctl payments export --status recorded > payments.csv'],
  );

  examples(
    payments
      .command('import')
      .argument('<file>', 'a bank statement: CAMT.053 or CAMT.054 (XML), OFX, or a CSV or xlsx export; - for standard input')
      .description("record a bank statement's credits as payments of the invoices they name; returned debits reopen theirs")
      .option('--format <format>', 'camt053, camt054, ofx or csv (default: read from the content)')
      .option('--dry-run', 'say what it would do, write nothing')
      .option('--accept-suggested', 'apply the suggestions too: credits of the exact amount due from a payer whose name or IBAN resembles the debtor')
      .option('--review <file>', 'write every entry and what it became to this .csv or .xlsx file')
      .option(
        '--column <entry>',
        'CSV only: which column is which, "Source=Date|Label|Amount|Debit|Credit|Currency|Reference|Counterparty|Counterparty IBAN"; repeatable',
        (entry: string, entries: string[] = []) => [...entries, entry],
      )
      .option('--columns <file>', 'CSV only: a saved column mapping (JSON, as for member imports); --column entries override it')
      .action(
        action(async (ctx, file: string, flags: import('./payments-import.js').PaymentsImportFlags) => {
          const { paymentsImport } = await import('./payments-import.js');
          return paymentsImport(ctx, file, flags);
        }),
      ),
    [
      'memberctl payments import releve-2026-03.xml --review revue.xlsx',
      'memberctl payments import releve.csv --dry-run',
      'memberctl payments import releve.csv --accept-suggested',
      'memberctl payments import export.csv --column "Date valeur=" --column "Date compta=Date" --column "Montant net=Amount"',
    ],
  );

  examples(
    payments
      .command('cancel')
      .argument('<payment-id>', 'the payment id (see `memberctl payments list`)', parseWholeNumber('payment id', 1))
      .description('cancel a payment recorded by mistake or bounced; its invoice is open again if no longer fully paid')
      .requiredOption('--reason <text>', 'why it is cancelled')
      .action(
        action(async (ctx, id: number, flags: { reason: string }) => {
          if (flags.reason.trim() === '') throw usageError('--reason needs some text');
          const { cancelPayment, paymentJson, withInvoice } = await import('../core/billing/payments.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          if (ctx.interactive) {
            const { confirmOrStop } = await import('../confirm.js');
            const { formatAmount } = await import('../core/kernel/money.js');
            const payment = await db.kysely
              .selectFrom('payments')
              .innerJoin('invoices', 'invoices.id', 'payments.invoice_id')
              .select(['payments.amount', 'payments.currency', 'payments.method', 'payments.date', 'invoices.number', 'invoices.payer_name'])
              .where('payments.id', '=', id)
              .executeTakeFirst();
            // an unknown id is refused by cancelPayment below, without a question
            const summary = payment
              ? `Cancel payment #${id}: ${formatAmount(payment.amount, payment.currency)} ${payment.currency} by ${payment.method} on ${payment.date} for invoice ${payment.number} of ${payment.payer_name}; the invoice is open again if no longer fully paid.`
              : null;
            if (summary !== null && !(await confirmOrStop(summary, { ctx }))) return 0;
          }
          const result = await db.kysely.transaction().execute((trx) => cancelPayment(trx, id, flags.reason.trim(), asOf, auditSource(ctx.env)));
          const json = { ...paymentJson(withInvoice(result.payment, result.invoice)), invoiceStatus: result.invoice.status };
          ctx.out.result(json, () => `Cancelled payment #${json.id} (${json.amount} ${json.currency}); invoice ${json.invoice} is ${result.invoice.status}.`);
        }),
      ),
    ['memberctl payments cancel 17 --reason "cheque bounced"'],
  );
}

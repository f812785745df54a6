import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import type { ChargeJson } from '../core/billing/charges.js';
import { renderTable } from '../output.js';
import { outputFormat } from './members.js';
import { parseDateOption } from './memberships.js';

interface AddFlags {
  amount: string;
  description: string;
  quantity?: string;
  taxRate?: string;
  date?: string;
  deposit?: boolean;
  invoiceNow?: boolean;
}

const amountText = (c: ChargeJson) => `${c.quantity} x ${c.unitPrice} ${c.currency}`;

export function registerCharges(program: Command, action: Action): void {
  const charges = program.command('charges').description("one-off charges and deposits, billed once on the member's payer's invoice");

  examples(
    charges
      .command('add')
      .argument('<ref>', 'the member: id, e-mail or exact name (billed to their payer, as their memberships are)')
      .description('add a one-off charge, billed by the next `invoices run` on or after its date, or at once with --invoice-now')
      .requiredOption('--amount <amount>', 'net price of one unit, e.g. 12.50 or 12,50, in the `currency` setting')
      .requiredOption('--description <text>', 'what is sold, e.g. "Meeting room (2 h)": the invoice line says it')
      .option('--quantity <n>', 'how many units (default 1)')
      .option('--tax-rate <percent>', 'tax rate in percent, e.g. 20 or 5.5 (default 0)')
      .option('--date <date>', 'the day of the charge, YYYY-MM-DD (default: today): billed by the first run on or after it', parseDateOption('--date'))
      .option('--deposit', 'a refundable deposit: held once billed, until `charges refund`')
      .option('--invoice-now', 'bill it at once on its own invoice, numbered in the invoice sequence')
      .action(
        action(async (ctx, ref: string, flags: AddFlags) => {
          const { addCharge, chargeJson } = await import('../core/billing/charges.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const { view, invoice } = await db.kysely.transaction().execute((trx) =>
            addCharge(
              trx,
              {
                memberRef: ref,
                amount: flags.amount,
                description: flags.description,
                quantity: flags.quantity,
                taxRate: flags.taxRate,
                date: flags.date,
                deposit: flags.deposit === true,
                invoiceNow: flags.invoiceNow === true,
              },
              asOf,
              auditSource(ctx.env),
            ),
          );
          const json = chargeJson(view);
          ctx.out.result({ ...json, invoiceIssued: invoice }, () =>
            [
              `Added ${json.deposit ? 'deposit' : 'charge'} ${json.id} for ${json.member.name}: ${json.description}, ${amountText(json)} (tax ${json.taxRate}%), dated ${json.date}.`,
              invoice ? `Issued invoice ${invoice.number} to ${invoice.payer.name}: ${invoice.total} ${invoice.currency}.` : `Billed by the next \`memberctl invoices run\` on or after ${json.date}.`,
            ].join('\n'),
          );
        }),
      ),
    [
      'memberctl charges add jane@example.org --amount 12.50 --quantity 3 --tax-rate 20 --description "Meeting room (1 h)"',
      'memberctl charges add 12 --amount 50 --description "Locker key" --deposit --invoice-now',
    ],
  );

  examples(
    charges
      .command('list')
      .description('list charges, oldest first, with their invoice and state (unbilled, billed; deposits held or refunded)')
      .option('--member <ref>', "this member's charges")
      .option('--unbilled', 'only those not billed yet')
      .option('--format <table|csv|json>', 'output format (default table; --json is the same as --format json)')
      .action(
        action(async (ctx, flags: { member?: string; unbilled?: boolean; format?: string }) => {
          const format = outputFormat(ctx, flags.format);
          const { listCharges, chargeJson } = await import('../core/billing/charges.js');
          const { resolveMember } = await import('../core/people/refs.js');
          const db = await ctx.db();
          const memberId = flags.member === undefined ? undefined : (await resolveMember(db.kysely, flags.member, '--member')).id;
          const rows = (await listCharges(db.kysely, { memberId, unbilled: flags.unbilled === true })).map(chargeJson);
          if (format !== 'table') {
            const { assertStdoutOpen } = await import('../safe-file.js');
            assertStdoutOpen(`the ${format === 'csv' ? 'CSV' : 'JSON'} list`);
          }
          if (format === 'json') {
            process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
            return;
          }
          if (format === 'csv') {
            const { csvLines } = await import('../writers/cells.js');
            const header = ['ID', 'Member ID', 'Member', 'Date', 'Description', 'Quantity', 'Unit price', 'Currency', 'Tax rate', 'Net', 'Deposit', 'State', 'Invoice', 'Credit note'];
            const lines = rows.map((c) => [c.id, c.member.id, c.member.name, c.date, c.description, c.quantity, c.unitPrice, c.currency, c.taxRate, c.net, c.deposit ? 'yes' : 'no', c.state, c.invoice ?? '', c.creditNote ?? '']);
            process.stdout.write(csvLines([header, ...lines]));
            return;
          }
          ctx.out.print(
            rows.length === 0
              ? 'No charges match.'
              : renderTable(rows, [
                  { header: 'id', value: (c) => c.id, align: 'right' },
                  { header: 'member', value: (c) => c.member.name },
                  { header: 'date', value: (c) => c.date },
                  { header: 'description', value: (c) => c.description },
                  { header: 'amount', value: amountText, align: 'right' },
                  { header: 'tax', value: (c) => `${c.taxRate}%`, align: 'right' },
                  { header: 'state', value: (c) => c.state },
                  { header: 'invoice', value: (c) => c.creditNote ? `${c.invoice} (${c.creditNote})` : c.invoice },
                ]),
          );
        }),
      ),
    ['memberctl charges list --unbilled', 'memberctl charges list --member jane@example.org --format csv > charges.csv'],
  );

  examples(
    charges
      .command('remove')
      .argument('<id>', 'the charge id (`charges list`)')
      .description('remove a charge not billed yet (a billed one stays on its invoice: void the invoice or refund the deposit)')
      .action(
        action(async (ctx, id: string) => {
          const { removeCharge, chargeJson } = await import('../core/billing/charges.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const view = await db.kysely.transaction().execute((trx) => removeCharge(trx, id, auditSource(ctx.env)));
          const charge = chargeJson(view);
          const json = { ...charge, state: 'removed' as const };
          ctx.out.result(json, () => `Removed charge ${json.id} of ${json.member.name}: ${json.description}, ${amountText(charge)}.`);
        }),
      ),
    ['memberctl charges remove 7'],
  );

  examples(
    charges
      .command('refund')
      .argument('<id>', 'the deposit charge id (`charges list`)')
      .description("refund a deposit: a credit note for its line of the paid invoice that billed it, as of --today")
      .option('--reason <text>', 'the credit note reason (default: "deposit refunded: DESCRIPTION")')
      .action(
        action(async (ctx, id: string, flags: { reason?: string }) => {
          const { refundDeposit, chargeJson } = await import('../core/billing/charges.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const { view, creditNote } = await db.kysely.transaction().execute((trx) => refundDeposit(trx, id, flags.reason?.trim() || null, asOf, auditSource(ctx.env)));
          const json = chargeJson(view);
          ctx.out.result(json, () => `Refunded deposit ${json.id} of ${json.member.name} (${json.description}) by credit note ${creditNote} for invoice ${json.invoice}.`);
        }),
      ),
    ['memberctl charges refund 7', 'memberctl charges refund 7 --reason "key returned"'],
  );
}

import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import type { MandateJson } from '../core/sepa/mandates.js';
import type { SepaScheme } from '../db/types.js';
import { usageError } from '../errors.js';
import { renderTable } from '../output.js';
import { parseDateOption } from './memberships.js';

interface AddFlags {
  iban: string;
  bic?: string;
  reference?: string;
  signed: string;
  scheme?: string;
}

const states = ['active', 'revoked', 'expired'] as const;

function parseScheme(value: string | undefined): SepaScheme {
  const scheme = (value ?? 'core').trim().toLowerCase();
  if (scheme !== 'core' && scheme !== 'b2b') throw usageError(`--scheme: "${value}" is not a scheme; use core or b2b`);
  return scheme;
}

function renderMandate(m: MandateJson): string {
  return [
    `${m.reference}  ${m.status}${m.status === 'revoked' ? ` on ${m.revokedOn}${m.revokeReason ? ` (${m.revokeReason})` : ''}` : ''}`,
    `payer       ${m.payer.name} (#${m.payer.id})`,
    `IBAN        ${m.iban}${m.bic ? `  BIC ${m.bic}` : ''}`,
    `scheme      ${m.scheme.toUpperCase()}, signed on ${m.signedOn}`,
    `collected   ${m.collections} time${m.collections === 1 ? '' : 's'}${m.lastCollection ? `, last on ${m.lastCollection}` : ''}; next sequence ${m.nextSequence}`,
    ...(m.expiresOn ? [`expires     ${m.expiresOn} unless collected before`] : []),
  ].join('\n');
}

export function registerMandates(program: Command, action: Action): void {
  const mandates = program.command('mandates').description('SEPA Direct Debit mandates of payers, collected by `invoices collect --sepa`');

  examples(
    mandates
      .command('add')
      .argument('<ref>', 'the payer: member id, e-mail or exact name (the member the invoices are issued to)')
      .description('record a SEPA Direct Debit mandate the payer signed')
      .requiredOption('--iban <iban>', "the payer's IBAN (spaces allowed; its check digits are verified)")
      .requiredOption('--signed <date>', 'the day the mandate was signed, YYYY-MM-DD (not after today)', parseDateOption('--signed'))
      .option('--bic <bic>', "the BIC of the payer's bank (optional: SEPA accepts the IBAN alone)")
      .option('--reference <text>', 'the unique mandate reference, at most 35 characters (default: MND-<payer id>-<n>)')
      .option('--scheme <core|b2b>', 'core (consumers, the default) or b2b (businesses, registered with their bank)')
      .action(
        action(async (ctx, ref: string, flags: AddFlags) => {
          const scheme = parseScheme(flags.scheme);
          const { addMandate, mandateJson } = await import('../core/sepa/mandates.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const view = await db.kysely
            .transaction()
            .execute((trx) =>
              addMandate(trx, { memberRef: ref, iban: flags.iban, bic: flags.bic, reference: flags.reference, signedOn: flags.signed, scheme }, asOf, auditSource(ctx.env)),
            );
          const json = mandateJson(view, asOf);
          ctx.out.result(json, () => `Added mandate ${json.reference} (${json.scheme.toUpperCase()}) for ${json.payer.name}: IBAN ${json.iban}, signed on ${json.signedOn}.`);
        }),
      ),
    [
      'memberctl mandates add jane@example.org --iban "FR76 3000 6000 0112 3456 7890 189" --signed 2026-01-15',
      'memberctl mandates add 12 --iban DE89370400440532013000 --bic COBADEFFXXX --reference ACME-2026-01 --scheme b2b --signed 2026-02-01',
    ],
  );

  examples(
    mandates
      .command('list')
      .description('list mandates, oldest first, with their state as of --today')
      .option('--member <ref>', "the payer's mandates")
      .option('--status <status>', 'active, revoked or expired')
      .action(
        action(async (ctx, flags: { member?: string; status?: string }) => {
          const status = flags.status?.trim().toLowerCase();
          if (status !== undefined && !(states as readonly string[]).includes(status)) throw usageError(`--status: "${flags.status}" is not a state; use active, revoked or expired`);
          const { listMandates, mandateJson } = await import('../core/sepa/mandates.js');
          const { resolveMember } = await import('../core/people/refs.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          const payerId = flags.member === undefined ? undefined : (await resolveMember(db.kysely, flags.member, '--member')).id;
          const rows = (await listMandates(db.kysely, { payerId, status: status as (typeof states)[number] | undefined }, asOf)).map((v) => mandateJson(v, asOf));
          ctx.out.result(rows, () =>
            rows.length === 0
              ? 'No mandates match.'
              : renderTable(rows, [
                  { header: 'reference', value: (m) => m.reference },
                  { header: 'payer', value: (m) => m.payer.name },
                  { header: 'iban', value: (m) => m.iban },
                  { header: 'scheme', value: (m) => m.scheme },
                  { header: 'signed', value: (m) => m.signedOn },
                  { header: 'last collection', value: (m) => m.lastCollection },
                  { header: 'next', value: (m) => m.nextSequence },
                  { header: 'status', value: (m) => m.status },
                ]),
          );
        }),
      ),
    ['memberctl mandates list', 'memberctl mandates list --status active --json'],
  );

  examples(
    mandates
      .command('show')
      .argument('<reference>', 'the mandate reference')
      .description('show one mandate: its payer, account, state, collections and next sequence type')
      .action(
        action(async (ctx, reference: string) => {
          const { showMandate, mandateJson } = await import('../core/sepa/mandates.js');
          const db = await ctx.db();
          const json = mandateJson(await showMandate(db.kysely, reference), await ctx.today());
          ctx.out.result(json, () => renderMandate(json));
        }),
      ),
    ['memberctl mandates show MND-000012-01'],
  );

  examples(
    mandates
      .command('revoke')
      .argument('<reference>', 'the mandate reference')
      .description('revoke a mandate: no collection uses it from then on (a file already written is not changed)')
      .option('--date <date>', 'the day it was revoked (default: today)', parseDateOption('--date'))
      .option('--reason <text>', 'why, e.g. "the member cancelled it"')
      .action(
        action(async (ctx, reference: string, flags: { date?: string; reason?: string }) => {
          const { revokeMandate, mandateJson, pendingItems } = await import('../core/sepa/mandates.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          if (ctx.interactive) {
            const { requireMandate } = await import('../core/sepa/mandates.js');
            const { confirmOrStop } = await import('../confirm.js');
            const mandate = await requireMandate(db.kysely, reference);
            const payer = await db.kysely.selectFrom('members').select('name').where('id', '=', mandate.member_id).executeTakeFirst();
            const summary = `Revoke mandate ${mandate.reference} of ${payer?.name ?? `#${mandate.member_id}`}: no collection uses it again; a new signed mandate is needed to collect from them.`;
            if (mandate.status === 'active' && !(await confirmOrStop(summary, { ctx }))) return 0;
          }
          const view = await db.kysely
            .transaction()
            .execute((trx) => revokeMandate(trx, reference, { date: flags.date ?? asOf, reason: flags.reason?.trim() || null }, asOf, auditSource(ctx.env)));
          const pending = await pendingItems(db.kysely, view.mandate.id);
          const json = mandateJson(view, asOf);
          ctx.out.result(json, () => `Revoked mandate ${json.reference} of ${json.payer.name} on ${json.revokedOn}.`);
          if (pending > 0) ctx.out.warn(`${pending} invoice${pending === 1 ? ' is' : 's are'} still being collected on it by a file already written.`);
        }),
      ),
    ['memberctl mandates revoke MND-000012-01 --reason "cancelled by the member"'],
  );
}

import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import type { Context } from '../context.js';
import type { IdentityField, IdentityInput, IdentityProblem, OrgIdentity } from '../core/org/identity.js';
import type { IdentityStatus } from '../core/org/org-store.js';

interface SetFlags extends Omit<IdentityInput, 'logo'> {
  /** a file name, or false for --no-logo */
  logo?: string | false;
}

/** How the human output names each field. */
const labels: Record<IdentityField, string> = {
  name: 'name',
  address: 'address',
  postcode: 'postcode',
  city: 'city',
  country: 'country',
  siren: 'SIREN',
  siret: 'SIRET',
  vatId: 'VAT number',
  email: 'e-mail',
  phone: 'phone',
  iban: 'IBAN',
  bic: 'BIC',
  legalForm: 'legal form',
  registration: 'registration',
  vatExemption: 'VAT exemption',
  latePenalty: 'late penalty',
  footer: 'footer',
  logo: 'logo',
};

const group = (text: string, size: number) => text.replace(new RegExp(`(.{${size}})(?=.)`, 'g'), '$1 ');

/** The readable block of `org show`: every field, "-" when unset, continuation lines indented. */
async function identityBlock(identity: OrgIdentity): Promise<string> {
  const { countryName } = await import('../core/org/identity.js');
  const siren = identity.siren && `${identity.siren.slice(0, 3)} ${identity.siren.slice(3, 6)} ${identity.siren.slice(6)}`;
  const shown: Record<keyof typeof labels, string | null> = {
    ...identity,
    country: `${identity.country} (${countryName(identity.country)})`,
    siren,
    siret: identity.siret && `${siren} ${identity.siret.slice(9)}`,
    iban: identity.iban && group(identity.iban, 4),
    logo: identity.logo && `${identity.logo.type}, ${identity.logo.bytes.length.toLocaleString('en')} bytes`,
  };
  const rows = (Object.keys(labels) as Array<keyof typeof labels>).map((field) => [labels[field], shown[field]] as const);
  const width = Math.max(...rows.map(([label]) => label.length));
  const indent = ' '.repeat(width + 4);
  return [
    "The organisation's identity",
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value === null ? '-' : value.replace(/\r?\n/g, `\n${indent}`)}`),
  ].join('\n');
}

function warnMissing(ctx: Context, status: IdentityStatus): void {
  for (const m of status.missing) ctx.out.warn(`invoices need ${m.option}: ${m.why}`);
}

async function statusJson(status: IdentityStatus) {
  const { identityJson } = await import('../core/org/identity.js');
  return { ...identityJson(status.identity), missingForInvoices: status.missing };
}

/** Reads the file of --logo: a missing or unreadable file is a 66, a file too large or not an image a 64. */
async function readLogo(file: string): Promise<{ logo: IdentityInput['logo'] } | { problem: IdentityProblem }> {
  const fs = await import('node:fs/promises');
  const { logoFromBytes, maxLogoBytes } = await import('../core/org/identity.js');
  const unreadable = (why: string) => ({ problem: { option: '--logo', message: `--logo ${file}: ${why}`, exitCode: 66 as const } });
  let size: number;
  try {
    const stat = await fs.stat(file);
    if (stat.isDirectory()) return unreadable('is a folder, not an image file');
    // a device or a pipe (/dev/zero, /dev/stdin) has no size to check and might never end
    if (!stat.isFile()) return unreadable('is not a regular file');
    size = stat.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return unreadable(code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (error as Error).message})`);
  }
  // a huge file is refused before it is read
  if (size > maxLogoBytes) return { problem: { option: '--logo', message: `--logo ${file}: the file is ${size} bytes; a logo is at most 1 MB (${maxLogoBytes} bytes)` } };
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    return unreadable(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const logo = logoFromBytes(bytes);
  if ('problem' in logo) return { problem: { option: '--logo', message: `--logo ${file}: ${logo.problem}` } };
  return { logo };
}

export function registerOrg(program: Command, action: Action): void {
  const org = program.command('org').description("the organisation's identity: name, address, SIREN, VAT number, bank details, logo (printed on invoices)");

  examples(
    org
      .command('show')
      .description("the organisation's identity, and what a legal invoice still lacks (warnings on stderr)")
      .action(
        action(async (ctx) => {
          const { identityStatus } = await import('../core/org/org-store.js');
          const db = await ctx.db();
          const status = await identityStatus(db.kysely);
          const block = ctx.out.json ? '' : await identityBlock(status.identity);
          ctx.out.result(await statusJson(status), () => block);
          warnMissing(ctx, status);
        }),
      ),
    ['memberctl org show', 'memberctl org show --json'],
  );

  examples(
    org
      .command('set')
      .description('change the identity: only the options given; "" clears a field; every value is checked first, and one refused changes nothing')
      .option('--name <name>', 'legal name of the organisation')
      .option('--address <address>', 'street address (line breaks allowed)')
      .option('--postcode <code>', "postcode (5 digits in FR; checked against the country's format)")
      .option('--city <city>', 'city')
      .option('--country <code>', 'ISO 3166-1 alpha-2 country code ("" goes back to FR, the default)')
      .option('--siren <number>', 'SIREN, 9 digits (Luhn-checked); a 14-digit SIRET is accepted: its SIREN and the SIRET are kept')
      .option('--vat-id <number>', "VAT number in its country's format (FR: the key is checked against the SIREN)")
      .option('--email <email>', 'e-mail address printed on documents')
      .option('--phone <phone>', 'phone number printed on documents')
      .option('--iban <iban>', 'IBAN for transfers (check digits and country format checked)')
      .option('--bic <bic>', 'BIC (SWIFT code) of the bank, 8 or 11 characters')
      .option('--legal-form <text>', 'legal form and capital, e.g. "SAS au capital de 10 000 €"')
      .option('--registration <text>', 'registration, e.g. "RCS Lyon 123 456 789"')
      .option('--logo <file>', 'logo: a PNG or JPEG file of at most 1 MB, stored in the database')
      .option('--no-logo', 'remove the logo')
      .option('--vat-exemption <text>', 'mention on invoices without VAT, e.g. "TVA non applicable, art. 293 B du CGI"')
      .option('--late-penalty <text>', 'late payment penalties printed on invoices')
      .option('--footer <text>', 'footer of documents (line breaks allowed)')
      .action(
        action(async (ctx, flags: SetFlags) => {
          const { usageError } = await import('../errors.js');
          const { IdentityProblems, identityStatus, setIdentity } = await import('../core/org/org-store.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const { logo: logoFlag, ...texts } = flags;
          const input: IdentityInput = { ...texts };
          const fileProblems: IdentityProblem[] = [];
          if (logoFlag === false) input.logo = null;
          else if (logoFlag !== undefined) {
            const read = await readLogo(logoFlag);
            if ('problem' in read) fileProblems.push(read.problem);
            else input.logo = read.logo;
          }
          if (Object.keys(input).length === 0 && fileProblems.length === 0) {
            throw usageError('org set: give at least one option to change', 'see `memberctl org set --help`; `memberctl org show` prints the identity');
          }
          const db = await ctx.db();
          const source = auditSource(ctx.env);
          let changed: IdentityField[];
          try {
            changed = (await db.kysely.transaction().execute((trx) => setIdentity(trx, input, source, fileProblems))).changed;
          } catch (error) {
            // one line per refused value, then the count as the error itself
            if (error instanceof IdentityProblems && error.problems.length > 1) for (const p of error.problems) ctx.out.error(p.message);
            throw error;
          }
          const status = await identityStatus(db.kysely);
          ctx.out.result({ changed, ...(await statusJson(status)) }, () =>
            changed.length === 0 ? 'Nothing to change.' : `Updated the organisation's identity: ${changed.map((f) => labels[f]).join(', ')}.`,
          );
          if (status.missing.length > 0) ctx.out.info(`Invoices still need ${status.missing.map((m) => m.option).join(', ')} (see \`memberctl org show\`).`);
        }),
      ),
    [
      'memberctl org set --name "Coworking Lumière" --address "12 rue de la République" --postcode 69001 --city Lyon',
      'memberctl org set --siren "732 829 320" --vat-id FR44732829320',
      'memberctl org set --iban "FR76 3000 6000 0112 3456 7890 189" --bic BNPAFRPP',
      'memberctl org set --legal-form "SAS au capital de 10 000 €" --registration "RCS Lyon 732 829 320"',
      'memberctl org set --logo logo.png',
      'memberctl org set --vat-exemption "TVA non applicable, art. 293 B du CGI"',
      'memberctl org set --phone "" --no-logo',
    ],
  );
}

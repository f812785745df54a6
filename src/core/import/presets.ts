/**
 * Presets (docs/importing.md, "Presets"): the column mappings of other systems' member exports, chosen with
 * `--preset NAME`. A preset is a column mapping whose entries apply only to the columns the file has; the user's
 * `--column` and `--columns` entries compose with it and win. `detectPreset` names the preset whose headers a file
 * has, for `validate` to suggest it.
 */
import { usageError } from '../../errors.js';
import type { DateConvention } from '../kernel/dates.js';
import { type Problem, problem } from '../kernel/problems.js';
import { closest } from '../kernel/suggest.js';
import { type ColumnEntry, type ColumnMapping, noColumnMapping, overlayMapping, sourceKey } from './column-mapping.js';
import { templateColumnNamed } from './header-mapping.js';
import { type MemberColumnKey, templateColumns } from './template-columns.js';

export interface Preset {
  /** what `--preset` takes */
  name: string;
  vendor: string;
  /** headers that only this vendor's export has together: a file with all of them is such an export */
  signature: readonly string[];
  /** the vendor's column -> the template column it is read as, or null: not read (a `+` joins columns) */
  columns: ReadonlyArray<readonly [source: string, target: string | null]>;
  /** the vendor's values of a column -> what is read instead (an empty string empties the cell) */
  values?: ReadonlyArray<readonly [source: string, map: ReadonlyArray<readonly [from: string, to: string]>]>;
  /** how its day/month dates are written, when the vendor writes them one way */
  dateFormat?: DateConvention;
}

export const presets: readonly Preset[] = [
  {
    name: 'helloasso',
    vendor: 'HelloAsso',
    signature: ['Date de la commande', 'Tarif', 'Statut de la commande'],
    columns: [
      ['Prénom adhérent+Nom adhérent', 'Name'],
      // older exports and hand-edited copies
      ['Prénom+Nom', 'Name'],
      // the member's own e-mail when the campaign asks for it, else the payer's
      ['Email adhérent', 'Email'],
      ['Email payeur', 'Email'],
      ['Date de la commande', 'Start date'],
      ['Tarif', 'Plan name'],
      ['Référence commande', null],
      ['Statut de la commande', null],
      ['Nom payeur', null],
      ['Prénom payeur', null],
      ['Raison sociale', null],
      ['Moyen de paiement', null],
      ['Montant tarif', null],
      ['Montant du tarif', null],
      ['Code Promo', null],
      ['Montant code promo', null],
    ],
    dateFormat: 'DMY',
  },
  {
    name: 'ghost',
    vendor: 'Ghost',
    signature: ['subscribed_to_emails', 'complimentary_plan', 'stripe_customer_id'],
    columns: [
      ['id', 'External ID'],
      ['note', 'Notes'],
      ['subscribed_to_emails', 'No mail'],
      ['complimentary_plan', null],
      ['stripe_customer_id', null],
      ['created_at', 'Start date'],
      ['deleted_at', null],
      ['labels', 'Tags'],
      ['tiers', 'Plan name'],
      ['products', 'Plan name'],
      ['gift_id', null],
    ],
    values: [['subscribed_to_emails', [['true', 'no'], ['false', 'yes']]]],
  },
  {
    name: 'wildapricot',
    vendor: 'Wild Apricot',
    signature: ['Membership level', 'Member since', 'Renewal due'],
    columns: [
      ['User ID', 'External ID'],
      ['First name+Last name', 'Name'],
      ['Membership level', 'Plan name'],
      ['Membership status', null],
      ['Member since', 'Start date'],
      ['Renewal due', 'Next invoice date'],
    ],
    values: [['Renewal due', [['NEVER', '']]]],
  },
  {
    name: 'civicrm',
    vendor: 'CiviCRM',
    signature: ['Membership Type', 'Membership Start Date', 'Membership Expiration Date'],
    columns: [
      ['Contact ID', 'External ID'],
      ['Display Name', 'Name'],
      ['Membership Type', 'Plan name'],
      ['Membership Status', null],
      ['Membership Start Date', 'Start date'],
      ['Member Since', null],
      ['Membership Expiration Date', null],
      ['Membership ID', null],
      ['Membership Source', null],
      ['Current Employer', 'Company'],
    ],
  },
  {
    name: 'nexudus',
    vendor: 'Nexudus',
    signature: ['FullName', 'ContractStartDate'],
    columns: [
      ['FullName', 'Name'],
      ['Location', null],
      ['Active', null],
      ['SendWelcomeEmail', null],
      ['Plan', 'Plan name'],
      ['RegistrationDate', null],
      ['ContractStartDate', 'Start date'],
    ],
  },
  {
    name: 'officernd',
    vendor: 'OfficeRnD',
    signature: ['Location', 'Contact Person', 'Billing Person'],
    columns: [
      ['Member Name', 'Name'],
      ['Location', null],
      ['Company Email', null],
      ['Contact Person', null],
      ['Billing Person', null],
      ['Plan', 'Plan name'],
      ['Membership Name', null],
      ['Price', null],
    ],
  },
];

/** The preset `--preset` names (case ignored); a usage error (64) listing them for any other name. */
export function presetNamed(name: string): Preset {
  const key = name.trim().toLowerCase().replace(/[\s_-]+/g, '');
  const found = presets.find((p) => p.name === key);
  if (found) return found;
  const near = closest(name, presets.map((p) => p.name));
  throw usageError(`--preset: no preset "${name}"${near ? ` (did you mean ${near}?)` : ''}`, `the presets are ${presets.map((p) => p.name).join(', ')}`);
}

/** The preset whose signature headers the file has (trimmed, case ignored), or null. */
export function detectPreset(headers: readonly string[]): Preset | null {
  const present = new Set(headers.map(sourceKey));
  return presets.find((p) => p.signature.every((h) => present.has(sourceKey(h)))) ?? null;
}

/** The sources of a column entry: its header, or the parts of a join (a header holding `+` itself is one column). */
function sourcesOf(source: string, present: ReadonlySet<string>): string[] {
  return present.has(sourceKey(source)) || !source.includes('+') ? [source] : source.split('+').map((part) => part.trim());
}

/**
 * The mapping a file is read through: the preset's entries for the columns the file has, under the user's entries
 * (`user`, from --columns and --column). A preset entry gives way to a user entry about the same column, to one
 * feeding the same template column, and to a column of the file that names that template column already.
 */
export function presetMapping(preset: Preset, headers: readonly string[], user: ColumnMapping = noColumnMapping): ColumnMapping {
  const present = new Set(headers.filter((h) => h.trim() !== '').map(sourceKey));
  const targetKey = (target: string): MemberColumnKey | undefined => templateColumnNamed(target, templateColumns)?.key;
  const usedByUser = new Set<string>();
  const fedByUser = new Set<MemberColumnKey>();
  for (const entry of user.entries) {
    if (entry.kind === 'column') for (const source of sourcesOf(entry.source, present)) usedByUser.add(sourceKey(source));
    if (entry.kind !== 'values' && entry.target !== null) {
      const key = targetKey(entry.target);
      if (key) fedByUser.add(key);
    }
  }
  const origin = (what: string) => `--preset ${preset.name} (${what})`;
  const kept: Array<{ entry: ColumnEntry; sources: string[]; key: MemberColumnKey | undefined }> = [];
  const fed = new Set<MemberColumnKey>();
  for (const [source, presetTarget] of preset.columns) {
    let target = presetTarget;
    const sources = sourcesOf(source, present).filter((part) => present.has(sourceKey(part)));
    if (sources.length === 0 || sources.some((part) => usedByUser.has(sourceKey(part)))) continue;
    const joined = sources.join('+');
    let key = target === null ? undefined : targetKey(target);
    // a second source of a template column already fed (Email payeur after Email adhérent) is not read, not a custom field
    if (key !== undefined && (fedByUser.has(key) || fed.has(key))) {
      if (sources.length > 1) continue;
      target = null;
      key = undefined;
    }
    if (key !== undefined) fed.add(key);
    kept.push({ entry: { kind: 'column', source: joined, target, origin: origin(`"${joined}" is ${target ?? 'not read'}`) }, sources, key });
  }
  // a column of the file that names a template column itself, and that nothing maps, keeps it
  const mapped = new Set([...usedByUser, ...kept.flatMap((k) => k.sources.map(sourceKey))]);
  const named = new Set<MemberColumnKey>();
  for (const header of headers) {
    if (header.trim() === '' || mapped.has(sourceKey(header))) continue;
    const key = templateColumnNamed(header, templateColumns)?.key;
    if (key) named.add(key);
  }
  const entries: ColumnEntry[] = kept.filter((k) => k.key === undefined || !named.has(k.key)).map((k) => k.entry);
  for (const [source, map] of preset.values ?? []) {
    if (!present.has(sourceKey(source))) continue;
    entries.push({ kind: 'values', source, map, origin: origin(`values of "${source}"`) });
  }
  return overlayMapping({ entries }, user);
}

/**
 * File-level notes of a file read without a preset whose headers are those of a vendor's export: a warning naming
 * the preset, and the same advice at the end of each missing column's message.
 */
export function presetAdvice(headers: readonly string[], problems: Problem[]): void {
  const preset = detectPreset(headers);
  if (!preset) return;
  const advice = `its headers are those of a ${preset.vendor} export: add --preset ${preset.name}`;
  for (const p of problems) if (p.code === 'missing_column') p.message = `${p.message} (${advice})`;
  problems.push(
    problem({
      code: 'preset_detected',
      // read as a template file, the vendor's columns would become custom fields: worth a warning
      severity: 'warning',
      value: preset.name,
      message: `${advice} to read it as such (see "Presets" in the importing guide)`,
    }),
  );
}

/**
 * Every migration, in the order they apply. A new migration file is added here too: the program is bundled into
 * one file, so it cannot list a folder at run time (a test checks that this list and the folder agree).
 */
import type { Migration } from 'kysely';

export type MigrationEntry = readonly [name: string, load: () => Promise<Partial<Migration>>];

export const migrations: readonly MigrationEntry[] = [
  ['0001_init', () => import('./0001_init.js')],
  ['0002_people', () => import('./0002_people.js')],
  ['0003_billing', () => import('./0003_billing.js')],
  ['0004_invoicing', () => import('./0004_invoicing.js')],
  ['0006_renewals', () => import('./0006_renewals.js')],
  ['0007_lock_sessions', () => import('./0007_lock_sessions.js')],
  ['0008_org_identity', () => import('./0008_org_identity.js')],
  ['0009_party_addresses', () => import('./0009_party_addresses.js')],
  ['0010_document_snapshots', () => import('./0010_document_snapshots.js')],
  ['0012_outbox', () => import('./0012_outbox.js')],
  ['0013_mail_recipients', () => import('./0013_mail_recipients.js')],
  ['0014_sepa_mandates', () => import('./0014_sepa_mandates.js')],
  ['0015_payment_keys', () => import('./0015_payment_keys.js')],
  ['0016_bank_entries', () => import('./0016_bank_entries.js')],
  ['0017_credit_payments', () => import('./0017_credit_payments.js')],
  ['0018_member_numbers', () => import('./0018_member_numbers.js')],
  ['0019_charges', () => import('./0019_charges.js')],
  ['0020_membership_prices', () => import('./0020_membership_prices.js')],
  ['0021_adjustments', () => import('./0021_adjustments.js')],
  ['0023_discounts', () => import('./0023_discounts.js')],
  ['0024_delegates', () => import('./0024_delegates.js')],
  ['0025_partial_credit_notes', () => import('./0025_partial_credit_notes.js')],
  ['0026_merges', () => import('./0026_merges.js')],
];

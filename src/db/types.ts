import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Booleans are stored as 0/1 integers on both SQLite and PostgreSQL, so one code path serves both. */
export type Flag = 0 | 1;
/** Calendar dates are `YYYY-MM-DD` strings on both databases. */
export type DateColumn = string;

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface PlansTable {
  id: Generated<number>;
  name: string;
  /** net price per cycle, in minor units */
  price: number;
  currency: string;
  interval: 'month' | 'year';
  every: number;
  /** percent as a decimal string, e.g. "20" or "5.5" */
  tax_rate: string;
  /** credits granted per billed period, in minor units */
  credits: number;
  passes: number;
  auto_renew: Flag;
  archived: Flag;
  created_at: string;
  updated_at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  member_id: number | null;
  batch_id: string | null;
  job_id: string | null;
  /** JSON of the row before the change */
  before: string | null;
  /** JSON of the row after the change */
  after: string | null;
  summary: string | null;
}

export interface JobLocksTable {
  name: string;
  holder: string;
  pid: number;
  host: string;
  acquired_at: string;
  /** PostgreSQL: the server process of the session holding the advisory lock; null on SQLite */
  backend_pid: number | null;
}

export interface ImportBatchesTable {
  id: string;
  source: string;
  file: string;
  created_at: string;
  status: 'applied' | 'undone';
  rows: number;
  /** JSON of the import's counts */
  counts: string;
  undone_at: string | null;
}

export interface CompaniesTable {
  id: Generated<number>;
  name: string;
  parent_id: number | null;
  billing_email: string | null;
  /** street lines, one per line */
  address: string | null;
  postcode: string | null;
  city: string | null;
  /** ISO 3166-1 alpha-2; null: the organisation's */
  country: string | null;
  /** 9 digits */
  siren: string | null;
  vat_id: string | null;
  tax_id: string | null;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

export interface MembersTable {
  id: Generated<number>;
  name: string;
  email: string | null;
  email_key: string | null;
  phone: string | null;
  /** street lines, one per line */
  address: string | null;
  postcode: string | null;
  city: string | null;
  /** ISO 3166-1 alpha-2; null: the organisation's */
  country: string | null;
  /** invoices and messages; null: the `language` setting */
  language: 'fr' | 'en' | null;
  /** where this person's invoices, credit notes, reminders and receipts go when no company billing e-mail does */
  billing_email: string | null;
  /** where this person's renewal notices and reminders go instead of `email` */
  renewal_email: string | null;
  /** copies of each of this person's messages, as "a@x.org; b@y.org" */
  cc_emails: string | null;
  /** 1: asked not to be written to; their messages are queued as skipped */
  no_mail: Generated<Flag>;
  tax_id: string | null;
  company_id: number | null;
  paid_by_id: number | null;
  external_id: string | null;
  /** `M-00042`: given with the person's first invoice, never changed or reused; null until then */
  member_number: string | null;
  created_at: string;
  updated_at: string;
}

export interface MemberFieldsTable {
  member_id: number;
  key: string;
  value: string;
}

export interface TagsTable {
  id: Generated<number>;
  name: string;
}

export interface MemberTagsTable {
  member_id: number;
  tag_id: number;
}

export interface NotesTable {
  id: Generated<number>;
  member_id: number;
  body: string;
  source: string;
  created_at: string;
}

export interface MembershipsTable {
  id: Generated<number>;
  member_id: number;
  plan_id: number;
  quantity: number;
  start_date: DateColumn;
  next_invoice_date: DateColumn;
  anchor_day: number;
  covered_until: DateColumn | null;
  end_date: DateColumn | null;
  auto_renew: Flag;
  auto_renew_until: DateColumn | null;
  do_not_renew: Flag;
  do_not_renew_reason: string | null;
  intervention_required: Flag;
  intervention_reason: string | null;
  prorate_first: Flag;
  /**
   * The first recurring invoice date (the anchor day is its day of month); null on rows written before it was
   * kept, which are then always on their anchored schedule. While `next_invoice_date` is before it, the
   * prorated first period [start_date, first_recurring_date) is still to be billed.
   */
  first_recurring_date: DateColumn | null;
  /** the membership's own net price per period, in minor units of the plan's currency; null follows the plan's */
  price: number | null;
  /** 1: each delegate is billed their share on their own invoice (delegates.ts); 0: the holder's payer is billed */
  bill_delegates_separately: Generated<Flag>;
  external_id: string | null;
  source: string;
  created_at: string;
  updated_at: string;
}

export interface Database {
  settings: SettingsTable;
  plans: PlansTable;
  audit_log: AuditLogTable;
  job_locks: JobLocksTable;
  import_batches: ImportBatchesTable;
  companies: CompaniesTable;
  members: MembersTable;
  member_fields: MemberFieldsTable;
  tags: TagsTable;
  member_tags: MemberTagsTable;
  notes: NotesTable;
  memberships: MembershipsTable;
  number_sequences: NumberSequencesTable;
  invoices: InvoicesTable;
  invoice_lines: InvoiceLinesTable;
  credit_notes: CreditNotesTable;
  payments: PaymentsTable;
  ledger_entries: LedgerEntriesTable;
  renewals: RenewalsTable;
  member_statuses: MemberStatusesTable;
  job_state: JobStateTable;
  org_identity: OrgIdentityTable;
  issuers: IssuersTable;
  document_logos: DocumentLogosTable;
  mail_messages: MailMessagesTable;
  mail_attempts: MailAttemptsTable;
  sepa_mandates: SepaMandatesTable;
  sepa_collections: SepaCollectionsTable;
  sepa_collection_items: SepaCollectionItemsTable;
  bank_entries: BankEntriesTable;
  charges: ChargesTable;
  merges: MergesTable;
  pauses: PausesTable;
  adjustments: AdjustmentsTable;
  discounts: DiscountsTable;
  delegates: DelegatesTable;
}

export type Plan = Selectable<PlansTable>;
export type NewPlan = Insertable<PlansTable>;
export type PlanUpdate = Updateable<PlansTable>;
export type Company = Selectable<CompaniesTable>;
export type NewCompany = Insertable<CompaniesTable>;
export type Member = Selectable<MembersTable>;
export type NewMember = Insertable<MembersTable>;
export type MemberUpdate = Updateable<MembersTable>;
export type Membership = Selectable<MembershipsTable>;
export type NewMembership = Insertable<MembershipsTable>;
export type MembershipUpdate = Updateable<MembershipsTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type ImportBatch = Selectable<ImportBatchesTable>;

export interface NumberSequencesTable {
  prefix: string;
  year: number;
  last: number;
}

export type InvoiceStatus = 'open' | 'paid' | 'void';

export interface InvoicesTable {
  id: Generated<number>;
  number: string;
  date: DateColumn;
  due_date: DateColumn;
  payer_id: number | null;
  payer_name: string;
  currency: string;
  net: number;
  tax: number;
  total: number;
  status: InvoiceStatus;
  job_id: string | null;
  void_reason: string | null;
  created_at: string;
  /** the issuer as it was at issue (`issuers`); null on documents issued before snapshots, until first written */
  issuer_id: number | null;
  /** the buyer as it was at issue, as the JSON of the document's buyer; null like issuer_id */
  buyer: string | null;
  /** the document's language, fixed at issue; null like issuer_id */
  language: 'fr' | 'en' | null;
}

export interface InvoiceLinesTable {
  id: Generated<number>;
  invoice_id: number;
  membership_id: number | null;
  member_id: number | null;
  member_name: string;
  plan_name: string;
  description: string;
  period_start: DateColumn;
  /** inclusive */
  period_end: DateColumn;
  quantity: number;
  unit_price: number;
  net: number;
  tax_rate: string;
  tax: number;
  total: number;
  voided: Flag;
  /** EN 16931 VAT category; null on lines issued before categories were stored: S when taxed, else E or Z */
  vat_category: 'S' | 'Z' | 'E' | 'AE' | null;
  /** the one-off charge this line bills (null for a membership's period): at most one line not voided per charge */
  charge_id: Generated<number | null>;
  /** the adjustment this line bills (null otherwise): at most one line not voided per adjustment */
  adjustment_id: Generated<number | null>;
  /** the days of the full period a membership line prorates by; null on older lines and on charges */
  full_days: Generated<number | null>;
  /** the discount that reduced this line (null: none) */
  discount_id: Generated<number | null>;
  /** what the discount took off the line's net, in minor units (0: none); `net` is after it */
  discount: Generated<number>;
  /** the delegate whose share of the membership's period this line bills (delegates.ts); null: the whole period */
  delegate_id: Generated<number | null>;
}

export interface CreditNotesTable {
  id: Generated<number>;
  number: string;
  invoice_id: number;
  date: DateColumn;
  currency: string;
  net: number;
  tax: number;
  total: number;
  reason: string;
  created_at: string;
  /** the issuer as it was at issue (`issuers`); null on documents issued before snapshots, until first written */
  issuer_id: number | null;
  /** the buyer as it was at issue, as the JSON of the document's buyer; null like issuer_id */
  buyer: string | null;
  /** the document's language, fixed at issue; null like issuer_id */
  language: 'fr' | 'en' | null;
  /** the deposit (`charges`) this credit note refunds, for its line only; null: it voids the whole invoice */
  charge_id: Generated<number | null>;
  /** the invoice line it credits (part of, or a deposit's refund); null: the whole invoice, or a refund issued before lines were named */
  line_id: Generated<number | null>;
  /** the days of that line's period it credits, when given in days; null otherwise */
  days: Generated<number | null>;
}

export type PaymentMethod = 'card' | 'cash' | 'transfer' | 'check' | 'other' | 'credit';

export interface PaymentsTable {
  id: Generated<number>;
  invoice_id: number;
  amount: number;
  currency: string;
  method: PaymentMethod;
  date: DateColumn;
  reference: string | null;
  status: 'recorded' | 'cancelled';
  cancel_reason: string | null;
  created_at: string;
  /** the key `payments record --key` was given: unique where set */
  idempotency_key: string | null;
}

export type LedgerKind = 'grant' | 'use' | 'expire' | 'freeze' | 'unfreeze' | 'refund' | 'overpayment' | 'import';

export interface LedgerEntriesTable {
  id: Generated<number>;
  member_id: number;
  unit: 'credit' | 'pass';
  kind: LedgerKind;
  amount: number;
  currency: string | null;
  date: DateColumn;
  expires_on: DateColumn | null;
  grant_id: number | null;
  invoice_id: number | null;
  payment_id: number | null;
  description: string | null;
  job_id: string | null;
  created_at: string;
}

export type Invoice = Selectable<InvoicesTable>;
export type InvoiceLine = Selectable<InvoiceLinesTable>;
export type Payment = Selectable<PaymentsTable>;
export type CreditNote = Selectable<CreditNotesTable>;
export type LedgerEntry = Selectable<LedgerEntriesTable>;

export type RenewalStatus = 'open' | 'intervention' | 'accepted' | 'refused';

export interface RenewalsTable {
  id: Generated<number>;
  membership_id: number;
  /** the first day of the term this renewal decides */
  term_start: DateColumn;
  /** inclusive: the last day of that term */
  term_end: DateColumn;
  status: RenewalStatus;
  created_on: DateColumn;
  decided_on: DateColumn | null;
  /** why it needs an intervention, or why it was refused */
  reason: string | null;
  /** the invoice that billed the term once accepted */
  invoice_id: number | null;
  job_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface MemberStatusesTable {
  member_id: number;
  /** the member status (status.ts) the jobs last recorded */
  status: string;
  since: DateColumn;
  updated_at: string;
}

export interface JobStateTable {
  name: string;
  value: string;
  updated_at: string;
}

export type Renewal = Selectable<RenewalsTable>;

/** The organisation's identity: one row (id 1), its fields null until set. */
export interface OrgIdentityTable {
  id: number;
  name: string | null;
  address: string | null;
  postcode: string | null;
  city: string | null;
  /** ISO 3166-1 alpha-2, FR until set */
  country: string;
  siren: string | null;
  siret: string | null;
  vat_id: string | null;
  email: string | null;
  phone: string | null;
  iban: string | null;
  bic: string | null;
  legal_form: string | null;
  registration: string | null;
  vat_exemption: string | null;
  late_penalty: string | null;
  footer: string | null;
  /** the image's bytes: BLOB on SQLite, bytea on PostgreSQL */
  logo: Buffer | null;
  /** image/png or image/jpeg, from the logo's first bytes; set exactly when logo is */
  logo_type: string | null;
  updated_at: string | null;
}

export type OrgIdentityRow = Selectable<OrgIdentityTable>;

/** One identity of the organisation that issued documents, as they print it; never changed once written. */
export interface IssuersTable {
  id: Generated<number>;
  /** SHA-256 of `identity` and `logo_sha256`: the same identity is one row */
  digest: string;
  /** the identity's fields (as `org show --json` names them, without the logo) as JSON */
  identity: string;
  logo_sha256: string | null;
  created_at: string;
}

/** The logos of issued documents, each stored once, by the SHA-256 of its bytes. */
export interface DocumentLogosTable {
  sha256: string;
  type: string;
  /** BLOB on SQLite, bytea on PostgreSQL */
  bytes: Buffer;
}
export const mailKinds = ['invoice', 'credit_note', 'renewal_notice', 'renewal_reminder', 'reminder', 'suspension_notice', 'receipt'] as const;
export type MailKind = (typeof mailKinds)[number];
export const mailSubjectTypes = ['invoice', 'credit_note', 'renewal', 'membership', 'person'] as const;
export type MailSubjectType = (typeof mailSubjectTypes)[number];
export const mailStatuses = ['queued', 'sending', 'sent', 'failed', 'skipped', 'cancelled'] as const;
export type MailStatus = (typeof mailStatuses)[number];

/** A message of the outbox: queued with its cause, rendered and sent by `mail send`. */
export interface MailMessagesTable {
  id: Generated<number>;
  kind: MailKind;
  subject_type: MailSubjectType;
  subject_id: number;
  /** which message of its kind about that subject: "issued", "day-7"... */
  stage: string;
  /** the person it is about */
  member_id: number | null;
  /** JSON arrays of addresses */
  to_addresses: string;
  cc_addresses: string;
  bcc_addresses: string;
  language: 'fr' | 'en';
  /** JSON of what the message needs beyond its subject */
  data: string;
  status: MailStatus;
  skip_reason: string | null;
  attempts: number;
  /** ISO timestamp; null: as soon as possible */
  next_attempt_at: string | null;
  last_error: string | null;
  message_id: string | null;
  server_reply: string | null;
  claimed_by: string | null;
  claim_expires_at: string | null;
  created_at: string;
  sent_at: string | null;
  updated_at: string;
}

export interface MailAttemptsTable {
  id: Generated<number>;
  message_id: number;
  at: string;
  outcome: 'sent' | 'retry' | 'failed' | 'written';
  reply: string | null;
}

export type MailMessage = Selectable<MailMessagesTable>;
export type NewMailMessage = Insertable<MailMessagesTable>;
export type MailAttempt = Selectable<MailAttemptsTable>;

export type SepaScheme = 'core' | 'b2b';
export type SepaSequence = 'FRST' | 'RCUR';

/** A SEPA Direct Debit mandate a payer signed; at most one active per payer. */
export interface SepaMandatesTable {
  id: Generated<number>;
  /** the payer: the member the invoices are issued to */
  member_id: number;
  /** the unique mandate reference (UMR) */
  reference: string;
  /** compact, upper case */
  iban: string;
  bic: string | null;
  scheme: SepaScheme;
  signed_on: DateColumn;
  status: 'active' | 'revoked';
  revoked_on: DateColumn | null;
  revoke_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** A pain.008 file written by `invoices collect --sepa`. */
export interface SepaCollectionsTable {
  id: Generated<number>;
  message_id: string;
  file: string;
  collection_date: DateColumn;
  transactions: number;
  total: number;
  currency: string;
  created_at: string;
}

/** One invoice put in a collection file: `pending` until the bank statement settles or returns it. */
export interface SepaCollectionItemsTable {
  id: Generated<number>;
  collection_id: number;
  invoice_id: number;
  mandate_id: number;
  /** the transaction's EndToEndId: the invoice number */
  end_to_end_id: string;
  amount: number;
  sequence: SepaSequence;
  status: 'pending' | 'settled' | 'returned';
  closed_on: DateColumn | null;
  return_reason: string | null;
  created_at: string;
}

export type SepaMandate = Selectable<SepaMandatesTable>;
export type SepaCollection = Selectable<SepaCollectionsTable>;
export type SepaCollectionItem = Selectable<SepaCollectionItemsTable>;

export type BankEntryStatus = 'matched' | 'suggested' | 'unmatched' | 'debit' | 'returned';

/** One entry of a bank statement imported by `payments import`, recorded once under its key. */
export interface BankEntriesTable {
  id: Generated<number>;
  /** the bank's reference of the entry, else a hash of account, date, amount and label */
  entry_key: string;
  /** the statement's account (an IBAN, or the account number of an OFX file) */
  account: string | null;
  date: DateColumn;
  /** minor units of `currency`, positive */
  amount: number;
  currency: string;
  direction: 'credit' | 'debit';
  reference: string | null;
  end_to_end_id: string | null;
  label: string;
  debtor: string | null;
  debtor_iban: string | null;
  /** `suggested` and `unmatched` are pending: a later import of the statement may still apply them */
  status: BankEntryStatus;
  /** the invoice paid (matched), proposed (suggested) or reopened (returned) */
  invoice_id: number | null;
  /** the payment recorded (matched) or cancelled (returned) */
  payment_id: number | null;
  return_reason: string | null;
  /** why it was left alone, for the review */
  note: string | null;
  file: string;
  created_at: string;
  updated_at: string;
}

export type BankEntry = Selectable<BankEntriesTable>;
export type NewBankEntry = Insertable<BankEntriesTable>;

/** A one-off charge: billed once, on its own line, to the member's payer (docs/billing.md, "One-off charges"). */
export interface ChargesTable {
  id: Generated<number>;
  member_id: number;
  description: string;
  quantity: number;
  /** net price per unit, in minor units */
  unit_price: number;
  currency: string;
  /** percent as a decimal string, e.g. "20" or "5.5" */
  tax_rate: string;
  /** billed by the first `invoices run` on or after this day */
  date: DateColumn;
  /** 1: a refundable deposit, held until refunded by a credit note */
  deposit: Flag;
  created_at: string;
  /** when it was removed (`charges remove`): never billed from then on; null while it stands */
  removed_at: string | null;
}

export type Charge = Selectable<ChargesTable>;

/** One `members merge`, with what `members unmerge` needs to bring the removed person back (core/people/merge.ts). */
export interface MergesTable {
  id: Generated<number>;
  kept_id: number;
  /** the removed person's id, given back to them by `members unmerge` */
  removed_id: number;
  /** JSON of the removed person's rows as they were: members, member_fields, member_tags, member_statuses */
  removed: string;
  /** JSON of the kept person's rows the merge changed, as they were */
  kept: string;
  /** JSON of the ids of every row the merge moved to the kept person or wrote */
  moved: string;
  status: 'applied' | 'undone';
  actor: string;
  created_at: string;
  undone_at: string | null;
}

export type MergeRecord = Selectable<MergesTable>;
export interface PausesTable {
  id: Generated<number>;
  membership_id: number;
  /** first paused day */
  start_date: DateColumn;
  /** last paused day, inclusive; null: paused until resumed */
  end_date: DateColumn | null;
  reason: string | null;
  created_at: string;
  /** resumed on or before its first day: it pauses nothing */
  cancelled_at: string | null;
}

export type Pause = Selectable<PausesTable>;

/** Why an adjustment corrects a period already invoiced. */
export type AdjustmentKind = 'pause' | 'resume' | 'plan_credit' | 'plan_charge';

export interface AdjustmentsTable {
  id: Generated<number>;
  membership_id: number;
  kind: AdjustmentKind;
  pause_id: number | null;
  /** the invoice line whose period it corrects: never billed once that line is voided */
  line_id: number;
  plan_name: string;
  description: string;
  /** the days corrected, both inclusive */
  period_start: DateColumn;
  period_end: DateColumn;
  days: number;
  full_days: number;
  /** negative for a credit */
  quantity: number;
  /** net price of one full period for a quantity of 1, in minor units */
  unit_price: number;
  currency: string;
  tax_rate: string;
  /** billed by the first `invoices run` on or after this day */
  date: DateColumn;
  created_at: string;
  removed_at: string | null;
}

export type Adjustment = Selectable<AdjustmentsTable>;
/** A membership's discount (docs/billing.md, "Discounts"): never changed once written, only removed. */
export interface DiscountsTable {
  id: Generated<number>;
  membership_id: number;
  /** a percentage as a decimal string ("15", "12.5"), or null for a fixed amount */
  percent: string | null;
  /** a fixed net amount per period in minor units of the plan's currency, or null for a percentage */
  amount: number | null;
  /** how many billed periods it discounts; null: until removed */
  periods: number | null;
  reason: string | null;
  created_at: string;
  /** when it was removed or replaced; null while in force */
  removed_at: string | null;
}

export type Discount = Selectable<DiscountsTable>;

/** A delegate of a membership (a company seat): a member through it (docs/billing.md, "Delegates"). */
export interface DelegatesTable {
  id: Generated<number>;
  membership_id: number;
  member_id: number;
  created_at: string;
  /** when the seat was given back; null while the person is a delegate */
  removed_at: string | null;
}

export type Delegate = Selectable<DelegatesTable>;

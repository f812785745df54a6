/**
 * What the command reference (docs/reference.md, `npm run docs`) says that commander does not know: the meaning of
 * each exit code, the exit codes of each command beyond the common ones, and the `--json` document it prints.
 * The options, arguments and examples come from the command definitions themselves.
 */
import { ExitCode } from '../errors.js';

/** The meaning of every exit code (src/errors.ts ExitCode). */
export const exitCodeMeanings: Record<keyof typeof ExitCode, string> = {
  ok: 'done, nothing rejected',
  usage: 'usage: unknown command or option, missing or malformed argument (the closest command is suggested)',
  dataError:
    'the data has problems: validation errors, rejected rows, job items that could not be processed, unknown or duplicate names',
  noInput: 'input file missing, unreadable or not a supported format',
  internal: 'internal error (a bug): one line, the stack trace with `--verbose`',
  cantCreate:
    "an output file cannot be created: its folder is missing or read-only, the path is the database or one of the command's inputs, or the disk is full; or the database cannot be written by this user (read-only file or folder)",
  ioError: 'input/output error: standard output closed or unwritable, a read or write failed, or the disk holding the database is full',
  tempFail: 'temporary: another job holds the lock or the database is busy; safe to retry',
  config: 'configuration: bad `--db` URL, database unreachable, or a schema newer than this memberctl',
  cancelled: 'cancelled with Ctrl-C at a question (nothing was written)',
};

/** Exit codes any command that opens the database may give; each command lists only its own on top of these. */
export const commonExitCodes = [0, 64, 70, 73, 74, 75, 78] as const;

/** The `--json` shapes that several commands share, by name; the commands refer to them as "the member shape" etc. */
export const jsonShapes: Array<{ name: string; fields: string }> = [
  {
    name: 'member',
    fields:
      '`{"id", "memberNumber", "name", "email", "phone", "company", "paidBy", "status", "tags", "customFields", "externalId"}`: `memberNumber` is the member number (`M-00042`) or null before the person\'s first invoice, `company` is the company name or null, `paidBy` `{"id", "name"}` or null, `status` the person\'s status as of `--today`, `tags` a list of names, `customFields` an object of text values.',
  },
  {
    name: 'membership',
    fields:
      '`{"id", "plan", "quantity", "price", "currency", "followsPlanPrice", "startDate", "nextInvoiceDate", "endDate", "autoRenew", "autoRenewUntil", "doNotRenew", "status"}`: `plan` is the plan name, `price` the net price per period billed (`"45.50"`, in `currency`, the plan\'s), `followsPlanPrice` true when that is the plan\'s price and false when the membership has its own, dates are `YYYY-MM-DD` or null, `status` the membership\'s status as of `--today` (`upcoming`, `active`, `paused`, `grace`, `suspended`, `ended`).',
  },
  {
    name: 'plan',
    fields:
      '`{"name", "price", "currency", "interval", "every", "taxRate", "credits", "passes", "autoRenew", "archived"}`: `price` and `credits` are decimal strings in the plan\'s currency (`"200.00"`), `interval` is `month` or `year`.',
  },
  {
    name: 'company',
    fields:
      '`{"id", "name", "parent", "children", "billingEmail", "address", "postcode", "city", "country", "siren", "vatId", "taxId", "notes", "memberCount"}`: `address` holds the street lines (separated by `\\n`); `country` is an ISO 3166-1 alpha-2 code, null for the organisation\'s; `siren` (9 digits) and `vatId` are in their compact form; `taxId` is free text.',
  },
  {
    name: 'invoice',
    fields:
      '`{"number", "date", "dueDate", "payer": {"id", "name"}, "status", "currency", "net", "tax", "total", "paid", "creditNote", "credited", "lines": [{"line", "member": {"id", "name"}, "plan", "description", "periodStart", "periodEnd", "quantity", "unitPrice", "net", "discount", "taxRate", "vatCategory", "tax", "total", "credited"}]}`: amounts are decimal strings, `number` is null in a dry run, `creditNote` is the number of the credit note that voided it, else null; `credited` is what its partial credit notes (`invoices credit`) took off what is due, tax included, and a line\'s `credited` the net its credit notes credited of it; `line` numbers the lines from 1 (`invoices credit --line`); a line\'s `plan` is its plan\'s name, and on a one-off charge\'s line the charge\'s description; a line\'s `net` is after its discount and `discount` what the discount took off (null without one); `vatCategory` is the line\'s EN 16931 VAT category (`S`, `Z`, `E` or `AE`), null on lines issued before categories were stored; a credit line (an adjustment: a pause, a prorated plan change) has a negative `quantity`, `net`, `tax` and `total`.',
  },
  {
    name: 'credit note',
    fields: '`{"number", "invoice", "date", "currency", "net", "tax", "total", "reason", "line", "days"}`: the amounts are negative; `line` is the number of the invoice line it credits (a partial credit note, a deposit\'s refund), null for one that voids the whole invoice; `days` the days of that line it credits when given in days, else null.',
  },
  {
    name: 'pause',
    fields: '`{"id", "membership", "from", "to", "reason", "cancelled"}`: `from` and `to` are the first and last paused days (`to` null: paused until resumed), `cancelled` true for a pause resumed before its first day.',
  },
  {
    name: 'adjustment',
    fields:
      '`{"id", "membership", "kind", "description", "periodStart", "periodEnd", "days", "fullDays", "quantity", "unitPrice", "net", "currency", "taxRate", "date"}`: a line that corrects an invoiced period, billed on the payer\'s next invoice (the first run on or after `date`); `kind` is `pause` (a credit of paused days), `resume` (a charge of days no longer paused), `plan_credit` or `plan_charge` (a prorated plan change); `quantity` is negative for a credit, `net` (a decimal string, negative for a credit) is `days / fullDays` of `unitPrice` times the quantity, before tax.',
  },
  {
    name: 'charge',
    fields:
      '`{"id", "member": {"id", "name"}, "description", "date", "quantity", "unitPrice", "currency", "taxRate", "net", "deposit", "state", "invoice", "creditNote"}`: `unitPrice` (net, per unit) and `net` (its quantity times it) are decimal strings; `state` is `unbilled`, `billed`, or for a deposit `held` (billed) until `refunded`; `invoice` is the number of the invoice that bills it, `creditNote` that of the credit note that refunded the deposit, else null.',
  },
  {
    name: 'payment',
    fields:
      '`{"id", "invoice", "payer": {"id", "name"}, "date", "amount", "currency", "method", "reference", "status", "cancelReason"}`: `method` is `card`, `cash`, `transfer`, `check`, `other`, or `credit` for a payment made of the payer\'s credit (`invoices run`, `credits apply`).',
  },
  {
    name: 'mandate',
    fields:
      '`{"reference", "payer": {"id", "name"}, "iban", "bic", "scheme", "signedOn", "status", "revokedOn", "revokeReason", "lastCollection", "expiresOn", "collections", "nextSequence"}`: `scheme` is `core` or `b2b`; `status` is the state as of `--today`: `active`, `revoked` or `expired` (36 months without a collection); `bic` is null when not given; `lastCollection` is the collection date of its last transaction, null before the first; `expiresOn` the last day it can be collected on (null once revoked); `nextSequence` is `FRST` until a transaction of it was collected and not returned, then `RCUR`. See [the billing guide](billing.md#sepa-direct-debit).',
  },
  {
    name: 'renewal',
    fields:
      '`{"id", "member": {"id", "name"}, "membershipId", "plan", "status", "termStart", "termEnd", "createdOn", "reason", "decidedOn", "invoice"}`: `status` is `open`, `intervention`, `accepted` or `refused`; `invoice` is the number of the invoice that billed an accepted renewal.',
  },
  {
    name: 'organisation',
    fields:
      '`{"name", "address", "postcode", "city", "country", "siren", "siret", "vatId", "email", "phone", "iban", "bic", "legalForm", "registration", "vatExemption", "latePenalty", "footer", "logo", "updatedAt", "missingForInvoices": [{"field", "option", "why"}]}`: a field never set (or cleared) is null; `country` is an ISO 3166-1 alpha-2 code (`FR` until set); `siren`, `siret`, `vatId`, `iban` and `bic` are in their compact form (no spaces, upper case); `logo` is `{"type": "image/png" or "image/jpeg", "bytes": size}` or null; `missingForInvoices` lists what a legal invoice still lacks, with the `org set` option that fills each (empty when invoices can be issued). See [the billing guide](billing.md#the-organisations-identity).',
  },
  {
    name: 'mail message',
    fields:
      '`{"id", "kind", "subject": {"type", "id"}, "stage", "member": {"id", "name"}, "to", "cc", "bcc", "language", "status", "skipReason", "attempts", "nextAttemptAt", "lastError", "messageId", "serverReply", "createdAt", "sentAt"}`: `kind` is `invoice`, `credit_note`, `renewal_notice`, `renewal_reminder`, `reminder`, `suspension_notice` or `receipt`; `subject.type` `invoice`, `credit_note`, `renewal`, `membership` or `person`; `status` `queued`, `sending`, `sent`, `failed`, `skipped` or `cancelled`; times are ISO timestamps (UTC); `member` is null when the message is about no one that still exists. See [the mail guide](mail.md).',
  },
  {
    name: 'problem',
    fields:
      '`{"row", "column", "value", "code", "severity", "message", "suggestion"}`: `row` and `column` are null for a file-level problem, `severity` is `error`, `warning` or `info` (a note, such as a next invoice date computed by `--next-invoice`: never a fault); problems of Stripe imports also have `file`. The codes are listed in [the importing guide](importing.md#problem-codes).',
  },
  {
    name: 'import',
    fields:
      '`{"batch", "dryRun", "rows", "created": {"members", "companies", "memberships", "mandates"}, "updated": {"members", "memberships"}, "unchanged", "rejected", "problems", "rejects", "emptyRows", "delegates"}`: `batch` is null when nothing was written; `delegates` counts the delegates the file named that were not yet (the Delegate of column, see [the importing guide](importing.md#delegates)).',
  },
  {
    name: 'validate',
    fields: '`{"file", "source", "rows", "valid", "errors", "warnings", "problems"}`.',
  },
  {
    name: 'history entry',
    fields:
      '`{"id", "at", "date", "localTime", "added", "actor", "source", "batchId", "jobId", "action", "entity", "entityId", "memberId", "summary", "mergeId", "changes": [{"field", "before", "after", "label", "beforeText", "afterText"}]}`: `at` is UTC (ISO 8601) and `date` its UTC date, `localTime` is `at` in the `timezone` setting (`2026-03-23 14:05`); `added` is true when the entry adds something that was not there; `source` is `import`, `job` or `manual`; `mergeId` is the merge a `merge` or `unmerge` entry belongs to (the id `members unmerge` takes), else null; each change keeps the stored `field` (a column or a custom field name) and raw `before`/`after` values (ids, 0/1 flags, minor units) beside its `label` and the values as shown (`"Plan"`, `"Hot Desk"`), null for no value.',
  },
  {
    name: 'invoices run',
    fields:
      '`{"asOf", "dryRun", "count", "invoices", "totals", "creditApplied", "problems"}`: `invoices` are invoice shapes, `totals` the sum of their totals per currency, `creditApplied` what the payers\' money credit paid of them per currency (`{}` when nothing; in a dry run, what it would pay).',
  },
  {
    name: 'renewals run',
    fields:
      '`{"asOf", "dryRun", "notices", "invoiced", "transitions", "expired": {"credits", "passes"}, "problems", "renewals", "invoices"}`: `notices` counts the renewals opened, `invoiced` the accepted renewals billed, `renewals` the renewals opened (`id` null in a dry run), `invoices` those of accepted renewals.',
  },
];

interface CommandFacts {
  /** exit codes this command gives beyond the common ones, with what they mean for it */
  exits?: Record<number, string>;
  /** the `--json` document */
  json: string;
}

/** By command path (`members list`). Every command of the program must be here: the reference refuses to build otherwise. */
export const commandFacts: Record<string, CommandFacts> = {
  'db migrate': { json: '`{"database", "applied", "version"}`: `applied` lists the migrations run, `version` is the schema version after them.' },
  'db status': {
    exits: { 78: 'the schema is newer than this memberctl (after showing it)' },
    json: '`{"database", "dialect", "version", "pending", "newerThanProgram", "rows"}`: `rows` counts the rows of each table; the password of a PostgreSQL URL is shown as `***`.',
  },
  'db backup': {
    exits: {
      64: 'the database is PostgreSQL: the message gives the pg_dump command line, without the password',
      66: 'there is no SQLite database at `--db`',
      73: 'FILE exists (without `--force`), is not a plain file, is the database or one of its side files, its folder is missing or read-only, or the disk is full',
    },
    json: '`{"database", "file", "bytes", "pages"}`: `file` is the absolute path of the backup, `bytes` its size.',
  },
  completion: {
    exits: { 64: 'a shell other than bash, zsh or fish' },
    json: '`{"shell", "script"}`: the script as text.',
  },
  'db unlock': {
    exits: { 75: 'a live process holds the lock', 130: 'cancelled at the question' },
    json: '`{"lock", "held", "holder", "removed"}`: `holder` is `{"host", "pid", "since"}` (on PostgreSQL with `backendPid` and `clientAddress`) or null.',
  },
  'org show': { json: 'the organisation shape.' },
  'org set': {
    exits: {
      64: 'no option, or a value refused (every refused value is reported, and nothing is changed): a bad SIREN, VAT number, IBAN, BIC, country, postcode, e-mail, a logo that is not PNG or JPEG or is over 1 MB',
      66: 'the `--logo` file is missing or unreadable',
    },
    json: 'the organisation shape after the change, with `"changed"`: the fields changed (empty when every value was already the same).',
  },
  'settings list': { json: 'an object of every setting: `{"currency": "EUR", ...}`.' },
  'settings get': { exits: { 64: 'unknown key' }, json: '`{"key", "value", "default"}`: `default` is true when the value is the default.' },
  'settings set': { exits: { 64: 'unknown key or value out of range' }, json: '`{"key", "value"}`.' },
  'plans add': { exits: { 65: 'a plan of that name exists' }, json: 'the plan shape.' },
  'plans list': { json: 'a list of plan shapes.' },
  'plans show': { exits: { 65: 'unknown plan' }, json: 'the plan shape.' },
  'plans edit': {
    exits: { 65: 'unknown plan', 130: 'cancelled at the question' },
    json: 'the plan shape, after the edit; an edit of the price adds `"memberships": {"followPlanPrice", "ownPrice"}`: how many memberships on the plan that have not ended are billed the new price from their next invoice, and how many keep a price of their own.',
  },
  'plans archive': { exits: { 65: 'unknown plan', 130: 'cancelled at the question' }, json: 'the plan shape.' },
  'plans import': {
    exits: { 65: 'a row has an error: nothing written', 66: 'the file cannot be read' },
    json: '`{"file", "dryRun", "rows", "emptyRows", "created", "updated", "unchanged", "problems"}`: counts of plans, `problems` problem shapes.',
  },
  template: { exits: { 130: 'cancelled at the question' }, json: '`{"file", "format", "lang", "columns", "plans"}`: the headers written and the plan names of the drop-down.' },
  validate: {
    exits: {
      64: 'a `--column` or `--columns` entry that does not fit the file: a header it lacks, a column that is no template column (each named with the closest); an unknown `--preset` or `--next-invoice` value; a `--companies` entry mapped to a company that is itself mapped',
      65: 'an error (or a warning with `--fail-on-warnings`); a required column missing (the `--column` flags of the likeliest columns are printed); a `--companies` entry naming a company neither in the file nor in the database',
      66: 'the file (or the `--columns` or `--companies` file) cannot be read',
    },
    json: 'the validate shape; with `--source stripe` also `"files"` (rows per export), `"emptyRows"` and `"notImported"`.',
  },
  import: {
    exits: {
      64: 'a `--column`, `--columns` or `--companies` entry that does not fit, an unknown `--preset` or `--next-invoice` value, as for `validate`',
      65: 'a row has an error or was rejected; a required column missing (without a terminal: the `--column` flags of the likeliest columns are printed); a `--companies` entry naming a company neither in the file nor in the database',
      66: 'the file (or the `--columns` or `--companies` file) cannot be read',
      130: 'cancelled at a question',
    },
    json: 'the import shape.',
  },
  'import list': {
    json: 'a list of `{"batch", "date", "source", "file", "rows", "status", "undoneAt", "created", "updated", "unchanged", "rejected"}`, newest first: `status` is `applied` or `undone`, `created` and `updated` count as in the import shape.',
  },
  'import undo': {
    exits: { 65: 'unknown batch, or something since depends on it (the blockers are listed)', 130: 'cancelled at the question' },
    json: '`{"batch", "removed": {"members", "companies", "memberships", "tags", "mandates", "delegates"}, "restored": {"members", "memberships"}}`.',
  },
  'import stripe': {
    exits: { 65: 'a customer or subscription has an error or was rejected', 66: 'an export cannot be read', 130: 'cancelled at a question' },
    json: 'the import shape plus `"cancelList"` (the file written, or null), `"notImported"` (subscriptions by status) and `"rejects"` (`{"customers", "subscriptions"}`, or null).',
  },
  'members list': { json: 'a list of member shapes (also with `--format json`).' },
  'members show': {
    exits: { 64: 'a name shared by several people', 65: 'nobody matches' },
    json: 'the member shape plus `"address"` (street lines separated by `\\n`), `"postcode"`, `"city"`, `"country"` (ISO 3166-1 alpha-2, null for the organisation\'s), `"language"` (`fr`, `en`, or null for the `language` setting), `"taxId"`, `"billingEmail"` and `"renewalEmail"` (an address or null), `"cc"` (a list of addresses), `"noMail"` (true when the person asked not to be written to), `"memberships"` (membership shapes), `"delegateOf"` (the memberships the person is a delegate of: `{"membership", "plan", "holder": {"id", "name"}, "status"}`), `"notes"` (`{"id", "date", "source", "text"}`) and `"history"` (history entries).',
  },
  'members add': {
    exits: { 64: 'a malformed e-mail (--email, --billing-email, --renewal-email, --cc), country, postcode or language (each with its rule)', 65: 'e-mail taken, near-duplicate company, payer cycle' },
    json: 'the member shape.',
  },
  'members edit': {
    exits: { 64: 'ambiguous ref; a malformed e-mail (--email, --billing-email, --renewal-email, --cc), country, postcode or language (each with its rule)', 65: 'unknown ref, e-mail taken, payer cycle' },
    json: 'the member shape, after the edit.',
  },
  'members tag': { exits: { 65: 'unknown ref' }, json: '`{"member": {"id", "name"}, "added", "unchanged"}`: tag names.' },
  'members untag': { exits: { 65: 'unknown ref' }, json: '`{"member": {"id", "name"}, "removed", "unchanged"}`: tag names.' },
  'members note': { exits: { 65: 'unknown ref' }, json: '`{"id", "member": {"id", "name"}, "date", "source", "text"}`.' },
  'members merge': {
    exits: { 65: 'the same person, a payer cycle, or both with an active SEPA mandate: nothing changed', 130: 'cancelled at the question' },
    json: '`{"dryRun", "mergeId", "keep": {"id", "name"}, "remove": {"id", "name"}, "moved", "filled", "conflicts"}`: `mergeId` is the id `members unmerge` takes (null in a dry run); what moves, the fields KEEP takes from REMOVE, and the values dropped.',
  },
  'members unmerge': {
    exits: {
      64: 'a merge id that is not a whole number',
      65: 'unknown merge, or one that cannot be undone (each reason named): undone already, the kept person merged into someone else since, the e-mail, external id or member number of the removed person taken since, a tag of theirs merged away, an invoice issued since that bills what would move back, credit of theirs used since, a SEPA collection since: nothing changed',
    },
    json: '`{"dryRun", "mergeId", "kept": {"id", "name"}, "restored": {"id", "name", "email"}, "movedBack": {"memberships", "invoices", "invoiceLines", "payments", "ledgerEntries", "charges", "mandates", "notes", "payerOf", "tags", "customFields"}, "keptFieldsRestored": [{"field", "value"}], "keptLoses": {"tags", "customFields"}}`: ids of what moves back (names for tags, keys for custom fields); the kept person\'s fields set back to their value before the merge, and the tags and custom fields they got from the merge and give back.',
  },
  'members history': { exits: { 65: 'unknown ref' }, json: 'a list of history entries, oldest first.' },
  'members export-data': {
    exits: { 65: 'unknown ref', 73: 'an `-o` file that cannot be written or that is the database', 74: 'a closed standard output' },
    json: 'without `-o` the document itself (whatever `--json`): `{"exportedAt", "person", "invoices", "creditNotes", "payments", "ledger", "charges", "mandates", "renewals", "messages", "paysFor"}`, `person` being the `members show --json` document (details, custom fields, tags, memberships, notes, history); with `-o` and `--json`: `{"file", "bytes"}`.',
  },
  'members export': {
    exits: { 64: 'an unknown `--format` or `--status`, or xlsx without `-o`', 65: 'an unknown `--plan`, `--company` or `--tag`' },
    json: 'with `-o` only: `{"file", "format", "people", "rows", "skippedFields"}`, `skippedFields` the custom fields left out (named like a template column); without `-o` the file itself is on stdout. `--format json` writes a list of objects, one per row, keyed by the headers, empty cells null.',
  },
  'members anonymise': {
    exits: { 65: 'unknown ref, or (without `--force`) an open invoice or a membership that has not ended', 130: 'cancelled at the question' },
    json: '`{"member": {"id", "name"}, "change", "forced", "erased": {"fields", "notes", "tags", "messages", "auditEntries"}}`: `change` is `anonymised`, or `unchanged` for a person anonymised already; `name` the placeholder.',
  },
  'members update': {
    exits: { 65: 'a row has an error: nothing written', 66: 'the file cannot be read', 130: 'cancelled at the question' },
    json: 'the import shape.',
  },
  'contacts list': { json: 'a list of member shapes (also with `--format json`).' },
  'contacts add': { exits: { 64: 'a malformed e-mail (--email, --billing-email, --renewal-email, --cc), country, postcode or language (each with its rule)', 65: 'near-duplicate company, payer cycle' }, json: 'the member shape plus `"result"`: `created`, `updated` or `unchanged`.' },
  'contacts convert': {
    exits: { 65: 'unknown person or plan, a person who already has a membership, dates out of order' },
    json: 'the member shape plus `"memberships"` (membership shapes).',
  },
  'companies list': { json: 'a list of company shapes.' },
  'companies show': { exits: { 65: 'unknown company' }, json: 'the company shape plus `"members"` (member shapes).' },
  'companies add': {
    exits: { 64: 'a malformed SIREN, VAT number, country, postcode or billing e-mail, or a French VAT number of another SIREN (each with its rule)', 65: 'a company of that name exists, or an unknown parent' },
    json: 'the company shape.',
  },
  'companies edit': {
    exits: { 64: 'a malformed SIREN, VAT number, country, postcode or billing e-mail, or a French VAT number of another SIREN (each with its rule)', 65: 'unknown company, name taken' },
    json: 'the company shape, after the edit.',
  },
  'companies set-parent': { exits: { 65: 'unknown company, or a cycle' }, json: 'the company shape.' },
  'tags list': { exits: { 65: 'unknown category' }, json: 'a list of `{"name", "category", "members"}`.' },
  'tags rename': { exits: { 130: 'cancelled at the question (asked when a tag merges into an existing one)' }, json: '`{"renamed": [{"from", "to"}], "merged": [{"from", "to"}], "members"}`: `members` counts the member tags changed.' },
  'memberships add': {
    exits: {
      64: 'a `--price` that is not an amount in the plan\'s currency',
      65: 'unknown member or plan, archived plan, dates out of order, first period longer than a period, a membership on the same plan at the same time (without `--allow-overlap`)',
    },
    json: 'the membership shape plus `"discount"` (null), `"delegates"` (`[]`) and `"billDelegatesSeparately"` (false): see `memberships show`.',
  },
  'memberships set': {
    exits: {
      64: 'a `--price` that is not an amount in the plan\'s currency, `--from` or `--prorate` without `--plan`; a `--discount` that is neither a percentage above 0 and at most 100 nor an amount above 0 in the plan\'s currency; `--discount-periods` or `--discount-reason` without `--discount`, or with `--discount none`; `--credit-unused` without `--end DATE`',
      65: 'unknown membership or plan, `--next-invoice` into a billed period, dates out of order, `--plan` in another currency for a membership with its own price (without `--price`), `--from` after the next invoice date, `--prorate` to a plan in another currency, a `--quantity` below the number of its delegates, `--plan` in another currency for a membership with a fixed discount (without `--discount`)',
    },
    json: 'the membership shape plus `"discount"`, `"delegates"` and `"billDelegatesSeparately"` (see `memberships show`), after the change; with `--prorate` plus `"adjustments"` (adjustment shapes: the credit and the charge of each invoiced period); with `--credit-unused` plus `"creditNotes": [{"number", "invoice", "line", "days", "total", "currency"}]`, the credit notes issued (`total` negative).',
  },
  'memberships pause': {
    exits: { 65: 'unknown membership, `--to` before `--from`, a pause before the start or after the end date, a pause overlapping another one' },
    json: '`{"pause", "adjustments", "membership"}`: the pause shape, the adjustment shapes of the invoiced periods it credits, and the membership shape after it.',
  },
  'memberships resume': {
    exits: { 65: 'unknown membership, no pause in progress or to come on `--on`' },
    json: '`{"pause", "resumedOn", "adjustments", "membership"}`: the pause shape as it is now, the day billed again, the adjustment shapes of the invoiced days no longer paused, and the membership shape.',
  },
  'memberships show': {
    exits: { 65: 'unknown membership' },
    json: 'the membership shape plus `"discount"`: null, or `{"value", "kind", "periods", "periodsUsed", "periodsLeft", "reason", "since"}`, `value` being `"15%"` (kind `percent`) or an amount in the plan\'s currency (`"15.00"`, kind `amount`), `periods` null for a discount until removed, `periodsUsed` the periods it discounted on invoices that are not void, `periodsLeft` null or what it still has, `since` when it was set; `"delegates"`: `[{"id", "name"}]`, the people it names (`memberships delegates`); `"billDelegatesSeparately"`: true when each delegate is billed their share; `"pauses"`: its pause shapes that stand (not cancelled), in order.',
  },
  'memberships delegates': {
    exits: {
      64: 'more than one of `--add`, `--remove` and `--list`',
      65: 'unknown membership or person, one delegate beyond the membership\'s quantity (its seats), its holder named its own delegate, `--remove` of someone who is not a delegate of it',
    },
    json: '`{"membership", "seats", "billSeparately", "delegates": [{"id", "name", "email", "since"}], "change"}`: `seats` is the membership\'s quantity, `delegates` those named, in the order they were, `change` (with `--add` or `--remove`) is `added`, `removed` or `unchanged` (already a delegate).',
  },
  'memberships list': {
    exits: { 64: 'an unknown `--format` or `--status`, a malformed date, `--from` after `--to`, xlsx without `-o`', 65: 'an unknown `--member` or `--plan`' },
    json: 'a list of membership shapes, each with `"member": {"id", "name"}` (also with `--format json`); with `-o` and `--json`: `{"file", "format", "memberships"}`.',
  },
  'memberships renew-now': {
    exits: { 65: 'first term, do-not-renew, ending before its next term, or renewing automatically' },
    json: 'the renewal shape plus `"change"`: `opened`, `reopened` or `unchanged`.',
  },
  'invoices run': {
    exits: { 65: 'a membership could not be billed (the rest was)', 75: 'another job holds the lock' },
    json: 'the invoices run shape.',
  },
  'invoices list': { json: 'a list of invoice shapes, oldest first.' },
  'invoices show': { exits: { 65: 'unknown number' }, json: 'the invoice shape; for a credit note number, the credit note shape.' },
  'invoices export': {
    exits: { 64: 'an unknown `--format`, or xlsx without `-o`' },
    json: 'with `-o` only: `{"file", "format", "invoices", "rows"}` (without `-o` the file itself is on stdout).',
  },
  'invoices credit': {
    exits: {
      64: 'neither or both of `--amount` and `--days`, an amount that is not one or not above 0, `--days` beyond the days of the line, an empty `--reason`',
      65: 'unknown or void invoice, no such line, a deposit\'s line (refunded with `charges refund`), more than is left to credit on the line (the message says how much is), a date before the invoice\'s, a credit line (a negative one: an adjustment)',
      130: 'cancelled at the question',
    },
    json: '`{"invoice", "creditNote", "moneyCredit"}`: the invoice shape after the credit, the credit note shape, and what became the payer\'s money credit (a decimal string, `"0.00"` when nothing was paid beyond what is due).',
  },
  'invoices void': {
    exits: { 65: 'unknown or already void invoice, an invoice whose deposit was refunded, or one credited in full by partial credit notes', 130: 'cancelled at the question' },
    json: '`{"invoice", "creditNote"}`: the invoice shape, now `void`, and the credit note shape.',
  },
  'invoices einvoice': {
    exits: {
      64: 'a `--format` other than cii, ubl or facturx; numbers and a selection together, or neither; a bad `--from`, `--to` or `--status`; several documents (several numbers, a selection) with `-o` a file or `-o -`',
      65: 'an unknown number (the closest are named), or a document that breaks the EN 16931 rules: nothing is written',
      73: 'an output that cannot be written (a missing folder, a refused path): nothing is written; a failure while writing (a full disk) keeps the files written before it, whole, and says how many',
      78: "the organisation's identity lacks what a legal invoice needs (every missing field, with its `org set` option): nothing is written",
    },
    json: '`{"written": [{"number", "file", "format"}]}`: one entry per file written, in the order of the numbers or of the selection, `format` `cii`, `ubl` or `facturx`; `{"written": []}` when a selection matches nothing (exit 0).',
  },
  'invoices pdf': {
    exits: {
      64: 'numbers and a selection together, or neither; a bad `--from`, `--to` or `--status`; several documents (several numbers, a selection) with `-o` a file or `-o -`',
      65: 'an unknown number (the closest are named), or a document that breaks its rules: nothing is written',
      73: 'an output that cannot be written (a missing folder, a refused path): nothing is written; a failure while writing (a full disk) keeps the files written before it, whole, and says how many',
      78: "the organisation's identity lacks what a legal invoice needs (every missing field, with its `org set` option): nothing is written",
    },
    json: '`{"written": [{"number", "file", "format"}]}`: one entry per file written, in the order of the numbers or of the selection, `format` `pdf`; `{"written": []}` when a selection matches nothing (exit 0).',
  },
  'invoices collect': {
    exits: {
      64: 'no `--sepa`; a `--status` other than open; a collection date in the past, less than one TARGET2 business day ahead, or not a business day (the earliest is named)',
      65: 'with `--member`: a member paid by another, without a mandate, or whose mandate is revoked or expired (nothing is written); without: some invoices could not be collected (an expired mandate, a currency other than the euro): the rest is written',
      73: 'the `-o` file exists (a collection file is never replaced) or cannot be written: nothing is written, no invoice is marked',
      78: 'no `sepa-creditor-id`, or the organisation has no name or IBAN',
    },
    json: '`{"file", "dryRun", "collectionDate", "messageId", "currency", "total", "counts": {"transactions", "FRST", "RCUR"}, "transactions": [{"invoice", "payer": {"id", "name"}, "mandate", "scheme", "sequence", "amount", "endToEndId"}], "problems": [{"code", "invoice", "payer", "message"}]}`: `file` and `messageId` are null in a dry run and when nothing is to collect (no file is then written); amounts are decimal strings in euros; `code` is `mandate_expired` or `not_euro`.',
  },
  'charges add': {
    exits: {
      64: 'a missing or malformed `--amount`, `--description`, `--quantity`, `--tax-rate` or `--date`; `--invoice-now` with a date after today; an ambiguous ref',
      65: 'unknown ref; with `--invoice-now`, a payer that no longer exists',
    },
    json: 'the charge shape, with `invoiceIssued`: the invoice shape of the invoice `--invoice-now` issued, else null.',
  },
  'charges list': {
    exits: { 64: 'a `--format` other than table, csv or json; an ambiguous `--member`', 65: 'unknown `--member`' },
    json: 'a list of the charge shape.',
  },
  'charges remove': {
    exits: { 64: 'an id that is not a number', 65: 'unknown charge, or a charge already billed (the message names its invoice)' },
    json: 'the charge shape, its `state` `removed`.',
  },
  'charges refund': {
    exits: { 64: 'an id that is not a number', 65: 'unknown charge, not a deposit, not billed yet, its invoice not paid, or already refunded' },
    json: 'the charge shape, now `refunded`, with `creditNote`.',
  },
  'mandates add': {
    exits: {
      64: 'an IBAN that is malformed or has a wrong checksum, an IBAN outside SEPA, a malformed BIC or reference, an unknown scheme, a signature after today, an ambiguous ref',
      65: 'unknown ref, a member paid by another (the mandate is the payer\'s), a payer who has an active mandate, a reference taken',
    },
    json: 'the mandate shape.',
  },
  'mandates list': { exits: { 64: 'unknown status', 65: 'unknown member' }, json: 'a list of mandate shapes, oldest first.' },
  'mandates show': { exits: { 65: 'unknown reference (the closest are named)' }, json: 'the mandate shape.' },
  'mandates revoke': {
    exits: { 64: 'a date after today', 65: 'unknown reference, revoked already, or a date before the signature', 130: 'cancelled at the question' },
    json: 'the mandate shape, now `revoked`.',
  },
  'payments record': {
    exits: {
      64: 'malformed or ambiguous amount, unknown method (`credit` included: see `credits apply`), date after today, empty --key',
      65: 'void or unknown invoice, date before the invoice, a repeat of a payment (without --again), an invoice paid already (without --overpay), a --key given to a payment with other values',
    },
    json: 'the payment shape plus `"invoiceStatus"`, `"credit"` (what the payment gave beyond the total) and `"change"` (`recorded`, or `unchanged` when --key found the payment recorded before).',
  },
  'payments list': { json: 'a list of payment shapes.' },
  'payments export': {
    exits: { 64: 'an unknown `--format` or `--status`, or xlsx without `-o`', 65: 'an unknown `--invoice` or `--member`' },
    json: 'with `-o` only: `{"file", "format", "payments"}` (without `-o` the file itself is on stdout).',
  },
  'payments import': {
    exits: {
      64: 'an unknown `--format`, a `--review` that is not .csv or .xlsx, a `--column` entry naming a column the file lacks',
      65: 'a statement that cannot be read (the file and the line, row or element are named), or in another currency than the invoices: nothing is imported',
      66: 'the statement is missing or unreadable',
      73: 'the `--review` file cannot be written (checked before anything is imported)',
    },
    json: '`{"file", "format", "dryRun", "entries": [{"date", "amount", "currency", "reference", "label", "debtor", "status", "invoice", "payment", "note"}], "counts": {"matched", "suggested", "unmatched", "duplicate", "debit", "returned"}}`: `amount` is a decimal string, negative for a debit; `status` is `matched`, `suggested`, `unmatched`, `duplicate` (imported before), `debit` or `returned`; `invoice` is the invoice number paid, suggested or reopened, else null; `payment` the id of the payment recorded or cancelled, else null; `note` says why an entry was left alone or what a suggestion rests on.',
  },
  'payments cancel': { exits: { 65: 'unknown or already cancelled payment', 130: 'cancelled at the question' }, json: 'the payment shape plus `"invoiceStatus"`.' },
  'renewals run': {
    exits: { 65: 'an accepted renewal could not be billed (the rest was done)', 75: 'another job holds the lock' },
    json: 'the renewals run shape.',
  },
  'renewals list': { json: 'a list of renewal shapes.' },
  'renewals accept': {
    exits: { 65: 'already decided, intervention required, do-not-renew, or ending before the term', 75: 'the membership changed meanwhile: retry' },
    json: 'the renewal shape plus `"invoices"` (the invoices issued).',
  },
  'renewals refuse': { exits: { 65: 'unknown or already decided renewal' }, json: 'the renewal shape.' },
  'credits show': {
    exits: { 65: 'unknown ref' },
    json: '`{"member", "money": {"balance", "currency"}, "credits": {"balance", "currency", "frozen", "grants"}, "passes": {"balance", "frozen", "grants"}, "otherMoney", "otherCredits", "ledger"}`: `money` is the account\'s money credit (overpayments, what was paid on void invoices, imported balances), `credits` the plans\' credits only; each grant is `{"grantedOn", "granted", "remaining", "frozen", "expiresOn"}`, `remaining` being what can be spent now; `otherMoney` and `otherCredits` list `{"currency", "balance"}` of the other currencies; each ledger entry is `{"date", "kind", "unit", "account", "amount", "currency", "description"}`, `account` being `money`, `credits` or `passes`.',
  },
  'credits apply': {
    exits: { 64: 'malformed amount, or not above 0', 65: 'unknown ref or invoice, an invoice the member neither pays nor is billed on, a void or paid invoice, more than is due, more than the credit: nothing written' },
    json: 'the payment shape (method `credit`) plus `"invoiceStatus"`, `"fromMoney"`, `"fromPlanCredits"` and `"left"`: `{"money", "credits", "currency"}`, what remains in the invoice\'s currency.',
  },
  'credits refund': {
    exits: { 64: 'malformed amount, unknown method or currency', 65: 'unknown ref, more than the money balance (named): nothing written' },
    json: '`{"member", "amount", "currency", "method", "reference", "date", "balance"}`: `balance` is the money credit left.',
  },
  'credits use': {
    exits: { 65: 'more than the balance, or the member is suspended: nothing written' },
    json: '`{"member", "unit", "used", "currency", "balance", "drawn", "transitions"}`: `drawn` says what was taken from each grant, oldest first.',
  },
  'passes use': {
    exits: { 65: 'more than the balance, or the member is suspended: nothing written' },
    json: 'as `credits use`, with `unit` `pass`.',
  },
  'mail send': {
    exits: {
      64: 'neither --smtp, MEMBERCTL_SMTP nor --outbox-dir',
      65: 'a template names an unknown placeholder (nothing sent), or some messages failed: the server refused them for good (5xx) or their subject cannot be rendered (the rest was sent)',
      73: 'the --outbox-dir folder is missing or cannot be written',
      75: 'the SMTP server cannot be reached: every message not sent stays queued',
      78: 'no sender (mail-from), a malformed SMTP URL, the server refused the login, the mail-templates folder cannot be read, or the identity lacks what an invoice needs',
    },
    json: '`{"dryRun", "target", "sent", "retry", "failed", "skipped", "messages": [{"id", "kind", "subject", "to", "outcome", "messageId", "reply"}]}`: `target` is the SMTP URL (password masked) or the folder; `outcome` is `sent`, `retry` (queued again for later), `failed` or `skipped`, and in a dry run `would-send`, `would-fail` or `would-skip`; `reply` is the server\'s reply or the reason.',
  },
  'mail list': { exits: { 64: 'unknown status or kind', 65: 'unknown member' }, json: 'a list of mail message shapes, oldest first.' },
  'mail show': {
    exits: { 65: 'no such message' },
    json: 'the mail message shape plus `"headers"` (an object), `"text"`, `"html"`, `"attachments"` (`[{"filename", "contentType", "bytes"}]`), `"renderError"` (why it cannot be rendered now, else null; the other three are then null) and `"history"`: each attempt, `[{"at", "outcome", "reply"}]`, `outcome` being `sent`, `retry`, `failed` or `written`.',
  },
  'mail retry': {
    exits: { 64: 'neither an id nor --failed', 65: 'no such message, or it is sent or being sent, or it still cannot be sent (it stays skipped, with the reason)' },
    json: '`{"requeued", "skipped"}`: the ids queued again, and `[{"id", "reason"}]` the messages that stay `skipped` (no e-mail address, asked not to be written to).',
  },
  'mail cancel': { exits: { 65: 'no such message, or it is sent, being sent or cancelled' }, json: 'the mail message shape, now `cancelled`.' },
  'mail preview': {
    exits: {
      64: 'an unknown kind, or the option its kind needs is missing',
      65: 'unknown invoice, renewal or member; a template names an unknown placeholder',
      73: 'the -o file cannot be written',
      78: "the identity lacks what an invoice needs",
    },
    json: '`{"kind", "to", "cc", "from", "subject", "language", "text", "html", "attachments": [{"filename", "contentType", "bytes"}], "file", "skipReason"}`: `file` is the .eml written with `-o`, else null; `skipReason` why the message would be queued as `skipped` (`no e-mail address`, `asked not to be written to`), else null.',
  },
  'mail templates export': { exits: { 73: 'the folder is missing or cannot be written' }, json: '`{"written"}`: the files written.' },
  'jobs run': {
    exits: {
      65: 'an item could not be processed (the rest was), or an e-mail failed',
      75: 'another job holds the lock, or the SMTP server cannot be reached (the job is done; its e-mails stay queued)',
    },
    json: '`{"asOf", "dryRun", "renewals", "invoices", "outbox", "privacy"}`: the renewals run shape and the invoices run shape, `privacy` what `privacy run --json` prints (null when the `retention-years` setting is empty); with `--smtp` or `MEMBERCTL_SMTP`, also `"mail"`: what `mail send --json` prints.',
  },
  'privacy run': {
    exits: { 64: 'neither `--inactive-years` nor the `retention-years` setting', 75: 'another job holds the lock' },
    json: '`{"asOf", "dryRun", "inactiveYears", "cutoff", "anonymised", "kept"}`: `anonymised` a list of `{"id", "name", "lastActivity"}` (`name` only on a dry run, null once erased), `kept` the people inactive long enough but kept, `{"id", "lastActivity", "reason"}` (`open invoice`).',
  },
};

/** A command's exit codes, the common ones included, in order, each with what it means for that command. */
export function commandExitCodes(path: string): Array<[number, string]> {
  const own = commandFacts[path]?.exits ?? {};
  const codes = new Set<number>([...commonExitCodes, ...Object.keys(own).map(Number)]);
  const meaning = (value: number) => {
    const name = (Object.keys(ExitCode) as Array<keyof typeof ExitCode>).find((k) => ExitCode[k] === value);
    return name ? exitCodeMeanings[name] : '';
  };
  return [...codes].sort((a, b) => a - b).map((value) => [value, own[value] ?? meaning(value)]);
}

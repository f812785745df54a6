// `npm run demo`: runs memberctl on the bundled sample data with the default SQLite file (./memberctl.db).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'memberctl.js');
if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) {
  console.error('memberctl is not built yet: run `npm ci` (or `npm run build`) first');
  process.exit(1);
}

const env = { ...process.env, MEMBERCTL_DB: process.env.MEMBERCTL_DB ?? 'memberctl.db' };
/** The day the demo's members are imported and listed as of: after every start date of the sample, before its first invoice. */
const demoDay = '2026-11-20';

/** The --json document of a memberctl command run quietly, for a step to see what an earlier demo run did. */
function memberctlJson(args) {
  const result = spawnSync(process.execPath, [bin, '--json', ...args], { cwd: root, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`memberctl ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const renewals = () => memberctlJson(['renewals', 'list']);

/**
 * Each step: the memberctl arguments, the exit codes that are expected of it, and for a step that records
 * something a second run must not record again, `done`: whether an earlier run did it (the step is then skipped).
 */
const steps = [
  { args: ['plans', 'import', 'fixtures/plans.csv', '--update'], ok: [0] },
  { args: ['plans', 'list'], ok: [0] },
  // the sample members: English headers, payers listed after the people they pay for, a custom column; read as of
  // the demo's first day, so that what it says about the dates in the file is the same whatever day it runs
  { args: ['import', 'fixtures/members-en.csv', '--yes', '--today', demoDay], ok: [0] },
  { args: ['companies', 'list'], ok: [0] },
  { args: ['contacts', 'add', '--name', 'Paul Martin', '--email', 'paul.martin@example.org', '--tag', 'Newsletter'], ok: [0] },
  { args: ['members', 'list', '--limit', '15', '--today', demoDay], ok: [0] },
  { args: ['tags', 'list'], ok: [0] },
  // the invoicing job as cron would run it on a fixed day: proration, catch-up, one invoice per payer
  { args: ['invoices', 'run', '--today', '2027-01-31'], ok: [0] },
  { args: ['invoices', 'list'], ok: [0] },
  // the issuer every document names; then the first invoice as a PDF and as a Factur-X e-invoice (a PDF/A-3 with
  // its EN 16931 XML inside), both written again on each run
  {
    args: [
      'org', 'set',
      '--name', 'La Canopée Coworking',
      '--address', '12 rue des Tanneurs',
      '--postcode', '69001',
      '--city', 'Lyon',
      '--siren', '732829320',
      '--vat-id', 'FR44732829320',
      '--email', 'bonjour@canopee.example',
      '--iban', 'FR76 3000 6000 0112 3456 7890 189',
      '--bic', 'AGRIFRPP',
      '--legal-form', 'SAS au capital de 10 000 €',
      '--registration', 'RCS Lyon 732 829 320',
    ],
    ok: [0],
  },
  { args: ['invoices', 'pdf', 'INV-2027-00001', '-o', 'demo-documents/'], ok: [0], folder: 'demo-documents' },
  { args: ['invoices', 'einvoice', 'INV-2027-00001', '--format', 'facturx', '-o', 'demo-documents/INV-2027-00001-facturx.pdf'], ok: [0], folder: 'demo-documents' },
  // a renewal cycle: David pays his Hot Desk invoice (credits and passes granted) and uses a pass; a month before
  // Julia's yearly term ends, the renewals job opens her renewal (and those of terms already over); Julia accepts
  // (invoiced at once), Rachel refuses; once the new term starts, the job reports who moved to grace or former.
  // A second demo run skips what the first did: the renewals job run again as of a day before the last one would
  // record the statuses of that earlier day, then the moves of the later day a second time.
  // recorded under a key: a second demo run finds the payment instead of recording it twice
  { args: ['payments', 'record', 'INV-2027-00002', '--amount', '240', '--method', 'card', '--key', 'demo-card-0002', '--today', '2027-02-10'], ok: [0] },
  { args: ['credits', 'show', 'David Okafor', '--today', '2027-02-10'], ok: [0] },
  // once: a second demo run finds the pass used and leaves it
  {
    args: ['passes', 'use', 'David Okafor', '--description', 'guest day', '--today', '2027-02-12'],
    ok: [0],
    done: () => memberctlJson(['credits', 'show', 'David Okafor', '--today', '2027-02-12']).ledger.some((entry) => entry.description === 'guest day'),
  },
  { args: ['renewals', 'run', '--today', '2027-03-02'], ok: [0], done: () => renewals().length > 0 },
  { args: ['renewals', 'accept', '4', '--today', '2027-03-05'], ok: [0], done: () => renewals().some((r) => r.id === 4 && r.status === 'accepted') },
  { args: ['renewals', 'refuse', '1', '--reason', 'moved to Lyon', '--today', '2027-03-05'], ok: [0], done: () => renewals().some((r) => r.id === 1 && r.status === 'refused') },
  { args: ['renewals', 'list'], ok: [0] },
  { args: ['renewals', 'run', '--today', '2027-04-01'], ok: [0] },
  { args: ['members', 'list', '--status', 'former', '--today', '2027-04-01'], ok: [0] },
  // the e-mails these steps queued (invoices with their PDF, the credit note, renewal notices, a suspension...),
  // written as .eml files rather than sent: a later run finds them sent and writes nothing more
  { args: ['mail', 'send', '--outbox-dir', 'demo-outbox'], ok: [0], folder: 'demo-outbox' },
  { args: ['mail', 'list', '--limit', '10'], ok: [0] },
];

for (const step of steps) {
  if (step.folder) fs.mkdirSync(path.join(root, step.folder), { recursive: true });
  console.log(`\n$ memberctl ${step.args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ')}`);
  if (step.done?.()) {
    console.log('(done by an earlier demo run: skipped)');
    continue;
  }
  const result = spawnSync(process.execPath, [bin, ...step.args], { cwd: root, stdio: 'inherit', env });
  if (!step.ok.includes(result.status ?? -1)) {
    console.error(`\ndemo step failed with exit code ${result.status}`);
    process.exit(result.status || 1);
  }
}
console.log('\nThe demo database is ./memberctl.db; explore it with `npx memberctl --help`.');
console.log('The first invoice is in ./demo-documents/: INV-2027-00001.pdf (PDF) and INV-2027-00001-facturx.pdf (Factur-X).');
console.log('The e-mails of its invoices and renewals are in ./demo-outbox/, one .eml file each (open one in a mail program).');

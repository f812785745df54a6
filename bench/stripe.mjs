// `npm run bench -- stripe`: `import stripe` of generated Dashboard exports, 50k customers with 50k subscriptions
// (card columns, metadata, 5% canceled), against the `import` of a 100k-row template CSV made by the import
// benchmark's generator. Targets: at most 2x the template import's time, at most 400 MB peak RSS.
// The customer count can be changed with MEMBERCTL_BENCH_STRIPE_CUSTOMERS (the template file has twice as many rows).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importFile, writeCsv } from './import.mjs';
import { fmt, measureCli, root } from './lib.mjs';
import { writeStripeExports } from './stripe-data.mjs';

const today = '2026-01-15';

async function stripeDb(dir) {
  const db = path.join(dir, 'stripe.db');
  for (const args of [['plans', 'import', path.join(root, 'fixtures', 'plans.csv')], ['settings', 'set', 'timezone', 'Europe/Paris']]) {
    const run = await measureCli(['--db', db, ...args]);
    if (run.code !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr}`);
  }
  return db;
}

export const stripeBench = {
  name: 'stripe',
  description: '`import stripe` of 50k customers and 50k subscriptions against `import` of 100k template rows (target: at most 2x, 400 MB)',
  async run() {
    const customers = Number(process.env.MEMBERCTL_BENCH_STRIPE_CUSTOMERS ?? 50_000);
    const templateRows = customers * 2;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-bench-stripe-'));
    try {
      const files = writeStripeExports(dir, customers);
      const size = (file) => `${fmt(fs.statSync(file).size / 1e6, 1)} MB`;
      const lines = [`${customers.toLocaleString('en-US')} customers (${size(files.customers)}), ${customers.toLocaleString('en-US')} subscriptions (${size(files.subscriptions)})`];
      const args = ['import', 'stripe', '--customers', files.customers, '--subscriptions', files.subscriptions, '--prices', files.prices];

      const db = await stripeDb(dir);
      const run = await measureCli(['--db', db, '--today', today, '--json', ...args, '--cancel-list', path.join(dir, 'cancel.csv')]);
      if (run.code !== 0) throw new Error(`import stripe exited ${run.code}: ${run.stderr.slice(0, 800)}`);
      const result = JSON.parse(run.stdout);
      if (result.created.members !== customers) throw new Error(`import stripe created ${result.created.members} members, expected ${customers}`);
      const rssOk = run.peakRssMb <= 400;
      lines.push(
        `import stripe:   ${fmt(run.ms / 1000)} s, ${result.created.members} members and ${result.created.memberships} memberships created, peak RSS ${fmt(run.peakRssMb, 0)} MB (target <= 400) ${rssOk ? 'OK' : 'MISSED'}`,
      );

      const again = await measureCli(['--db', db, '--today', today, '--json', ...args]);
      const unchanged = again.code === 0 && JSON.parse(again.stdout).unchanged === customers;
      lines.push(`re-import:       ${fmt(again.ms / 1000)} s, every customer unchanged: ${unchanged ? 'yes' : 'NO'}, peak RSS ${fmt(again.peakRssMb, 0)} MB`);

      const csv = path.join(dir, 'members.csv');
      writeCsv(csv, templateRows);
      const template = await importFile(dir, 'template', csv, templateRows);
      const ratio = run.ms / template.ms;
      const ratioOk = ratio <= 2;
      lines.push(`import template: ${fmt(template.ms / 1000)} s for ${templateRows.toLocaleString('en-US')} rows, peak RSS ${fmt(template.peakRssMb, 0)} MB`);
      lines.push(`import stripe / import template = ${fmt(ratio)}x (target <= 2x) ${ratioOk ? 'OK' : 'MISSED'}`);
      return { ok: rssOk && ratioOk && unchanged, lines };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

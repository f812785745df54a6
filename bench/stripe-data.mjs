// Generates Stripe Dashboard exports of any size for the Stripe import benchmark: customers (with card columns
// and metadata), one subscription each (mostly active, some trialing, past due or canceled), and the prices export.
import path from 'node:path';
import { writeCsvLines } from './lib.mjs';

const customerHeaders = [
  'id',
  'Description',
  'Email',
  'Name',
  'Phone',
  'Created (UTC)',
  'Account Balance',
  'Currency',
  'Delinquent',
  'Default Source',
  'Business Vat ID',
  'Card ID',
  'Card Name',
  'Card Brand',
  'Card Last4',
  'Card Exp Month',
  'Card Exp Year',
  'Card Fingerprint',
  'Card Address Line1',
  'Card Address City',
  'Card Address Zip',
  'Address Line1',
  'Address City',
  'Address Postal Code',
  'Address Country',
  'Plan',
  'Total Spend',
  'membership_number (metadata)',
];

const subscriptionHeaders = [
  'id',
  'Customer ID',
  'Customer Email',
  'Customer Name',
  'Plan',
  'Product',
  'Quantity',
  'Currency',
  'Interval',
  'Amount',
  'Status',
  'Created (UTC)',
  'Start Date (UTC)',
  'Current Period Start (UTC)',
  'Current Period End (UTC)',
  'Trial Start (UTC)',
  'Trial End (UTC)',
  'Canceled At (UTC)',
  'Cancel At Period End',
  'Ended At (UTC)',
  'desk (metadata)',
];

export const prices = [
  { id: 'price_BenchHotDesk0001', product: 'Hot Desk', amount: '200.00', interval: 'month' },
  { id: 'price_BenchFixedDesk02', product: 'Fixed Desk', amount: '350.00', interval: 'month' },
  { id: 'price_BenchOffice00003', product: 'Private Office', amount: '1200.00', interval: 'month' },
  { id: 'price_BenchAssoc000004', product: 'Association Annual', amount: '120.00', interval: 'year' },
];

const first = ['Camille', 'Léa', 'Hugo', 'Chloé', 'Lucas', 'Manon', 'Louis', 'Emma', 'Jules', 'Inès', 'Noah', 'Zoé'];
const last = ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent'];
const pad = (n, width) => String(n).padStart(width, '0');
const stamp = (year, month, day, hour, minute) => `${year}-${pad(month, 2)}-${pad(day, 2)} ${pad(hour, 2)}:${pad(minute, 2)}`;
const field = (value) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** Rows `row(0)` to `row(count - 1)`, their fields quoted where CSV needs it. */
function writeLines(file, headers, count, row) {
  writeCsvLines(file, headers.join(','), count, (i) => row(i - 1).map(field).join(','));
}

/** Writes customers.csv, subscriptions.csv and prices.csv for `count` customers into `dir`; returns their paths. */
export function writeStripeExports(dir, count) {
  const customerId = (i) => `cus_Bench${pad(i, 9)}`;
  const name = (i) => `${first[i % first.length]} ${last[Math.floor(i / first.length) % last.length]} ${i}`;
  const email = (i) => `member${i}@bench.example.org`;
  const files = { customers: path.join(dir, 'customers.csv'), subscriptions: path.join(dir, 'subscriptions.csv'), prices: path.join(dir, 'prices.csv') };
  writeLines(files.customers, customerHeaders, count, (i) => [
    customerId(i),
    i % 10 === 0 ? `Member since ${2020 + (i % 6)}, desk by the window` : '',
    email(i),
    name(i),
    i % 3 === 0 ? `+33 6 ${pad(i % 100, 2)} ${pad((i * 7) % 100, 2)} ${pad((i * 13) % 100, 2)} ${pad((i * 17) % 100, 2)}` : '',
    stamp(2020 + (i % 6), (i % 12) + 1, (i % 28) + 1, i % 24, i % 60),
    i % 50 === 0 ? '-15.00' : '0.00',
    'eur',
    'false',
    `card_1Bench${pad(i, 9)}Zz`,
    i % 7 === 0 ? `FR${pad(i, 11)}` : '',
    `card_1Bench${pad(i, 9)}Zz`,
    name(i).toUpperCase(),
    'Visa',
    pad(i % 10000, 4),
    String((i % 12) + 1),
    String(2027 + (i % 4)),
    `BenchFp${pad(i, 9)}`,
    `${i} Card Street`,
    'Paris',
    '75011',
    `${(i % 200) + 1} rue de la République`,
    'Lyon',
    '69002',
    'FR',
    '',
    '0.00',
    `M-${pad(i, 6)}`,
  ]);
  writeLines(files.subscriptions, subscriptionHeaders, count, (i) => {
    const price = prices[i % prices.length];
    const status = i % 20 === 0 ? 'canceled' : i % 25 === 1 ? 'trialing' : i % 33 === 2 ? 'past_due' : 'active';
    const day = (i % 28) + 1;
    const start = stamp(2021 + (i % 5), (i % 12) + 1, day, 9, 30);
    const periodEnd = price.interval === 'year' ? stamp(2026, (i % 11) + 2, day, 9, 30) : stamp(2026, 2, day, 9, 30);
    const periodStart = price.interval === 'year' ? stamp(2025, (i % 11) + 2, day, 9, 30) : stamp(2026, 1, day, 9, 30);
    return [
      `sub_Bench${pad(i, 9)}`,
      customerId(i),
      email(i),
      name(i),
      price.id,
      `prod_Bench${i % prices.length}`,
      i % 11 === 0 ? '2' : '1',
      'eur',
      price.interval,
      price.amount,
      status,
      start,
      start,
      periodStart,
      periodEnd,
      status === 'trialing' ? periodStart : '',
      status === 'trialing' ? periodEnd : '',
      status === 'canceled' ? periodStart : '',
      i % 40 === 3 ? 'true' : 'false',
      status === 'canceled' ? periodStart : '',
      i % 5 === 0 ? `D-${i % 300}` : '',
    ];
  });
  writeLines(
    files.prices,
    ['Price ID', 'Product ID', 'Product Name', 'Description', 'Created (UTC)', 'Amount', 'Currency', 'Interval', 'Interval Count'],
    prices.length,
    (i) => [prices[i].id, `prod_Bench${i}`, prices[i].product, '', '2020-01-01 00:00', prices[i].amount, 'eur', prices[i].interval, '1'],
  );
  return files;
}

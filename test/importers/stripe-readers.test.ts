import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { isCardColumn, isPaymentMethodId } from '../../src/importers/stripe/columns.js';
import { openStripeExport } from '../../src/importers/stripe/export-table.js';
import { readCustomers, readPrices, readSubscriptions, type StripeReadOptions } from '../../src/importers/stripe/records.js';
import { LocalDates, readTimestamp, timestampReading } from '../../src/importers/stripe/timestamps.js';
import { formatIsoDate, utcDateTimeToLocalDate } from '../../src/core/kernel/dates.js';
import fc from 'fast-check';
import { root } from '../helpers/cli.js';
import { readRows, tempFolder } from './files.js';

const fixtures = path.join(root, 'fixtures', 'stripe');
const fixture = (name: string) => path.join(fixtures, name);
const folder = tempFolder('stripe-readers');
const utc: StripeReadOptions = { timeZone: 'UTC', dateFormat: null, defaultCurrency: 'EUR' };

const secretColumns = ['Card ID', 'Card Last4', 'Card Fingerprint', 'Card Name', 'Card Address Line1', 'Default Source'];

/** The identifying values of the fixture's card columns, read straight from the file (not through the reader). */
function cardValues(file: string): string[] {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const split = (line: string) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].map((m) => m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"')).slice(0, -1);
  const headers = split(header!);
  const positions = headers.flatMap((h, i) => (secretColumns.includes(h) ? [i] : []));
  expect(positions.length).toBeGreaterThanOrEqual(5);
  return [...new Set(lines.flatMap((line) => positions.map((i) => split(line)[i] ?? '')).filter((v) => v.length >= 4))];
}

describe('card data never leaves the reader', () => {
  test.each(['customers.csv', 'customers-2019.csv', 'customers-excel.csv'])('%s: no card column and no card value in the table', async (name) => {
    const source = await openStripeExport(fixture(name), 'customers');
    expect(source.droppedColumns).toEqual(expect.arrayContaining(['Card ID', 'Card Last4', 'Card Fingerprint', 'Card Name', 'Card Address Line1']));
    expect(source.table.headers.filter(isCardColumn)).toEqual([]);
    const secrets = cardValues(fixture(name));
    const seen = JSON.stringify({ headers: source.table.headers, rows: await readRows(source.table), problems: source.problems });
    for (const secret of secrets) expect(seen).not.toContain(secret);
    // the customer data next to the card columns is still there
    expect(seen).toContain('helene.garnier@atelier-lumiere.fr');
  });

  test('card headers, payment method headers and their metadata are recognised; others are not', () => {
    for (const header of ['Card ID', 'card last4', 'Cardholder Name', 'Card Address Zip', 'Default Source', 'Invoice Settings Default Payment Method', 'Payment Method ID', 'card_fingerprint (metadata)']) {
      expect(isCardColumn(header), header).toBe(true);
    }
    for (const header of ['id', 'Email', 'Name', 'Address Line1', 'Plan', 'Customer ID', 'membership_number (metadata)', 'Discount']) {
      expect(isCardColumn(header), header).toBe(false);
    }
    expect(isPaymentMethodId('pm_1NxYzAbCdEf')).toBe(true);
    expect(isPaymentMethodId('card_1Pb1FakeCardQx7Zt1')).toBe(true);
    expect(isPaymentMethodId('cus_PbA1HeleneGarni')).toBe(false);
    expect(isPaymentMethodId('price_1OaHotDeskMonthly')).toBe(false);
  });

  test('a payment method id in any other column is blanked', async () => {
    const file = folder.write('pm.csv', 'id,Email,Name,wallet (metadata),note (metadata)\ncus_1,a@example.org,Ann,pm_1NxYzAbCdEfGh,kept\n');
    const customers = await readCustomers(file, utc);
    expect(customers.records[0]!.metadata).toEqual([['note', 'kept']]);
  });
});

describe('columns are found by name, whatever the export version', () => {
  test('the current and the 2019 subscriptions exports read the same values', async () => {
    const current = await readSubscriptions(fixture('subscriptions.csv'), utc);
    const old = await readSubscriptions(fixture('subscriptions-2019.csv'), utc);
    expect(current.problems.map((p) => p.code)).toEqual(['custom_field']);
    expect(old.problems).toEqual([]);
    const byId = new Map(old.records.map((r) => [r.id, r]));
    expect(current.records.length).toBeGreaterThan(10);
    for (const record of current.records) {
      const other = byId.get(record.id)!;
      for (const key of ['customerId', 'quantity', 'status', 'startDate', 'currentPeriodStart', 'currentPeriodEnd', 'trialEnd', 'canceledAt', 'cancelAtPeriodEnd', 'amount'] as const) {
        expect(other[key], `${record.id} ${key}`).toEqual(record[key]);
      }
    }
    const trial = current.records.find((r) => r.status === 'trialing')!;
    expect(trial.trialEnd).toBe('2026-01-19');
    expect(current.records.find((r) => r.quantity === 2)?.id).toBe('sub_1PbS04EtienFD2');
  });

  test('customers: Description, VAT id, balance in minor units, booleans, address, metadata', async () => {
    const customers = await readCustomers(fixture('customers.csv'), utc);
    expect(customers.problems.map((p) => p.code)).toEqual(['custom_field', 'custom_field']);
    const helene = customers.records.find((c) => c.id === 'cus_PbA1HeleneGarni')!;
    expect(helene).toMatchObject({
      name: 'Hélène Garnier',
      taxId: 'FR40123456824',
      description: 'Founder of Atelier Lumière, pays by card',
      address: "5 rue de l'Église, 75015 Paris, FR",
      created: '2022-03-15',
      delinquent: false,
      metadata: [
        ['membership_number', 'A-101'],
        ['referral', 'website'],
      ],
    });
    expect(customers.records.find((c) => c.id === 'cus_PbA8LoicMercie')!.balance).toEqual({ amount: -2500, currency: 'EUR' });
    expect(customers.records.find((c) => c.id === 'cus_PbA2JeromeFaur')!.name).toBe('Faure, Jérôme');
    expect(customers.records.filter((c) => c.id === null).map((c) => c.email)).toEqual(['lucas.meyer@example.org', 'day.pass.visitor@example.org']);
  });

  test('unknown columns are ignored without a problem; columns differ only by case and spacing', async () => {
    const file = folder.write('loose.csv', 'ID, email ,NAME,Frobnicate,Account balance\ncus_1,a@example.org,Ann,zzz,"-12,50"\n');
    const customers = await readCustomers(file, utc);
    expect(customers.problems).toEqual([]);
    expect(customers.records[0]).toMatchObject({ id: 'cus_1', email: 'a@example.org', name: 'Ann', balance: { amount: -1250, currency: 'EUR' } });
  });

  test('prices: the nickname, product name, interval and count', async () => {
    const prices = await readPrices(fixture('prices.csv'), utc);
    expect(prices.problems).toEqual([]);
    expect(prices.records.find((p) => p.id === 'price_1OaFixedDeskMonth')).toMatchObject({ productName: 'Desks', description: 'Fixed Desk', amount: 35000, currency: 'EUR', interval: 'month', intervalCount: 1 });
    expect(prices.records.find((p) => p.id === 'price_1OaAssocYearly')).toMatchObject({ interval: 'year', amount: 12000 });
  });

  test('a missing required column is an error naming the export; a swapped file is recognised', async () => {
    const swapped = await readCustomers(fixture('subscriptions.csv'), utc);
    const missing = swapped.problems.filter((p) => p.code === 'missing_column');
    expect(missing.map((p) => p.column)).toEqual(['Email']);
    expect(missing[0]!.message).toContain('subscriptions export');
    expect(swapped.unreadable).toBe(true);
    expect(swapped.records).toEqual([]);
    expect(swapped.rows).toBeGreaterThan(10);

    const noStart = await readSubscriptions(folder.write('nostart.csv', 'id,Customer ID,Plan,Status,Current Period End (UTC)\n'), utc);
    expect(noStart.problems.map((p) => [p.code, p.column])).toEqual([['missing_column', 'Start Date (UTC)']]);
    expect(noStart.problems[0]!.message).toContain('"Start (UTC)"');
  });

  test('two columns for the same field are a duplicate_column error', async () => {
    const file = folder.write('dup.csv', 'id,Customer ID,Plan,Status,Start (UTC),Start Date (UTC),Current Period End (UTC)\n');
    const read = await readSubscriptions(file, utc);
    expect(read.problems.map((p) => p.code)).toEqual(['duplicate_column']);
  });

  test('a value past the last column is an extra_cells error and is not kept', async () => {
    const file = folder.write('extra.csv', 'id,Email,Name\ncus_1,a@example.org,Ann,4242424242424242\n');
    const read = await readCustomers(file, utc);
    expect(read.records[0]!.problems.map((p) => p.code)).toEqual(['extra_cells']);
    expect(JSON.stringify(read.records)).not.toContain('4242424242424242');
  });
});

describe('dates', () => {
  test('UTC timestamps become dates in the organisation time zone', async () => {
    const paris = await readSubscriptions(fixture('subscriptions.csv'), { ...utc, timeZone: 'Europe/Paris' });
    const inUtc = await readSubscriptions(fixture('subscriptions.csv'), utc);
    const noemie = (read: typeof paris) => read.records.find((r) => r.id === 'sub_1PbS05NoemiHD')!;
    expect(noemie(inUtc).currentPeriodEnd).toBe('2026-01-31');
    expect(noemie(paris).currentPeriodEnd).toBe('2026-02-01');
    const tokyo = await readSubscriptions(fixture('subscriptions.csv'), { ...utc, timeZone: 'America/Los_Angeles' });
    // 09:12 UTC is 01:12 in Los Angeles: same day; 00:00 UTC is the evening before
    expect(tokyo.records.find((r) => r.id === 'sub_1PbS01HelenePO')!.currentPeriodEnd).toBe('2026-02-15');
    expect(tokyo.records.find((r) => r.id === 'sub_1PbS03JeromeFD')!.currentPeriodEnd).toBe('2026-01-31');
  });

  test('a file re-saved by Excel: one file-level warning, and the same dates as the original', async () => {
    const original = await readSubscriptions(fixture('subscriptions.csv'), { ...utc, timeZone: 'Europe/Paris' });
    const excel = await readSubscriptions(fixture('subscriptions-excel.csv'), { ...utc, timeZone: 'Europe/Paris' });
    expect(original.problems.filter((p) => p.code === 'stripe_dates_reformatted')).toEqual([]);
    const warnings = excel.problems.filter((p) => p.code === 'stripe_dates_reformatted');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ row: null, severity: 'warning' });
    expect(warnings[0]!.message).toContain('MM/DD/YYYY');
    expect(excel.records.flatMap((r) => r.problems)).toEqual([]);
    expect(excel.records.map(({ problems: _, ...r }) => r)).toEqual(original.records.map(({ problems: _, ...r }) => r));

    const customers = await readCustomers(fixture('customers-excel.csv'), utc);
    expect(customers.problems.map((p) => p.code)).toContain('stripe_dates_reformatted');
    expect(customers.records.find((c) => c.id === 'cus_PbA8LoicMercie')!.balance).toEqual({ amount: -2500, currency: 'EUR' });
  });

  test('re-saved dates nothing decides are ambiguous errors until --date-format says', async () => {
    const text = 'id,Customer ID,Plan,Status,Start (UTC),Current Period End (UTC)\nsub_1,cus_1,price_1,active,03/04/2025 10:00,04/05/2026 10:00\n';
    const file = folder.write('ambiguous.csv', text);
    const guessed = await readSubscriptions(file, utc);
    expect(guessed.problems[0]!.message).toContain('--date-format');
    // one sentence: "its dates are" only comes before how they are read
    expect(guessed.problems[0]!.message).not.toMatch(/its dates are (dates|some)/);
    expect(guessed.records[0]!.problems.map((p) => [p.code, p.column])).toEqual([
      ['ambiguous_date', 'Start (UTC)'],
      ['ambiguous_date', 'Current Period End (UTC)'],
    ]);
    const dayFirst = await readSubscriptions(file, { ...utc, dateFormat: 'DMY' });
    expect(dayFirst.records[0]).toMatchObject({ startDate: '2025-04-03', currentPeriodEnd: '2026-05-04', problems: [] });
    const semicolons = folder.write('fr.csv', 'id;Customer ID;Plan;Status;Start (UTC);Current Period End (UTC);Amount\nsub_1;cus_1;price_1;active;25/12/2025 23:30;03/01/2026 10:00;"49,00"\n');
    const french = await readSubscriptions(semicolons, { ...utc, timeZone: 'Europe/Paris' });
    expect(french.records[0]).toMatchObject({ startDate: '2025-12-26', currentPeriodEnd: '2026-01-03', amount: 4900, problems: [] });
  });

  test('the re-saved warning reads as one sentence whatever decides the dates', () => {
    const local = new LocalDates('UTC');
    const sample = (text: string, row: number) => ({ row, column: 'Start (UTC)', text });
    const surveys = [
      { reformatted: sample('03/04/25 10:00', 2), provesDMY: null, provesMDY: null },
      { reformatted: sample('03/04/25 10:00', 2), provesDMY: sample('25/12/25 10:00', 3), provesMDY: null },
      { reformatted: sample('03/04/25 10:00', 2), provesDMY: sample('25/12/25 10:00', 3), provesMDY: sample('12/25/25 10:00', 4) },
    ];
    const messages = [
      ...surveys.map((survey) => timestampReading(survey, { local, dateFormat: null }).problems[0]!.message),
      timestampReading(surveys[0]!, { local, dateFormat: 'YMD' }).problems[0]!.message,
    ];
    for (const message of messages) {
      expect(message).toContain('03/04/25 10:00');
      expect(message).not.toMatch(/its dates are (dates|some)|dates are dates/);
    }
    expect(messages[0]).toMatch(/--date-format DMY or MDY/);
    expect(messages[2]).toContain('25/12/25 10:00');
    expect(messages[2]).toContain('12/25/25 10:00');
  });

  test.each([
    ['2026-01-31 23:30', 'Europe/Paris', '2026-02-01'],
    ['2026-01-31 23:30:59', 'UTC', '2026-01-31'],
    ['2026-03-01 02:00', 'America/New_York', '2026-02-28'],
    ['2026-02-30 10:00', 'UTC', null],
    ['yesterday', 'UTC', null],
  ])('%s in %s', (text, timeZone, expected) => {
    const read = readTimestamp(text, { local: new LocalDates(timeZone), convention: null, given: false });
    if (expected === null) expect(read.ok).toBe(false);
    else expect(read).toEqual({ ok: true, value: expected });
  });
});

describe('cells', () => {
  test('an unreadable amount, boolean, quantity or currency is a problem on its row and column', async () => {
    const text = 'id,Customer ID,Plan,Status,Start (UTC),Current Period End (UTC),Quantity,Cancel At Period End\nsub_1,cus_1,price_1,active,2025-01-01 10:00,2026-02-01 10:00,two,maybe\n';
    const read = await readSubscriptions(folder.write('cells.csv', text), utc);
    expect(read.records[0]!.problems.map((p) => [p.code, p.column, p.row])).toEqual([
      ['invalid_number', 'Quantity', 2],
      ['invalid_boolean', 'Cancel At Period End', 2],
    ]);
    const customers = await readCustomers(folder.write('balance.csv', 'id,Email,Account Balance,Currency\ncus_1,a@example.org,abc,euro\n'), utc);
    expect(customers.records[0]!.problems.map((p) => [p.code, p.column, p.row])).toEqual([
      ['invalid_value', 'Currency', 2],
      ['invalid_number', 'Account Balance', 2],
    ]);
  });

  test.each([
    ['true', true],
    ['FALSE', false],
    ['VRAI', true],
    ['Faux', false],
    ['yes', true],
    ['No', false],
    ['OUI', true],
    ['non', false],
    ['1', true],
    ['0', false],
  ])('the boolean %s is %s', async (word, value) => {
    const read = await readCustomers(folder.write(`flag-${word}.csv`, `id;Email;Delinquent;Cancel At Period End\r\ncus_1;a@example.org;${word};${word}\r\n`), utc);
    expect(read.records[0]).toMatchObject({ delinquent: value, cancelAtPeriodEnd: value, problems: [] });
  });

  test('a word that is no boolean is an invalid_boolean that lists the accepted ones', async () => {
    const read = await readCustomers(folder.write('flag-bad.csv', 'id,Email,Delinquent\ncus_1,a@example.org,peut-être\n'), utc);
    expect(read.records[0]!.problems).toMatchObject([{ code: 'invalid_boolean', column: 'Delinquent', value: 'peut-être' }]);
    expect(read.records[0]!.problems[0]!.message).toMatch(/vrai\/faux/);
  });

  test('a column the import does not keep never gives a row a problem; its readable values are still read', async () => {
    const customers = await readCustomers(folder.write('created.csv', 'id,Email,Created (UTC),Currency\ncus_1,a@example.org,1/5/26 10:00,euro\ncus_2,b@example.org,2022-03-15 09:00,\n'), utc);
    // the file-level warning still says the file was re-saved
    expect(customers.problems.map((p) => [p.code, p.severity])).toEqual([['stripe_dates_reformatted', 'warning']]);
    expect(customers.records.map((c) => [c.created, c.problems])).toEqual([
      [null, []],
      ['2022-03-15', []],
    ]);
    const text =
      'id,Customer ID,Plan,Status,Start (UTC),Current Period Start (UTC),Current Period End (UTC),Canceled At (UTC),Amount,Currency\n' +
      'sub_1,cus_1,price_1,active,2025-01-01 10:00,1/5/26 10:00,2026-02-01 10:00,never,abc,euro\n';
    const subscriptions = await readSubscriptions(folder.write('unused.csv', text), utc);
    expect(subscriptions.problems.map((p) => p.code)).toEqual(['stripe_dates_reformatted']);
    expect(subscriptions.records[0]).toMatchObject({ currentPeriodStart: null, canceledAt: null, amount: null, currency: null, startDate: '2025-01-01', problems: [] });
  });

  test('a column the import does not keep still tells the day/month order of the file', async () => {
    const text = 'id,Customer ID,Plan,Status,Start (UTC),Current Period End (UTC),Canceled At (UTC)\nsub_1,cus_1,price_1,active,03/04/2025 10:00,04/05/2026 10:00,25/12/2025 10:00\n';
    const read = await readSubscriptions(folder.write('proof.csv', text), utc);
    expect(read.records[0]).toMatchObject({ startDate: '2025-04-03', currentPeriodEnd: '2026-05-04', problems: [] });
    expect(read.problems.map((p) => p.code)).toEqual(['stripe_dates_reformatted']);
    expect(read.problems[0]!.message).toContain('25/12/2025');
  });
});

describe('local dates of UTC times', () => {
  const zones = ['UTC', 'Europe/Paris', 'America/New_York', 'America/St_Johns', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Pacific/Apia', 'America/Sao_Paulo'];
  test.each(zones)('the per-day offset shortcut gives the exact date in %s', (zone) => {
    const local = new LocalDates(zone);
    fc.assert(
      fc.property(
        fc.integer({ min: 2000, max: 2035 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 59 }),
        (year, month, day, hour, minute, second) => {
          const date = formatIsoDate(year, month, day);
          const time = { hour, minute, second };
          expect(local.of(date, time)).toBe(utcDateTimeToLocalDate(date, time, zone));
        },
      ),
      { numRuns: 400 },
    );
  });

  test('around a daylight saving change, each time is converted on its own', () => {
    const local = new LocalDates('America/New_York');
    // 2026-03-08 07:00 UTC is 03:00 EDT (the clocks went forward at 2:00 EST = 07:00 UTC)
    for (const [hour, minute] of [[4, 59], [5, 0], [6, 59], [7, 0], [23, 59]] as const) {
      expect(local.of('2026-03-08', { hour, minute, second: 0 })).toBe(utcDateTimeToLocalDate('2026-03-08', { hour, minute, second: 0 }, 'America/New_York'));
    }
    expect(local.of('2026-03-08', { hour: 4, minute: 59, second: 0 })).toBe('2026-03-07');
    expect(local.of('2026-03-08', { hour: 5, minute: 0, second: 0 })).toBe('2026-03-08');
  });
});

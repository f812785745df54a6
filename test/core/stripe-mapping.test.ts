import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { delinquentTag, mapStripe, type StripeMapping, type StripeUnit } from '../../src/core/stripe/mapping.js';
import { readPlanMap } from '../../src/core/import/plan-map.js';
import { planResolver } from '../../src/core/stripe/price-plans.js';
import type { Plan } from '../../src/db/types.js';
import { readCustomers, readPrices, readSubscriptions, type StripeReadOptions } from '../../src/importers/stripe/records.js';
import { root } from '../helpers/cli.js';
import { tempFolder } from '../importers/files.js';

const fixture = (name: string) => (path.isAbsolute(name) ? name : path.join(root, 'fixtures', 'stripe', name));
const folder = tempFolder('stripe-mapping');

let nextId = 1;
const plan = (name: string, price: number, interval: 'month' | 'year', autoRenew: 0 | 1 = 1): Plan => ({
  id: nextId++,
  name,
  price,
  currency: 'EUR',
  interval,
  every: 1,
  tax_rate: '20',
  credits: 0,
  passes: 0,
  auto_renew: autoRenew,
  archived: 0,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
});
// fixtures/plans.csv
const plans = new Map(
  [plan('Hot Desk', 20000, 'month'), plan('Fixed Desk', 35000, 'month'), plan('Private Office', 120000, 'month'), plan('Association Annual', 12000, 'year', 0)].map((p) => [p.name, p]),
);
const priceMap = readPlanMap(fixture('price-map.json'), false);

interface Files {
  customers: string;
  subscriptions?: string;
  prices?: string;
  map?: Map<string, string>;
  today?: string;
  timeZone?: string;
}

async function mapFiles(files: Files): Promise<StripeMapping> {
  const options: StripeReadOptions = { timeZone: files.timeZone ?? 'Europe/Paris', dateFormat: null, defaultCurrency: 'EUR' };
  const customers = await readCustomers(fixture(files.customers), options);
  const subscriptions = files.subscriptions ? await readSubscriptions(fixture(files.subscriptions), options) : null;
  const prices = files.prices ? await readPrices(fixture(files.prices), options) : null;
  const resolver = planResolver(plans, prices?.records ?? [], files.map ?? new Map());
  return mapStripe({ customers, subscriptions, prices, resolver, today: files.today ?? '2026-01-15', billingDay: 1 });
}

const current = () => mapFiles({ customers: 'customers.csv', subscriptions: 'subscriptions.csv', prices: 'prices.csv', map: priceMap });
const unitOf = (mapping: StripeMapping, externalId: string): StripeUnit => mapping.units.find((u) => u.member?.externalId === externalId)!;
const codes = (unit: StripeUnit) => unit.problems.map((p) => p.code);

describe('the current Dashboard exports', () => {
  test('every customer is a unit, nothing is an error, and the warnings are the ones the data calls for', async () => {
    const mapping = await current();
    expect(mapping.units).toHaveLength(14);
    expect(mapping.units.filter((u) => u.hasErrors)).toEqual([]);
    const warnings = mapping.units.flatMap((u) => u.problems.map((p) => `${p.code} ${p.file.endsWith('customers.csv') ? 'customers' : 'subscriptions'} ${p.row}`));
    expect(warnings.sort()).toEqual(
      [
        'name_looks_like_email customers 6', // its Name is its e-mail
        'name_looks_like_phone customers 7',
        'name_looks_like_email customers 15', // a guest with an e-mail only
        'price_mismatch subscriptions 11', // a legacy price of 1100.00 for the 1200.00 plan
      ].sort(),
    );
    expect(mapping.notImported).toEqual({ canceled: 3, incomplete_expired: 1 });
    const summaries = mapping.fileProblems.filter((p) => p.code === 'unsupported_status');
    expect(summaries.map((p) => [p.value, p.row, p.severity])).toEqual([
      ['canceled', null, 'warning'],
      ['incomplete_expired', null, 'warning'],
    ]);
    expect(summaries[0]!.message).toContain('rows 3, 12, 14');
  });

  test('customers become members: external id, Description as note or name, VAT id, credit, metadata', async () => {
    const mapping = await current();
    const helene = unitOf(mapping, 'cus_PbA1HeleneGarni');
    expect(helene.member).toMatchObject({
      name: 'Hélène Garnier',
      email: 'helene.garnier@atelier-lumiere.fr',
      emailKey: 'helene.garnier@atelier-lumiere.fr',
      phone: '+33 1 42 00 00 01',
      taxId: 'FR40123456824',
      note: 'Founder of Atelier Lumière, pays by card',
      credit: null,
      tags: [],
    });
    expect(helene.member!.custom).toEqual([
      ['membership_number', 'A-101'],
      ['referral', 'website'],
      ['desk_number', 'Office 3'],
    ]);
    // Name empty: the Description is the name, not also a note
    expect(unitOf(mapping, 'cus_PbA4NoemieRoux').member).toMatchObject({ name: 'Noémie Roux', note: null });
    expect(unitOf(mapping, 'cus_PbA8LoicMercie').member!.credit).toEqual({ amount: 2500, currency: 'EUR' });
    expect(unitOf(mapping, 'cus_PbA6MaelGuerin').member!.tags).toEqual([delinquentTag]);
    expect(unitOf(mapping, 'cus_PbA2JeromeFaur').member!.name).toBe('Faure, Jérôme');
    const guests = mapping.units.filter((u) => u.member !== null && u.member.externalId === null);
    expect(guests.map((u) => [u.member!.name, u.member!.email, u.memberships.length])).toEqual([
      ['Lucas Meyer', 'lucas.meyer@example.org', 0],
      ['day.pass.visitor@example.org', 'day.pass.visitor@example.org', 0],
    ]);
  });

  test('subscriptions become memberships by status, with dates in the organisation time zone', async () => {
    const mapping = await current();
    const membership = (id: string) => mapping.units.flatMap((u) => u.memberships).find((m) => m.subscriptionId === id)!;
    expect(membership('sub_1PbS01HelenePO')).toMatchObject({ startDate: '2024-03-15', nextInvoiceDate: '2026-02-15', quantity: 1, doNotRenew: false, status: 'active' });
    expect(membership('sub_1PbS01HelenePO').plan.name).toBe('Private Office');
    expect(membership('sub_1PbS01HelenePO').schedule).toMatchObject({ next_invoice_date: '2026-02-15', covered_until: '2026-02-15', anchor_day: 15 });
    expect(membership('sub_1PbS04EtienFD2')).toMatchObject({ quantity: 2 });
    expect(membership('sub_1PbS04EtienFD2').plan.name).toBe('Fixed Desk'); // through the price's nickname
    expect(membership('sub_1PbS05NoemiHD')).toMatchObject({ startDate: '2025-10-01', nextInvoiceDate: '2026-02-01' }); // 23:30 UTC
    expect(membership('sub_1PbS06StudioTr')).toMatchObject({ status: 'trialing', nextInvoiceDate: '2026-01-19' });
    expect(membership('sub_1PbS07MaelPD').status).toBe('past_due');
    expect(membership('sub_1PbS07MaelPD').plan.name).toBe('Hot Desk'); // through --map
    expect(membership('sub_1PbS08AnaisAA')).toMatchObject({ doNotRenew: true, nextInvoiceDate: '2026-06-30' });
    expect(membership('sub_1PbS08AnaisAA').plan.name).toBe('Association Annual');
    // a canceled subscription next to an active one: only the active one
    expect(unitOf(mapping, 'cus_PbB3SamOkafor0').memberships.map((m) => m.subscriptionId)).toEqual(['sub_1PbS14SamFD']);
    // only canceled or expired: a contact
    expect(unitOf(mapping, 'cus_PbB1CecileFont').memberships).toEqual([]);
    expect(unitOf(mapping, 'cus_PbB2ThereseDup').memberships).toEqual([]);
  });

  test('the Excel re-save maps to the same members and memberships', async () => {
    const original = await current();
    const excel = await mapFiles({ customers: 'customers-excel.csv', subscriptions: 'subscriptions-excel.csv', prices: 'prices.csv', map: priceMap });
    const strip = (m: StripeMapping) => m.units.map((u) => ({ member: u.member, memberships: u.memberships, problems: u.problems.map((p) => p.code) }));
    expect(strip(excel)).toEqual(strip(original));
    expect(excel.fileProblems.filter((p) => p.code === 'stripe_dates_reformatted').map((p) => path.basename(p.file))).toEqual(['customers-excel.csv', 'subscriptions-excel.csv']);
  });
});

describe('the 2019 exports with a map file', () => {
  test('duplicates, unknown customers, unknown plans, owed balances and empty guests are found', async () => {
    const mapping = await mapFiles({ customers: 'customers-2019.csv', subscriptions: 'subscriptions-2019.csv', map: priceMap });
    const errors = mapping.units.flatMap((u) => u.problems.filter((p) => p.severity === 'error').map((p) => [p.code, path.basename(p.file), p.row, p.column]));
    expect(errors).toEqual([
      ['unknown_plan', 'subscriptions-2019.csv', 8, 'Plan'],
      ['duplicate_member', 'customers-2019.csv', 14, 'Email'],
      ['required', 'customers-2019.csv', 16, 'Name'],
      ['unknown_customer', 'subscriptions-2019.csv', 16, 'Customer ID'],
    ]);
    const duplicate = mapping.units.flatMap((u) => u.problems).find((p) => p.code === 'duplicate_member')!;
    expect(duplicate.message).toContain('row 2');
    expect(duplicate.message).toContain('capital letters');
    const owes = mapping.units.flatMap((u) => u.problems).find((p) => p.code === 'balance_owed')!;
    expect(owes).toMatchObject({ severity: 'warning', row: 15, column: 'Account Balance' });
    expect(owes.message).toContain('35.50');
    expect(unitOf(mapping, 'cus_GzB5PaulOwes00').member!.credit).toBeNull();
    // the subscription with an unknown plan keeps its customer out too
    const mael = unitOf(mapping, 'cus_PbA6MaelGuerin');
    expect(mael.hasErrors).toBe(true);
    expect(mael.subscriptionRows).toEqual([8]);
    // the 2019 plan ids resolve through the map
    expect(unitOf(mapping, 'cus_PbA3EtienneMar').memberships[0]!.plan.name).toBe('Fixed Desk');
    expect(unitOf(mapping, 'cus_PbA3EtienneMar').hasErrors).toBe(false);
  });

  test('without a map or prices file no price is known', async () => {
    const mapping = await mapFiles({ customers: 'customers-2019.csv', subscriptions: 'subscriptions-2019.csv' });
    const unknown = mapping.units.flatMap((u) => u.problems).filter((p) => p.code === 'unknown_plan');
    expect(unknown).toHaveLength(10);
    expect(unknown[0]!.message).toContain('--prices');
  });
});

describe('prices to plans', () => {
  const prices = [
    { row: 2, id: 'price_a', productName: 'Desks', description: 'Fixed Desk', amount: 35000, currency: 'EUR', interval: 'month', intervalCount: 1, metadata: [], problems: [] },
    { row: 3, id: 'price_b', productName: 'Hot desk', description: 'Monthly', amount: 20000, currency: 'EUR', interval: 'month', intervalCount: 1, metadata: [], problems: [] },
    { row: 4, id: 'price_c', productName: 'Hot Desk', description: null, amount: 20000, currency: 'EUR', interval: 'month', intervalCount: 1, metadata: [], problems: [] },
  ];

  test('the map wins, then the nickname when it is a plan, then the product name', () => {
    const resolver = planResolver(plans, prices, new Map([['price_c', 'Private Office']]));
    expect(resolver.resolve('price_a')).toMatchObject({ kind: 'plan', via: 'nickname', plan: { name: 'Fixed Desk' } });
    expect(resolver.resolve('price_c')).toMatchObject({ kind: 'plan', via: 'map', plan: { name: 'Private Office' } });
    expect(planResolver(plans, prices, new Map()).resolve('price_c')).toMatchObject({ kind: 'plan', via: 'product', plan: { name: 'Hot Desk' } });
  });

  test('a name that is not exactly a plan is unknown, with the closest plan', () => {
    const resolver = planResolver(plans, prices, new Map([['price_x', 'fixed desk']]));
    expect(resolver.resolve('price_b')).toEqual({ kind: 'unknown', name: 'Hot desk', via: 'product', suggestion: 'Hot Desk' });
    expect(resolver.resolve('price_x')).toEqual({ kind: 'unknown', name: 'fixed desk', via: 'map', suggestion: 'Fixed Desk' });
    expect(resolver.resolve('price_nowhere')).toEqual({ kind: 'unknown', name: null, via: null, suggestion: null });
  });
});

describe('rules on single rows', () => {
  test('a past period end warns of the periods the next invoicing run would bill', async () => {
    const mapping = await mapFiles({ customers: 'customers.csv', subscriptions: 'subscriptions.csv', prices: 'prices.csv', map: priceMap, today: '2026-04-20' });
    const helene = unitOf(mapping, 'cus_PbA1HeleneGarni');
    const warning = helene.problems.find((p) => p.code === 'next_invoice_in_past')!;
    expect(warning).toMatchObject({ column: 'Current Period End (UTC)', value: '2026-02-15', severity: 'warning' });
    expect(warning.message).toContain('3 periods');
    // a membership that does not renew is never billed by the job: no warning
    expect(codes(unitOf(mapping, 'cus_PbA7AnaisBenoi'))).not.toContain('next_invoice_in_past');
  });

  test('Cancel At Period End from the customers export makes the membership do-not-renew', async () => {
    // the 2019 customers export says true for Anaïs; her subscription row says false here
    const text = fs.readFileSync(fixture('subscriptions.csv'), 'utf8');
    const anaisRow = text.split('\n').findIndex((line) => line.startsWith('sub_1PbS08AnaisAA'));
    const lines = text.split('\n');
    lines[anaisRow] = lines[anaisRow]!.replace(',true,', ',false,');
    expect(lines[anaisRow]).not.toContain('true');
    const subscriptions = folder.write('subscriptions.csv', lines.join('\n'));
    const mapping = await mapFiles({ customers: 'customers-2019.csv', subscriptions, prices: 'prices.csv', map: priceMap });
    const anais = unitOf(mapping, 'cus_PbA7AnaisBenoi');
    expect(anais.memberships[0]!.doNotRenew).toBe(true);
    expect(unitOf(mapping, 'cus_PbA8LoicMercie').memberships[0]!.doNotRenew).toBe(false);
  });
});

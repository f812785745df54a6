/**
 * `members export`: people in the columns of the import template, plus their memberctl ID, so that the file, edited
 * and given to `import --update`, changes what was edited and nothing else (docs/importing.md, "Round trips").
 *
 * - One row per membership (ended ones included), a person without membership on one row of their own. The
 *   person's values are on their first row only: their other rows carry the memberctl ID, the Name and the
 *   membership's columns, and an import reads the rows of one memberctl ID as one person whose empty cells agree.
 * - Each cell holds what an import compares: Next invoice date is the first recurring invoice date the membership
 *   was given (billing moves the next invoice date on; `memberships list` shows that one), Price is empty for a
 *   membership that follows its plan's price, Paid by is the payer's e-mail, else `#id`.
 * - A person without a membership of their own who is the delegate of exactly one membership in force (not ended
 *   as of the export's day) has its holder in Delegate of (e-mail, else `#id`) and its plan in Plan name; other
 *   delegations are not exported (a row gives one, on a row without a plan of its own).
 * - Notes are not exported (a note written in the column is added); the tax id, which the template has no column
 *   for, neither. A custom field named like a template column cannot be told from it and is left out (`skipped`).
 */
import type { Queryable } from '../../db/connect.js';
import type { IsoDate } from '../kernel/dates.js';
import { formatAmount } from '../kernel/money.js';
import { templateColumnNamed } from '../import/header-mapping.js';
import { type MemberColumnKey, templateColumns } from '../import/template-columns.js';
import { listMembers, type MemberFilters } from './members.js';

/** A cell: text, a calendar day, a number, or empty. */
export type ExportCell = { kind: 'text'; value: string } | { kind: 'date'; value: IsoDate } | { kind: 'number'; value: number } | { kind: 'amount'; value: number; text: string } | null;

export interface ExportedRow {
  currency: string;
  cells: ExportCell[];
}

export interface MemberExport {
  headers: string[];
  /** what each column holds, for the writers (the custom fields are text) */
  kinds: Array<'text' | 'date' | 'number' | 'amount'>;
  rows: ExportedRow[];
  people: number;
  /** custom fields left out: their name is also a template column's */
  skipped: string[];
}

/** The template's columns as `members export` writes them: the memberctl ID first, then the template's order. */
const exportedKeys: readonly MemberColumnKey[] = ['memberId', ...templateColumns.map((c) => c.key).filter((k) => k !== 'memberId')];

const yesNo = (flag: number) => text(flag === 1 ? 'yes' : 'no');
const text = (value: string | null | undefined): ExportCell => (value === null || value === undefined || value === '' ? null : { kind: 'text', value });
const day = (value: string | null | undefined): ExportCell => (value === null || value === undefined ? null : { kind: 'date', value });

export async function exportMembers(db: Queryable, asOf: IsoDate, filters: MemberFilters): Promise<MemberExport> {
  const views = await listMembers(db, asOf, filters);
  const ids = views.map((v) => v.member.id);
  const members = new Map<number, Awaited<ReturnType<typeof loadMembers>>[number]>();
  const companies = new Map((await db.selectFrom('companies').select(['id', 'name', 'siren', 'vat_id']).execute()).map((c) => [c.id, c]));
  const mandates = new Map<number, { iban: string; bic: string | null; reference: string; signed_on: string; scheme: string }>();
  const payers = new Map<number, { id: number; email: string | null }>();
  const membershipsOf = new Map<number, Awaited<ReturnType<typeof loadMemberships>>>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    for (const m of await loadMembers(db, chunk)) members.set(m.id, m);
    for (const ms of await loadMemberships(db, chunk)) {
      const list = membershipsOf.get(ms.member_id);
      if (list) list.push(ms);
      else membershipsOf.set(ms.member_id, [ms]);
    }
    for (const mandate of await db
      .selectFrom('sepa_mandates')
      .select(['member_id', 'iban', 'bic', 'reference', 'signed_on', 'scheme'])
      .where('member_id', 'in', chunk)
      .where('status', '=', 'active')
      .execute()) {
      mandates.set(mandate.member_id, mandate);
    }
  }
  const payerIds = [...new Set([...members.values()].flatMap((m) => (m.paid_by_id === null ? [] : [m.paid_by_id])))];
  for (let i = 0; i < payerIds.length; i += 500) {
    for (const p of await db.selectFrom('members').select(['id', 'email']).where('id', 'in', payerIds.slice(i, i + 500)).execute()) payers.set(p.id, p);
  }

  // the one membership each person without memberships of their own is a delegate of
  const delegation = new Map<number, { holder: string; plan: string }>();
  const seated = ids.filter((id) => !membershipsOf.has(id));
  for (let i = 0; i < seated.length; i += 500) {
    const rows = await db
      .selectFrom('delegates as d')
      .innerJoin('memberships as ms', 'ms.id', 'd.membership_id')
      .innerJoin('plans as p', 'p.id', 'ms.plan_id')
      .innerJoin('members as h', 'h.id', 'ms.member_id')
      .select(['d.member_id', 'h.id as holder_id', 'h.email as holder_email', 'p.name as plan'])
      .where('d.member_id', 'in', seated.slice(i, i + 500))
      .where('d.removed_at', 'is', null)
      .where((eb) => eb.or([eb('ms.end_date', 'is', null), eb('ms.end_date', '>=', asOf)]))
      .execute();
    const count = new Map<number, number>();
    for (const r of rows) count.set(r.member_id, (count.get(r.member_id) ?? 0) + 1);
    for (const r of rows) if (count.get(r.member_id) === 1) delegation.set(r.member_id, { holder: r.holder_email ?? `#${r.holder_id}`, plan: r.plan });
  }

  const fieldKeys = [...new Set(views.flatMap((v) => Object.keys(v.fields)))].sort();
  const skipped = fieldKeys.filter((k) => templateColumnNamed(k, templateColumns) !== undefined || k.trim().toLowerCase() === 'error');
  const customKeys = fieldKeys.filter((k) => !skipped.includes(k));
  const columnOf = new Map(templateColumns.map((c) => [c.key, c]));
  const headers = [...exportedKeys.map((k) => columnOf.get(k)!.header), ...customKeys];
  const kinds = [
    ...exportedKeys.map((k): 'text' | 'date' | 'number' | 'amount' => {
      if (k === 'price') return 'amount';
      const kind = columnOf.get(k)!.kind;
      return kind === 'date' ? 'date' : kind === 'number' ? 'number' : 'text';
    }),
    ...customKeys.map(() => 'text' as const),
  ];

  const rows: ExportedRow[] = [];
  for (const view of views) {
    const m = members.get(view.member.id)!;
    const company = m.company_id === null ? undefined : companies.get(m.company_id);
    const mandate = mandates.get(m.id);
    const payer = m.paid_by_id === null ? undefined : payers.get(m.paid_by_id);
    const person: Partial<Record<MemberColumnKey, ExportCell>> = {
      email: text(m.email),
      phone: text(m.phone),
      company: text(company?.name),
      companySiren: text(company?.siren),
      companyVatId: text(company?.vat_id),
      paidBy: m.paid_by_id === null ? null : text(payer?.email ?? `#${m.paid_by_id}`),
      address: text(m.address),
      postcode: text(m.postcode),
      city: text(m.city),
      country: text(m.country),
      language: text(m.language),
      billingEmail: text(m.billing_email),
      renewalEmail: text(m.renewal_email),
      cc: text(m.cc_emails),
      noMail: yesNo(m.no_mail),
      iban: text(mandate?.iban),
      bic: text(mandate?.bic),
      mandateReference: text(mandate?.reference),
      mandateDate: day(mandate?.signed_on),
      mandateScheme: text(mandate?.scheme),
      tags: text(view.tags.join('; ')),
      externalId: text(m.external_id),
    };
    const lines = membershipsOf.get(m.id) ?? [null];
    lines.forEach((ms, i) => {
      const cells: Partial<Record<MemberColumnKey, ExportCell>> = {
        ...(i === 0 ? person : {}),
        memberId: { kind: 'number', value: m.id },
        name: text(m.name),
      };
      const seat = delegation.get(m.id);
      if (ms === null && seat !== undefined) {
        cells.delegateOf = text(seat.holder);
        cells.planName = text(seat.plan);
      }
      if (ms !== null) {
        cells.planName = text(ms.plan_name);
        cells.startDate = day(ms.start_date);
        cells.nextInvoiceDate = day(ms.first_recurring_date ?? ms.next_invoice_date);
        cells.quantity = { kind: 'number', value: ms.quantity };
        cells.price = ms.price === null ? null : { kind: 'amount', value: Number(formatAmount(ms.price, ms.plan_currency)), text: formatAmount(ms.price, ms.plan_currency) };
        cells.prorate = yesNo(ms.prorate_first);
        cells.autoRenew = yesNo(ms.auto_renew);
        cells.endDate = day(ms.end_date);
      }
      rows.push({
        currency: ms?.plan_currency ?? 'EUR',
        cells: [...exportedKeys.map((k) => cells[k] ?? null), ...customKeys.map((k) => (i === 0 ? text(view.fields[k]) : null))],
      });
    });
  }
  return { headers, kinds, rows, people: views.length, skipped };
}

/** The memberships of these members, oldest start first, with their plan's name and currency. */
function loadMemberships(db: Queryable, ids: number[]) {
  return db
    .selectFrom('memberships')
    .innerJoin('plans', 'plans.id', 'memberships.plan_id')
    .select([
      'memberships.member_id',
      'memberships.start_date',
      'memberships.next_invoice_date',
      'memberships.first_recurring_date',
      'memberships.quantity',
      'memberships.price',
      'memberships.prorate_first',
      'memberships.auto_renew',
      'memberships.end_date',
      'plans.name as plan_name',
      'plans.currency as plan_currency',
    ])
    .where('memberships.member_id', 'in', ids)
    .orderBy('memberships.start_date')
    .orderBy('memberships.id')
    .execute();
}

function loadMembers(db: Queryable, ids: number[]) {
  return db
    .selectFrom('members')
    .select(['id', 'name', 'email', 'phone', 'address', 'postcode', 'city', 'country', 'language', 'billing_email', 'renewal_email', 'cc_emails', 'no_mail', 'company_id', 'paid_by_id', 'external_id'])
    .where('id', 'in', ids)
    .execute();
}

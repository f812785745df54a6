import { describe, expect, it } from 'vitest';
import { type AdjustmentReason, adjustmentDescription, delegateLines, type DraftLine, draftLines, type Period } from '../../src/core/billing/rules.js';
import { creditNoteReason, documentLineDescription } from '../../src/core/documents/line-description.js';
import type { IsoDate } from '../../src/core/kernel/dates.js';

const nbsp = (text: string) => text.replace(/\u00a0/g, ' ');

/** Lines as billing stores them: drafted by `draftLines` (around pauses), shared by `delegateLines`. */
function periodLines(plan: string, quantity: number, period: Period, pauses: Array<{ start: IsoDate; end: IsoDate }> = [], delegates = 0) {
  const drafted = draftLines(
    { id: 1, memberId: 1, memberName: 'Acme SARL', payerId: 1, quantity },
    { name: plan, price: 30000, currency: 'EUR', interval: 'month', every: 1, taxRate: '20' },
    [period],
    'S',
    pauses,
  );
  const shared = delegates === 0 ? drafted : delegateLines(drafted, Array.from({ length: delegates }, (_, i) => ({ memberId: 10 + i, memberName: `D${i}`, payerId: 10 + i })), 'Acme SARL');
  return shared.map(stored);
}

const stored = (l: DraftLine) => ({ description: l.description, plan_name: l.planName, quantity: l.quantity, period_start: l.periodStart, period_end: l.periodEnd, adjustment_id: l.adjustmentId });

function adjustment(plan: string, quantity: number, start: IsoDate, end: IsoDate, fraction: { days: number; fullDays: number }, reason: AdjustmentReason) {
  return { description: adjustmentDescription(plan, quantity, { start, end }, fraction, reason), plan_name: plan, quantity, period_start: start, period_end: end, adjustment_id: 7 };
}

const july = { start: '2026-07-01', end: '2026-08-01', proration: null };
const late = { start: '2026-07-10', end: '2026-08-01', proration: { days: 22, fullDays: 31 } };

describe('stored line descriptions in the document language', () => {
  const cases: Array<[string, Parameters<typeof documentLineDescription>[0], string, string]> = [
    [
      'a period partly paused',
      periodLines('Bureau', 1, july, [{ start: '2026-07-23', end: '2026-07-31' }])[0]!,
      'Bureau — 1 juil. 2026 au 31 juil. 2026 (prorata 22/31 jours, suspendu du 23 juil. 2026 au 31 juil. 2026)',
      'Bureau — Jul 1, 2026 to Jul 31, 2026 (prorated 22/31 days, paused Jul 23, 2026 to Jul 31, 2026)',
    ],
    [
      'a period paused twice, one day of it',
      periodLines('Desk', 2, july, [{ start: '2026-07-05', end: '2026-07-05' }, { start: '2026-07-20', end: '2026-07-21' }])[0]!,
      'Desk × 2 — 1 juil. 2026 au 31 juil. 2026 (prorata 28/31 jours, suspendu le 5 juil. 2026, suspendu du 20 juil. 2026 au 21 juil. 2026)',
      'Desk × 2 — Jul 1, 2026 to Jul 31, 2026 (prorated 28/31 days, paused Jul 5, 2026, paused Jul 20, 2026 to Jul 21, 2026)',
    ],
    [
      'a prorated first period partly paused',
      periodLines('Desk', 3, late, [{ start: '2026-07-25', end: '2026-07-31' }])[0]!,
      'Desk × 3 — 10 juil. 2026 au 31 juil. 2026 (prorata 15/31 jours, suspendu du 25 juil. 2026 au 31 juil. 2026)',
      'Desk × 3 — Jul 10, 2026 to Jul 31, 2026 (prorated 15/31 days, paused Jul 25, 2026 to Jul 31, 2026)',
    ],
    [
      "a delegate's share",
      periodLines('Bureau', 1, july, [], 3)[0]!,
      'Bureau — 1 juil. 2026 au 31 juil. 2026 (part 1 sur 3, abonnement de Acme SARL)',
      'Bureau — Jul 1, 2026 to Jul 31, 2026 (share 1 of 3, membership of Acme SARL)',
    ],
    [
      "a delegate's share of a prorated period of quantity 2",
      periodLines('Bureau', 2, late, [], 2)[1]!,
      'Bureau × 2 — 10 juil. 2026 au 31 juil. 2026 (prorata 22/31 jours) (part 2 sur 2, abonnement de Acme SARL)',
      'Bureau × 2 — Jul 10, 2026 to Jul 31, 2026 (prorated 22/31 days) (share 2 of 2, membership of Acme SARL)',
    ],
    [
      "a delegate's share of a paused period",
      periodLines('Bureau', 1, july, [{ start: '2026-07-23', end: '2026-07-31' }], 2)[0]!,
      'Bureau — 1 juil. 2026 au 31 juil. 2026 (prorata 22/31 jours, suspendu du 23 juil. 2026 au 31 juil. 2026) (part 1 sur 2, abonnement de Acme SARL)',
      'Bureau — Jul 1, 2026 to Jul 31, 2026 (prorated 22/31 days, paused Jul 23, 2026 to Jul 31, 2026) (share 1 of 2, membership of Acme SARL)',
    ],
    [
      "a pause's credit",
      adjustment('Bureau', -1, '2026-07-01', '2026-07-09', { days: 9, fullDays: 31 }, { kind: 'pause', pause: { start: '2026-07-01', end: '2026-07-09' } }),
      'Bureau — suspension du 1 juil. 2026 au 9 juil. 2026 (avoir 9/31 jours)',
      'Bureau — paused Jul 1, 2026 to Jul 9, 2026 (credit 9/31 days)',
    ],
    [
      "a one-day pause's credit of quantity 2",
      adjustment('Desk', -2, '2026-07-09', '2026-07-09', { days: 1, fullDays: 31 }, { kind: 'pause', pause: { start: '2026-07-09', end: '2026-07-09' } }),
      'Desk × 2 — suspension le 9 juil. 2026 (avoir 1/31 jours)',
      'Desk × 2 — paused Jul 9, 2026 (credit 1/31 days)',
    ],
    [
      "a resume's charge",
      adjustment('Desk', 1, '2026-07-21', '2026-07-31', { days: 11, fullDays: 31 }, { kind: 'resume', pause: { start: '2026-07-21', end: '2026-07-31' }, resumedOn: '2026-07-21' }),
      'Desk — reprise le 21 juil. 2026, suspension levée du 21 juil. 2026 au 31 juil. 2026 (supplément 11/31 jours)',
      'Desk — resumed Jul 21, 2026: Jul 21, 2026 to Jul 31, 2026 no longer paused (charge 11/31 days)',
    ],
    [
      "a plan change's credit",
      adjustment('Basic', -1, '2026-06-16', '2026-06-30', { days: 15, fullDays: 30 }, { kind: 'plan_credit', from: '2026-06-16', to: 'Pro' }),
      'Basic — 16 juin 2026 au 30 juin 2026, passage à Pro (avoir 15/30 jours)',
      'Basic — Jun 16, 2026 to Jun 30, 2026, changed to Pro (credit 15/30 days)',
    ],
    [
      "a plan change's charge of quantity 3",
      adjustment('Pro (annual)', 3, '2026-06-16', '2026-06-30', { days: 15, fullDays: 30 }, { kind: 'plan_charge', from: '2026-06-16', previous: 'Basic (monthly)' }),
      'Pro (annual) × 3 — 16 juin 2026 au 30 juin 2026, en remplacement de Basic (monthly) (supplément 15/30 jours)',
      'Pro (annual) × 3 — Jun 16, 2026 to Jun 30, 2026, changed from Basic (monthly) (charge 15/30 days)',
    ],
  ];

  it.each(cases)('%s', (_, line, french, english) => {
    expect(nbsp(documentLineDescription(line, 'fr'))).toBe(french);
    expect(nbsp(documentLineDescription(line, 'en'))).toBe(english);
  });

  it('writes the stored text it reads as billing wrote it', () => {
    expect(cases.map(([, line]) => line.description)).toEqual([
      'Bureau, 2026-07-01 to 2026-07-31 (prorated 22/31 days, paused 2026-07-23 to 2026-07-31)',
      'Desk x 2, 2026-07-01 to 2026-07-31 (prorated 28/31 days, paused 2026-07-05 to 2026-07-05, paused 2026-07-20 to 2026-07-21)',
      'Desk x 3, 2026-07-10 to 2026-07-31 (prorated 15/31 days, paused 2026-07-25 to 2026-07-31)',
      'Bureau, 2026-07-01 to 2026-07-31 (share 1 of 3, membership of Acme SARL)',
      'Bureau x 2, 2026-07-10 to 2026-07-31 (prorated 22/31 days) (share 2 of 2, membership of Acme SARL)',
      'Bureau, 2026-07-01 to 2026-07-31 (prorated 22/31 days, paused 2026-07-23 to 2026-07-31) (share 1 of 2, membership of Acme SARL)',
      'Bureau, paused 2026-07-01 to 2026-07-09 (credit 9/31 days)',
      'Desk x 2, paused 2026-07-09 to 2026-07-09 (credit 1/31 days)',
      'Desk, resumed 2026-07-21: 2026-07-21 to 2026-07-31 no longer paused (charge 11/31 days)',
      'Basic, 2026-06-16 to 2026-06-30, changed to Pro (credit 15/30 days)',
      'Pro (annual) x 3, 2026-06-16 to 2026-06-30, changed from Basic (monthly) (charge 15/30 days)',
    ]);
  });

  const base = { plan_name: 'Bureau', quantity: 1, period_start: '2026-07-01', period_end: '2026-07-31', adjustment_id: null };
  it.each([
    ['a pause outside the period', { ...base, description: 'Bureau, 2026-07-01 to 2026-07-31 (prorated 22/31 days, paused 2026-08-23 to 2026-08-31)' }],
    ['a note billing never writes', { ...base, description: 'Bureau, 2026-07-01 to 2026-07-31 (prorated 22/31 days, paused 2026-07-23 to 2026-07-31, see contract)' }],
    ['a share without its holder', { ...base, description: 'Bureau, 2026-07-01 to 2026-07-31 (share 1 of 3)' }],
    ['another quantity than the line', { ...base, description: 'Bureau x 2, 2026-07-01 to 2026-07-31' }],
    ['a credit with another period than the line', { ...base, quantity: -1, description: 'Bureau, paused 2026-07-02 to 2026-07-09 (credit 8/31 days)' }],
    ['a credit called a charge', { ...base, quantity: -1, period_end: '2026-07-09', description: 'Bureau, paused 2026-07-01 to 2026-07-09 (charge 9/31 days)' }],
    ['another plan', { ...base, quantity: -1, period_end: '2026-07-09', description: 'Bureau nomade, paused 2026-07-01 to 2026-07-09 (credit 9/31 days)' }],
    ['two spaces', { ...base, description: 'Bureau,  2026-07-01 to 2026-07-31 (share 1 of 3, membership of Acme SARL)' }],
  ])('keeps a custom description close to a stored shape as it is: %s', (_, line) => {
    expect(documentLineDescription(line, 'fr')).toBe(line.description);
    expect(documentLineDescription(line, 'en')).toBe(line.description);
  });
});

describe('credit note reasons in the document language', () => {
  it.each([
    ['deposit refunded: Casier 12', 'Remboursement du dépôt de garantie : Casier 12', 'Deposit refunded: Casier 12'],
    ['membership 7 ends on 2026-03-20: 11 unused days', 'Fin de l’abonnement 7 le 20\u00a0mars\u00a02026 : 11 jours non utilisés', 'Membership 7 ends on Mar\u00a020,\u00a02026: 11 unused days'],
    ['membership 7 ends on 2026-03-30: 1 unused days', 'Fin de l’abonnement 7 le 30\u00a0mars\u00a02026 : 1 jour non utilisé', 'Membership 7 ends on Mar\u00a030,\u00a02026: 1 unused day'],
    // what someone typed stays as typed, even close to a reason memberctl writes
    ['salle indisponible', 'salle indisponible', 'salle indisponible'],
    ['membership 7 ends on 2026-03-20: 11 unused days, said Ann', 'membership 7 ends on 2026-03-20: 11 unused days, said Ann', 'membership 7 ends on 2026-03-20: 11 unused days, said Ann'],
  ])('%s', (stored, fr, en) => {
    expect(creditNoteReason(stored, 'fr')).toBe(fr);
    expect(creditNoteReason(stored, 'en')).toBe(en);
  });
});

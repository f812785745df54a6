/**
 * Invoice documents as the database would give them, built with the billing rules themselves (`lineAmounts`), for
 * the e-invoice tests: realistic French data, each scenario of issue 15.
 */
import {
  type Buyer,
  type DocumentLine,
  documentTotals,
  type InvoiceDocument,
  type Seller,
  type VatCategory,
} from '../../src/core/documents/invoice-document.js';
import { lineAmounts } from '../../src/core/billing/rules.js';

/** A Lyon coworking SAS: SIREN 732829320, VAT key 44 = (12 + 3 x (732829320 mod 97)) mod 97. */
export const lyonCoworking: Seller = {
  name: 'Espace Lumière & Cie',
  address: { lines: ["12 rue de l'Épée", 'Bâtiment B, 2e étage'], postcode: '69003', city: 'Lyon', country: 'FR' },
  siren: '732829320',
  vatId: 'FR44732829320',
  taxRegistrationId: null,
  email: 'factures@espace-lumiere.fr',
  iban: 'FR7630006000011234567890189',
  bic: 'AGRIFRPP',
  legalForm: 'SAS au capital de 10 000 €',
  registration: 'RCS Lyon 732 829 320',
  vatExemptionText: null,
};

/** An association under the VAT franchise: no VAT number, its SIREN as tax registration (BT-32). */
export const exemptAssociation: Seller = {
  name: 'Les Ateliers Partagés de la Croix-Rousse',
  address: { lines: ['4 montée de la Grande-Côte'], postcode: '69001', city: 'Lyon', country: 'FR' },
  siren: '812345676',
  vatId: null,
  taxRegistrationId: '812345676',
  email: 'tresorerie@ateliers-croix-rousse.org',
  iban: 'FR7630006000011234567890189',
  bic: null,
  legalForm: 'Association loi 1901',
  registration: null,
  vatExemptionText: 'TVA non applicable, art. 293 B du CGI',
};

export const memberBuyer: Buyer = {
  name: 'Amélie Lefèvre-Château',
  address: { lines: ['27 quai Saint-Vincent'], postcode: '69001', city: 'Lyon', country: 'FR' },
  siren: null,
  vatId: null,
  email: 'amelie.lefevre@example.fr',
  attention: null,
};

/** A French company paying for its employees: SIREN 401234562, VAT key 46. */
export const companyBuyer: Buyer = {
  name: 'Atelier Numérique Rhône SARL',
  address: { lines: ['8 cours Lafayette'], postcode: '69006', city: 'Lyon', country: 'FR' },
  siren: '401234562',
  vatId: 'FR46401234562',
  email: 'compta@atelier-numerique.fr',
  attention: 'Chloé Durand',
};

/** A Belgian company: enterprise number 0123456749, check 49 = 97 - (01234567 mod 97). */
export const belgianBuyer: Buyer = {
  name: 'Brasserie Créative SRL',
  address: { lines: ['Rue de la Loi 42'], postcode: '1040', city: 'Bruxelles', country: 'BE' },
  siren: null,
  vatId: 'BE0123456749',
  email: 'facturation@brasserie-creative.be',
  attention: 'Lotte Van den Berghe',
};

interface LineSpec {
  description: string;
  unitPrice: number;
  quantity?: number;
  rate?: string;
  category?: VatCategory;
  proration?: { days: number; fullDays: number };
  periodStart: string;
  periodEnd: string;
}

/** A line priced as the invoicing job prices it (billing/rules.ts `lineAmounts`). */
export function line(spec: LineSpec): DocumentLine {
  const quantity = spec.quantity ?? 1;
  const rate = spec.rate ?? (spec.category === undefined || spec.category === 'S' ? '20' : '0');
  const { net, tax } = lineAmounts(spec.unitPrice, quantity, rate, spec.proration ?? null);
  return {
    description: spec.description,
    quantity,
    unitPrice: spec.unitPrice,
    net,
    vatCategory: spec.category ?? 'S',
    vatRate: rate,
    tax,
    periodStart: spec.periodStart,
    periodEnd: spec.periodEnd,
  };
}

interface InvoiceSpec {
  number: string;
  issueDate?: string;
  dueDate?: string;
  currency?: string;
  seller?: Seller;
  buyer?: Buyer;
  lines: DocumentLine[];
  paid?: number;
  language?: 'fr' | 'en';
}

export function invoice(spec: InvoiceSpec): InvoiceDocument {
  return {
    kind: 'invoice',
    number: spec.number,
    issueDate: spec.issueDate ?? '2026-03-01',
    dueDate: spec.dueDate ?? '2026-03-15',
    currency: spec.currency ?? 'EUR',
    seller: spec.seller ?? lyonCoworking,
    buyer: spec.buyer ?? memberBuyer,
    lines: spec.lines,
    totals: documentTotals(spec.lines, spec.paid ?? 0),
    paymentTerms: spec.language === 'en' ? 'Payable within 14 days by bank transfer.' : 'Payable sous 14 jours par virement.',
    language: spec.language ?? 'fr',
  };
}

const hotDesk = (start: string, end: string, extra: Partial<LineSpec> = {}) =>
  line({ description: `Hot Desk, ${start} to ${end}`, unitPrice: 20000, periodStart: start, periodEnd: end, ...extra });

/** The scenarios of issue 15, by name. */
export const scenarios: Record<string, InvoiceDocument> = {
  'a prorated first invoice': invoice({
    number: 'INV-2025-00042',
    issueDate: '2025-10-15',
    dueDate: '2025-10-29',
    lines: [hotDesk('2025-10-15', '2025-10-31', { description: 'Hot Desk, 2025-10-15 to 2025-10-31 (prorated 17/31 days)', proration: { days: 17, fullDays: 31 } })],
  }),
  'several VAT rates on one invoice': invoice({
    number: 'INV-2026-00007',
    lines: [
      hotDesk('2026-03-01', '2026-03-31'),
      line({ description: 'Casier sécurisé, mars 2026', unitPrice: 1500, periodStart: '2026-03-01', periodEnd: '2026-03-31' }),
      line({ description: 'Formule déjeuner x 3', unitPrice: 1250, quantity: 3, rate: '10', periodStart: '2026-03-01', periodEnd: '2026-03-31' }),
      line({ description: 'Abonnement presse « Lyon Capitale »', unitPrice: 499, rate: '5.5', periodStart: '2026-03-01', periodEnd: '2026-03-31' }),
      line({ description: 'Timbres (taux zéro)', unitPrice: 290, category: 'Z', periodStart: '2026-03-01', periodEnd: '2026-03-01' }),
    ],
  }),
  'per-line rounding that BR-CO-17 computes differently': invoice({
    number: 'INV-2026-00008',
    lines: [1, 2, 3].map((n) =>
      line({ description: `Impression A4 n° ${n}`, unitPrice: 3, periodStart: '2026-03-02', periodEnd: '2026-03-02' }),
    ),
  }),
  'an exempt association': invoice({
    number: 'COT-2026-00003',
    seller: exemptAssociation,
    lines: [line({ description: 'Cotisation annuelle 2026', unitPrice: 12000, category: 'E', periodStart: '2026-01-01', periodEnd: '2026-12-31' })],
  }),
  'reverse charge to a Belgian company': invoice({
    number: 'INV-2026-00011',
    buyer: belgianBuyer,
    language: 'en',
    lines: [
      line({ description: 'Fixed Desk x 3, 2026-03-01 to 2026-03-31', unitPrice: 35000, quantity: 3, category: 'AE', periodStart: '2026-03-01', periodEnd: '2026-03-31' }),
    ],
  }),
  'a credit note': {
    ...invoice({ number: 'CN-2026-00002', issueDate: '2026-03-05', lines: [hotDesk('2026-02-01', '2026-02-28')] }),
    kind: 'credit_note',
    dueDate: null,
    paymentTerms: 'Avoir imputé sur vos prochaines factures.',
    corrects: { number: 'INV-2026-00012', issueDate: '2026-02-01' },
    reason: 'Février facturé deux fois : la facture INV-2026-00012 double la facture INV-2026-00009',
  },
  'a credit note issued before reasons were printed': {
    ...invoice({ number: 'CN-2026-00001', issueDate: '2026-03-04', lines: [hotDesk('2026-02-01', '2026-02-28')] }),
    kind: 'credit_note',
    dueDate: null,
    paymentTerms: null,
    corrects: { number: 'INV-2026-00010', issueDate: '2026-02-01' },
  },
  'a partly paid invoice': invoice({
    number: 'INV-2026-00013',
    lines: [hotDesk('2026-03-01', '2026-03-31')],
    paid: 10000,
  }),
  'a catch-up invoice of several periods': invoice({
    number: 'INV-2026-00014',
    lines: [hotDesk('2026-01-01', '2026-01-31'), hotDesk('2026-02-01', '2026-02-28'), hotDesk('2026-03-01', '2026-03-31')],
  }),
  'a company payer consolidating several members': invoice({
    number: 'INV-2026-00015',
    buyer: companyBuyer,
    lines: [
      line({ description: 'Bureau fixe, Chloé Durand, 2026-03-01 to 2026-03-31', unitPrice: 35000, periodStart: '2026-03-01', periodEnd: '2026-03-31' }),
      line({ description: 'Hot Desk, Émile Garçon, 2026-03-01 to 2026-03-31', unitPrice: 20000, periodStart: '2026-03-01', periodEnd: '2026-03-31' }),
      line({
        description: 'Hot Desk x 2, Zoé Nguyễn, 2026-03-10 to 2026-03-31 (prorated 22/31 days)',
        unitPrice: 20000,
        quantity: 2,
        proration: { days: 22, fullDays: 31 },
        periodStart: '2026-03-10',
        periodEnd: '2026-03-31',
      }),
    ],
  }),
  'a JPY plan': invoice({
    number: 'INV-2026-00016',
    currency: 'JPY',
    language: 'en',
    lines: [
      line({ description: 'Tokyo Desk Pass, 2026-03-01 to 2026-03-31', unitPrice: 15000, periodStart: '2026-03-01', periodEnd: '2026-03-31' }),
      line({
        description: 'Tokyo Desk Pass x 3, 2026-03-15 to 2026-03-31 (prorated 17/31 days)',
        unitPrice: 15000,
        quantity: 3,
        proration: { days: 17, fullDays: 31 },
        periodStart: '2026-03-15',
        periodEnd: '2026-03-31',
      }),
    ],
  }),
};

/** Every text the invoice PDF prints, one table per language. */
import type { DocumentLanguage } from './format.js';

export interface PdfStrings {
  invoice: string;
  creditNote: string;
  number: string;
  issueDate: string;
  dueDate: string;
  corrects: (number: string, date: string) => string;
  /** why a credit note was issued */
  reason: (text: string) => string;
  billTo: string;
  attention: string;
  memberNumber: string;
  siren: string;
  vatId: string;
  taxRegistration: string;
  description: string;
  quantity: string;
  unitPrice: string;
  vatRate: string;
  net: string;
  vatBreakdown: string;
  vatRateHeading: string;
  vatBase: string;
  vatAmount: string;
  categories: { Z: string; E: string; AE: string };
  totalNet: string;
  totalVat: string;
  total: string;
  creditTotal: string;
  paid: string;
  due: string;
  paymentTitle: string;
  accountHolder: string;
  iban: string;
  bic: string;
  reference: string;
  paymentDate: (date: string) => string;
  latePenalty: (text: string) => string;
  latePenaltyDefault: string;
  /** to a business buyer, the fixed 40 € indemnity of art. D441-5 */
  recoveryIndemnity: string;
  noDiscount: string;
  reverseCharge: string;
  buyerSiren: (siren: string) => string;
  continued: string;
  page: (n: number, of: number) => string;
}

export const pdfStrings: Record<DocumentLanguage, PdfStrings> = {
  fr: {
    invoice: 'Facture',
    creditNote: 'Avoir',
    number: 'N°',
    issueDate: "Date d'émission",
    dueDate: "Date d'échéance",
    corrects: (number, date) => `Avoir sur la facture ${number} du ${date}`,
    reason: (text) => `Motif : ${text}`,
    billTo: 'Facturé à',
    attention: "À l'attention de",
    memberNumber: 'N° de membre',
    siren: 'SIREN',
    vatId: 'N° de TVA',
    taxRegistration: 'N° fiscal',
    description: 'Description',
    quantity: 'Qté',
    unitPrice: 'Prix unitaire HT',
    vatRate: 'TVA',
    net: 'Montant HT',
    vatBreakdown: 'Détail de la TVA',
    vatRateHeading: 'Taux',
    vatBase: 'Base HT',
    vatAmount: 'Montant TVA',
    categories: { Z: 'Taux zéro', E: 'Exonéré', AE: 'Autoliquidation' },
    totalNet: 'Total HT',
    totalVat: 'Total TVA',
    total: 'Total TTC',
    creditTotal: "Total de l'avoir TTC",
    paid: 'Déjà payé',
    due: 'Reste à payer',
    paymentTitle: 'Paiement par virement',
    accountHolder: 'Titulaire',
    iban: 'IBAN',
    bic: 'BIC',
    reference: 'Référence à indiquer',
    paymentDate: (date) => `Date de paiement : au plus tard le ${date}.`,
    latePenalty: (text) => `Pénalités de retard : ${text}`,
    latePenaltyDefault: "trois fois le taux d'intérêt légal, exigibles dès le lendemain de la date d'échéance.",
    recoveryIndemnity: 'Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € (art. L441-10 et D441-5 du Code de commerce).',
    noDiscount: "Pas d'escompte pour paiement anticipé.",
    reverseCharge: 'Autoliquidation : TVA due par le preneur (art. 283-2 du CGI, art. 196 de la directive 2006/112/CE).',
    buyerSiren: (siren) => `SIREN du client : ${siren}`,
    continued: 'suite',
    page: (n, of) => `Page ${n}/${of}`,
  },
  en: {
    invoice: 'Invoice',
    creditNote: 'Credit note',
    number: 'No.',
    issueDate: 'Issue date',
    dueDate: 'Due date',
    corrects: (number, date) => `Credit note for invoice ${number} of ${date}`,
    reason: (text) => `Reason: ${text}`,
    billTo: 'Bill to',
    attention: 'Attn.',
    memberNumber: 'Member no.',
    siren: 'SIREN',
    vatId: 'VAT number',
    taxRegistration: 'Tax number',
    description: 'Description',
    quantity: 'Qty',
    unitPrice: 'Unit price (net)',
    vatRate: 'VAT',
    net: 'Net amount',
    vatBreakdown: 'VAT breakdown',
    vatRateHeading: 'Rate',
    vatBase: 'Net base',
    vatAmount: 'VAT amount',
    categories: { Z: 'Zero rated', E: 'Exempt', AE: 'Reverse charge' },
    totalNet: 'Total net',
    totalVat: 'Total VAT',
    total: 'Total',
    creditTotal: 'Total credited',
    paid: 'Already paid',
    due: 'Balance due',
    paymentTitle: 'Payment by bank transfer',
    accountHolder: 'Account holder',
    iban: 'IBAN',
    bic: 'BIC',
    reference: 'Payment reference',
    paymentDate: (date) => `Payment date: no later than ${date}.`,
    latePenalty: (text) => `Late payment penalty: ${text}`,
    latePenaltyDefault: 'three times the French legal interest rate, due from the day after the due date.',
    recoveryIndemnity: 'Fixed compensation for recovery costs in case of late payment: €40 (French Commercial Code, art. L441-10 and D441-5).',
    noDiscount: 'No discount for early payment.',
    reverseCharge: 'Reverse charge: VAT to be accounted for by the customer (art. 196 of Directive 2006/112/EC).',
    buyerSiren: (siren) => `Customer SIREN: ${siren}`,
    continued: 'continued',
    page: (n, of) => `Page ${n}/${of}`,
  },
};

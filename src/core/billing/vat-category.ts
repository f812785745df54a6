/**
 * The EN 16931 VAT category of each line an invoice is issued with (docs/billing.md, "VAT categories"): pure rules.
 * S standard (a rate above 0), Z zero rated, E exempt (the organisation's exemption text is the reason), AE reverse
 * charge: a payer who belongs to a company with a valid VAT number of another EU country than the organisation's
 * is billed without VAT, and pays it themselves.
 */
import type { VatCategory } from '../documents/invoice-document.js';
import { rateToScaled, type RatePercent } from '../kernel/money.js';
import { vatIdProblem } from '../org/identity.js';

/** The 27 member states of the European Union, as their VAT numbers start (Greece is EL, its ISO code GR). */
export const euVatPrefixes = [
  'AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'EL', 'ES', 'FI', 'FR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT',
  'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK',
] as const;

/** The VAT prefix of a country (ISO 3166-1 alpha-2): EL for Greece, else the code itself. */
export const vatPrefixOf = (country: string): string => (country === 'GR' ? 'EL' : country);

/** What of the organisation decides the categories: its country, VAT number and exemption text at issue. */
export interface VatSeller {
  country: string;
  vatId: string | null;
  vatExemption: string | null;
}

/**
 * Whether a buyer with this VAT number is reverse charged by this seller: a well-formed VAT number of an EU member
 * state other than the seller's, the seller being in the EU with a VAT number of its own (EN 16931 requires both
 * parties' numbers on a reverse-charge invoice).
 */
export function isReverseCharged(buyerVatId: string | null, seller: VatSeller): boolean {
  if (buyerVatId === null || seller.vatId === null) return false;
  const eu = (prefix: string) => (euVatPrefixes as readonly string[]).includes(prefix);
  const own = vatPrefixOf(seller.country);
  const theirs = buyerVatId.slice(0, 2);
  return eu(own) && eu(theirs) && theirs !== own && vatIdProblem(buyerVatId) === null;
}

/**
 * The category and the rate a line is issued with, from its plan's rate. A reverse-charged buyer gets AE at rate 0
 * (the net is unchanged, the tax 0), unless the line is exempt anyway (rate 0 and an exemption text): exempt
 * services stay exempt whoever buys them.
 */
export function lineVat(planRate: RatePercent, seller: VatSeller, reverseCharged: boolean): { category: VatCategory; rate: RatePercent } {
  const rated = rateToScaled(planRate) > 0;
  const exempt = !rated && seller.vatExemption !== null;
  if (reverseCharged && !exempt) return { category: 'AE', rate: '0' };
  if (rated) return { category: 'S', rate: planRate };
  return { category: exempt ? 'E' : 'Z', rate: planRate };
}

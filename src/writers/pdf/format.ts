/**
 * Money, dates and rates as a document prints them in its language: "1 234,56 €" and "2 décembre 2026" in French,
 * "€1,234.56" and "December 2, 2026" in English. Amounts go from integer minor units to a decimal string
 * (kernel/money.ts `formatAmount`) that Intl only groups and decorates: no floating point on the way.
 */
import { formatAmount, type MinorAmount, minorUnits } from '../../core/kernel/money.js';
import { type IsoDate, parseIsoDate } from '../../core/kernel/dates.js';

export type DocumentLanguage = 'fr' | 'en';

const locales: Record<DocumentLanguage, string> = { fr: 'fr-FR', en: 'en-US' };

/** A formatter per language and currency; `Intl.NumberFormat` is costly to build, a document formats dozens of amounts. */
export interface Formatter {
  money(minor: MinorAmount): string;
  date(date: IsoDate): string;
  rate(rate: string): string;
  integer(n: number): string;
}

const months: Record<DocumentLanguage, readonly string[]> = {
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
};

/** "2 décembre 2026", "1er mars 2026" (French writes the first of the month as an ordinal); "December 2, 2026". */
export function formatLongDate(date: IsoDate, language: DocumentLanguage): string {
  const parsed = parseIsoDate(date);
  if (parsed === null) throw new RangeError(`not a date: ${date}`);
  const month = months[language][parsed.month - 1];
  if (language === 'fr') return `${parsed.day === 1 ? '1er' : parsed.day} ${month} ${parsed.year}`;
  return `${month} ${parsed.day}, ${parsed.year}`;
}

/**
 * "1 234,56 €" (a narrow no-break space between thousands, a no-break space before the symbol) or "€1,234.56";
 * yen without decimals: "12 000 ¥", "¥12,000".
 */
export function moneyFormatter(currency: string, language: DocumentLanguage): (minor: MinorAmount) => string {
  const decimals = minorUnits(currency);
  const format = new Intl.NumberFormat(locales[language], {
    style: 'currency',
    currency,
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  // a decimal string is formatted exactly (Intl.NumberFormat v3): formatAmount gives "1234.56" from 123456
  return (minor) => format.format(formatAmount(minor, currency) as unknown as number);
}

/** "20 %", "5,5 %" in French (narrow no-break space before the sign); "20%", "5.5%" in English. */
export function formatRate(rate: string, language: DocumentLanguage): string {
  return language === 'fr' ? `${rate.replace('.', ',')}\u202F%` : `${rate}%`;
}

export function formatter(currency: string, language: DocumentLanguage): Formatter {
  const integers = new Intl.NumberFormat(locales[language], { maximumFractionDigits: 0 });
  return {
    money: moneyFormatter(currency, language),
    date: (date) => formatLongDate(date, language),
    rate: (rate) => formatRate(rate, language),
    integer: (n) => integers.format(n),
  };
}

/** An IBAN in groups of four, as people read it: "FR76 3000 6000 0112 3456 7890 189". */
export function groupIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, '$1 ');
}

/** A SIREN in groups of three: "732 829 320". */
export function groupSiren(siren: string): string {
  return siren.replace(/^(\d{3})(\d{3})(\d{3})$/, '$1 $2 $3');
}

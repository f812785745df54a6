import { finished } from 'node:stream/promises';
import { columnLetter } from '../core/kernel/columns.js';
import { blankTemplateColumns as templateColumns, type TemplateColumn, templateHeader } from '../core/import/template-columns.js';
import { writeOutput } from '../safe-file.js';
import { csvLines, utf8Bom, xlsxCell } from './cells.js';

export type TemplateLang = 'en' | 'fr';
export type TemplateFormat = 'xlsx' | 'csv';

export interface TemplatePlan {
  name: string;
  price: string;
  currency: string;
  interval: string;
}

const text = {
  en: {
    title: 'How to fill in this template',
    rules: [
      'One row per person. Row 1 holds the headers: keep them as they are (their order does not matter).',
      'Yellow headers are required. A person without a plan name is imported as a contact (then start and next invoice dates may stay empty).',
      'Dates: type them as dates (the cells are formatted), or as YYYY-MM-DD. DD/MM/YYYY and MM/DD/YYYY are understood when the file makes the convention clear, or with `memberctl validate --date-format DMY`.',
      'Plan names must match an existing plan exactly: pick them from the drop-down (the list is on the Plans sheet).',
      'Next invoice date is the first recurring invoice: the period before it counts as already paid. A date in the past means every missed period is billed at the next invoicing run.',
      'Paid by: the exact name or e-mail of another person in this file or already in memberctl, who receives this person’s invoices.',
      'Delegate of: the exact name or e-mail of the holder of a company-seat membership (a quantity of seats), in this file or already in memberctl; the row’s Plan name then names the holder’s plan (needed when the holder has several memberships), and the row gets no membership of its own: leave its dates empty.',
      'IBAN, BIC, Mandate reference, Mandate date, Mandate scheme: the SEPA Direct Debit mandate the person signed, imported with them. An IBAN needs its Mandate date; the mandate goes on the row of the person who pays (not on a row with Paid by). Each mandate reference is unique; leave it empty and memberctl gives one.',
      'Any extra column is kept as a custom field named after its header.',
      'Check the file with `memberctl validate FILE` before `memberctl import FILE`: it lists every problem by row and column, with a fix.',
    ],
    column: 'Column',
    required: 'Required',
    meaning: 'What to write',
    yes: 'yes',
    withPlan: 'with a plan',
    no: '',
    plans: 'Plans',
    price: 'Price',
    currency: 'Currency',
    interval: 'Interval',
  },
  fr: {
    title: 'Comment remplir ce modèle',
    rules: [
      'Une ligne par personne. La ligne 1 contient les en-têtes : gardez-les tels quels (leur ordre n’a pas d’importance).',
      'Les en-têtes jaunes sont obligatoires. Une personne sans forfait est importée comme contact (les dates de début et de prochaine facture peuvent alors rester vides).',
      'Dates : saisissez-les comme des dates (les cellules sont au format date) ou en AAAA-MM-JJ. JJ/MM/AAAA est compris quand le fichier rend la convention claire, ou avec `memberctl validate --date-format DMY`.',
      'Le nom du forfait doit correspondre exactement à un forfait existant : choisissez-le dans la liste déroulante (feuille Plans).',
      'La date de la prochaine facture est celle de la première facture récurrente : la période qui la précède est considérée comme payée. Une date passée fait facturer chaque période manquée au prochain passage de la facturation.',
      'Payé par : le nom exact ou l’e-mail d’une autre personne de ce fichier ou déjà dans memberctl, qui reçoit les factures de cette personne.',
      'Délégué de : le nom exact ou l’e-mail du titulaire d’un abonnement à plusieurs sièges (sa quantité), dans ce fichier ou déjà dans memberctl ; le Nom du forfait de la ligne désigne alors le forfait du titulaire (nécessaire s’il a plusieurs abonnements), et la ligne ne crée pas d’abonnement propre : laissez ses dates vides.',
      'IBAN, BIC, Référence du mandat, Date de signature du mandat, Schéma du mandat : le mandat de prélèvement SEPA signé par la personne, importé avec elle. Un IBAN demande la date de signature du mandat ; le mandat se met sur la ligne de la personne qui paie (pas sur une ligne avec Payé par). Chaque référence de mandat (RUM) est unique ; laissez-la vide et memberctl en attribue une.',
      'Toute autre colonne est conservée comme champ personnalisé portant le nom de son en-tête.',
      'Vérifiez le fichier avec `memberctl validate FICHIER` avant `memberctl import FICHIER` : chaque problème est indiqué par ligne et colonne, avec une correction.',
    ],
    column: 'Colonne',
    required: 'Obligatoire',
    meaning: 'Quoi écrire',
    yes: 'oui',
    withPlan: 'avec un forfait',
    no: '',
    plans: 'Forfaits',
    price: 'Prix',
    currency: 'Devise',
    interval: 'Périodicité',
  },
} as const;

const requiredFill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFFF00' } } as const;
/** Rows prepared with formats and the plan drop-down. */
const preparedRows = 1000;

const isRequired = (c: TemplateColumn<string>) => c.required !== 'no';

/** The header line of the template in this language. */
export function templateHeaders(lang: TemplateLang): string[] {
  return templateColumns.map((c) => templateHeader(c, lang));
}

/**
 * Writes the member import template. CSV: the header line only (UTF-8 with a BOM so Excel shows accents; `;`
 * separated in French, as French Excel expects). xlsx: the Members sheet, a Plans sheet feeding the drop-down and an
 * Instructions sheet. Written through the safe-file module, as `-o` (`flag`).
 */
export async function writeTemplate(file: string, options: { format: TemplateFormat; lang: TemplateLang; plans: TemplatePlan[]; flag?: string }): Promise<void> {
  const headers = templateHeaders(options.lang);
  const flag = options.flag ?? '-o';
  if (options.format === 'csv') {
    const delimiter = options.lang === 'fr' ? ';' : ',';
    await writeOutput(file, flag, (out) => out.write(`${utf8Bom}${csvLines([headers], { delimiter, crlf: true })}`));
    return;
  }
  const { default: ExcelJS } = await import('exceljs');
  const t = text[options.lang];
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'memberctl';

  const members = workbook.addWorksheet('Members', { views: [{ state: 'frozen', ySplit: 1 }] });
  members.columns = templateColumns.map((c, i) => ({
    header: headers[i],
    key: c.key,
    width: Math.max(14, headers[i]!.length + 4),
    style: c.kind === 'date' ? { numFmt: 'yyyy-mm-dd' } : c.kind === 'text' || c.kind === 'email' ? { numFmt: '@' } : {},
  }));
  const headerRow = members.getRow(1);
  headerRow.font = { bold: true };
  templateColumns.forEach((c, i) => {
    const cell = headerRow.getCell(i + 1);
    if (isRequired(c)) cell.fill = requiredFill;
    cell.note = c.instructions[options.lang];
  });
  const planIndex = templateColumns.findIndex((c) => c.key === 'planName');
  const planLetter = columnLetter(planIndex);
  const lastPlanRow = Math.max(2, options.plans.length + 1);
  // one range-wide validation (per-cell validations bloat the file and overlap after exceljs merges them)
  (members as unknown as { dataValidations: { add(range: string, v: unknown): void } }).dataValidations.add(
    `${planLetter}2:${planLetter}${preparedRows + 1}`,
    {
      type: 'list',
      allowBlank: true,
      showErrorMessage: true,
      errorStyle: 'warning',
      errorTitle: t.plans,
      error: options.lang === 'fr' ? 'Choisissez un forfait de la liste.' : 'Pick a plan from the list.',
      formulae: [`Plans!$A$2:$A$${lastPlanRow}`],
    },
  );

  const plans = workbook.addWorksheet('Plans');
  plans.columns = [
    { header: t.plans, key: 'name', width: 30 },
    { header: t.price, key: 'price', width: 12 },
    { header: t.currency, key: 'currency', width: 10 },
    { header: t.interval, key: 'interval', width: 12 },
  ];
  plans.getRow(1).font = { bold: true };
  for (const plan of options.plans) plans.addRow([plan.name, plan.price, plan.currency, plan.interval].map(xlsxCell));

  const instructions = workbook.addWorksheet('Instructions');
  instructions.columns = [
    { key: 'a', width: 32 },
    { key: 'b', width: 16 },
    { key: 'c', width: 100 },
  ];
  instructions.addRow([t.title]).font = { bold: true, size: 14 };
  for (const rule of t.rules) instructions.addRow([`• ${rule}`]);
  instructions.addRow([]);
  instructions.addRow([t.column, t.required, t.meaning]).font = { bold: true };
  templateColumns.forEach((c, i) => {
    const row = instructions.addRow([headers[i], c.required === 'always' ? t.yes : c.required === 'withPlan' ? t.withPlan : t.no, c.instructions[options.lang]]);
    if (isRequired(c)) row.getCell(1).fill = requiredFill;
  });
  await writeOutput(file, flag, async (out) => {
    const stream = out.stream();
    // exceljs resolves once the zip is built; the file holds it once the stream has finished
    const written = finished(stream);
    await workbook.xlsx.write(stream);
    await written;
  });
}

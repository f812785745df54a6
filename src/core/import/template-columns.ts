/**
 * The columns of the member import template (docs/importing.md, "The template"), as data: the template writer,
 * its Instructions sheet and the header mapping of an imported file all read this one list.
 */

export const memberColumnKeys = [
  'name',
  'planName',
  'startDate',
  'nextInvoiceDate',
  'email',
  'phone',
  'company',
  'companySiren',
  'companyVatId',
  'paidBy',
  'delegateOf',
  'address',
  'postcode',
  'city',
  'country',
  'language',
  'billingEmail',
  'renewalEmail',
  'cc',
  'noMail',
  'iban',
  'bic',
  'mandateReference',
  'mandateDate',
  'mandateScheme',
  'quantity',
  'price',
  'prorate',
  'autoRenew',
  'endDate',
  'tags',
  'notes',
  'externalId',
  'memberId',
] as const;
export type MemberColumnKey = (typeof memberColumnKeys)[number];

export type ColumnKind = 'text' | 'date' | 'email' | 'number' | 'boolean' | 'tags';

/**
 * - `always`: the header must be present and every row needs a value.
 * - `withPlan`: a membership column. A file has all of them or none (then it is a file of contacts); in a row,
 *   an empty plan name makes the person a contact, and a plan name needs the other `withPlan` values.
 * - `no`: optional.
 */
export type ColumnRequirement = 'always' | 'withPlan' | 'no';

export interface TemplateColumn<K extends string = MemberColumnKey> {
  key: K;
  /** The English header, as the template writes it. */
  header: string;
  /** French headers; the first is the one `template --lang fr` writes. */
  frenchHeaders: readonly string[];
  /** Other headers real exports use for the same column. */
  aliases: readonly string[];
  kind: ColumnKind;
  required: ColumnRequirement;
  /** One sentence for the template's Instructions sheet. */
  instructions: { en: string; fr: string };
}

export const templateColumns: readonly TemplateColumn[] = [
  {
    key: 'name',
    header: 'Name',
    frenchHeaders: ['Nom'],
    aliases: ['Full name', 'Member name', 'Contact name', 'Nom complet'],
    kind: 'text',
    required: 'always',
    instructions: {
      en: 'Required. The full name of the person, e.g. "Marie Curie".',
      fr: 'Obligatoire. Le nom complet de la personne, par exemple « Marie Curie ».',
    },
  },
  {
    key: 'planName',
    header: 'Plan name',
    frenchHeaders: ['Nom du forfait'],
    aliases: ['Plan', 'Membership', 'Membership plan', 'Forfait', 'Abonnement'],
    kind: 'text',
    required: 'withPlan',
    instructions: {
      en: 'The exact name of an existing plan (pick it from the list). Leave it empty to import the person as a contact without membership.',
      fr: 'Le nom exact d’un forfait existant (choisissez-le dans la liste). Laissez vide pour importer la personne comme simple contact, sans abonnement.',
    },
  },
  {
    key: 'startDate',
    header: 'Start date',
    frenchHeaders: ['Date de début'],
    aliases: ['Start', 'Member since', 'Membership start', "Date d'adhésion"],
    kind: 'date',
    required: 'withPlan',
    instructions: {
      en: 'Required when a plan is given. The day the membership started, as a date cell or YYYY-MM-DD.',
      fr: 'Obligatoire si un forfait est indiqué. Le jour où l’abonnement a commencé, en cellule date ou AAAA-MM-JJ.',
    },
  },
  {
    key: 'nextInvoiceDate',
    header: 'Next invoice date',
    frenchHeaders: ['Date de la prochaine facture'],
    aliases: ['Next billing date', 'Next invoice', 'Next payment date', 'Renewal date', 'Prochaine facture'],
    kind: 'date',
    required: 'withPlan',
    instructions: {
      en: 'Required when a plan is given. The date of the first invoice to issue; the period before it counts as already paid.',
      fr: 'Obligatoire si un forfait est indiqué. La date de la première facture à émettre ; la période qui la précède est considérée comme payée.',
    },
  },
  {
    key: 'email',
    header: 'Email',
    frenchHeaders: ['E-mail', 'Courriel'],
    aliases: ['Email address', 'Mail', 'Adresse e-mail', 'Adresse électronique'],
    kind: 'email',
    required: 'no',
    instructions: {
      en: 'Optional. Each e-mail address may appear only once in the file (capital letters do not matter).',
      fr: 'Facultatif. Chaque adresse e-mail ne peut figurer qu’une fois dans le fichier (majuscules et minuscules confondues).',
    },
  },
  {
    key: 'phone',
    header: 'Phone',
    frenchHeaders: ['Téléphone'],
    aliases: ['Phone number', 'Telephone', 'Mobile', 'Mobile phone', 'Portable'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. Any format, kept as written.',
      fr: 'Facultatif. Dans n’importe quel format, conservé tel quel.',
    },
  },
  {
    key: 'company',
    header: 'Company',
    frenchHeaders: ['Entreprise'],
    aliases: ['Company name', 'Organisation', 'Organization', 'Société', "Nom de l'entreprise"],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. The company the person belongs to, written exactly the same way on every row; it is created once.',
      fr: 'Facultatif. L’entreprise de la personne, écrite exactement de la même façon sur chaque ligne ; elle est créée une seule fois.',
    },
  },
  {
    key: 'companySiren',
    header: 'SIREN',
    frenchHeaders: ['Numéro SIREN', 'N° SIREN'],
    aliases: ['Company SIREN', 'SIRET', 'Numéro SIRET', 'N° SIRET', 'SIREN de l’entreprise'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. The SIREN of the company of the row (9 digits; a 14-digit SIRET is accepted and its SIREN kept).',
      fr: 'Facultatif. Le numéro SIREN de l’entreprise de la ligne (9 chiffres ; un SIRET de 14 chiffres est accepté et son SIREN conservé).',
    },
  },
  {
    key: 'companyVatId',
    header: 'VAT number',
    frenchHeaders: ['N° TVA', 'Numéro de TVA', 'N° de TVA'],
    aliases: ['VAT ID', 'VAT', 'Company VAT number', 'TVA intracommunautaire', 'N° TVA intracommunautaire'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. The VAT number of the company of the row, starting with its country code, e.g. FR44732829320.',
      fr: 'Facultatif. Le numéro de TVA de l’entreprise de la ligne, précédé du code de son pays, par exemple FR44732829320.',
    },
  },
  {
    key: 'paidBy',
    header: 'Paid by',
    frenchHeaders: ['Payé par'],
    aliases: ['Payer', 'Billed to', 'Invoice to', 'Payeur', 'Facturé à'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. The exact name or e-mail of the member who pays for this person, in this file or already in the database.',
      fr: 'Facultatif. Le nom exact ou l’e-mail du membre qui paie pour cette personne, dans ce fichier ou déjà enregistré.',
    },
  },
  {
    key: 'delegateOf',
    header: 'Delegate of',
    frenchHeaders: ['Délégué de', 'Déléguée de'],
    aliases: ['Delegate for', 'Seat of', 'Seat holder', 'Délégué(e) de', 'Titulaire du siège'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. The exact name or e-mail of the member whose membership (a company seat) this person is a delegate of, in this file or already in the database; Plan name then names that member’s plan, and the row gets no membership of its own.',
      fr: 'Facultatif. Le nom exact ou l’e-mail du membre dont l’abonnement (un siège d’entreprise) a cette personne pour délégué, dans ce fichier ou déjà enregistré ; le Nom du forfait désigne alors le forfait de ce membre, et la ligne ne crée pas d’abonnement propre.',
    },
  },
  {
    key: 'address',
    header: 'Address',
    frenchHeaders: ['Adresse'],
    aliases: ['Postal address', 'Street address', 'Adresse postale'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. The street address, on up to three lines (postcode, city and country have their own columns).',
      fr: 'Facultatif. L’adresse (rue, bâtiment), sur trois lignes au plus (code postal, ville et pays ont leurs colonnes).',
    },
  },
  {
    key: 'postcode',
    header: 'Postcode',
    frenchHeaders: ['Code postal'],
    aliases: ['Postal code', 'Zip', 'Zip code', 'CP'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. The postcode, in the format of the country (5 digits in France).',
      fr: 'Facultatif. Le code postal, au format du pays (5 chiffres en France).',
    },
  },
  {
    key: 'city',
    header: 'City',
    frenchHeaders: ['Ville'],
    aliases: ['Town', 'Commune', 'Localité'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. The city of the postal address.',
      fr: 'Facultatif. La ville de l’adresse postale.',
    },
  },
  {
    key: 'country',
    header: 'Country',
    frenchHeaders: ['Pays'],
    aliases: ['Country code', 'Code pays'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. A two-letter code (FR, BE, CH) or the country’s name in English or French; the organisation’s country when empty.',
      fr: 'Facultatif. Un code à deux lettres (FR, BE, CH) ou le nom du pays en français ou en anglais ; le pays de l’organisation si vide.',
    },
  },
  {
    key: 'language',
    header: 'Language',
    frenchHeaders: ['Langue'],
    aliases: ['Invoice language', 'Langue des factures'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. fr or en (also Français, English): the language of the person’s invoices; the language setting when empty.',
      fr: 'Facultatif. fr ou en (ou Français, Anglais) : la langue des factures de la personne ; le réglage language si vide.',
    },
  },
  {
    key: 'billingEmail',
    header: 'Billing e-mail',
    frenchHeaders: ['E-mail de facturation', 'Courriel de facturation'],
    aliases: ['Billing email', 'Billing email address', 'Invoice e-mail', 'Invoice email', 'E-mail facturation', 'Email facturation'],
    kind: 'email',
    required: 'no',
    instructions: {
      en: 'Optional. Where the person’s invoices go, instead of their e-mail, when their company has no billing e-mail.',
      fr: 'Facultatif. L’adresse où envoyer les factures de la personne, au lieu de son e-mail, si son entreprise n’a pas d’e-mail de facturation.',
    },
  },
  {
    key: 'renewalEmail',
    header: 'Renewal e-mail',
    frenchHeaders: ['E-mail de renouvellement', 'Courriel de renouvellement'],
    aliases: ['Renewal email', 'Renewal email address', 'E-mail renouvellement', 'Email renouvellement'],
    kind: 'email',
    required: 'no',
    instructions: {
      en: 'Optional. Where the person’s renewal notices go, instead of their e-mail.',
      fr: 'Facultatif. L’adresse où envoyer les avis de renouvellement de la personne, au lieu de son e-mail.',
    },
  },
  {
    key: 'cc',
    header: 'Cc',
    frenchHeaders: ['Copies', 'Copie à'],
    aliases: ['Copies to', 'Copy to', 'Cc e-mails', 'Cc emails', 'En copie'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. Addresses that get a copy of each of the person’s e-mails, separated by semicolons or commas, e.g. "a@example.org; b@example.org".',
      fr: 'Facultatif. Les adresses qui reçoivent une copie de chaque e-mail de la personne, séparées par des points-virgules ou des virgules, par exemple « a@example.org; b@example.org ».',
    },
  },
  {
    key: 'noMail',
    header: 'No mail',
    frenchHeaders: ["Pas d'e-mail", 'Pas de mail'],
    aliases: ['No e-mail', 'No email', 'Do not e-mail', 'Do not email', 'Ne pas écrire'],
    kind: 'boolean',
    required: 'no',
    instructions: {
      en: 'Optional. yes/no: yes for a person who asked not to be written to (their e-mails are not sent); no to write to them again; unchanged when empty.',
      fr: 'Facultatif. oui/non : oui pour une personne qui a demandé à ne pas recevoir d’e-mails (ils ne lui sont pas envoyés) ; non pour lui écrire de nouveau ; inchangé si vide.',
    },
  },
  {
    key: 'iban',
    header: 'IBAN',
    frenchHeaders: ['IBAN'],
    aliases: ['Debtor IBAN', 'Payer IBAN', 'Bank account IBAN', 'IBAN number', 'Numéro IBAN', 'IBAN du débiteur', 'IBAN du payeur', 'Compte IBAN'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. The IBAN of the account the person signed a SEPA Direct Debit mandate for (spaces and lower case are fine); it needs a Mandate date, and imports the mandate with the person.',
      fr: 'Facultatif. L’IBAN du compte pour lequel la personne a signé un mandat de prélèvement SEPA (espaces et minuscules acceptés) ; il faut aussi la date du mandat, et le mandat est importé avec la personne.',
    },
  },
  {
    key: 'bic',
    header: 'BIC',
    frenchHeaders: ['BIC'],
    aliases: ['BIC code', 'SWIFT', 'SWIFT code', 'BIC/SWIFT', 'SWIFT/BIC', 'Code BIC', 'Code SWIFT'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. The BIC of the bank of the IBAN, 8 or 11 characters; SEPA accepts the IBAN alone.',
      fr: 'Facultatif. Le BIC de la banque de l’IBAN, 8 ou 11 caractères ; le SEPA accepte l’IBAN seul.',
    },
  },
  {
    key: 'mandateReference',
    header: 'Mandate reference',
    frenchHeaders: ['Référence du mandat', 'RUM'],
    aliases: ['Mandate ID', 'Mandate reference number', 'Unique mandate reference', 'UMR', 'Référence unique du mandat', 'Référence unique de mandat', 'Référence mandat', 'N° de mandat', 'Numéro de mandat'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. The unique mandate reference (UMR) the person signed, at most 35 letters, digits and / - ? : ( ) . , \' +; when empty, memberctl gives one (MND-<member id>-<n>).',
      fr: 'Facultatif. La référence unique du mandat (RUM) signée par la personne, 35 lettres, chiffres et / - ? : ( ) . , \' + au plus ; si vide, memberctl en attribue une (MND-<n° du membre>-<n>).',
    },
  },
  {
    key: 'mandateDate',
    header: 'Mandate date',
    frenchHeaders: ['Date de signature du mandat', 'Date du mandat'],
    aliases: ['Mandate signature date', 'Mandate signed on', 'Mandate signed', 'Date of signature of the mandate', 'Date signature mandat', 'Date de signature'],
    kind: 'date',
    required: 'no',
    instructions: {
      en: 'Required with an IBAN. The day the mandate was signed, as a date cell or YYYY-MM-DD, not after today.',
      fr: 'Obligatoire avec un IBAN. Le jour où le mandat a été signé, en cellule date ou AAAA-MM-JJ, pas après aujourd’hui.',
    },
  },
  {
    key: 'mandateScheme',
    header: 'Mandate scheme',
    frenchHeaders: ['Schéma du mandat', 'Type de mandat'],
    aliases: ['SEPA scheme', 'Mandate type', 'Direct debit scheme', 'Schéma SEPA', 'Type de prélèvement'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. core (consumers, the default when empty) or b2b (businesses that registered the mandate with their bank).',
      fr: 'Facultatif. core (particuliers, par défaut si vide) ou b2b (entreprises ayant enregistré le mandat auprès de leur banque).',
    },
  },
  {
    key: 'quantity',
    header: 'Quantity',
    frenchHeaders: ['Quantité'],
    aliases: ['Qty', 'Seats', 'Nombre'],
    kind: 'number',
    required: 'no',
    instructions: {
      en: 'Optional. How many units of the plan (e.g. desks) this membership covers; 1 when empty.',
      fr: 'Facultatif. Le nombre d’unités du forfait (par exemple de postes) couvertes par l’abonnement ; 1 si vide.',
    },
  },
  {
    key: 'price',
    header: 'Price',
    frenchHeaders: ['Prix'],
    aliases: ['Unit price', 'Prix unitaire', 'Tarif'],
    kind: 'number',
    required: 'no',
    instructions: {
      en: 'Optional. The membership’s own net price per period, in the plan’s currency (e.g. 45 or 45,50), when the person does not pay the plan’s price; the plan’s price when empty. "plan" makes it follow the plan’s price again.',
      fr: 'Facultatif. Le prix net propre à l’abonnement, par période, dans la devise du forfait (par exemple 45 ou 45,50), si la personne ne paie pas le prix du forfait ; le prix du forfait si vide. « forfait » lui fait suivre de nouveau le prix du forfait.',
    },
  },
  {
    key: 'prorate',
    header: 'Prorate first invoice',
    frenchHeaders: ['Facture proratisée'],
    aliases: ['Prorate', 'Prorated', 'Prorata'],
    kind: 'boolean',
    required: 'no',
    instructions: {
      en: 'Optional. yes/no (also oui/non, true/false, 1/0): whether the first invoice is prorated; no when empty.',
      fr: 'Facultatif. oui/non (ou yes/no, true/false, 1/0) : la première facture est-elle calculée au prorata ; non si vide.',
    },
  },
  {
    key: 'autoRenew',
    header: 'Auto renew',
    frenchHeaders: ['Renouvellement automatique'],
    aliases: ['Auto renewal', 'Renew automatically', 'Renouvellement auto'],
    kind: 'boolean',
    required: 'no',
    instructions: {
      en: 'Optional. yes/no: whether the membership renews by itself; the plan’s setting when empty.',
      fr: 'Facultatif. oui/non : l’abonnement se renouvelle-t-il tout seul ; le réglage du forfait si vide.',
    },
  },
  {
    key: 'endDate',
    header: 'End date',
    frenchHeaders: ['Date de fin'],
    aliases: ['End', 'Membership end', 'Expiry date', 'Expiration date', "Date d'expiration"],
    kind: 'date',
    required: 'no',
    instructions: {
      en: 'Optional. The last day of the membership, if it is already known.',
      fr: 'Facultatif. Le dernier jour de l’abonnement, s’il est déjà connu.',
    },
  },
  {
    key: 'tags',
    header: 'Tags',
    frenchHeaders: ['Étiquettes'],
    aliases: ['Tag', 'Labels', 'Étiquette'],
    kind: 'tags',
    required: 'no',
    instructions: {
      en: 'Optional. Tags separated by commas or semicolons, e.g. "board, volunteer".',
      fr: 'Facultatif. Des étiquettes séparées par des virgules ou des points-virgules, par exemple « bureau, bénévole ».',
    },
  },
  {
    key: 'notes',
    header: 'Notes',
    frenchHeaders: ['Notes'],
    aliases: ['Note', 'Comments', 'Comment', 'Remarques', 'Commentaires'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. Free text kept with the member.',
      fr: 'Facultatif. Texte libre conservé avec le membre.',
    },
  },
  {
    key: 'externalId',
    header: 'External ID',
    frenchHeaders: ['ID externe'],
    aliases: ['ID', 'Member ID', 'Customer ID', 'Identifiant', 'Identifiant externe'],
    kind: 'text',
    required: 'no',
    instructions: {
      en: 'Optional. The member’s identifier in the previous system; a re-import matches members on it first.',
      fr: 'Facultatif. L’identifiant du membre dans l’ancien système ; une nouvelle importation retrouve d’abord les membres grâce à lui.',
    },
  },
  {
    key: 'memberId',
    header: 'memberctl ID',
    frenchHeaders: ['ID memberctl'],
    aliases: ['memberctl id', 'Memberctl member ID'],
    kind: 'number',
    required: 'no',
    instructions: {
      en: 'Written by `members export`: the person’s id in memberctl; a re-import finds the person by it before anything else. Leave it as it is.',
      fr: 'Écrit par `members export` : l’identifiant de la personne dans memberctl ; une nouvelle importation retrouve la personne grâce à lui avant tout. Ne le modifiez pas.',
    },
  },
];

/** The columns the blank template has: all but the memberctl ID, which only an export of existing people writes. */
export const blankTemplateColumns: readonly TemplateColumn[] = templateColumns.filter((c) => c.key !== 'memberId');

/** The header the template writes for `column` in `lang`. */
export const templateHeader = (column: TemplateColumn<string>, lang: 'en' | 'fr') =>
  lang === 'fr' ? (column.frenchHeaders[0] ?? column.header) : column.header;

/** Every header that names `column`: English, French, then aliases. */
export const knownHeaders = (column: TemplateColumn<string>): string[] => [column.header, ...column.frenchHeaders, ...column.aliases];

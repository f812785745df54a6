/**
 * The e-mail templates: for each kind and language a subject, a plain text and an HTML body, written in Handlebars
 * used as a logic-less language: `{{name}}` (HTML-escaped in the HTML body), `{{#if name}}...{{else}}...{{/if}}`,
 * `{{#unless name}}` and comments. Nothing else is accepted: no helpers, no partials, no unescaped `{{{name}}}` in
 * HTML, and a name that is not a placeholder of its kind is refused (65) naming it and the file, before anything
 * is sent. A folder of overrides (the `mail-templates` setting) replaces any of the built-in files by name.
 */
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { type MailKind, mailKinds } from '../../db/types.js';
import { configError, dataError } from '../../errors.js';

export type MailLanguage = 'fr' | 'en';
export const mailLanguages: readonly MailLanguage[] = ['fr', 'en'];
export type TemplatePart = 'subject' | 'text' | 'html';
const parts: readonly TemplatePart[] = ['subject', 'text', 'html'];
const extension: Record<TemplatePart, string> = { subject: 'subject.txt', text: 'txt', html: 'html' };

/** Every kind's placeholders: the organisation's and the recipient's, then its own. */
const common = ['orgName', 'orgEmail', 'orgPhone', 'orgAddress', 'recipientName'] as const;
export const placeholders: Record<MailKind, readonly string[]> = {
  invoice: [...common, 'number', 'date', 'dueDate', 'total', 'amountDue', 'isPaid', 'period'],
  credit_note: [...common, 'number', 'date', 'invoiceNumber', 'total', 'cancelsInvoice', 'refundsDeposit', 'reason'],
  reminder: [...common, 'number', 'date', 'dueDate', 'total', 'amountDue', 'daysOverdue'],
  receipt: [...common, 'number', 'date', 'total', 'amountPaid', 'paidOn'],
  renewal_notice: [...common, 'memberName', 'plan', 'termStart', 'termEnd', 'price'],
  renewal_reminder: [...common, 'memberName', 'plan', 'renewsOn', 'price'],
  suspension_notice: [...common, 'memberName', 'since'],
};

/** The file a template part is read from and exported to: `invoice.fr.subject.txt`, `invoice.fr.txt`, `invoice.fr.html`. */
export const templateFile = (kind: MailKind, language: MailLanguage, part: TemplatePart) => `${kind}.${language}.${extension[part]}`;

type Texts = Record<MailLanguage, { subject: string; text: string }>;

const signature = {
  fr: '\n\nBien cordialement,\n{{orgName}}{{#if orgEmail}}\n{{orgEmail}}{{/if}}{{#if orgPhone}}\n{{orgPhone}}{{/if}}\n',
  en: '\n\nKind regards,\n{{orgName}}{{#if orgEmail}}\n{{orgEmail}}{{/if}}{{#if orgPhone}}\n{{orgPhone}}{{/if}}\n',
};

/** The built-in subjects and plain texts; the HTML bodies are drawn from the same words (`htmlOf`). */
const builtIn: Record<MailKind, Texts> = {
  invoice: {
    fr: {
      subject: 'Facture {{number}} - {{orgName}}',
      text: 'Bonjour {{recipientName}},\n\nVeuillez trouver ci-joint la facture {{number}} du {{date}}, d’un montant de {{total}}{{#if period}} ({{period}}){{/if}}.\n\n{{#if isPaid}}Elle est réglée : merci.{{else}}Montant à régler : {{amountDue}}, avant le {{dueDate}}.{{/if}}',
    },
    en: {
      subject: 'Invoice {{number}} - {{orgName}}',
      text: 'Hello {{recipientName}},\n\nPlease find attached invoice {{number}} of {{date}}, for {{total}}{{#if period}} ({{period}}){{/if}}.\n\n{{#if isPaid}}It is paid: thank you.{{else}}Amount due: {{amountDue}}, by {{dueDate}}.{{/if}}',
    },
  },
  credit_note: {
    fr: {
      subject: 'Avoir {{number}} - {{orgName}}',
      text: 'Bonjour {{recipientName}},\n\nVeuillez trouver ci-joint l’avoir {{number}} du {{date}}, d’un montant de {{total}}, qui {{#if cancelsInvoice}}annule la facture {{invoiceNumber}}{{else}}{{#if refundsDeposit}}rembourse le dépôt de garantie de la facture {{invoiceNumber}}{{else}}porte sur une partie de la facture {{invoiceNumber}} ({{reason}}){{/if}}{{/if}}.',
    },
    en: {
      subject: 'Credit note {{number}} - {{orgName}}',
      text: 'Hello {{recipientName}},\n\nPlease find attached credit note {{number}} of {{date}}, for {{total}}, which {{#if cancelsInvoice}}cancels invoice {{invoiceNumber}}{{else}}{{#if refundsDeposit}}refunds the deposit of invoice {{invoiceNumber}}{{else}}credits part of invoice {{invoiceNumber}} ({{reason}}){{/if}}{{/if}}.',
    },
  },
  reminder: {
    fr: {
      subject: 'Rappel : facture {{number}} impayée - {{orgName}}',
      text: 'Bonjour {{recipientName}},\n\nSauf erreur de notre part, la facture {{number}} du {{date}}, échue le {{dueDate}} (il y a {{daysOverdue}} jours), reste à régler : {{amountDue}} sur {{total}}.\n\nVous la trouverez ci-jointe. Si vous l’avez réglée entre-temps, merci de ne pas tenir compte de ce message.',
    },
    en: {
      subject: 'Reminder: invoice {{number}} unpaid - {{orgName}}',
      text: 'Hello {{recipientName}},\n\nInvoice {{number}} of {{date}}, due on {{dueDate}} ({{daysOverdue}} days ago), is still unpaid: {{amountDue}} of {{total}}.\n\nYou will find it attached. If you have paid it since, please disregard this message.',
    },
  },
  receipt: {
    fr: {
      subject: 'Reçu : facture {{number}} réglée - {{orgName}}',
      text: 'Bonjour {{recipientName}},\n\nNous avons bien reçu votre paiement de {{amountPaid}} : la facture {{number}} du {{date}} ({{total}}) est réglée depuis le {{paidOn}}. Merci.',
    },
    en: {
      subject: 'Receipt: invoice {{number}} paid - {{orgName}}',
      text: 'Hello {{recipientName}},\n\nWe have received your payment of {{amountPaid}}: invoice {{number}} of {{date}} ({{total}}) is paid as of {{paidOn}}. Thank you.',
    },
  },
  renewal_notice: {
    fr: {
      subject: 'Renouvellement de votre abonnement {{plan}} - {{orgName}}',
      text: 'Bonjour {{recipientName}},\n\nVotre abonnement {{plan}} arrive à son terme. Le prochain terme, du {{termStart}} au {{termEnd}}, coûte {{price}}.\n\nPour le renouveler, répondez simplement à ce message avant le {{termStart}}.',
    },
    en: {
      subject: 'Renewing your {{plan}} membership - {{orgName}}',
      text: 'Hello {{recipientName}},\n\nYour {{plan}} membership is coming to the end of its term. The next term, from {{termStart}} to {{termEnd}}, costs {{price}}.\n\nTo renew it, simply reply to this message before {{termStart}}.',
    },
  },
  renewal_reminder: {
    fr: {
      subject: 'Votre abonnement {{plan}} sera reconduit le {{renewsOn}} - {{orgName}}',
      text: 'Bonjour {{recipientName}},\n\nVotre abonnement {{plan}} sera reconduit tacitement le {{renewsOn}}, pour {{price}}.\n\nSi vous ne souhaitez pas le reconduire, répondez à ce message avant cette date.',
    },
    en: {
      subject: 'Your {{plan}} membership renews on {{renewsOn}} - {{orgName}}',
      text: 'Hello {{recipientName}},\n\nYour {{plan}} membership renews automatically on {{renewsOn}}, for {{price}}.\n\nIf you do not wish it to renew, reply to this message before that date.',
    },
  },
  suspension_notice: {
    fr: {
      subject: 'Votre adhésion est suspendue - {{orgName}}',
      text: 'Bonjour {{recipientName}},\n\nVotre adhésion est suspendue depuis le {{since}}, faute de paiement ou de renouvellement. Pour la rétablir, réglez les factures en attente ou répondez à ce message.',
    },
    en: {
      subject: 'Your membership is suspended - {{orgName}}',
      text: 'Hello {{recipientName}},\n\nYour membership has been suspended since {{since}}, for want of a payment or a renewal. To restore it, pay the invoices outstanding or reply to this message.',
    },
  },
};

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An HTML body from a plain text: paragraphs and line breaks, the organisation's name as a heading. */
function htmlOf(text: string, language: MailLanguage): string {
  const paragraphs = text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="${language}">
<head><meta charset="utf-8"><title>{{orgName}}</title></head>
<body style="font-family: sans-serif; font-size: 15px; line-height: 1.5; color: #222;">
<h2 style="font-size: 18px;">{{orgName}}</h2>
${paragraphs}
{{#if orgAddress}}<p style="color: #666; font-size: 13px;">{{orgAddress}}</p>{{/if}}
</body>
</html>
`;
}

/** The built-in source of a template part. */
export function builtInTemplate(kind: MailKind, language: MailLanguage, part: TemplatePart): string {
  const texts = builtIn[kind][language];
  const body = texts.text + signature[language];
  if (part === 'subject') return `${texts.subject}\n`;
  if (part === 'text') return body;
  return htmlOf(body, language);
}

/** Writes every built-in template into `dir`, returning the files written. */
export function exportTemplates(dir: string, write: (file: string, content: string) => void): string[] {
  const written: string[] = [];
  for (const kind of mailKinds) {
    for (const language of mailLanguages) {
      for (const part of parts) {
        const file = path.join(dir, templateFile(kind, language, part));
        write(file, builtInTemplate(kind, language, part));
        written.push(file);
      }
    }
  }
  return written;
}

type Compiled = (context: Record<string, unknown>) => string;

export interface TemplateSet {
  render(kind: MailKind, language: MailLanguage, context: Record<string, unknown>): { subject: string; text: string; html: string };
  /** where each part comes from: "built-in" or the override's path */
  sources: Record<string, string>;
}

/** The names a template uses, and the first construct it may not use; throws Handlebars' parse error as it is. */
function check(source: string, part: TemplatePart, known: readonly string[], where: string): void {
  const ast = Handlebars.parse(source);
  const refuse = (what: string, line: number | undefined) =>
    dataError(`${where}${line ? `, line ${line}` : ''}: ${what}`, `placeholders of this template: ${known.join(', ')}`);
  const name = (node: hbs.AST.Expression, line: number | undefined): string => {
    if (node.type !== 'PathExpression') throw refuse('only placeholder names may stand in {{ }}', line);
    const p = node as hbs.AST.PathExpression;
    if (p.depth > 0 || p.parts.length !== 1 || p.data) throw refuse(`"${p.original}" is not a placeholder name`, line);
    if (!known.includes(p.parts[0]!)) throw refuse(`unknown placeholder "${p.original}"`, line);
    return p.parts[0]!;
  };
  const walk = (program: hbs.AST.Program | undefined) => {
    for (const node of program?.body ?? []) {
      const line = node.loc?.start.line;
      switch (node.type) {
        case 'ContentStatement':
        case 'CommentStatement':
          break;
        case 'MustacheStatement': {
          const m = node as hbs.AST.MustacheStatement;
          if (m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0) throw refuse('helpers are not allowed, only placeholders', line);
          if (!m.escaped && part === 'html') throw refuse('{{{ }}} would insert a value unescaped in HTML: use {{ }}', line);
          name(m.path, line);
          break;
        }
        case 'BlockStatement': {
          const b = node as hbs.AST.BlockStatement;
          const helper = b.path.type === 'PathExpression' ? (b.path as hbs.AST.PathExpression).original : '';
          if ((helper !== 'if' && helper !== 'unless') || b.params.length !== 1) {
            throw refuse('only {{#if name}} and {{#unless name}} blocks are allowed', line);
          }
          name(b.params[0]!, line);
          walk(b.program);
          walk(b.inverse);
          break;
        }
        default:
          throw refuse('partials and decorators are not allowed', line);
      }
    }
  };
  walk(ast);
}

/**
 * Every template, built-in or overridden by a file of `overrides` (the `mail-templates` folder), checked and
 * compiled. Refuses (65) a template that names an unknown placeholder or uses anything but placeholders and
 * if/unless, naming the file; a folder that is missing (78), or a file in it that is no template's (65).
 */
export function loadTemplates(overrides: string | null): TemplateSet {
  const given = new Map<string, string>();
  if (overrides !== null) {
    let names: string[];
    try {
      names = fs.readdirSync(overrides);
    } catch (error) {
      throw configError(`setting mail-templates: cannot read the folder ${overrides}: ${(error as Error).message}`, 'set it to a folder written by `memberctl mail templates export DIR`, or to "" for the built-in templates');
    }
    const expected = new Set(mailKinds.flatMap((k) => mailLanguages.flatMap((l) => parts.map((p) => templateFile(k, l, p)))));
    for (const name of names.sort()) {
      const file = path.join(overrides, name);
      if (!fs.statSync(file).isFile()) continue;
      if (!expected.has(name)) throw dataError(`${file}: not a template's name`, 'names are KIND.LANGUAGE.subject.txt, KIND.LANGUAGE.txt and KIND.LANGUAGE.html, as `memberctl mail templates export` writes them');
      given.set(name, fs.readFileSync(file, 'utf8'));
    }
  }
  const hb = Handlebars.create();
  const compiled = new Map<string, Compiled>();
  const sources: Record<string, string> = {};
  for (const kind of mailKinds) {
    for (const language of mailLanguages) {
      for (const part of parts) {
        const name = templateFile(kind, language, part);
        const override = given.get(name);
        const where = override === undefined ? `built-in template ${name}` : path.join(overrides!, name);
        const source = override ?? builtInTemplate(kind, language, part);
        try {
          check(source, part, placeholders[kind], where);
        } catch (error) {
          if (error instanceof Error && error.name !== 'UserError') throw dataError(`${where}: ${error.message.split('\n')[0]}`);
          throw error;
        }
        compiled.set(name, hb.compile(source, { noEscape: part !== 'html', knownHelpers: { if: true, unless: true }, knownHelpersOnly: true, strict: false }));
        sources[name] = override === undefined ? 'built-in' : where;
      }
    }
  }
  return {
    sources,
    render(kind, language, context) {
      const run = (part: TemplatePart) => compiled.get(templateFile(kind, language, part))!(context);
      // a subject is one line, whatever the values in it
      return { subject: run('subject').replace(/\s+/g, ' ').trim(), text: run('text'), html: run('html') };
    },
  };
}

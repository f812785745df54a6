import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backoffMinutes } from '../../src/core/mail/outbox.js';
import { builtInTemplate, exportTemplates, loadTemplates, placeholders } from '../../src/core/mail/templates.js';
import { parseSetting } from '../../src/core/kernel/settings.js';
import { mailKinds } from '../../src/db/types.js';
import { tempDir } from '../helpers/db.js';

const values = (kind: keyof typeof placeholders) => Object.fromEntries(placeholders[kind].map((name) => [name, `<${name}>`]));

describe('mail templates', () => {
  it('every built-in template uses only the placeholders of its kind, and renders every one of them in both languages', () => {
    const templates = loadTemplates(null);
    for (const kind of mailKinds) {
      for (const language of ['fr', 'en'] as const) {
        const { subject, text, html } = templates.render(kind, language, values(kind));
        expect(subject, `${kind} ${language}`).not.toMatch(/\n|\{\{/);
        expect(text).toContain('<orgName>');
        // HTML-escaped in the HTML body, as written in the text
        expect(html).toContain('&lt;orgName&gt;');
        expect(html).not.toContain('<orgName>');
        expect(html).toContain(`lang="${language}"`);
      }
    }
  });

  it.each([
    [{ cancelsInvoice: true, refundsDeposit: false }, 'en', 'which cancels invoice INV-2026-00042.'],
    [{ cancelsInvoice: false, refundsDeposit: true }, 'en', 'which refunds the deposit of invoice INV-2026-00042.'],
    [{ cancelsInvoice: false, refundsDeposit: false }, 'en', 'which credits part of invoice INV-2026-00042 (left early).'],
    [{ cancelsInvoice: true, refundsDeposit: false }, 'fr', 'qui annule la facture INV-2026-00042.'],
    [{ cancelsInvoice: false, refundsDeposit: true }, 'fr', 'qui rembourse le dépôt de garantie de la facture INV-2026-00042.'],
    [{ cancelsInvoice: false, refundsDeposit: false }, 'fr', 'qui porte sur une partie de la facture INV-2026-00042 (left early).'],
  ] as const)('a credit note message says what it does: %o in %s', (kind, language, words) => {
    const { text } = loadTemplates(null).render('credit_note', language, { ...values('credit_note'), invoiceNumber: 'INV-2026-00042', reason: 'left early', ...kind });
    expect(text).toContain(words);
  });

  it.each([
    ['{{numero}}', 'unknown placeholder "numero"'],
    ['{{#each lines}}x{{/each}}', 'only {{#if name}} and {{#unless name}} blocks'],
    ['{{> footer}}', 'partials'],
    ['{{lookup orgName 1}}', 'helpers are not allowed'],
    ['{{../orgName}}', 'is not a placeholder name'],
    ['{{#if}}', 'Parse error'],
  ])('an override %s is refused with exit 65, naming the file and the line', (source, message) => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'invoice.en.txt'), `Hello\n${source}\n`);
    let error: unknown;
    try {
      loadTemplates(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ exitCode: 65 });
    expect((error as Error).message).toContain(path.join(dir, 'invoice.en.txt'));
    expect((error as Error).message).toContain(message);
  });

  it('refuses {{{ }}} in HTML only, a file that is no template, and a missing folder', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'invoice.en.txt'), '{{{orgName}}}');
    expect(() => loadTemplates(dir)).not.toThrow();
    fs.writeFileSync(path.join(dir, 'invoice.en.html'), '{{{orgName}}}');
    expect(() => loadTemplates(dir)).toThrow(/unescaped/);
    fs.rmSync(path.join(dir, 'invoice.en.html'));
    fs.writeFileSync(path.join(dir, 'invoice.english.txt'), 'x');
    expect(() => loadTemplates(dir)).toThrow(/invoice\.english\.txt: not a template's name/);
    expect(() => loadTemplates(path.join(dir, 'missing'))).toThrow(expect.objectContaining({ exitCode: 78 }));
  });

  it('exports the 42 built-in files, which read back as the built-in templates', () => {
    const dir = tempDir();
    const files = exportTemplates(dir, (file, content) => fs.writeFileSync(file, content));
    expect(files).toHaveLength(mailKinds.length * 2 * 3);
    expect(fs.readFileSync(path.join(dir, 'reminder.fr.subject.txt'), 'utf8')).toBe(builtInTemplate('reminder', 'fr', 'subject'));
    const fromFiles = loadTemplates(dir).render('reminder', 'fr', values('reminder'));
    expect(fromFiles).toEqual(loadTemplates(null).render('reminder', 'fr', values('reminder')));
  });
});

describe('mail settings and backoff', () => {
  it.each([
    ['mail-from', 'Coworking Lumière <contact@lumiere.example>', 'Coworking Lumière <contact@lumiere.example>'],
    ['mail-from', '', ''],
    ['mail-bcc', 'archive@lumiere.example', 'archive@lumiere.example'],
    ['mail-receipts', 'YES', 'on'],
    ['mail-invoices', 'off', 'off'],
    ['reminder-days', ' 7, 21 ,30', '7,21,30'],
    ['reminder-days', '', ''],
  ] as const)('%s "%s" is stored as "%s"', (key, text, stored) => {
    expect(String(parseSetting(key, text))).toBe(stored);
  });

  it.each([
    ['mail-from', 'not an address'],
    ['mail-reply-to', 'Club <club@>'],
    ['mail-receipts', 'maybe'],
    ['reminder-days', '21,7'],
    ['reminder-days', '0'],
    ['reminder-days', '7,7'],
    ['tacit-renewal-notice-days', '0'],
  ] as const)('%s "%s" is refused with exit 64', (key, text) => {
    expect(() => parseSetting(key, text)).toThrow(expect.objectContaining({ exitCode: 64 }));
  });

  it('waits twice as long after each attempt, never more than 6 hours', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(backoffMinutes)).toEqual([5, 10, 20, 40, 80, 160, 320, 360, 360]);
  });
});

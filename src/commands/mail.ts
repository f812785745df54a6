import type { Command } from 'commander';
import { type Action, examples, parseWholeNumber } from '../command-kit.js';
import type { Context } from '../context.js';
import type { MessageJson } from '../core/mail/outbox.js';
import type { SendResult } from '../core/mail/send.js';
import { type MailKind, type MailStatus, mailKinds, mailStatuses } from '../db/types.js';
import { dataError, notFoundError, usageError } from '../errors.js';
import { renderTable } from '../output.js';
import { plural } from '../core/kernel/words.js';
import { parseDateOption } from './memberships.js';

interface SendFlags {
  limit?: number;
  dryRun?: boolean;
  smtp?: string;
  outboxDir?: string;
}

interface ListFlags {
  status?: MailStatus;
  kind?: MailKind;
  member?: string;
  from?: string;
  to?: string;
  limit?: number;
}

interface PreviewFlags {
  invoice?: string;
  renewal?: number;
  member?: string;
  output?: string;
}

const parseKind = (value: string): MailKind => {
  const kind = value.trim().toLowerCase().replace(/-/g, '_');
  if (!(mailKinds as readonly string[]).includes(kind)) throw usageError(`"${value}" is not a kind of message; kinds are: ${mailKinds.join(', ')}`);
  return kind as MailKind;
};

const parseStatus = (value: string): MailStatus => {
  const status = value.trim().toLowerCase();
  if (!(mailStatuses as readonly string[]).includes(status)) throw usageError(`--status: "${value}" is not a status; statuses are: ${mailStatuses.join(', ')}`);
  return status as MailStatus;
};

const parseId = (name: string) => parseWholeNumber(name, 1);

export function messageTable(messages: readonly MessageJson[]): string {
  return renderTable(messages, [
    { header: 'id', value: (m) => m.id, align: 'right' },
    { header: 'kind', value: (m) => m.kind },
    { header: 'subject', value: (m) => `${m.subject.type} ${m.subject.id}` },
    { header: 'stage', value: (m) => m.stage },
    { header: 'to', value: (m) => m.to.join(', ') },
    { header: 'status', value: (m) => m.status },
    { header: 'attempts', value: (m) => m.attempts, align: 'right' },
    { header: 'created', value: (m) => m.createdAt.slice(0, 16).replace('T', ' ') },
    { header: 'note', value: (m) => m.skipReason ?? m.lastError ?? (m.status === 'sent' ? m.serverReply : null) },
  ]);
}

/** The transport of a run: an outbox folder, else --smtp or MEMBERCTL_SMTP. */
async function transportOf(ctx: Context, flags: Pick<SendFlags, 'smtp' | 'outboxDir'>) {
  const { folderTransport, smtpTransport, smtpUrlOf } = await import('../writers/mail/transport.js');
  if (flags.outboxDir !== undefined) {
    if (flags.smtp !== undefined) throw usageError('--outbox-dir and --smtp: give one of them');
    const fs = await import('node:fs');
    if (!fs.statSync(flags.outboxDir, { throwIfNoEntry: false })?.isDirectory()) {
      const { cantCreateError } = await import('../errors.js');
      throw cantCreateError(`--outbox-dir ${flags.outboxDir}: not a folder`, 'Create the folder first, or give another path.');
    }
    return folderTransport(flags.outboxDir);
  }
  return smtpTransport(smtpUrlOf(flags.smtp, ctx.env));
}

/** Sends the queued messages with the flags of `mail send`; also what `jobs run --smtp` calls. */
export async function runMailSend(ctx: Context, flags: SendFlags): Promise<SendResult> {
  const { sendQueued } = await import('../core/mail/send.js');
  const db = await ctx.db();
  const transport = flags.dryRun ? null : await transportOf(ctx, flags);
  try {
    return await sendQueued(db, {
      transport,
      limit: flags.limit,
      dryRun: Boolean(flags.dryRun),
      onMessage: (m) => ctx.out.debug(`${m.id} ${m.kind} ${m.subject} -> ${m.to.join(', ')}: ${m.outcome}${m.reply ? ` (${m.reply})` : ''}`),
    });
  } finally {
    transport?.close();
  }
}

/**
 * stdout: the messages that need attention (to retry, failed, skipped), so that cron mails only those; every
 * message of a dry run; stderr: the summary. Each message sent is listed with --verbose (and by `mail list`).
 */
export function reportMailSend(ctx: Context, result: SendResult): void {
  const shown = result.dryRun ? result.messages : result.messages.filter((m) => m.outcome !== 'sent');
  if (shown.length > 0) {
    ctx.out.print(
      renderTable(shown, [
        { header: 'id', value: (m) => m.id, align: 'right' },
        { header: 'kind', value: (m) => m.kind },
        { header: 'subject', value: (m) => m.subject },
        { header: 'to', value: (m) => m.to.join(', ') },
        { header: 'outcome', value: (m) => m.outcome },
        { header: 'reply', value: (m) => m.reply },
      ]),
    );
  }
  if (result.dryRun) {
    const failing = result.messages.filter((m) => m.outcome === 'would-fail').length;
    const skipping = result.messages.filter((m) => m.outcome === 'would-skip').length;
    const notes = [failing > 0 ? `${failing} cannot be rendered` : null, skipping > 0 ? `${skipping} no longer to send` : null].filter(Boolean);
    ctx.out.info(`Dry run: ${plural(result.messages.length, 'message')} due${notes.length > 0 ? ` (${notes.join(', ')})` : ''}; nothing was sent.`);
    return;
  }
  const parts = [`${result.sent} sent`, result.retry > 0 ? `${result.retry} to retry later` : null, result.failed > 0 ? `${result.failed} failed` : null, result.skipped > 0 ? `${result.skipped} skipped` : null];
  if (result.messages.length === 0) ctx.out.info('No message due.');
  else ctx.out.info(`${parts.filter(Boolean).join(', ')} (${result.target}).`);
  if (result.failed > 0) ctx.out.warn(`${plural(result.failed, 'message')} failed: see \`memberctl mail list --status failed\`; \`mail retry --failed\` queues them again (exit 65).`);
}

async function memberNames(ctx: Context, ids: Array<number | null>): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
  if (wanted.length === 0) return new Map();
  const db = await ctx.db();
  const names = new Map<number, string>();
  for (let i = 0; i < wanted.length; i += 500) {
    const rows = await db.kysely.selectFrom('members').select(['id', 'name']).where('id', 'in', wanted.slice(i, i + 500)).execute();
    for (const r of rows) names.set(r.id, r.name);
  }
  return names;
}

async function requireMessage(ctx: Context, id: number) {
  const { findMessage } = await import('../core/mail/outbox.js');
  const db = await ctx.db();
  const message = await findMessage(db.kysely, id);
  if (!message) throw notFoundError(`no message ${id} in the outbox`, 'see `memberctl mail list`');
  return message;
}

export function registerMail(program: Command, action: Action): void {
  const mail = program.command('mail').description('the e-mails the jobs queue: send them, list them, preview them');

  examples(
    mail
      .command('send')
      .description('send the queued messages that are due, through SMTP or into a folder of .eml files')
      .option('--smtp <url>', 'smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465 (default: $MEMBERCTL_SMTP)')
      .option('--outbox-dir <dir>', 'write each message as an .eml file in this folder instead of sending it')
      .option('--limit <n>', 'send at most this many messages', parseWholeNumber('--limit', 1))
      .option('--dry-run', 'render the messages due and list them; send and change nothing')
      .action(
        action(async (ctx, flags: SendFlags) => {
          const result = await runMailSend(ctx, flags);
          if (ctx.out.json) ctx.out.result(result, () => null);
          reportMailSend(ctx, result);
          return result.failed > 0 || result.messages.some((m) => m.outcome === 'would-fail') ? 65 : 0;
        }),
      ),
    [
      'memberctl mail send --smtp smtp://127.0.0.1:25',
      'MEMBERCTL_SMTP=smtps://club%40example.org:secret@smtp.example.org:465 memberctl mail send --limit 200',
      'memberctl mail send --outbox-dir ./outbox',
      'memberctl mail send --dry-run',
    ],
  );

  examples(
    mail
      .command('list')
      .description('list the messages of the outbox, oldest first')
      .option('--status <status>', `${mailStatuses.join(', ')}`, parseStatus)
      .option('--kind <kind>', `${mailKinds.join(', ')}`, parseKind)
      .option('--member <ref>', 'messages about this person (id, e-mail or exact name)')
      .option('--from <YYYY-MM-DD>', 'queued on or after this day', parseDateOption('--from'))
      .option('--to <YYYY-MM-DD>', 'queued on or before this day', parseDateOption('--to'))
      .option('--limit <n>', 'at most this many', parseWholeNumber('--limit', 1))
      .action(
        action(async (ctx, flags: ListFlags) => {
          const { listMessages, messageJson } = await import('../core/mail/outbox.js');
          const db = await ctx.db();
          let memberId: number | undefined;
          if (flags.member !== undefined) {
            const { resolveMember } = await import('../core/people/refs.js');
            memberId = (await resolveMember(db.kysely, flags.member)).id;
          }
          const rows = await listMessages(db.kysely, { status: flags.status, kind: flags.kind, memberId, from: flags.from, to: flags.to, limit: flags.limit });
          const names = await memberNames(ctx, rows.map((r) => r.member_id));
          const messages = rows.map((r) => messageJson(r, r.member_id === null ? null : (names.get(r.member_id) ?? null)));
          ctx.out.result(messages, () => (messages.length === 0 ? null : messageTable(messages)));
          if (messages.length === 0) ctx.out.info('No message.');
        }),
      ),
    ['memberctl mail list --status failed', 'memberctl mail list --kind invoice --from 2026-03-01 --json', 'memberctl mail list --member jane@example.org'],
  );

  examples(
    mail
      .command('show')
      .argument('<id>', 'the message id (see `mail list`)', parseId('id'))
      .description('a message: its headers and body as they would be sent now, its attachments and attempts')
      .action(
        action(async (ctx, id: number) => {
          const { messageAttempts, messageJson } = await import('../core/mail/outbox.js');
          const message = await requireMessage(ctx, id);
          const db = await ctx.db();
          const attempts = await messageAttempts(db.kysely, id);
          const names = await memberNames(ctx, [message.member_id]);
          const rendered = await renderForShow(ctx, message);
          const json = { ...messageJson(message, message.member_id === null ? null : (names.get(message.member_id) ?? null)), ...rendered, history: attempts };
          ctx.out.result(json, () => {
            const lines = [
              `Message ${json.id}: ${json.kind} of ${json.subject.type} ${json.subject.id} (${json.stage}), ${json.status}${json.skipReason ? `: ${json.skipReason}` : ''}`,
              `Message-ID: ${json.messageId ?? rendered.headers?.['Message-ID'] ?? ''}`,
              ...Object.entries(rendered.headers ?? {})
                .filter(([name]) => name !== 'Message-ID')
                .map(([name, value]) => `${name}: ${value}`),
              `Attempts: ${json.history.length === 0 ? 'none' : json.attempts}`,
              ...json.history.map((a) => `  ${a.at} ${a.outcome}${a.reply ? `: ${a.reply}` : ''}`),
              ...(json.nextAttemptAt && json.status === 'queued' ? [`Next attempt: ${json.nextAttemptAt}`] : []),
              `Attachments: ${(rendered.attachments ?? []).map((a) => `${a.filename} (${a.contentType}, ${a.bytes} bytes)`).join(', ') || 'none'}`,
              '',
              rendered.renderError ? `(cannot be rendered now: ${rendered.renderError})` : (rendered.text ?? ''),
            ];
            return lines.join('\n');
          });
        }),
      ),
    ['memberctl mail show 12', 'memberctl mail show 12 --json'],
  );

  examples(
    mail
      .command('retry')
      .argument('[id]', 'the message to send again (failed, skipped, cancelled, or queued for later)', parseId('id'))
      .option('--failed', 'every failed message')
      .description('queue messages again, due at once')
      .action(
        action(async (ctx, id: number | undefined, flags: { failed?: boolean }) => {
          if ((id === undefined) === !flags.failed) throw usageError('give a message id or --failed');
          const { retryMessages } = await import('../core/mail/outbox.js');
          const db = await ctx.db();
          if (id !== undefined) {
            const message = await requireMessage(ctx, id);
            if (message.status === 'sent' || message.status === 'sending') throw dataError(`message ${id} is ${message.status}: nothing to retry`);
          }
          const { requeued, skipped } = await retryMessages(db.kysely, id === undefined ? 'failed' : [id], new Date().toISOString());
          for (const m of skipped) ctx.out.warn(`message ${m.id} is still skipped: ${m.reason}`);
          ctx.out.result({ requeued, skipped }, () => null);
          if (requeued.length > 0 || skipped.length === 0) {
            ctx.out.info(requeued.length === 0 ? 'No failed message.' : `${plural(requeued.length, 'message')} queued again: \`memberctl mail send\` sends ${requeued.length === 1 ? 'it' : 'them'}.`);
          }
          // the one message asked for cannot be sent: say so by the exit code too
          return id !== undefined && skipped.length > 0 ? 65 : 0;
        }),
      ),
    ['memberctl mail retry 12', 'memberctl mail retry --failed'],
  );

  examples(
    mail
      .command('cancel')
      .argument('<id>', 'the message not to send', parseId('id'))
      .description('cancel a message not sent yet')
      .action(
        action(async (ctx, id: number) => {
          const { cancelMessage, findMessage, messageJson } = await import('../core/mail/outbox.js');
          const message = await requireMessage(ctx, id);
          const db = await ctx.db();
          if (!(await cancelMessage(db.kysely, id, new Date().toISOString()))) {
            throw dataError(`message ${id} is ${message.status}: only a queued, failed or skipped message can be cancelled`);
          }
          const after = (await findMessage(db.kysely, id))!;
          ctx.out.result(messageJson(after), () => null);
          ctx.out.info(`Message ${id} cancelled.`);
        }),
      ),
    ['memberctl mail cancel 12'],
  );

  examples(
    mail
      .command('preview')
      .argument('<kind>', `${mailKinds.join(', ')}`, parseKind)
      .description('render a message from its subject without queueing it: on stdout, or as an .eml file with -o')
      .option('--invoice <number>', 'the invoice (invoice, reminder, receipt) or credit note (credit_note)')
      .option('--renewal <id>', 'the renewal (renewal_notice)', parseId('--renewal'))
      .option('--member <ref>', 'the person (suspension_notice) or the member of the membership (renewal_reminder)')
      .option('-o, --output <file>', 'write the whole message as an .eml file')
      .action(
        action(async (ctx, kind: MailKind, flags: PreviewFlags) => {
          if (flags.output) {
            const { checkOutput, outputGuard } = await import('../safe-file.js');
            checkOutput(flags.output, '-o', await outputGuard(ctx.dbUrl, []));
          }
          const { composeContext, composeMessage } = await import('../core/mail/compose.js');
          const { loadTemplates } = await import('../core/mail/templates.js');
          const { unqueuedMessage } = await import('../core/mail/outbox.js');
          const { getSetting } = await import('../core/kernel/settings.js');
          const { inlineRenderer } = await import('../writers/mail/pdf-renderer.js');
          const db = await ctx.db();
          const subjectId = await previewSubject(ctx, kind, flags);
          const folder = await getSetting(db.kysely, 'mail-templates');
          const templates = loadTemplates(folder === '' ? null : folder);
          const context = await composeContext(db.kysely, templates, inlineRenderer(), { requireFrom: false });
          const row = await unqueuedMessage(db.kysely, { kind, subjectId, stage: 'preview', data: { asOf: await ctx.today() } }, new Date().toISOString());
          const composed = await composeMessage(db.kysely, row, context);
          if (flags.output) {
            const { buildRaw } = await import('../writers/mail/transport.js');
            const { writeOutput } = await import('../safe-file.js');
            const raw = await buildRaw(composed);
            await writeOutput(flags.output, '-o', (out) => out.write(raw));
          }
          const json = {
            kind,
            to: composed.to,
            cc: composed.cc,
            from: composed.from,
            subject: composed.subject,
            language: row.language,
            text: composed.text,
            html: composed.html,
            attachments: composed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, bytes: a.content.length })),
            file: flags.output ?? null,
            skipReason: row.skip_reason,
          };
          ctx.out.result(json, () =>
            flags.output
              ? null
              : [`From: ${json.from}`, `To: ${json.to.join(', ') || '(no address)'}${json.skipReason ? ` (it would be skipped: ${json.skipReason})` : ''}`, `Subject: ${json.subject}`, `Attachments: ${json.attachments.map((a) => a.filename).join(', ') || 'none'}`, '', json.text].join('\n'),
          );
          if (flags.output) ctx.out.info(`Wrote ${flags.output}.`);
        }),
      ),
    ['memberctl mail preview invoice --invoice INV-2026-00001', 'memberctl mail preview reminder --invoice INV-2026-00001 -o reminder.eml', 'memberctl mail preview renewal_notice --renewal 3'],
  );

  const templates = mail.command('templates').description('the e-mail templates');
  examples(
    templates
      .command('export')
      .argument('<dir>', 'an existing folder')
      .description('write the built-in templates (subject, text and HTML of each kind, in French and English) into a folder, to edit them')
      .action(
        action(async (ctx, dir: string) => {
          const fs = await import('node:fs');
          const { cantCreateError } = await import('../errors.js');
          if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw cantCreateError(`${dir}: not a folder`, 'Create the folder first.');
          const { exportTemplates } = await import('../core/mail/templates.js');
          const { checkOutput, outputGuard, writeOutput } = await import('../safe-file.js');
          const guard = await outputGuard(ctx.dbUrl, []);
          const files: Array<[string, string]> = [];
          exportTemplates(dir, (file, content) => files.push([file, content]));
          for (const [file] of files) checkOutput(file, 'DIR', guard);
          for (const [file, content] of files) await writeOutput(file, 'DIR', (out) => out.write(content));
          ctx.out.result({ written: files.map(([file]) => file) }, () => null);
          ctx.out.info(`Wrote ${plural(files.length, 'template')} in ${dir}; \`memberctl settings set mail-templates ${dir}\` uses them (a file removed falls back to the built-in one).`);
        }),
      ),
    ['memberctl mail templates export ./mail-templates'],
  );
}

/** The subject id of a preview, from the option its kind needs. */
async function previewSubject(ctx: Context, kind: MailKind, flags: PreviewFlags): Promise<number> {
  const db = (await ctx.db()).kysely;
  const need = (option: string, given: unknown) => {
    if (given === undefined) throw usageError(`mail preview ${kind} needs ${option}`);
  };
  switch (kind) {
    case 'invoice':
    case 'reminder':
    case 'receipt': {
      need('--invoice NUMBER', flags.invoice);
      const { findInvoice, unknownInvoice } = await import('../core/billing/invoices.js');
      const invoice = await findInvoice(db, flags.invoice!);
      if (!invoice) throw await unknownInvoice(db, flags.invoice!);
      return invoice.id;
    }
    case 'credit_note': {
      need('--invoice NUMBER (of the credit note, or of the invoice it voids)', flags.invoice);
      const { findInvoice } = await import('../core/billing/invoices.js');
      const { unknownDocument } = await import('../core/documents/load-invoice.js');
      const wanted = flags.invoice!.trim().toUpperCase();
      const invoice = await findInvoice(db, wanted);
      let query = db.selectFrom('credit_notes').select('id');
      query = invoice ? query.where('invoice_id', '=', invoice.id) : query.where('number', '=', wanted);
      const note = await query.executeTakeFirst();
      if (!note) throw invoice ? dataError(`invoice ${invoice.number} has no credit note`) : await unknownDocument(db, flags.invoice!);
      return note.id;
    }
    case 'renewal_notice': {
      need('--renewal ID', flags.renewal);
      const found = await db.selectFrom('renewals').select('id').where('id', '=', flags.renewal!).executeTakeFirst();
      if (!found) throw notFoundError(`no renewal ${flags.renewal}`, 'see `memberctl renewals list`');
      return found.id;
    }
    case 'renewal_reminder':
    case 'suspension_notice': {
      need('--member REF', flags.member);
      const { resolveMember } = await import('../core/people/refs.js');
      const member = await resolveMember(db, flags.member!);
      if (kind === 'suspension_notice') return member.id;
      const membership = await db.selectFrom('memberships').select('id').where('member_id', '=', member.id).orderBy('id', 'desc').executeTakeFirst();
      if (!membership) throw dataError(`${member.name} has no membership`);
      return membership.id;
    }
  }
}

/** What `mail show` renders of a message now: its headers, text, HTML and attachments, or why it cannot be. */
async function renderForShow(ctx: Context, message: Parameters<typeof import('../core/mail/compose.js').composeMessage>[1]) {
  const { composeContext, composeMessage } = await import('../core/mail/compose.js');
  const { loadTemplates } = await import('../core/mail/templates.js');
  const { getSetting } = await import('../core/kernel/settings.js');
  const { inlineRenderer } = await import('../writers/mail/pdf-renderer.js');
  const { UserError } = await import('../errors.js');
  const db = (await ctx.db()).kysely;
  const folder = await getSetting(db, 'mail-templates');
  try {
    const context = await composeContext(db, loadTemplates(folder === '' ? null : folder), inlineRenderer(), { requireFrom: false });
    const composed = await composeMessage(db, message, context);
    return {
      headers: {
        From: composed.from,
        ...(composed.replyTo ? { 'Reply-To': composed.replyTo } : {}),
        To: composed.to.join(', '),
        ...(composed.cc.length > 0 ? { Cc: composed.cc.join(', ') } : {}),
        ...(composed.bcc.length > 0 ? { Bcc: composed.bcc.join(', ') } : {}),
        Subject: composed.subject,
        'Message-ID': composed.messageId,
        ...composed.headers,
      } as Record<string, string>,
      text: composed.text,
      html: composed.html,
      attachments: composed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, bytes: a.content.length })),
      renderError: null as string | null,
    };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return { headers: null, text: null, html: null, attachments: null, renderError: error.message };
  }
}

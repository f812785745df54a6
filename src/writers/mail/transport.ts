/**
 * Where e-mails go: an SMTP server through nodemailer (`smtp://` upgraded with STARTTLS, `smtps://` TLS from the
 * start, `user:password@` in the URL), or a folder of `.eml` files. Behind one narrow interface, so that the sender
 * knows only what came of each message: accepted (with the server's reply), refused for now (4xx, a dropped
 * connection), refused for good (5xx). The password is never part of any text this module returns.
 */
import path from 'node:path';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { ComposedMail } from '../../core/mail/compose.js';
import { dbSecrets, hideSecrets, maskDbUrl } from '../../db/url-mask.js';
import { configError, tempError, usageError } from '../../errors.js';
import { writeOutput } from '../../safe-file.js';

export type Delivery =
  | { ok: true; reply: string; file?: string }
  /** `connection`: the connection failed or dropped, rather than the server replying */
  | { ok: false; temporary: boolean; reply: string; connection?: boolean };

export interface MailTransport {
  /** the target as it may be printed: the URL with its password masked, or the folder */
  readonly label: string;
  /** Connects (and authenticates) once before anything is claimed: 75 when the server cannot be reached, 78 when it refuses the login. */
  verify(): Promise<void>;
  send(mail: ComposedMail, name: string): Promise<Delivery>;
  close(): void;
}

/** The raw message (RFC 5322), as it is sent and as `.eml` files hold it. */
export function buildRaw(mail: ComposedMail): Promise<Buffer> {
  return new MailComposer(mail).compile().build();
}

const loopback = (host: string) => host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);

/** The nodemailer options of an `smtp://` or `smtps://` URL; a malformed one is refused (78) with the password masked. */
export function smtpOptions(url: string) {
  const shown = maskDbUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw configError(`--smtp: "${shown}" is not a URL`, 'expected smtp://user:password@host:587 or smtps://user:password@host:465');
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'smtp' && scheme !== 'smtps') throw configError(`--smtp: "${shown}" is not an smtp:// or smtps:// URL`);
  if (!parsed.hostname) throw configError(`--smtp: "${shown}" has no host`);
  const secure = scheme === 'smtps';
  const host = parsed.hostname;
  const user = decodeURIComponent(parsed.username);
  const pass = decodeURIComponent(parsed.password);
  return {
    host: host.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    // a relay on this machine may speak plain SMTP; any other server must offer STARTTLS
    requireTLS: !secure && !loopback(host),
    ...(user !== '' ? { auth: { user, pass } } : {}),
    pool: true,
    maxConnections: 1,
    maxMessages: Number.POSITIVE_INFINITY,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    label: shown,
  };
}

const connectionCodes = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETLS', 'EPROTOCOL']);

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

export function smtpTransport(url: string): MailTransport {
  const { label, ...options } = smtpOptions(url);
  const secrets = dbSecrets(url);
  const hide = (text: string) => hideSecrets(text, secrets);
  const transporter = nodemailer.createTransport(options);
  const describe = (error: SmtpError) => hide((error.response ?? error.message ?? String(error)).trim());
  return {
    label,
    async verify() {
      try {
        await transporter.verify();
      } catch (error) {
        const e = error as SmtpError;
        if (e.code === 'EAUTH') throw configError(`the SMTP server ${label} refused the login: ${describe(e)}`, 'check the user and password in --smtp or MEMBERCTL_SMTP');
        if (e.responseCode !== undefined && e.responseCode >= 500) throw configError(`the SMTP server ${label} refused the connection: ${describe(e)}`);
        throw tempError(`cannot reach the SMTP server ${label}: ${describe(e)}`, 'every message stays queued; run `memberctl mail send` again later');
      }
    },
    async send(mail) {
      try {
        const info = await transporter.sendMail(mail);
        return { ok: true, reply: hide(String(info.response ?? '').trim()) };
      } catch (error) {
        const e = error as SmtpError;
        if (e.responseCode !== undefined) return { ok: false, temporary: e.responseCode < 500, reply: describe(e) };
        if (e.code !== undefined && connectionCodes.has(e.code)) return { ok: false, temporary: true, reply: describe(e), connection: true };
        // anything else (a message nodemailer could not build) fails that message for good
        return { ok: false, temporary: false, reply: describe(e) };
      }
    },
    close() {
      transporter.close();
    },
  };
}

/** `.eml` files in `dir`, one per message, each whole or absent. */
export function folderTransport(dir: string): MailTransport {
  return {
    label: dir,
    async verify() {},
    async send(mail, name) {
      const file = path.join(path.resolve(dir), `${name}.eml`);
      const raw = await buildRaw(mail);
      await writeOutput(file, '--outbox-dir', (out) => out.write(raw));
      return { ok: true, reply: `written to ${file}`, file };
    },
    close() {},
  };
}

/** The SMTP URL of a run: --smtp, else MEMBERCTL_SMTP; refused (64) when neither is given. */
export function smtpUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const url = flag ?? env.MEMBERCTL_SMTP;
  if (url === undefined || url.trim() === '') {
    throw usageError('no SMTP server: give --smtp smtp://user:password@host:587 (or set MEMBERCTL_SMTP), or --outbox-dir DIR to write .eml files');
  }
  return url.trim();
}

import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Received {
  from: string;
  /** the envelope's recipients (To, Cc and Bcc alike) */
  rcpt: string[];
  raw: Buffer;
  /** the Message-ID header, as read from the raw message */
  messageId: string | null;
  /** the whole message parsed (unless the sink was made with `parse: false`) */
  parsed: ParsedMail;
}

/**
 * What the server answers to a message's data: null accepts it (250), else an SMTP reply code and text, or `drop`:
 * the server goes away at that moment (its connections cut, no longer listening).
 */
export type Answer = (index: number) => { code: number; text: string } | 'drop' | null;

/** A real SMTP server on 127.0.0.1, in this process: it keeps every message it accepts. */
export class SmtpSink {
  readonly received: Received[] = [];
  /** the errors of connections (e.g. ECONNRESET when a sender is killed) */
  readonly connectionErrors: Error[] = [];
  private server: SMTPServer;
  private answered = 0;
  port = 0;

  constructor(
    private answer: Answer = () => null,
    /** `onConnect`: called as each client connects, before the greeting (a test that kills the sender then) */
    private readonly options: { parse?: boolean; onConnect?: () => void } = {},
  ) {
    this.server = new SMTPServer({
      authOptional: true,
      onConnect: (_session, callback) => {
        this.options.onConnect?.();
        callback();
      },
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 20 * 1024 * 1024,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        // a client that goes away in the middle of a message: the message is not received
        stream.on('error', () => {});
        stream.on('end', () => {
          const reply = this.answer(this.answered++);
          if (reply === 'drop') {
            this.drop();
            return;
          }
          if (reply !== null) {
            const error = Object.assign(new Error(reply.text), { responseCode: reply.code });
            callback(error);
            return;
          }
          const raw = Buffer.concat(chunks);
          const header = raw.subarray(0, Math.max(0, raw.indexOf('\r\n\r\n'))).toString('latin1');
          const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(header)?.[1] ?? null;
          const rcpt = session.envelope.rcptTo.map((r) => r.address);
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          if (this.options.parse === false) {
            this.received.push({ from, rcpt, raw, messageId, parsed: undefined as unknown as ParsedMail });
            callback(null, 'Message queued as test');
            return;
          }
          simpleParser(raw).then(
            (parsed) => {
              this.received.push({ from, rcpt, raw, messageId, parsed });
              callback(null, 'Message queued as test');
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
  }

  setAnswer(answer: Answer): void {
    this.answer = answer;
    this.answered = 0;
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = ((this.server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
    // a connection reset by a sender that was killed is expected here, not a failure of the run
    this.server.on('error', (error: Error) => this.connectionErrors.push(error));
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Stops listening and cuts every connection, as a server that crashes. */
  drop(): void {
    const server = this.server as unknown as { server: { close(): void }; connections: Set<{ _socket: { destroy(): void } }> };
    server.server.close();
    for (const connection of server.connections) connection._socket.destroy();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Message-IDs received, with how many times each. */
export function countByMessageId(received: readonly Received[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of received) {
    const id = r.messageId ?? '';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** `org set` with the identity the mail tests send as: every field an invoice e-mail needs. */
export const mailOrgIdentity = [
  'org', 'set', '--name', 'Coworking Lumière', '--address', '12 rue de la République', '--postcode', '69001', '--city', 'Lyon',
  '--siren', '732829320', '--vat-id', 'FR44732829320', '--email', 'contact@lumiere.example', '--iban', 'FR7630006000011234567890189', '--bic', 'AGRIFRPP',
];

/**
 * A starter of SMTP sinks for a test file, each closed after its test: call it at the top level of the file
 * (it registers the `afterEach`), then `await sink()` in a test.
 */
export function sinksClosedAfterEach(afterEach: (fn: () => Promise<void>) => void): (...args: ConstructorParameters<typeof SmtpSink>) => Promise<SmtpSink> {
  const started: SmtpSink[] = [];
  afterEach(async () => {
    for (const s of started.splice(0)) await s.close();
  });
  return async (...args) => {
    const s = await new SmtpSink(...args).start();
    started.push(s);
    return s;
  };
}

import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Received {
  from: string;
  /** the envelope's recipients (To, Cc and Bcc alike) */
  rcpt: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

/** What the server answers to a message's data: null accepts it (250), else an SMTP reply code and text. */
export type Answer = (index: number) => { code: number; text: string } | null;

/** A real SMTP server on 127.0.0.1, in this process: it keeps every message it accepts. */
export class SmtpSink {
  readonly received: Received[] = [];
  private server: SMTPServer;
  private answered = 0;
  port = 0;

  constructor(private answer: Answer = () => null) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 20 * 1024 * 1024,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const reply = this.answer(this.answered++);
          if (reply !== null) {
            const error = Object.assign(new Error(reply.text), { responseCode: reply.code });
            callback(error);
            return;
          }
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then(
            (parsed) => {
              this.received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', rcpt: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
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
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Message-IDs received, with how many times each. */
export function countByMessageId(received: readonly Received[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of received) {
    const id = r.parsed.messageId ?? '';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

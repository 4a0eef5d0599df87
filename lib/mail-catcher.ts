import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server that keeps what it receives: the embedded mode's inbox (shown by the web
 * page, so someone trying the product can click the links in the mails) and the tests' SMTP
 * server. Messages are appended to a JSON-lines file when `storeFile` is given, so a restart
 * of `npm start` still shows earlier mail.
 */
export interface CaughtMail {
  id: number;
  receivedAt: string;
  from: string;
  to: string[];
  cc: string[];
  /** Envelope recipients (includes cc). */
  rcpt: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  attachments: { filename: string; contentType: string; content: string }[];
  messageId?: string;
}

export interface MailCatcherOptions {
  port: number;
  host?: string;
  storeFile?: string;
}

export class MailCatcher {
  private server?: SMTPServer;
  private mails: CaughtMail[] = [];
  private nextId = 1;
  private listeners = new Set<(m: CaughtMail) => void>();
  port: number;

  constructor(private readonly opts: MailCatcherOptions) {
    this.port = opts.port;
    if (opts.storeFile && fs.existsSync(opts.storeFile)) {
      for (const line of fs.readFileSync(opts.storeFile, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const mail = JSON.parse(line) as CaughtMail;
          this.mails.push(mail);
          this.nextId = Math.max(this.nextId, mail.id + 1);
        } catch {
          /* a torn last line from a crash is skipped, not fatal */
        }
      }
    }
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 30 * 1024 * 1024,
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            this.record(
              parsed,
              session.envelope.rcptTo.map((r) => r.address),
            );
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.opts.host ?? '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    // Port 0 picks a free port; keep the same one across stop/start so senders find it again.
    const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
    this.port = address.port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  list(): CaughtMail[] {
    return [...this.mails];
  }

  get(id: number): CaughtMail | undefined {
    return this.mails.find((m) => m.id === id);
  }

  clear(): void {
    this.mails = [];
    if (this.opts.storeFile && fs.existsSync(this.opts.storeFile)) fs.truncateSync(this.opts.storeFile, 0);
  }

  onMail(listener: (m: CaughtMail) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first mail (already received or arriving) that matches. */
  waitFor(predicate: (m: CaughtMail) => boolean, timeoutMs = 30000): Promise<CaughtMail> {
    const existing = this.mails.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no matching mail within ${timeoutMs} ms (have ${this.mails.length})`));
      }, timeoutMs);
      const off = this.onMail((m) => {
        if (predicate(m)) {
          clearTimeout(timer);
          off();
          resolve(m);
        }
      });
    });
  }

  private record(parsed: Awaited<ReturnType<typeof simpleParser>>, rcpt: string[]): void {
    const addresses = (v: unknown): string[] => {
      if (!v) return [];
      const list = Array.isArray(v) ? v : [v];
      return list
        .flatMap((a: { value?: { address?: string }[] }) => (a.value ?? []).map((x) => x.address ?? ''))
        .filter(Boolean);
    };
    const headers: Record<string, string> = {};
    for (const [key, value] of parsed.headers) {
      headers[key.toLowerCase()] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    const mail: CaughtMail = {
      id: this.nextId++,
      receivedAt: new Date().toISOString(),
      from: addresses(parsed.from)[0] ?? '',
      to: addresses(parsed.to),
      cc: addresses(parsed.cc),
      rcpt,
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      headers,
      attachments: parsed.attachments.map((a) => ({
        filename: a.filename ?? '',
        contentType: a.contentType,
        content: a.content.toString('utf8'),
      })),
      messageId: parsed.messageId,
    };
    this.mails.push(mail);
    if (this.opts.storeFile) {
      fs.mkdirSync(path.dirname(this.opts.storeFile), { recursive: true });
      fs.appendFileSync(this.opts.storeFile, `${JSON.stringify(mail)}\n`);
    }
    for (const l of this.listeners) l(mail);
  }
}

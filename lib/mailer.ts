import fs from 'node:fs';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { parseSmtpUrl } from './smtp-options';

/** What the notification activity needs from a mail transport (a nodemailer Transporter fits). */
export interface Mailer {
  sendMail(message: SendMailOptions): Promise<{ messageId: string }>;
  close(): void;
}

export interface MailerOptions {
  /** PEM file of the CA that signed the relay's certificate (a private CA); else the system CAs. */
  caPath?: string;
}

/**
 * An SMTP transport from a URL (smtp:// or smtps://, options in its query string: see
 * lib/smtp-options.ts). Short timeouts: an unreachable server must fail the activity quickly so
 * Temporal's retry with backoff takes over, not hang it.
 */
export function createMailer(smtpUrl: string, from: string, opts: MailerOptions = {}): Mailer {
  const s = parseSmtpUrl(smtpUrl);
  const options: SMTPTransport.Options = {
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: s.requireTLS,
    auth: s.auth,
    tls: opts.caPath ? { ca: fs.readFileSync(opts.caPath) } : undefined,
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 15000,
  };
  if (s.pool)
    return nodemailer.createTransport({ ...options, pool: true, maxConnections: s.maxConnections ?? 5 }, { from });
  return nodemailer.createTransport(options, { from });
}

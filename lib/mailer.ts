import nodemailer, { type SendMailOptions } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';

/** What the notification activity needs from a mail transport (a nodemailer Transporter fits). */
export interface Mailer {
  sendMail(message: SendMailOptions): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * An SMTP transport from a URL (smtp:// or smtps://). Short timeouts: an unreachable server must
 * fail the activity quickly so Temporal's retry with backoff takes over, not hang it.
 */
export function createMailer(smtpUrl: string, from: string): Mailer {
  const url = new URL(smtpUrl);
  const options: SMTPTransport.Options = {
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 15000,
  };
  return nodemailer.createTransport(options, { from });
}

import { z } from 'zod';

/**
 * The transport settings an SMTP_URL may carry in its query string, in nodemailer's own URL
 * vocabulary. A key outside this list is refused rather than ignored: a misspelt `requireTLS`
 * silently dropped is exactly how credentials end up crossing the network in plain text.
 */
const flag = z
  .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1');

export const smtpQuerySchema = z.strictObject(
  {
    /** STARTTLS or nothing: the connection is refused when the relay does not offer it. */
    requireTLS: flag.optional(),
    /** Implicit TLS from the first byte (smtps:// sets it; port 465 relays). */
    secure: flag.optional(),
    /** Keep connections open and reuse them for the next messages. */
    pool: flag.optional(),
    /** Connections a pooled transport keeps at most (implies pool=true). */
    maxConnections: z.coerce.number({ error: 'expected a whole number' }).int().min(1).max(50).optional(),
  },
  {
    error: (i) =>
      i.code === 'unrecognized_keys'
        ? `unknown option ${i.keys.join(', ')} (known: requireTLS, secure, pool, maxConnections)`
        : undefined,
  },
);

export type SmtpQuery = z.infer<typeof smtpQuerySchema>;

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  requireTLS: boolean;
  auth?: { user: string; pass: string };
  pool: boolean;
  maxConnections?: number;
}

/** Problems with the URL's options, each phrased without the URL itself (it may hold a password). */
export function smtpUrlProblems(smtpUrl: string): string[] {
  const url = new URL(smtpUrl);
  const result = smtpQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  if (result.success) {
    if (url.protocol === 'smtps:' && result.data.secure === false)
      return ['smtps:// is implicit TLS; drop secure=false or use smtp://'];
    return [];
  }
  return result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
}

export function parseSmtpUrl(smtpUrl: string): SmtpSettings {
  const url = new URL(smtpUrl);
  const query = smtpQuerySchema.parse(Object.fromEntries(url.searchParams));
  const secure = query.secure ?? url.protocol === 'smtps:';
  return {
    host: url.hostname,
    port: Number(url.port || (secure ? 465 : 587)),
    secure,
    requireTLS: query.requireTLS ?? false,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    pool: query.pool ?? query.maxConnections !== undefined,
    maxConnections: query.maxConnections,
  };
}

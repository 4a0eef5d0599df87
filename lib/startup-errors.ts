import { ConfigError } from './config';

/** The host:port of a connection URL, never its credentials. */
export function whereOf(url: string | undefined): string {
  if (!url) return '(not set)';
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

const SECRET_ECHO = /\s*\(got "[^"]*"\)/g;

/**
 * One line an operator can act on, for the usual ways a start fails: bad configuration, a
 * database that is unreachable, missing or refuses the credentials, a schema never migrated.
 */
export function describeStartupError(err: unknown, databaseUrl?: string): string {
  if (err instanceof ConfigError)
    return `invalid configuration: ${err.problems.map((p) => p.replace(SECRET_ECHO, '')).join('; ')}`;
  // Drizzle wraps the driver's error ("Failed query: ...") and keeps it as the cause.
  const wrapped = err as { cause?: unknown };
  const e = (wrapped?.cause && typeof wrapped.cause === 'object' ? wrapped.cause : err) as {
    code?: string;
    message?: string;
    errors?: { code?: string }[];
  };
  const code = e?.code ?? e?.errors?.[0]?.code;
  const where = whereOf(databaseUrl);
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot reach the database at ${where} (DATABASE_URL): connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach the database at ${where} (DATABASE_URL): unknown host`;
    case 'ETIMEDOUT':
      return `cannot reach the database at ${where} (DATABASE_URL): timed out`;
    case '3D000':
      return `the database at ${where} (DATABASE_URL) does not exist: create it first (createdb)`;
    case '28P01':
    case '28000':
      return `the database at ${where} (DATABASE_URL) refused the user name or password`;
    case '42P01':
      return `the database at ${where} has no schema yet: run \`npm run migrate\` first`;
    default:
      break;
  }
  const message = e?.message ?? String(err);
  if (/timeout exceeded when trying to connect|Connection terminated/i.test(message))
    return `cannot reach the database at ${where} (DATABASE_URL): ${message}`;
  return message.split('\n')[0];
}

export function isConfigError(err: unknown): boolean {
  return err instanceof ConfigError;
}

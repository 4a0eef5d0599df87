/**
 * Which database errors a retry can cure. A projection or an outbox write that fails with a
 * transient error (the connection lost, a serialization failure, a deadlock, the server starting
 * or shutting down, out of connections) is retried as before; one that fails with a data
 * exception (SQLSTATE class 22: a NUL, a value too long, a bad date) or an integrity violation
 * (class 23: a check, a foreign key, not null) fails the same way every time, so it is
 * permanent and must not be retried for ever.
 */
export type DbErrorKind = 'transient' | 'permanent' | 'unknown';

export interface ClassifiedDbError {
  kind: DbErrorKind;
  /** The SQLSTATE, when Postgres gave one. */
  code: string | null;
  /** A short label for metrics: `22021`, `connection`, `unknown`. */
  reason: string;
  message: string;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
const TRANSIENT_STATES = /^(08|53|57P0[1-3]|40001|40P01|55P03|58)/;
const PERMANENT_STATES = /^(22|23)/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
const NETWORK_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is insecure|the database system is (starting|shutting) up/;

/** Walks the cause chain (drizzle wraps the driver's error) for a SQLSTATE or a network failure. */
export function classifyDbError(err: unknown): ClassifiedDbError {
  const top = err as { message?: unknown } | undefined;
  const message = typeof top?.message === 'string' ? top.message : String(err);
  for (
    let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 6;
    e = e.cause as typeof e, depth++
  ) {
    const code = e.code;
    const detail = typeof e.message === 'string' ? e.message : message;
    if (typeof code === 'string' && SQLSTATE.test(code)) {
      if (PERMANENT_STATES.test(code)) return { kind: 'permanent', code, reason: code, message: detail };
      if (TRANSIENT_STATES.test(code)) return { kind: 'transient', code, reason: code, message: detail };
      return { kind: 'unknown', code, reason: code, message: detail };
    }
    if (typeof code === 'string' && NETWORK_CODES.has(code))
      return { kind: 'transient', code: null, reason: 'connection', message: detail };
    if (typeof e.message === 'string' && NETWORK_MESSAGES.test(e.message))
      return { kind: 'transient', code: null, reason: 'connection', message: detail };
  }
  return { kind: 'unknown', code: null, reason: 'unknown', message };
}

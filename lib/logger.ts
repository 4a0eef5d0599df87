import pino from 'pino';
import type { Config } from './config';

export type Logger = pino.Logger;

/**
 * Credentials never reach the log: a log pipeline is read by more people than may sign in.
 * Request and response headers that carry them, and any field named like a token, wherever
 * pino-http or a caller puts it (wildcards cover one level each, so two levels are listed).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'token',
  '*.token',
  '*.*.token',
  'adminToken',
  '*.adminToken',
  'password',
  '*.password',
  '_csrf',
  '*._csrf',
  '*.*._csrf',
  'csrf',
  '*.csrf',
];

export function createLogger(config: Pick<Config, 'logLevel'>, name?: string): Logger {
  return pino({
    level: config.logLevel,
    name,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  });
}

/**
 * A sign-in link's path with its one-time token replaced, so a logged URL cannot sign anyone in;
 * single sign-on's callback keeps its path and loses its query (the provider's code and state).
 */
export function redactUrl(url: string): string {
  if (/^\/signin\/sso(\/callback)?([?#]|$)/.test(url)) return url.replace(/[?#].*$/, '?[redacted]');
  return url.replace(/^(\/signin\/)[^/?#]+/, '$1[redacted]');
}

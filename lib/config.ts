import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { showableValue } from './secrets';
import { smtpUrlProblems } from './smtp-options';
import { isTimeZone } from './board-time';
import { unstorableReason } from '../workflows/storable-text';
import { OIDC_ENV, oidcSettings, type OidcConfig } from './oidc-config';

/**
 * The one place that reads process.env (docs/ARCHITECTURE.md, House rules). Everything else receives a Config.
 *
 * Two modes:
 * - `embedded` (`npm start`): anything unset gets a local stand-in (PGlite, a Temporal dev
 *   server, an SMTP catcher), so the product runs on a fresh machine with nothing configured.
 * - `service` (`npm run api`, `npm run worker`, `npm run migrate`): a real deployment, where a
 *   silent stand-in would be a surprise, so the external parts must be named.
 */
export type Mode = 'embedded' | 'service';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = (protocols: string[], hint: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      }, `expected a URL starting with ${hint}`)
      .optional(),
  );
const optionalEmail = z.preprocess(emptyToUndefined, z.email('expected an e-mail address').optional());
const optionalPath = z.preprocess(emptyToUndefined, z.string().min(1).optional());
const bool = z.preprocess(
  emptyToUndefined,
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
    .optional()
    .transform((v) => v === 'true' || v === '1' || v === 'yes'),
);

export const envSchema = z.object({
  NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'production', 'test']).default('development')),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:'], 'postgres:// or postgresql://'),
  /** Verify the database server's certificate with this CA file (in addition to sslmode in the URL). */
  DATABASE_CA_PATH: optionalPath,
  DATABASE_POOL_SIZE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(200).default(10)),
  /** The worker's sticky cache (workflows kept in memory between tasks); unset = the SDK's default, derived from the heap limit. */
  WORKER_MAX_CACHED_WORKFLOWS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(100_000).optional()),
  TEMPORAL_ADDRESS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'expected host:port, for example localhost:7233')
      .optional(),
  ),
  TEMPORAL_NAMESPACE: z.preprocess(emptyToUndefined, z.string().min(1).default('default')),
  TEMPORAL_TASK_QUEUE: z.preprocess(emptyToUndefined, z.string().min(1).default('action-plan')),
  /** mTLS to a Temporal cluster or Temporal Cloud: both paths, or neither. */
  TEMPORAL_TLS_CERT_PATH: optionalPath,
  TEMPORAL_TLS_KEY_PATH: optionalPath,
  TEMPORAL_TLS_CA_PATH: optionalPath,
  /** Temporal Cloud API-key authentication (implies TLS). */
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_TLS: bool,
  /** TLS server name to verify when it differs from the host in TEMPORAL_ADDRESS (implies TLS). */
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  TEMPORAL_CLI_PATH: optionalPath,
  /** A pre-built workflow bundle for the worker (npm run build:workflows <file>); every worker of a deployment runs the same one. */
  WORKFLOW_BUNDLE_PATH: optionalPath,
  SMTP_URL: optionalUrl(['smtp:', 'smtps:'], 'smtp:// or smtps://'),
  /** CA certificate (PEM) the relay's certificate is checked against, for a private CA. */
  SMTP_CA_PATH: optionalPath,
  MAIL_FROM: z.preprocess(
    emptyToUndefined,
    z.string().min(3).default('Safeguarding Board <actions@safeguarding-board.local>'),
  ),
  /** The board's name as printed at the top of every page of a Word or PDF pack. */
  BOARD_NAME: z.preprocess(emptyToUndefined, z.string().min(1).max(200).optional()),
  PORT: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).default(3000),
  ),
  /** When set, the API serves /metrics on this port without a token (and on PORT only to an admin). */
  METRICS_PORT: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).optional(),
  ),
  /** When set, the worker serves the Temporal SDK's Prometheus metrics on this port. */
  WORKER_METRICS_PORT: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).optional(),
  ),
  PUBLIC_URL: optionalUrl(['http:', 'https:'], 'http:// or https://'),
  /** Interface to listen on: embedded mode defaults to loopback only (its mail inbox holds sign-in links). */
  HOST: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9.:-]{1,255}$/, 'expected an address such as 127.0.0.1 or 0.0.0.0')
      .optional(),
  ),
  /** Which proxies' X-Forwarded-For to believe: a hop count, or addresses/CIDRs/loopback,uniquelocal. */
  TRUST_PROXY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(
        (v) =>
          /^(\d{1,2}|false)$/.test(v) ||
          v.split(',').every((p) => {
            const [ip, bits, ...rest] = p.trim().split('/');
            return (
              ['loopback', 'linklocal', 'uniquelocal'].includes(ip) ||
              (net.isIP(ip) !== 0 && rest.length === 0 && (bits === undefined || /^\d{1,3}$/.test(bits)))
            );
          }),
        'expected a hop count (1), false, or addresses, CIDRs, loopback, linklocal or uniquelocal separated by commas',
      )
      .optional(),
  ),
  /** Signs the audit chain (HMAC-SHA256); at least 32 bytes. */
  AUDIT_KEY: z.preprocess(emptyToUndefined, z.string().min(32, 'expected at least 32 characters').optional()),
  /** Accept policy durations below PT1M (tests and demonstrations run the lifecycle in seconds). */
  ALLOW_SHORT_POLICIES: bool,
  ADMIN_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'expected at least 16 characters').optional()),
  /** Lifetime of an API token from when it is issued or rotated. */
  API_TOKEN_TTL_DAYS: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'expected a number of days' }).int().min(1).max(3650).default(90),
  ),
  BOARD_CHAIR_EMAIL: optionalEmail,
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().min(1).default('.data')),
  /** The board's IANA time zone: due dates, working days, the delivery window and every date shown. */
  BOARD_TIME_ZONE: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(isTimeZone, 'expected an IANA time zone name Node knows, for example Europe/London')
      .default('Europe/London'),
  ),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  /** Ports of the embedded stand-ins (embedded mode only). */
  TEMPORAL_DEV_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(7233)),
  TEMPORAL_UI_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(8233)),
  SMTP_CATCHER_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(2525)),
  /** How long a request waits for a workflow Update before answering 503 (the change goes on; retry with the same Idempotency-Key). */
  UPDATE_TIMEOUT_SECONDS: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'expected a number of seconds' }).min(1).max(300).default(20),
  ),
  // Single sign-on with OpenID Connect (lib/oidc-config.ts): all optional, checked together.
  ...OIDC_ENV,
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  mode: Mode;
  env: Env['NODE_ENV'];
  databaseUrl?: string;
  databaseCaPath?: string;
  databasePoolSize: number;
  workerMaxCachedWorkflows?: number;
  workflowBundlePath?: string;
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    tls?: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
    apiKey?: string;
    cliPath?: string;
    devPort: number;
    uiPort: number;
  };
  smtpUrl?: string;
  smtpCaPath?: string;
  smtpCatcherPort: number;
  mailFrom: string;
  boardName: string;
  port: number;
  metricsPort?: number;
  workerMetricsPort?: number;
  /** Undefined: every interface (a service behind its own network rules). */
  host?: string;
  /** Express's `trust proxy` setting: hop count, false, or a list of addresses. */
  trustProxy: number | boolean | string[];
  /** HMAC key of the audit chain; embedded mode fills it from DATA_DIR when unset. */
  auditKey?: string;
  allowShortPolicies: boolean;
  publicUrl: string;
  adminToken?: string;
  apiTokenTtlDays: number;
  boardChairEmail: string;
  dataDir: string;
  boardTimeZone: string;
  logLevel: Env['LOG_LEVEL'];
  /** UPDATE_TIMEOUT_SECONDS in ms. */
  updateTimeoutMs: number;
  /** Single sign-on next to the e-mailed link; undefined when OIDC_ISSUER is not set. */
  oidc?: OidcConfig;
}

/** The sslmode values node-postgres understands (see docs/OPERATIONS.md for what each means there). */
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

function isReadableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(mode: Mode, source: Record<string, string | undefined> = process.env): Config {
  // The same rule for text as every other edge (workflows/storable-text.ts); the value is not echoed.
  const unstorable = Object.keys(envSchema.shape).flatMap((name) => {
    const reason = typeof source[name] === 'string' ? unstorableReason(source[name]) : null;
    return reason ? [`${name}: the value ${reason}`] : [];
  });
  if (unstorable.length) throw new ConfigError(unstorable);
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? '(environment)');
        const raw = source[name];
        const shown = raw === undefined ? undefined : showableValue(name, raw);
        return `${name}: ${i.message}${shown !== undefined ? ` (got "${shown}")` : ''}`;
      }),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  if ((e.TEMPORAL_TLS_CERT_PATH === undefined) !== (e.TEMPORAL_TLS_KEY_PATH === undefined)) {
    problems.push('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH: set both for mTLS, or neither');
  }
  for (const name of [
    'DATABASE_CA_PATH',
    'TEMPORAL_TLS_CERT_PATH',
    'TEMPORAL_TLS_KEY_PATH',
    'TEMPORAL_TLS_CA_PATH',
    'SMTP_CA_PATH',
    'WORKFLOW_BUNDLE_PATH',
  ] as const) {
    const file = e[name];
    if (file !== undefined && !isReadableFile(file)) problems.push(`${name}: no readable file at "${file}"`);
  }
  const sslmode = e.DATABASE_URL ? new URL(e.DATABASE_URL).searchParams.get('sslmode') : null;
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    problems.push(`DATABASE_URL: sslmode must be one of ${SSL_MODES.join(', ')} (got "${sslmode}")`);
  }
  if (e.SMTP_URL) for (const p of smtpUrlProblems(e.SMTP_URL)) problems.push(`SMTP_URL: ${p}`);
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT)
    problems.push('METRICS_PORT: must differ from PORT');
  if (e.DATABASE_CA_PATH && sslmode === 'disable')
    problems.push('DATABASE_CA_PATH: set, but DATABASE_URL has sslmode=disable');
  if (mode === 'service') {
    if (!e.DATABASE_URL)
      problems.push(
        'DATABASE_URL: required for a separate API or worker process (the embedded PGlite cannot be shared between processes)',
      );
    if (!e.TEMPORAL_ADDRESS)
      problems.push(
        'TEMPORAL_ADDRESS: required for a separate API or worker process (host:port of the Temporal frontend)',
      );
    if (!e.SMTP_URL)
      problems.push('SMTP_URL: required for a separate API or worker process (smtp://user:pass@host:port)');
    if (!e.BOARD_CHAIR_EMAIL)
      problems.push(
        "BOARD_CHAIR_EMAIL: required when not embedded (escalation level 3 goes to the board's independent chair)",
      );
    if (!e.AUDIT_KEY && e.NODE_ENV === 'production') {
      problems.push(
        'AUDIT_KEY: required in production (at least 32 random characters; it signs the audit chain, keep it out of the database)',
      );
    }
    if (!e.PUBLIC_URL && e.NODE_ENV === 'production') {
      problems.push(
        'PUBLIC_URL: required in production (the links in every e-mail point there, for example https://actions.example.org)',
      );
    }
  }
  const oidc = oidcSettings(e, problems);
  if (problems.length) throw new ConfigError(problems);

  const port = e.PORT;
  const tlsWanted =
    e.TEMPORAL_TLS ||
    e.TEMPORAL_TLS_CERT_PATH ||
    e.TEMPORAL_TLS_CA_PATH ||
    e.TEMPORAL_API_KEY ||
    e.TEMPORAL_TLS_SERVER_NAME;
  return {
    mode,
    env: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    databaseCaPath: e.DATABASE_CA_PATH,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    workerMaxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls: tlsWanted
        ? {
            certPath: e.TEMPORAL_TLS_CERT_PATH,
            keyPath: e.TEMPORAL_TLS_KEY_PATH,
            caPath: e.TEMPORAL_TLS_CA_PATH,
            serverName: e.TEMPORAL_TLS_SERVER_NAME,
          }
        : undefined,
      apiKey: e.TEMPORAL_API_KEY,
      cliPath: e.TEMPORAL_CLI_PATH,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
    },
    smtpUrl: e.SMTP_URL,
    smtpCaPath: e.SMTP_CA_PATH,
    smtpCatcherPort: e.SMTP_CATCHER_PORT,
    mailFrom: e.MAIL_FROM,
    // Unset: the display name of MAIL_FROM, which is how the board already signs its mail.
    boardName: e.BOARD_NAME ?? /^\s*"?([^"<]+?)"?\s*</.exec(e.MAIL_FROM)?.[1] ?? 'Safeguarding Board',
    port,
    metricsPort: e.METRICS_PORT,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    host: e.HOST ?? (mode === 'embedded' ? '127.0.0.1' : undefined),
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    auditKey: e.AUDIT_KEY,
    allowShortPolicies: e.ALLOW_SHORT_POLICIES,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    adminToken: e.ADMIN_TOKEN,
    apiTokenTtlDays: e.API_TOKEN_TTL_DAYS,
    boardChairEmail: e.BOARD_CHAIR_EMAIL ?? 'chair@safeguarding-board.local',
    dataDir: path.resolve(e.DATA_DIR),
    boardTimeZone: e.BOARD_TIME_ZONE,
    logLevel: e.LOG_LEVEL,
    updateTimeoutMs: Math.round(e.UPDATE_TIMEOUT_SECONDS * 1000),
    oidc,
  };
}

/** Unset: only a proxy on this machine (loopback) is believed, as before the setting existed. */
function parseTrustProxy(v: string | undefined): Config['trustProxy'] {
  if (v === undefined) return ['loopback'];
  if (/^\d+$/.test(v)) return Number(v);
  if (v === 'false') return false;
  return v.split(',').map((p) => p.trim());
}

/** Whether an address to listen on keeps the server on this machine. */
export const isLoopbackHost = (host: string | undefined): boolean =>
  host !== undefined && (host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host));

/** For entry points: parse, or print each bad variable and exit non-zero. */
export function loadConfigOrExit(mode: Mode): Config {
  try {
    return loadConfig(mode);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

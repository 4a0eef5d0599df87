import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { unstorableReason } from '../workflows/storable-text';

/**
 * The one place that reads process.env (STYLE.md 11). Everything else receives a Config.
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
  SMTP_URL: optionalUrl(['smtp:', 'smtps:'], 'smtp:// or smtps://'),
  MAIL_FROM: z.preprocess(emptyToUndefined, z.string().min(3).default('Safeguarding Board <actions@safeguarding-board.local>')),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).default(3000)),
  PUBLIC_URL: optionalUrl(['http:', 'https:'], 'http:// or https://'),
  ADMIN_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'expected at least 16 characters').optional()),
  BOARD_CHAIR_EMAIL: optionalEmail,
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().min(1).default('.data')),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  /** Ports of the embedded stand-ins (embedded mode only). */
  TEMPORAL_DEV_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(7233)),
  TEMPORAL_UI_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(8233)),
  SMTP_CATCHER_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(2525)),
  /** How long a request waits for a workflow Update before answering 503 (the change goes on; retry with the same Idempotency-Key). */
  UPDATE_TIMEOUT_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number({ error: 'expected a number of seconds' }).min(1).max(300).default(20)),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  mode: Mode;
  env: Env['NODE_ENV'];
  databaseUrl?: string;
  databaseCaPath?: string;
  databasePoolSize: number;
  workerMaxCachedWorkflows?: number;
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
  smtpCatcherPort: number;
  mailFrom: string;
  port: number;
  publicUrl: string;
  adminToken?: string;
  boardChairEmail: string;
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  /** UPDATE_TIMEOUT_SECONDS in ms. */
  updateTimeoutMs: number;
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
        const value = source[name];
        return `${name}: ${i.message}${value !== undefined ? ` (got "${value}")` : ''}`;
      }),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  if ((e.TEMPORAL_TLS_CERT_PATH === undefined) !== (e.TEMPORAL_TLS_KEY_PATH === undefined)) {
    problems.push('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH: set both for mTLS, or neither');
  }
  for (const name of ['DATABASE_CA_PATH', 'TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_CA_PATH'] as const) {
    const file = e[name];
    if (file !== undefined && !isReadableFile(file)) problems.push(`${name}: no readable file at "${file}"`);
  }
  const sslmode = e.DATABASE_URL ? new URL(e.DATABASE_URL).searchParams.get('sslmode') : null;
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    problems.push(`DATABASE_URL: sslmode must be one of ${SSL_MODES.join(', ')} (got "${sslmode}")`);
  }
  if (e.DATABASE_CA_PATH && sslmode === 'disable') problems.push('DATABASE_CA_PATH: set, but DATABASE_URL has sslmode=disable');
  if (mode === 'service') {
    if (!e.DATABASE_URL) problems.push('DATABASE_URL: required for a separate API or worker process (the embedded PGlite cannot be shared between processes)');
    if (!e.TEMPORAL_ADDRESS) problems.push('TEMPORAL_ADDRESS: required for a separate API or worker process (host:port of the Temporal frontend)');
    if (!e.SMTP_URL) problems.push('SMTP_URL: required for a separate API or worker process (smtp://user:pass@host:port)');
    if (!e.BOARD_CHAIR_EMAIL) problems.push("BOARD_CHAIR_EMAIL: required when not embedded (escalation level 3 goes to the board's independent chair)");
    if (!e.PUBLIC_URL && e.NODE_ENV === 'production') {
      problems.push('PUBLIC_URL: required in production (the links in every e-mail point there, for example https://actions.example.org)');
    }
  }
  if (problems.length) throw new ConfigError(problems);

  const port = e.PORT;
  const tlsWanted =
    e.TEMPORAL_TLS || e.TEMPORAL_TLS_CERT_PATH || e.TEMPORAL_TLS_CA_PATH || e.TEMPORAL_API_KEY || e.TEMPORAL_TLS_SERVER_NAME;
  return {
    mode,
    env: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    databaseCaPath: e.DATABASE_CA_PATH,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    workerMaxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
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
    smtpCatcherPort: e.SMTP_CATCHER_PORT,
    mailFrom: e.MAIL_FROM,
    port,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    adminToken: e.ADMIN_TOKEN,
    boardChairEmail: e.BOARD_CHAIR_EMAIL ?? 'chair@safeguarding-board.local',
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    updateTimeoutMs: Math.round(e.UPDATE_TIMEOUT_SECONDS * 1000),
  };
}

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

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Production configuration: every kind of bad variable stops the process before it does
 * anything, with a message naming the variable, and a non-zero exit (78, EX_CONFIG). Run as
 * real child processes with a clean environment, the way the containers start. What the parsed
 * settings mean is tested in process by test/unit/config.test.ts.
 */
const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-config-'));
const pem = path.join(tmp, 'file.pem');
fs.writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A complete, valid production environment for a separate API or worker process. */
const good: Record<string, string> = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app:secret@db.example.org:5432/actionplan?sslmode=verify-full',
  TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
  TEMPORAL_NAMESPACE: 'ns.acct',
  SMTP_URL: 'smtps://mailer:p%40ss@smtp.example.org:465',
  MAIL_FROM: 'Board <actions@board.example.org>',
  PUBLIC_URL: 'https://actions.board.example.org',
  BOARD_CHAIR_EMAIL: 'chair@board.example.org',
  ADMIN_TOKEN: 'a-long-enough-admin-token',
  AUDIT_KEY: 'an-audit-key-of-at-least-thirty-two-characters',
  LOG_LEVEL: 'info',
};

interface Run {
  code: number | null;
  out: string;
}
function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(args[0], args.slice(1), {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}
const loadIn = (mode: 'service' | 'embedded', env: Record<string, string>) =>
  run([tsx, 'test/deploy/load-config.ts', mode], env);

/** A complete single sign-on setting. */
const OIDC_SET: Record<string, string> = {
  OIDC_ISSUER: 'https://login.example.org/tenant/v2.0',
  OIDC_CLIENT_ID: 'actions-board',
  OIDC_CLIENT_SECRET: 'a-client-secret-value',
  OIDC_AGENCY_DOMAINS: 'bscb.example=BSCB,board.example',
};

/** [what is wrong, variables to change (undefined removes), the variable the message must name, a phrase of it]. */
const bad: [string, Record<string, string | undefined>, string, RegExp][] = [
  ['database URL of another kind', { DATABASE_URL: 'mysql://db/app' }, 'DATABASE_URL', /postgres:\/\//],
  ['unknown sslmode', { DATABASE_URL: 'postgres://db/app?sslmode=always' }, 'DATABASE_URL', /sslmode must be one of/],
  ['database CA file missing', { DATABASE_CA_PATH: '/nonexistent/ca.pem' }, 'DATABASE_CA_PATH', /no readable file/],
  [
    'database CA with sslmode=disable',
    { DATABASE_URL: 'postgres://db/app?sslmode=disable', DATABASE_CA_PATH: pem },
    'DATABASE_CA_PATH',
    /sslmode=disable/,
  ],
  ['pool size 0', { DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE', /./],
  ['Temporal address as a URL', { TEMPORAL_ADDRESS: 'https://temporal:7233' }, 'TEMPORAL_ADDRESS', /host:port/],
  [
    'mTLS certificate without its key',
    { TEMPORAL_TLS_CERT_PATH: pem },
    'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH',
    /both/,
  ],
  [
    'mTLS key file missing',
    { TEMPORAL_TLS_CERT_PATH: pem, TEMPORAL_TLS_KEY_PATH: '/nonexistent/client.key' },
    'TEMPORAL_TLS_KEY_PATH',
    /no readable file/,
  ],
  [
    'Temporal CA file missing',
    { TEMPORAL_TLS_CA_PATH: path.join(tmp, 'absent.pem') },
    'TEMPORAL_TLS_CA_PATH',
    /no readable file/,
  ],
  ['TLS flag not a boolean', { TEMPORAL_TLS: 'sometimes' }, 'TEMPORAL_TLS', /true or false/],
  ['SMTP URL of another kind', { SMTP_URL: 'http://smtp.example.org' }, 'SMTP_URL', /smtp:\/\/ or smtps:\/\//],
  ['port not a number', { PORT: 'eighty' }, 'PORT', /port number/],
  ['public URL not http(s)', { PUBLIC_URL: 'actions.example.org' }, 'PUBLIC_URL', /http:\/\/ or https:\/\//],
  ['admin token too short', { ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN', /16 characters/],
  ['chair address not an e-mail', { BOARD_CHAIR_EMAIL: 'the chair' }, 'BOARD_CHAIR_EMAIL', /e-mail/],
  ['unknown log level', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /./],
  ['worker cache size not a whole number', { WORKER_MAX_CACHED_WORKFLOWS: 'lots' }, 'WORKER_MAX_CACHED_WORKFLOWS', /./],
  ['negative worker cache size', { WORKER_MAX_CACHED_WORKFLOWS: '-5' }, 'WORKER_MAX_CACHED_WORKFLOWS', /./],
  ['unknown NODE_ENV', { NODE_ENV: 'staging' }, 'NODE_ENV', /./],
  ['unknown board time zone', { BOARD_TIME_ZONE: 'Europe/Londres' }, 'BOARD_TIME_ZONE', /IANA time zone/],
  ['board time zone as an abbreviation', { BOARD_TIME_ZONE: 'BST' }, 'BOARD_TIME_ZONE', /IANA time zone/],
  ['service mode without DATABASE_URL', { DATABASE_URL: undefined }, 'DATABASE_URL', /required/],
  ['service mode without TEMPORAL_ADDRESS', { TEMPORAL_ADDRESS: undefined }, 'TEMPORAL_ADDRESS', /required/],
  ['service mode without SMTP_URL', { SMTP_URL: undefined }, 'SMTP_URL', /required/],
  ['service mode without BOARD_CHAIR_EMAIL', { BOARD_CHAIR_EMAIL: undefined }, 'BOARD_CHAIR_EMAIL', /required/],
  ['production without PUBLIC_URL', { PUBLIC_URL: undefined }, 'PUBLIC_URL', /required in production/],
  ['production without AUDIT_KEY', { AUDIT_KEY: undefined }, 'AUDIT_KEY', /required in production/],
  ['an AUDIT_KEY too short to sign with', { AUDIT_KEY: 'short' }, 'AUDIT_KEY', /at least 32/],
  ['TRUST_PROXY that trusts every hop', { TRUST_PROXY: 'true' }, 'TRUST_PROXY', /hop count/],
  // Single sign-on: a partial set is refused, naming the piece that is missing.
  ...(
    [
      ['OIDC_ISSUER', /issuer URL/],
      ['OIDC_CLIENT_ID', /client id/],
      ['OIDC_CLIENT_SECRET', /client secret/],
      ['OIDC_AGENCY_DOMAINS', /domains the provider is trusted for/],
    ] as const
  ).map(([missing, phrase]): [string, Record<string, string | undefined>, string, RegExp] => [
    `single sign-on without ${missing}`,
    { ...OIDC_SET, [missing]: undefined },
    missing,
    phrase,
  ]),
  ['an OIDC issuer over plain http', { ...OIDC_SET, OIDC_ISSUER: 'http://id.example.org' }, 'OIDC_ISSUER', /https/],
  [
    'an OIDC domain map entry that is not domain=CODE',
    { ...OIDC_SET, OIDC_AGENCY_DOMAINS: 'bscb.example=BSCB,not a domain' },
    'OIDC_AGENCY_DOMAINS',
    /domain=AGENCY_CODE/,
  ],
];

const withChanges = (changes: Record<string, string | undefined>) => {
  const env: Record<string, string> = { ...good };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
};

describe('configuration errors stop the process, naming the variable', () => {
  it('accepts a complete production environment (exit 0)', async () => {
    const r = await loadIn('service', good);
    expect(r).toEqual({ code: 0, out: 'CONFIG OK\n' });
  });

  it.each(bad)('%s', async (_what, changes, variable, phrase) => {
    const r = await loadIn('service', withChanges(changes));
    expect(r.code).toBe(78);
    expect(r.out).toMatch(/^Invalid configuration:/);
    const line = r.out.split('\n').find((l) => l.startsWith(`  - ${variable}:`));
    expect({ out: r.out, line }).toEqual({ out: r.out, line: expect.stringMatching(phrase) });
    expect(r.out).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('reports every service-mode requirement at once', async () => {
    const r = await loadIn('service', {});
    expect(r.code).toBe(78);
    for (const v of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'BOARD_CHAIR_EMAIL'])
      expect(r.out).toContain(`  - ${v}: required`);
  });

  it('needs none of them in embedded mode', async () => {
    const r = await loadIn('embedded', {});
    expect(r).toEqual({ code: 0, out: 'CONFIG OK\n' });
  });

  it.each([
    ['api', 'api/main.ts'],
    ['worker', 'worker/main.ts'],
  ])('the %s entry point exits 78 before connecting to anything', async (_name, entry) => {
    const r = await run([tsx, entry], withChanges({ TEMPORAL_ADDRESS: 'temporal' }));
    expect({ code: r.code, out: r.out }).toEqual({
      code: 78,
      out: expect.stringContaining('  - TEMPORAL_ADDRESS: expected host:port'),
    });
  });
});

describe('configuration errors never echo a secret', () => {
  it.each([
    ['a database URL with a password', { DATABASE_URL: 'mysql://u:secretpw@h/db' }, 'DATABASE_URL', 'secretpw'],
    ['an SMTP URL with a password', { SMTP_URL: 'http://mailer:secretpw@smtp.example.org' }, 'SMTP_URL', 'secretpw'],
    [
      'an SMTP URL option, with credentials in the URL',
      { SMTP_URL: 'smtp://mailer:secretpw@smtp.example.org?requireTls=1' },
      'SMTP_URL',
      'secretpw',
    ],
    ['an admin token', { ADMIN_TOKEN: 'shortsecret' }, 'ADMIN_TOKEN', 'shortsecret'],
  ])('%s: the variable is named, the secret is not shown', async (_what, changes, variable, secret) => {
    const r = await loadIn('service', withChanges(changes));
    expect(r.code).toBe(78);
    expect(r.out).toContain(`  - ${variable}: `);
    expect(r.out).not.toContain(secret);
  });
});

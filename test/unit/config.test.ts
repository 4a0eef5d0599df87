/**
 * What the settings mean once parsed (lib/config.ts loadConfig), in process: defaults, derived
 * values, TLS choices, and every problem reported together. That a bad setting stops a real
 * process with exit 78 is test/deploy/config.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pgSslOptions } from '../../db/client';
import { ConfigError, loadConfig } from '../../lib/config';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unit-config-'));
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

/** The problems a ConfigError lists, or [] when the environment loads. */
function problems(mode: 'service' | 'embedded', env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(mode, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('embedded mode with nothing set', () => {
  const c = loadConfig('embedded', {});
  it('runs on its own defaults', () => {
    expect(c).toMatchObject({
      mode: 'embedded',
      env: 'development',
      databaseUrl: undefined,
      databasePoolSize: 10,
      port: 3000,
      publicUrl: 'http://localhost:3000',
      mailFrom: 'Safeguarding Board <actions@safeguarding-board.local>',
      boardChairEmail: 'chair@safeguarding-board.local',
      logLevel: 'info',
      dataDir: path.resolve('.data'),
      smtpCatcherPort: 2525,
    });
    expect(c.temporal).toMatchObject({
      address: undefined,
      namespace: 'default',
      taskQueue: 'action-plan',
      tls: undefined,
      devPort: 7233,
      uiPort: 8233,
    });
  });

  it('empty values count as unset', () => {
    expect(loadConfig('embedded', { PORT: '', LOG_LEVEL: ' ', TEMPORAL_NAMESPACE: '' })).toMatchObject({
      port: 3000,
      logLevel: 'info',
      temporal: { namespace: 'default' },
    });
  });
});

describe('derived values', () => {
  it('the public URL loses its trailing slashes; without one it follows the port', () => {
    expect(loadConfig('service', { ...good, PUBLIC_URL: 'https://actions.example.org//' }).publicUrl).toBe(
      'https://actions.example.org',
    );
    expect(loadConfig('embedded', { PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
  });

  it('numbers are numbers', () => {
    expect(loadConfig('service', { ...good, PORT: '0', DATABASE_POOL_SIZE: '25' })).toMatchObject({
      port: 0,
      databasePoolSize: 25,
    });
  });

  it('the data directory is made absolute', () => {
    expect(loadConfig('embedded', { DATA_DIR: 'var/data' }).dataDir).toBe(path.resolve('var/data'));
  });
});

describe('problems', () => {
  it('a complete production environment has none', () => {
    expect(problems('service', good)).toEqual([]);
  });

  it('service mode lists every missing requirement at once', () => {
    expect(problems('service', { NODE_ENV: 'production' }).map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining([
        'DATABASE_URL',
        'TEMPORAL_ADDRESS',
        'SMTP_URL',
        'BOARD_CHAIR_EMAIL',
        'AUDIT_KEY',
        'PUBLIC_URL',
      ]),
    );
  });

  it('PUBLIC_URL is required in production only', () => {
    const { PUBLIC_URL: _unused, ...noUrl } = good;
    expect(problems('service', noUrl).map((p) => p.split(':')[0])).toEqual(['PUBLIC_URL']);
    expect(problems('service', { ...noUrl, NODE_ENV: 'development' })).toEqual([]);
  });

  it('boolean words', () => {
    for (const yes of ['true', '1', 'yes'])
      expect(loadConfig('service', { ...good, TEMPORAL_TLS: yes }).temporal.tls).toBeDefined();
    for (const no of ['false', '0', 'no', ''])
      expect(loadConfig('service', { ...good, TEMPORAL_TLS: no }).temporal.tls).toBeUndefined();
    expect(problems('service', { ...good, TEMPORAL_TLS: 'on' })[0]).toMatch(/^TEMPORAL_TLS: expected true or false/);
  });

  it('a ConfigError lists each problem on its own line', () => {
    const e = new ConfigError(['A: one', 'B: two']);
    expect(e.message).toBe('Invalid configuration:\n  - A: one\n  - B: two');
    expect(e.name).toBe('ConfigError');
  });
});

it('the worker cache size: the SDK default when unset or empty, else the number given', () => {
  expect(loadConfig('service', good).workerMaxCachedWorkflows).toBeUndefined();
  expect(loadConfig('service', { ...good, WORKER_MAX_CACHED_WORKFLOWS: '' }).workerMaxCachedWorkflows).toBeUndefined();
  expect(loadConfig('service', { ...good, WORKER_MAX_CACHED_WORKFLOWS: '1000' }).workerMaxCachedWorkflows).toBe(1000);
});
describe('production TLS settings', () => {
  it('Temporal Cloud with mTLS: certificate pair, TLS on', () => {
    const c = loadConfig('service', { ...good, TEMPORAL_TLS_CERT_PATH: pem, TEMPORAL_TLS_KEY_PATH: pem });
    expect(c.temporal.tls).toEqual({ certPath: pem, keyPath: pem, caPath: undefined, serverName: undefined });
  });

  it('Temporal Cloud with an API key: TLS on without a client certificate', () => {
    const c = loadConfig('service', {
      ...good,
      TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233',
      TEMPORAL_API_KEY: 'key',
    });
    expect(c.temporal.apiKey).toBe('key');
    expect(c.temporal.tls).toEqual({
      certPath: undefined,
      keyPath: undefined,
      caPath: undefined,
      serverName: undefined,
    });
  });

  it('a self-managed TLS cluster: CA and server name', () => {
    const c = loadConfig('service', {
      ...good,
      TEMPORAL_ADDRESS: '10.0.0.5:7233',
      TEMPORAL_TLS_CA_PATH: pem,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(c.temporal.tls).toMatchObject({ caPath: pem, serverName: 'temporal.internal' });
  });

  it('plain TEMPORAL_TLS=true turns TLS on; unset leaves it off', () => {
    expect(loadConfig('service', { ...good, TEMPORAL_TLS: 'true' }).temporal.tls).toBeDefined();
    expect(loadConfig('service', good).temporal.tls).toBeUndefined();
  });

  it('keeps the database CA even when the URL carries sslmode (node-postgres would drop it)', () => {
    const o = pgSslOptions(
      'postgres://app:secret@db.example.org:5432/actionplan?sslmode=verify-full&application_name=api',
      pem,
    );
    expect(o.ssl).toEqual({ ca: fs.readFileSync(pem, 'utf8'), rejectUnauthorized: true });
    expect(o.connectionString).toBe('postgres://app:secret@db.example.org:5432/actionplan?application_name=api');
    expect(pgSslOptions('postgres://db/app?sslmode=no-verify', pem).ssl?.rejectUnauthorized).toBe(false);
    expect(pgSslOptions('postgres://db/app?sslmode=require')).toEqual({
      connectionString: 'postgres://db/app?sslmode=require',
    });
  });
});

it('a URL without credentials is still shown in a configuration error, to help find the mistake', () => {
  expect(() => loadConfig('service', { ...good, DATABASE_URL: 'mysql://db/app' })).toThrow('(got "mysql://db/app")');
  expect(() => loadConfig('service', { ...good, DATABASE_URL: 'mysql://u:pw@db/app' })).toThrow(
    '(got "mysql://***@db/app")',
  );
});

it("the board's time zone: Europe/London unless set, any IANA zone Node knows", () => {
  expect(loadConfig('service', good).boardTimeZone).toBe('Europe/London');
  expect(loadConfig('service', { ...good, BOARD_TIME_ZONE: '' }).boardTimeZone).toBe('Europe/London');
  expect(loadConfig('service', { ...good, BOARD_TIME_ZONE: 'Europe/Dublin' }).boardTimeZone).toBe('Europe/Dublin');
  expect(loadConfig('service', { ...good, BOARD_TIME_ZONE: 'UTC' }).boardTimeZone).toBe('UTC');
});

import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { verifyAuditChain } from '../../activities/audit';
import { openDatabase, type DatabaseHandle } from '../../db/client';
import { freePort } from '../../lib/temporal-cli';
import { testDatabaseServerUrl } from '../support/db';
import { spawnLogged } from '../support/processes';

/**
 * Administration of a real deployment, as an operator does it: `npm run migrate` (which ensures
 * the bootstrap admin), the API's start check, and `npm run admin`, each as a child process with
 * only its environment, against fresh databases on the real Postgres.
 */
jest.setTimeout(240_000);

const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const sha256 = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');
const made: string[] = [];

async function serverQuery<T extends object>(text: string, url = testDatabaseServerUrl()): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

async function emptyDatabase(): Promise<string> {
  const name = `adm_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await serverQuery(`create database "${name}"`);
  made.push(name);
  const url = new URL(testDatabaseServerUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

afterAll(async () => {
  for (const name of made) await serverQuery(`drop database if exists "${name}" with (force)`);
});

interface Run {
  code: number | null;
  out: string;
  err: string;
}
/** A script run through tsx directly (npm's banner lines would only get in the way of "one line"). */
async function run(script: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const p = spawnLogged(
    tsx,
    [script, ...args],
    { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    root,
  );
  let err = '';
  p.child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const code = await p.exited;
  const out = p.output();
  return { code, out, err };
}
const migrate = (env: Record<string, string | undefined>, args: string[] = []) => run('db/migrate-cli.ts', args, env);
const adminCli = (url: string, args: string[]) => run('scripts/admin.ts', args, { DATABASE_URL: url });
const oneLine = (s: string) => s.trim().split('\n');

describe('npm run migrate', () => {
  it('refuses to run without DATABASE_URL unless --embedded is given (one line, exit 78)', async () => {
    const r = await migrate({});
    expect(r.code).toBe(78);
    expect(oneLine(r.err)).toEqual([expect.stringMatching(/^migrate failed: DATABASE_URL is not set: .*--embedded/)]);
  });

  it('refuses a short ADMIN_TOKEN with one line naming it, without echoing it', async () => {
    const r = await migrate({ DATABASE_URL: await emptyDatabase(), ADMIN_TOKEN: 'shorty-token' });
    expect(r.code).toBe(78);
    expect(oneLine(r.err)).toEqual([
      expect.stringMatching(/^migrate failed: invalid configuration: ADMIN_TOKEN: expected at least 16 characters$/),
    ]);
    expect(r.out).not.toContain('shorty-token');
  });

  it.each([
    [
      'nothing listening',
      async () => `postgres://postgres@127.0.0.1:${await freePort()}/x`,
      /cannot reach the database at 127\.0\.0\.1:\d+\/x \(DATABASE_URL\): connection refused/,
    ],
    [
      'no such database',
      async () => `${testDatabaseServerUrl().replace(/\/[^/]*$/, '')}/no_such_db_${Date.now()}`,
      /does not exist: create it first/,
    ],
  ])('names a bad DATABASE_URL in one line (%s)', async (_what, url, phrase) => {
    const r = await migrate({ DATABASE_URL: await url() });
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toEqual([expect.stringMatching(phrase)]);
  });

  it('run by two processes at once: one waits for the other, both succeed, the schema is made once; the bootstrap admin holds ADMIN_TOKEN', async () => {
    const url = await emptyDatabase();
    const token = `first-${randomBytes(12).toString('hex')}`;
    const both = await Promise.all([
      migrate({ DATABASE_URL: url, ADMIN_TOKEN: token }),
      migrate({ DATABASE_URL: url, ADMIN_TOKEN: token }),
    ]);
    for (const r of both) expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    for (const r of both) expect(r.out).toContain('migrations applied (postgres)');
    const [{ n }] = await serverQuery<{ n: number }>(
      'select count(*)::int as n from drizzle.__drizzle_migrations',
      url,
    );
    const files = (await import('node:fs'))
      .readdirSync(path.join(root, 'db', 'migrations'))
      .filter((f) => f.endsWith('.sql'));
    expect(n).toBe(files.length);
    const admins = await serverQuery<{ email: string; token_hash: string; days: number }>(
      "select email, token_hash, round(extract(epoch from token_expires_at - now()) / 86400)::int as days from users where role = 'admin'",
      url,
    );
    expect(admins).toEqual([{ email: 'admin@localhost', token_hash: sha256(token), days: 90 }]);

    // A new ADMIN_TOKEN replaces the old one: rotation is "change it and migrate again".
    const next = `second-${randomBytes(12).toString('hex')}`;
    const again = await migrate({ DATABASE_URL: url, ADMIN_TOKEN: next, API_TOKEN_TTL_DAYS: '30' });
    expect(again.code).toBe(0);
    const after = await serverQuery<{ token_hash: string; days: number }>(
      "select token_hash, round(extract(epoch from token_expires_at - now()) / 86400)::int as days from users where role = 'admin'",
      url,
    );
    expect(after).toEqual([{ token_hash: sha256(next), days: 30 }]);
    const events = await serverQuery<{ type: string; actor: string }>(
      'select type, actor from audit_events order by id',
      url,
    );
    // The first migrate also makes the board's chair (BOARD_CHAIR_EMAIL, issue 20), once.
    expect(events.map((e) => e.type)).toEqual([
      'admin_bootstrapped',
      'user_created',
      'admin_bootstrapped',
      'admin_bootstrapped',
    ]);
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set(['migrate']));
  });
});

describe('the API at start', () => {
  const service = (url: string, port: number) => ({
    DATABASE_URL: url,
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    SMTP_URL: 'smtp://127.0.0.1:2',
    BOARD_CHAIR_EMAIL: 'chair@board.example.org',
    PORT: '0',
  });

  it('refuses to start when no administrator exists, saying how to make one', async () => {
    const url = await emptyDatabase();
    expect((await migrate({ DATABASE_URL: url })).out).toContain('no administrator yet');
    const r = await run('api/main.ts', [], service(url, await freePort()));
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toEqual([
      expect.stringMatching(
        /^API failed to start: no administrator exists: set ADMIN_TOKEN .*`npm run migrate`.*`npm run admin -- create-user --role admin/,
      ),
    ]);
  });

  it('names an unmigrated database, and an unreachable Temporal, in one line each', async () => {
    const url = await emptyDatabase();
    const bare = await run('api/main.ts', [], service(url, await freePort()));
    expect({ code: bare.code, lines: oneLine(bare.err) }).toEqual({
      code: 1,
      lines: [expect.stringMatching(/no schema yet: run `npm run migrate` first/)],
    });
    await migrate({ DATABASE_URL: url, ADMIN_TOKEN: randomBytes(16).toString('hex') });
    const port = await freePort();
    const noTemporal = await run('api/main.ts', [], service(url, port));
    expect({ code: noTemporal.code, lines: oneLine(noTemporal.err) }).toEqual({
      code: 1,
      lines: [
        expect.stringMatching(
          new RegExp(`^API failed to start: cannot reach Temporal at 127\\.0\\.0\\.1:${port} \\(TEMPORAL_ADDRESS\\)`),
        ),
      ],
    });
  });
});

describe('npm run admin', () => {
  let url: string;
  let db: DatabaseHandle;
  beforeAll(async () => {
    url = await emptyDatabase();
    expect((await migrate({ DATABASE_URL: url, ADMIN_TOKEN: randomBytes(16).toString('hex') })).code).toBe(0);
    await serverQuery(
      "insert into agencies (code, name, lead_email) values ('TVP', 'Thames Valley Police', 'lead@tvp.example')",
      url,
    );
    db = await openDatabase({ databaseUrl: url, dataDir: '.data', poolSize: 2 });
  });
  afterAll(() => db?.close());

  const userRow = async (email: string) =>
    (
      await serverQuery<{ token_hash: string | null; deactivated_at: Date | null; role: string }>(
        `select token_hash, deactivated_at, role from users where email = '${email}'`,
        url,
      )
    )[0];

  it('creates, rotates, deactivates and lists users, each audited in the hash chain', async () => {
    const created = await adminCli(url, [
      'create-user',
      '--name',
      'Jo Lead',
      '--email',
      'Jo@TVP.example',
      '--role',
      'agency',
      '--agency',
      'TVP',
    ]);
    expect({ code: created.code, err: created.err }).toEqual({ code: 0, err: '' });
    const first = /token \(shown once; expires [^)]+\): (apt_\S+)/.exec(created.out)![1];
    expect(await userRow('jo@tvp.example')).toMatchObject({
      token_hash: sha256(first),
      role: 'agency',
      deactivated_at: null,
    });

    const rotated = await adminCli(url, ['rotate-token', '--email', 'jo@tvp.example']);
    expect(rotated.code).toBe(0);
    const second = /: (apt_\S+)$/m.exec(rotated.out)![1];
    expect(second).not.toBe(first);
    expect((await userRow('jo@tvp.example')).token_hash).toBe(sha256(second));

    const listed = await adminCli(url, ['list-users']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^jo@tvp\.example\tagency\tTVP\ttoken expires \S+\tJo Lead$/m);
    expect(listed.out).toMatch(/^admin@localhost\tadmin\t-\ttoken expires /m);
    expect(listed.out).not.toContain(second);

    const deactivated = await adminCli(url, ['deactivate-user', '--email', 'jo@tvp.example']);
    expect(deactivated.code).toBe(0);
    expect(await userRow('jo@tvp.example')).toMatchObject({ token_hash: null, deactivated_at: expect.any(Date) });

    const events = await serverQuery<{ type: string; actor: string; payload: Record<string, unknown> }>(
      'select type, actor, payload from audit_events order by id',
      url,
    );
    // The chair's account, made by migrate (issue 20), then the CLI's own steps.
    expect(events.map((e) => e.type)).toEqual([
      'admin_bootstrapped',
      'user_created',
      'user_created',
      'api_token_issued',
      'users_listed',
      'user_deactivated',
    ]);
    expect(events[1]).toMatchObject({ actor: 'migrate', payload: { role: 'chair' } });
    for (const e of events.slice(2)) expect(e.actor).toMatch(/^admin-cli:/);
    // The trail names tokens by id only, never the token.
    expect(JSON.stringify(events)).not.toContain(first.slice(4));
    expect(await verifyAuditChain(db.db)).toEqual({ ok: true, count: events.length, keyed: 0 });
  });

  it.each([
    [
      ['create-user', '--name', 'X', '--email', 'x@tvp.example', '--role', 'agency'],
      64,
      /^admin: create-user: --agency: required for an agency user$/,
    ],
    [
      ['create-user', '--name', 'X', '--email', 'not-an-address', '--role', 'board'],
      64,
      /^admin: create-user: --email: /,
    ],
    [['rotate-token'], 64, /^admin: rotate-token: --email: /],
    [['promote', '--email', 'x@tvp.example'], 64, /^admin: unknown command promote/],
    [['list-users', '--verbose'], 64, /^admin: Unknown option '--verbose'/],
    [['rotate-token', '--email', 'nobody@tvp.example'], 1, /^admin: no user has the e-mail nobody@tvp\.example$/],
    [
      ['create-user', '--name', 'Y', '--email', 'y@tvp.example', '--role', 'agency', '--agency', 'ZZZ'],
      1,
      /^admin: Unknown agency code ZZZ$/,
    ],
  ])('refuses %j with one clear line (exit %i)', async (args, code, phrase) => {
    const r = await adminCli(url, args as string[]);
    expect({ code: r.code, lines: oneLine(r.err) }).toEqual({ code, lines: [expect.stringMatching(phrase)] });
  });

  it('needs DATABASE_URL', async () => {
    const r = await run('scripts/admin.ts', ['list-users'], {});
    expect({ code: r.code, lines: oneLine(r.err) }).toEqual({
      code: 64,
      lines: [expect.stringMatching(/^admin: DATABASE_URL is not set/)],
    });
  });
});

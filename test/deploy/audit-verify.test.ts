import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { testDatabaseServerUrl } from '../support/db';

/**
 * `npm run audit:verify` when it cannot check: exit 2, and a line that says why and what to do,
 * never a bare driver error and never a password. (Intact and broken chains: test/faults/audit.test.ts.)
 */
const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-verify-'));
const emptyDb = `audit_empty_${randomBytes(4).toString('hex')}`;

function verify(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      ['scripts/audit-verify.ts'],
      { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: stdout + stderr }),
    );
  });
}

const withDatabase = (name: string) => {
  const url = new URL(testDatabaseServerUrl());
  url.pathname = `/${name}`;
  url.username = url.username || 'postgres';
  url.password = 'hunter2secret';
  return url.toString();
};

async function admin(sql: string) {
  const c = new Client({ connectionString: testDatabaseServerUrl() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

beforeAll(() => admin(`create database "${emptyDb}"`));
afterAll(async () => {
  await admin(`drop database if exists "${emptyDb}" with (force)`);
  fs.rmSync(tmp, { recursive: true, force: true });
});

it('no DATABASE_URL and no embedded database: says so, exit 2, and creates nothing', async () => {
  const r = await verify({ DATA_DIR: tmp });
  expect(r).toEqual({
    code: 2,
    out: expect.stringMatching(/^audit chain NOT CHECKED: no database to check: DATABASE_URL is not set/),
  });
  expect(fs.readdirSync(tmp)).toEqual([]);
});

it('a database that does not exist: names it without the password, exit 2', async () => {
  const r = await verify({ DATABASE_URL: withDatabase(`absent_${randomBytes(4).toString('hex')}`) });
  expect(r).toEqual({ code: 2, out: expect.stringMatching(/does not exist: check the database name in DATABASE_URL/) });
  expect(r.out).not.toContain('hunter2secret');
});

it('a database never migrated: says to run npm run migrate, exit 2', async () => {
  const r = await verify({ DATABASE_URL: withDatabase(emptyDb) });
  expect(r).toEqual({
    code: 2,
    out: expect.stringMatching(/has no audit trail: it was never migrated \(npm run migrate\)/),
  });
  expect(r.out).not.toContain('hunter2secret');
});

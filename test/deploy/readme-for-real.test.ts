import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { MailCatcher } from '../../lib/mail-catcher';
import { freePort } from '../../lib/temporal-cli';
import { testDatabaseServerUrl, testTemporalAddress, uniqueTaskQueue } from '../support/db';
import { descendants, spawnLogged, waitForHttp } from '../support/processes';

/**
 * README's "Running it for real", word for word: its shell block is run by bash with only the
 * placeholders filled in (a fresh database, this run's Temporal server, an SMTP server, a
 * token), `npm run migrate` to its end and the two long-running commands side by side, as an
 * operator would in two terminals. Then the admin token works and /readyz is 200.
 */
jest.setTimeout(300_000);

const root = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Running it for real'));
const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
const dbName = `readme_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const catcher = new MailCatcher({ port: 0 });

async function server(sql: string) {
  const c = new Client({ connectionString: testDatabaseServerUrl() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

afterAll(async () => {
  await catcher.stop();
  await server(`drop database if exists "${dbName}" with (force)`);
});

it("the README's commands bring up a deployment an operator can administer", async () => {
  expect(block).toMatch(/^export DATABASE_URL=postgres:\/\/… /m);
  const commands = block
    .split('\n')
    .filter((l) => /^npm run /.test(l))
    .map((l) => l.replace(/\s+#.*$/, ''));
  expect(commands).toEqual(['npm run migrate', 'npm run worker', 'npm run api']);

  await catcher.start();
  await server(`create database "${dbName}"`);
  const u = new URL(testDatabaseServerUrl());
  u.pathname = `/${dbName}`;
  const token = randomBytes(24).toString('hex');
  const filled = block
    .replace('postgres://…', u.toString())
    .replace('temporal.internal:7233', testTemporalAddress())
    .replace(/smtp:\/\/user:pass@relay:587/, catcher.url)
    .replace('ADMIN_TOKEN=…', `ADMIN_TOKEN=${token}`);
  expect(filled).not.toContain('…');
  // Two terminals: the long-running commands side by side, after migrate has finished.
  const script = `set -e\n${filled.replace(/^npm run (worker|api)\b.*$/gm, 'npm run $1 &')}\nwait\n`;
  const port = await freePort();
  const shell = spawnLogged(
    'bash',
    ['-c', script],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('readme'),
      NPM_CONFIG_SCRIPT_SHELL: '/bin/bash',
    },
    root,
  );
  try {
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 240_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${shell.output()}`);
    });
    expect(shell.output()).toContain('migrations applied (postgres)');
    const me = await fetch(`http://127.0.0.1:${port}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect({ status: me.status, body: await me.json() }).toEqual({
      status: 200,
      body: expect.objectContaining({ role: 'admin' }),
    });
  } finally {
    for (const pid of [...descendants(shell.child.pid!)].reverse()) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    await shell.exited;
  }
});

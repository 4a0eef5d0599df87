/**
 * A Postgres cluster the test owns (initdb in a temp dir, its own port), so it can be stopped and
 * started under load without touching the machine's cluster other tests use. Postgres refuses to
 * run as root, so as root the binaries run as the `postgres` user.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../lib/temporal-cli';

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

function asPostgres(cmd: string, args: string[]): string {
  const file = path.join(BIN, cmd);
  if (process.getuid?.() === 0)
    return execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export class PgCluster {
  dir = '';
  port = 0;

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/faults`;
  }

  async create(): Promise<this> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actionplan-pg-'));
    if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', this.dir]);
    this.port = await freePort();
    asPostgres('initdb', [
      '-D',
      path.join(this.dir, 'data'),
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    this.start();
    const c = new Client({ connectionString: `postgres://postgres@127.0.0.1:${this.port}/postgres` });
    await c.connect();
    await c.query('create database faults');
    await c.end();
    return this;
  }

  start(): void {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    asPostgres('pg_ctl', [
      '-D',
      path.join(this.dir, 'data'),
      '-o',
      opts,
      '-l',
      path.join(this.dir, 'log'),
      '-w',
      '-t',
      '120',
      'start',
    ]);
  }

  /** A fast shutdown: open connections are cut, in-flight transactions roll back. */
  stop(): void {
    asPostgres('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'fast', '-w', '-t', '120', 'stop']);
  }

  destroy(): void {
    if (!this.dir) return;
    try {
      this.stop();
    } catch {
      /* not running */
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

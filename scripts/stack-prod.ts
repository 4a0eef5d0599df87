/**
 * `npm run stack:prod`: docker-compose.yml's topology as plain processes on this machine, with
 * no container engine: the Temporal server 1.29.1 on Postgres (built from its Go module the first
 * time), its schema made by its SQL tool, `npm run migrate`, two workers, two API processes and an
 * SMTP catcher. Prints the addresses; Ctrl-C stops everything (the databases stay).
 *
 *   npm run stack:prod -- [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--port 3000]
 *                         [--temporal-port 7233] [--smtp-port 2525] [--data-dir .data/stack-prod]
 *                         [--db-prefix <prefix>]
 *
 * The databases are compose's: actionplan, temporal, temporal_visibility (each after the prefix). ADMIN_TOKEN, when
 * set, is the bootstrap admin's token; otherwise one is generated and printed.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfigOrExit } from '../lib/config';
import { COMPOSE_DATABASES, ProdStack } from '../lib/prod-stack';
import { TemporalServerMissing } from '../lib/temporal-server';

const port = z.coerce.number().int().min(1).max(65535);
const Args = z.strictObject({
  postgres: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/postgres'),
  port: port.default(3000),
  'temporal-port': port.default(7233),
  'smtp-port': port.default(2525),
  'data-dir': z.string().min(1).default(path.join('.data', 'stack-prod')),
  'db-prefix': z
    .string()
    .regex(/^[a-z0-9_]*$/, 'lower-case letters, digits and _ only')
    .default(''),
});

async function main(): Promise<void> {
  const config = loadConfigOrExit('embedded');
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      postgres: { type: 'string' },
      port: { type: 'string' },
      'temporal-port': { type: 'string' },
      'smtp-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'db-prefix': { type: 'string' },
    },
    strict: true,
  });
  const parsed = Args.safeParse(values);
  if (!parsed.success)
    throw new Error(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
  const a = parsed.data;
  const adminToken = config.adminToken ?? `apt_${randomBytes(24).toString('base64url')}`;
  const dataDir = path.resolve(a['data-dir']);
  // The audit chain's key must outlive a restart of the stack: AUDIT_KEY, else one kept in the data directory.
  const keyFile = path.join(dataDir, 'audit.key');
  fs.mkdirSync(dataDir, { recursive: true });
  if (!config.auditKey && !fs.existsSync(keyFile))
    fs.writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const auditKey = config.auditKey ?? fs.readFileSync(keyFile, 'utf8').trim();
  const stack = new ProdStack({
    postgresUrl: a.postgres,
    databases: {
      app: `${a['db-prefix']}${COMPOSE_DATABASES.app}`,
      temporal: `${a['db-prefix']}${COMPOSE_DATABASES.temporal}`,
      visibility: `${a['db-prefix']}${COMPOSE_DATABASES.visibility}`,
    },
    temporalPort: a['temporal-port'],
    apiPorts: [a.port, a.port + 1],
    smtpPort: a['smtp-port'],
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    adminToken,
    auditKey,
    dataDir,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping the APIs, the workers, the Temporal server and the SMTP catcher...\n');
    await stack.stop();
    process.stdout.write('stopped\n');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await stack.start().catch(async (err: unknown) => {
    await stack.stop();
    throw err;
  });
  process.stdout.write(
    [
      '',
      `  API 1:         ${stack.apiUrl(0)}   (API under /api/v1, docs at /docs, readiness /readyz)`,
      `  API 2:         ${stack.apiUrl(1)}`,
      `  Temporal:      ${stack.temporal!.address}   (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})`,
      `  SMTP catcher:  ${stack.catcher.url}   (messages kept in ${path.join(stack.opts.dataDir, 'mail.jsonl')})`,
      `  Database:      ${stack.databaseUrl.replace(/\/\/[^@/]*@/, '//')}`,
      `  Workers:       pids ${stack.workers.map((w) => w.pid).join(', ')}; logs in ${stack.opts.dataDir}`,
      `  Admin token:   ${config.adminToken ? '(ADMIN_TOKEN)' : `${adminToken}   (shown once; set ADMIN_TOKEN to choose one)`}`,
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  // A process that dies is reported; the operator decides (compose would restart it).
  for (const p of [...stack.workers, ...stack.apis])
    void p.exited.then((code) => !stopping && process.stdout.write(`${p.name} exited (${code})\n`));
}

main().catch((err) => {
  process.stderr.write(
    `stack:prod failed: ${err instanceof TemporalServerMissing ? err.message : (err as Error).message}\n`,
  );
  process.exit(1);
});

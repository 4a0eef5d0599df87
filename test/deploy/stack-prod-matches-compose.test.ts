import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { envSchema } from '../../lib/config';
import { COMPOSE_DATABASES, ProdStack } from '../../lib/prod-stack';
import {
  NAMESPACE_RETENTION_DAYS,
  SERVER_CONFIG_ROOT,
  TEMPORAL_DB_PLUGIN,
  TEMPORAL_SERVER_VERSION,
  provisionTemporalServer,
  serverEnvironment,
  serverPorts,
} from '../../lib/temporal-server';

/**
 * `npm run stack:prod` and docker-compose.yml must run the same thing: the same Temporal server
 * and SQL tool version, the same persistence settings (read from the same variable names), the
 * same databases and namespace retention, and the app processes with compose's environment.
 */
jest.setTimeout(120_000);

const root = path.join(__dirname, '..', '..');
const composeText = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const compose = YAML.parse(composeText, { merge: true }) as {
  services: Record<string, { image?: string; environment?: Record<string, string>; command?: string[] }>;
};
const template = fs.readFileSync(path.join(SERVER_CONFIG_ROOT, 'config', 'production.yaml'), 'utf8');
const db = {
  host: 'pg.example',
  port: 5433,
  user: 'actionplan',
  password: 'pw',
  database: 'temporal',
  visibilityDatabase: 'temporal_visibility',
};

describe('stack:prod against docker-compose.yml', () => {
  it('runs the Temporal server and SQL tool at the versions compose pins', () => {
    const version = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
    expect(compose.services.temporal.image).toBe(`temporalio/server:${version}`);
    for (const name of ['temporal-schema', 'temporal-namespace'])
      expect(compose.services[name].image).toMatch(
        new RegExp(`^temporalio/admin-tools:${version.replace(/\./g, '\\.')}-`),
      );
  });

  it('gives the server every variable compose gives the server image, and the config template reads each', () => {
    const composeVars = Object.keys(compose.services.temporal.environment ?? {});
    const ours = serverEnvironment(db, serverPorts());
    expect(Object.keys(ours)).toEqual(expect.arrayContaining(composeVars));
    for (const name of Object.keys(ours))
      expect({ name, read: template.includes(`env "${name}"`) }).toEqual({ name, read: true });
    expect(compose.services.temporal.environment!.DB).toBe(TEMPORAL_DB_PLUGIN);
    expect(ours.DB).toBe(TEMPORAL_DB_PLUGIN);
    expect(compose.services.temporal.environment!.DB_PORT).toBe('5432');
    expect(serverPorts().frontend).toBe(7233);
    expect(compose.services['temporal-namespace'].environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('makes the same databases with the same schema steps, and the same namespace retention', () => {
    const command = (compose.services['temporal-schema'].command ?? []).join('\n');
    expect(command).toContain(`--plugin ${TEMPORAL_DB_PLUGIN}`);
    expect(command).toContain(`for db in ${COMPOSE_DATABASES.temporal} ${COMPOSE_DATABASES.visibility}`);
    expect(command).toMatch(/setup-schema -v 0\.0/);
    // Compose's tool reads the schema files from the image; ours has the same files embedded.
    expect(command).toContain('schema=/etc/temporal/schema/postgresql/v12');
    expect(command).toContain('temporal:temporal temporal_visibility:visibility');
    expect(command).toContain('dir=$$schema/$${pair##*:}/versioned');
    expect(command).toMatch(
      /update-schema -d \$\$dir \\\n\s+\|\| \{ \$\$tool --db \$\$db setup-schema -v 0\.0 && \$\$tool --db \$\$db update-schema -d \$\$dir; \}/,
    );
    expect(composeText).toContain(`APP_DB_NAME:-${COMPOSE_DATABASES.app}`);
    expect((compose.services['temporal-namespace'].command ?? []).join('\n')).toContain(
      `TEMPORAL_NAMESPACE_RETENTION:-${NAMESPACE_RETENTION_DAYS}d`,
    );
  });

  it('gives the app processes compose’s app environment (production, the same required settings, known variables only)', () => {
    const stack = new ProdStack({
      postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      databases: { ...COMPOSE_DATABASES },
      temporalPort: 7233,
      apiPorts: [3000, 3001],
      smtpPort: 2525,
      namespace: 'default',
      taskQueue: 'action-plan',
      adminToken: 'x'.repeat(16),
      auditKey: 'k'.repeat(32),
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'stack-cmp-')),
    });
    const env = stack.appEnv();
    const known = new Set([...Object.keys(envSchema.shape), 'PATH', 'HOME', 'MALLOC_ARENA_MAX']);
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
    const composeApp = compose.services.api.environment!;
    expect(env.NODE_ENV).toBe(composeApp.NODE_ENV);
    for (const required of Object.keys(composeApp).filter((k) => /:\?/.test(composeApp[k])))
      expect({ required, set: env[required] !== undefined }).toEqual({ required, set: true });
    expect(env.TEMPORAL_NAMESPACE).toBe(/:-(\w+)\}/.exec(composeApp.TEMPORAL_NAMESPACE)![1]);
    expect(env.TEMPORAL_TASK_QUEUE).toBe(/:-([\w-]+)\}/.exec(composeApp.TEMPORAL_TASK_QUEUE)![1]);
    expect(env.DATABASE_URL).toBe(`postgres://postgres@127.0.0.1:5432/${COMPOSE_DATABASES.app}`);
    // The image's malloc setting (Dockerfile ENV) holds for these processes too.
    expect(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(
      new RegExp(`MALLOC_ARENA_MAX=${env.MALLOC_ARENA_MAX}\\b`),
    );
  });

  it('renders the config template with the real server: Postgres persistence on the given databases and ports', async () => {
    const bins = await provisionTemporalServer();
    const out = execFileSync(bins.server, ['--config', 'config', '--env', 'production', 'render-config'], {
      cwd: SERVER_CONFIG_ROOT,
      env: { PATH: process.env.PATH, ...serverEnvironment(db, serverPorts(17233)) },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const rendered = YAML.parse(out) as {
      persistence: {
        numHistoryShards: number;
        defaultStore: string;
        visibilityStore: string;
        datastores: Record<string, { sql: Record<string, string> }>;
      };
      services: Record<string, { rpc: { grpcPort: number; bindOnIP: string } }>;
    };
    expect(rendered.persistence.numHistoryShards).toBe(4);
    const main = rendered.persistence.datastores[rendered.persistence.defaultStore].sql;
    const visibility = rendered.persistence.datastores[rendered.persistence.visibilityStore].sql;
    expect(main).toMatchObject({
      pluginName: 'postgres12',
      databaseName: 'temporal',
      connectAddr: 'pg.example:5433',
      user: 'actionplan',
    });
    expect(visibility).toMatchObject({
      pluginName: 'postgres12',
      databaseName: 'temporal_visibility',
      connectAddr: 'pg.example:5433',
    });
    expect(rendered.services.frontend.rpc).toMatchObject({ grpcPort: 17233, bindOnIP: '127.0.0.1' });
  });
});

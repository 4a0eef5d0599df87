import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { envSchema, loadConfig } from '../../lib/config';

/**
 * No Docker engine runs here, so the deployment files are checked by reading them: every
 * variable a container is given means something to the config schema or to its image, images
 * are pinned, long-running services have health checks and restart policies, dependencies
 * make sense, commands name real npm scripts, the image runs as non-root with production
 * dependencies only, and no secret is written in the files. Finally the app services'
 * environment, interpolated from .env.example, passes the real config schema.
 */
const root = path.join(__dirname, '..', '..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');

type Env = Record<string, string>;
interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Env | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
  depends_on?: Record<string, { condition: string }> | string[];
  profiles?: string[];
  ports?: string[];
}

const composeText = read('docker-compose.yml');
const compose = YAML.parse(composeText, { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const dockerfile = read('Dockerfile');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const envExample = read('.env.example');
const schemaKeys = new Set(Object.keys(envSchema.shape));

/** Variables each third-party image (or the tool run in it) documents and reads itself. */
const IMAGE_VARIABLES: Record<string, string[]> = {
  postgres: ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB', 'POSTGRES_INITDB_ARGS', 'PGDATA'],
  'temporalio/server': [
    'DB',
    'DB_PORT',
    'POSTGRES_SEEDS',
    'POSTGRES_USER',
    'POSTGRES_PWD',
    'DBNAME',
    'VISIBILITY_DBNAME',
    'BIND_ON_IP',
    'DYNAMIC_CONFIG_FILE_PATH',
    'LOG_LEVEL',
    'NUM_HISTORY_SHARDS',
  ],
  // temporal-sql-tool reads SQL_PASSWORD; the temporal CLI reads TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE.
  'temporalio/admin-tools': ['POSTGRES_USER', 'SQL_PASSWORD', 'SQL_USER', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE'],
  'temporalio/ui': [
    'TEMPORAL_ADDRESS',
    'TEMPORAL_DEFAULT_NAMESPACE',
    'TEMPORAL_CORS_ORIGINS',
    'TEMPORAL_UI_PORT',
    'TEMPORAL_AUTH_ENABLED',
  ],
  'axllent/mailpit': [
    'MP_SMTP_AUTH_ACCEPT_ANY',
    'MP_SMTP_AUTH_ALLOW_INSECURE',
    'MP_MAX_MESSAGES',
    'MP_UI_AUTH_FILE',
    'TZ',
  ],
};

const envOf = (s: Service): Env => {
  if (!s.environment) return {};
  if (Array.isArray(s.environment)) {
    return Object.fromEntries(s.environment.map((e) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, String(v ?? '')]));
};
const imageRepo = (image: string) => image.replace(/:[^/:]+$/, '');
const dependsOn = (s: Service): Record<string, string> => {
  if (!s.depends_on) return {};
  if (Array.isArray(s.depends_on)) return Object.fromEntries(s.depends_on.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(s.depends_on).map(([k, v]) => [k, v.condition]));
};
const isApp = (s: Service) => s.build !== undefined;
/** One-shot: something waits for it to complete successfully. */
const oneShots = new Set(
  Object.values(services).flatMap((s) =>
    Object.entries(dependsOn(s))
      .filter(([, c]) => c === 'service_completed_successfully')
      .map(([name]) => name),
  ),
);
const commandOf = (s: Service): string[] =>
  typeof s.command === 'string' ? s.command.split(/\s+/) : (s.command ?? []);

/** docker compose's interpolation: ${V}, ${V:-default}, ${V-default}, ${V:?error}, ${V?error}, $$. */
function interpolate(text: string, vars: Env): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (whole, name: string | undefined, op?: string, arg?: string) => {
      if (whole === '$$') return '$';
      const value = vars[name!];
      const unsetOrEmpty = value === undefined || (op?.startsWith(':') && value === '');
      if (op?.endsWith('?') && unsetOrEmpty) throw new Error(`required variable ${name} is missing a value: ${arg}`);
      if (op?.endsWith('-') && unsetOrEmpty) return arg ?? '';
      return value ?? '';
    },
  );
}
const dotenv = (text: string): Env =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('docker-compose.yml', () => {
  it('has the services of a single-host deployment', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'mailpit', 'migrate', 'api', 'worker']) {
      expect(Object.keys(services)).toContain(name);
    }
    expect(Object.values(services).some((s) => (s.image ?? '').startsWith('temporalio/admin-tools:'))).toBe(true);
  });

  it("gives each container only variables the config schema or the container's image knows", () => {
    const unknown: string[] = [];
    for (const [name, s] of Object.entries(services)) {
      const known = isApp(s) ? schemaKeys : new Set(IMAGE_VARIABLES[imageRepo(s.image ?? '')] ?? []);
      if (!isApp(s)) expect(IMAGE_VARIABLES[imageRepo(s.image ?? '')]).toBeDefined();
      for (const key of Object.keys(envOf(s))) if (!known.has(key)) unknown.push(`${name}: ${key}`);
    }
    expect(unknown).toEqual([]);
  });

  it('pins every image to a version (no latest, no bare major)', () => {
    for (const [name, s] of Object.entries(services)) {
      if (isApp(s)) continue; // built from the Dockerfile, whose base image is checked below
      expect({ name, image: s.image }).toEqual({
        name,
        image: expect.stringMatching(/^[a-z0-9./-]+:v?\d+\.\d+(\.\d+)?([-.][A-Za-z0-9.-]+)?$/),
      });
      expect(s.image).not.toMatch(/:latest$/);
    }
  });

  it('runs the app services from the one image, with npm scripts that exist', () => {
    const apps = Object.entries(services).filter(([, s]) => isApp(s));
    expect(apps.map(([n]) => n).sort()).toEqual(['api', 'migrate', 'worker']);
    for (const [name, s] of apps) {
      const cmd = commandOf(s);
      expect(cmd.slice(0, 2)).toEqual(['npm', 'run']);
      expect(Object.keys(pkg.scripts)).toContain(cmd[2]);
      expect(cmd[2]).toBe(name);
    }
  });

  it('has a health check and a restart policy on every long-running service', () => {
    for (const [name, s] of Object.entries(services)) {
      if (oneShots.has(name)) {
        expect({ name, restart: s.restart }).toEqual({
          name,
          restart: expect.stringMatching(/^(no|on-failure(:\d+)?)$/),
        });
        continue;
      }
      expect({ name, restart: s.restart }).toEqual({
        name,
        restart: expect.stringMatching(/^(always|unless-stopped)$/),
      });
      expect({ name, test: s.healthcheck?.test }).toEqual({ name, test: expect.arrayContaining([expect.any(String)]) });
      expect(s.healthcheck?.disable).not.toBe(true);
    }
    const apiCheck = (services.api.healthcheck!.test as string[]).join(' ');
    expect(apiCheck).toContain('/healthz');
    expect(apiCheck).toContain('/readyz');
    const workerCheck = services.worker.healthcheck!.test as string[];
    expect(fs.existsSync(path.join(root, workerCheck[workerCheck.length - 1]))).toBe(true);
  });

  it('orders start-up with depends_on conditions that can be met', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependsOn(s))) {
        expect({ name, dep, exists: dep in services }).toEqual({ name, dep, exists: true });
        // A default service may not wait for one that only runs under a profile.
        if (!s.profiles)
          expect({ name, dep, profiles: services[dep].profiles }).toEqual({ name, dep, profiles: undefined });
        if (condition === 'service_healthy')
          expect({ dep, test: services[dep].healthcheck?.test }).toEqual({ dep, test: expect.anything() });
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
      }
    }
    expect(dependsOn(services.api)).toMatchObject({ migrate: 'service_completed_successfully' });
    expect(dependsOn(services.worker)).toMatchObject({ migrate: 'service_completed_successfully' });
    expect(dependsOn(services.migrate)).toMatchObject({ postgres: 'service_healthy' });
  });

  it('persists Postgres (Temporal included) in a named volume', () => {
    expect((services.postgres as { volumes?: string[] }).volumes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^pgdata:\/var\/lib\/postgresql\/data$/)]),
    );
    expect(compose.volumes).toHaveProperty('pgdata');
    expect(envOf(services.temporal)).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
  });

  it('writes no secret: secrets come from .env and are required with ${VAR:?}', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries(envOf(s))) {
        if (/PASSWORD|PWD|TOKEN|SECRET|API_KEY/.test(key)) {
          expect({ name, key, value }).toEqual({
            name,
            key,
            value: expect.stringMatching(/^\$\{[A-Z_]+(:[?-][^}]*)?\}$/),
          });
        }
      }
    }
    // The bootstrap admin is ensured by the migrate step; the API only checks one exists.
    expect(envOf(services.migrate).ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN:\?/);
    expect(envOf(services.api).ADMIN_TOKEN).toBeUndefined();
    expect(envOf(services.postgres).POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    // The only password inside a URL is the interpolated one.
    expect(envOf(services.api).DATABASE_URL).toMatch(
      /^postgres:\/\/\$\{POSTGRES_USER:-\w+\}:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432\//,
    );
    // Published web UIs without a login are bound to loopback.
    for (const name of ['temporal-ui', 'mailpit'])
      for (const p of services[name].ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/);
  });

  it('documents every variable in .env.example', () => {
    const documented = (name: string) => new RegExp(`^#?${name}=`, 'm').test(envExample);
    // Compose interpolates ${NAME...}; $${NAME} is the container shell's own, and comments do not count.
    const uncommented = composeText.replace(/^\s*#.*$/gm, '');
    const used = new Set([...uncommented.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]));
    const missing = [...new Set([...schemaKeys, ...used])].filter((n) => !documented(n));
    expect(missing).toEqual([]);
  });

  it('interpolated from .env.example (secrets filled in), gives each app service a configuration the schema accepts', () => {
    const vars = {
      ...dotenv(envExample),
      POSTGRES_PASSWORD: 'a1b2c3d4e5f6',
      ADMIN_TOKEN: 'an-admin-token-of-enough-length',
      AUDIT_KEY: 'an-audit-key-of-at-least-thirty-two-chars',
    };
    for (const name of ['api', 'worker', 'migrate']) {
      const env = Object.fromEntries(Object.entries(envOf(services[name])).map(([k, v]) => [k, interpolate(v, vars)]));
      const config = loadConfig('service', env);
      expect(config.databaseUrl).toBe('postgres://actionplan:a1b2c3d4e5f6@postgres:5432/actionplan');
      expect(config.temporal.address).toBe('temporal:7233');
      expect(config.temporal.tls).toBeUndefined();
      expect(config.smtpUrl).toBe('smtp://mailpit:1025');
      expect(config.env).toBe('production');
    }
    expect(
      loadConfig(
        'service',
        Object.fromEntries(Object.entries(envOf(services.migrate)).map(([k, v]) => [k, interpolate(v, vars)])),
      ).adminToken,
    ).toBe('an-admin-token-of-enough-length');
    // Without the secret, compose refuses to start.
    const { POSTGRES_PASSWORD: _omitted, ...withoutPassword } = vars;
    expect(() => interpolate(envOf(services.api).DATABASE_URL, withoutPassword)).toThrow(/POSTGRES_PASSWORD/);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile
    .split(/^FROM /m)
    .slice(1)
    .map((body) => ({ from: body.split('\n')[0].trim(), body }));
  const runtime = stages[stages.length - 1];

  it('is multi-stage on a pinned Node 20 (glibc) base', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.from).toMatch(/^node:20\.\d+\.\d+-(bookworm|bullseye)(-slim)? AS \w+$/);
  });

  it('builds the workflow bundle in the build stage and ships it to the runtime stage', () => {
    expect(stages[0].body).toMatch(/^RUN npm ci\s*$/m);
    const built = stages[0].body.match(/^RUN npm run (\S+)/m)?.[1];
    expect(built).toBe('build:workflows');
    expect(pkg.scripts['build:workflows']).toContain('scripts/build-workflow-bundle.ts');
    expect(runtime.body).toMatch(/^COPY --from=build \/app\/dist\/workflow-bundle\.js \.\/dist\/workflow-bundle\.js$/m);
  });

  it('installs production dependencies only and runs as a non-root user', () => {
    expect(runtime.body).toMatch(/^RUN npm ci --omit=dev\b/m);
    const users = [...runtime.body.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
    // tsx runs the sources in production, so it must be a runtime dependency.
    expect(JSON.parse(read('package.json')).dependencies).toHaveProperty('tsx');
  });

  it('lets SIGTERM reach the app through npm (bash as the script shell, tini as PID 1)', () => {
    expect(runtime.body).toMatch(/^\s*NPM_CONFIG_SCRIPT_SHELL=\/bin\/bash\b/m);
    for (const name of ['api', 'worker', 'migrate'])
      expect({ name, init: (services[name] as { init?: boolean }).init }).toEqual({ name, init: true });
  });

  it('starts an npm script that exists', () => {
    const cmd = JSON.parse(runtime.body.match(/^CMD (\[.*\])$/m)![1]) as string[];
    expect(cmd.slice(0, 2)).toEqual(['npm', 'run']);
    expect(Object.keys(pkg.scripts)).toContain(cmd[2]);
  });

  it('keeps local state and secrets out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', '.env', '.data', '.git', 'dist']) expect(ignored).toContain(entry);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import type { Db } from '../../db/client';
import { envSchema, loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';

/**
 * The documentation against the code: every environment variable the code reads is in the
 * README's configuration table and in .env.example (and nothing is documented that the code does
 * not read), every `npm run` script the docs name exists, every route they name is served, and
 * every relative link resolves. Each failure names the file and the missing thing, so a fix is
 * one edit away.
 */
const root = path.join(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

function walk(dir: string, keep: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (['node_modules', '.git', 'test-artifacts', 'dist', '.data', 'coverage', 'reports'].includes(entry.name))
        continue;
      out.push(...walk(rel, keep));
    } else if (keep(rel)) out.push(rel);
  }
  return out;
}

const DOCS = walk('.', (f) => f.endsWith('.md')).map((f) => path.normalize(f));
const SOURCE_DIRS = ['api', 'activities', 'db', 'lib', 'scripts', 'worker', 'workflows'];
/** The operating system's, not ours: read for locating binaries and caches. */
const SYSTEM_VARIABLES = new Set(['PATH', 'HOME', 'XDG_CACHE_HOME']);

/** Variables the running code reads: the config schema (the one reader: docs/ARCHITECTURE.md, House rules) and any direct read elsewhere. */
function variablesTheCodeReads(): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of Object.keys(envSchema.shape)) found.set(name, 'lib/config.ts');
  for (const dir of SOURCE_DIRS) {
    for (const file of walk(dir, (f) => f.endsWith('.ts'))) {
      for (const m of read(file).matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)) {
        const name = m[1] ?? m[2];
        if (!SYSTEM_VARIABLES.has(name) && !found.has(name)) found.set(name, file);
      }
    }
  }
  return found;
}

/** The names in the first column of the README's configuration table. */
function readmeTableVariables(): Set<string> {
  const readme = read('README.md');
  const start = readme.indexOf('\n## Configuration');
  expect(start).toBeGreaterThan(-1);
  const section = readme.slice(start + 1).split(/\n## /)[0];
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('|')) continue;
    const first = line.split('|')[1] ?? '';
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(m[1]);
  }
  return names;
}

const envExampleVariables = () =>
  new Set([...read('.env.example').matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
const composeVariables = () =>
  new Set([...read('docker-compose.yml').matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]));

describe('environment variables', () => {
  const code = variablesTheCodeReads();
  const table = readmeTableVariables();
  const example = envExampleVariables();
  const compose = composeVariables();

  it('every variable the code reads is in the README configuration table', () => {
    const missing = [...code]
      .filter(([name]) => !table.has(name))
      .map(([name, file]) => `README.md configuration table lacks ${name} (read by ${file})`);
    expect(missing).toEqual([]);
  });

  it('every variable the code reads is in .env.example', () => {
    const missing = [...code]
      .filter(([name]) => !example.has(name))
      .map(([name, file]) => `.env.example lacks ${name} (read by ${file}); add "#${name}=<default>" with a comment`);
    expect(missing).toEqual([]);
  });

  it('the README table names only variables the code reads', () => {
    const extra = [...table]
      .filter((name) => !code.has(name))
      .map((name) => `README.md configuration table names ${name}, which no code reads`);
    expect(extra).toEqual([]);
  });

  it('.env.example names only variables the code or docker-compose.yml reads', () => {
    const extra = [...example]
      // COMPOSE_* are docker compose's own settings (COMPOSE_PROFILES picks the staging catcher).
      .filter((name) => !code.has(name) && !compose.has(name) && !name.startsWith('COMPOSE_'))
      .map((name) => `.env.example names ${name}, which neither the code nor docker-compose.yml reads`);
    expect(extra).toEqual([]);
  });
});

describe('npm scripts', () => {
  it('every `npm run <script>` the docs name exists in package.json', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    const files = [...DOCS, '.env.example', 'docker-compose.yml', 'Dockerfile', '.ci/run'].filter((f) =>
      fs.existsSync(path.join(root, f)),
    );
    const missing: string[] = [];
    for (const file of files) {
      for (const m of read(file).matchAll(/npm run(?: -s| --silent)? ([a-z][\w:.-]*)/g)) {
        if (!scripts.includes(m[1])) missing.push(`${file} names "npm run ${m[1]}", which package.json does not have`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });
});

/** Every path the app serves (API table and web pages), from Express's own router. */
function servedPaths(app: Express): string[] {
  const paths: string[] = [];
  type Layer = { route?: { path: string | string[] }; handle?: { stack?: Layer[] } };
  const visit = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) paths.push(...[layer.route.path].flat());
      else if (layer.handle?.stack) visit(layer.handle.stack);
    }
  };
  visit((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return paths;
}

const isParam = (segment: string) => /^(:\w+|<[^>]+>|\{[^}]+\}|…|\.\.\.)$/.test(segment);
const segments = (p: string) => p.split('/').filter(Boolean);
const sameRoute = (doc: string, served: string) => {
  const a = segments(doc);
  const b = segments(served);
  return a.length === b.length && a.every((s, i) => s === b[i] || isParam(s) || isParam(b[i]));
};

/** Route-like paths in a document: `GET /x`, `localhost:3000/x`, and backticked paths under the API or the system routes. */
function routesNamedIn(text: string): string[] {
  const found: string[] = [];
  const clean = (p: string) => p.replace(/[?#].*$/, '').replace(/[.,;:)`'"]+$/, '');
  for (const m of text.matchAll(/\b(?:GET|POST|PUT|PATCH|DELETE)\s+`?(\/[^\s`)"',]*)/g)) found.push(clean(m[1]));
  for (const m of text.matchAll(/(?:localhost|127\.0\.0\.1):3000(\/[^\s`)"']*)/g)) found.push(clean(m[1]));
  for (const m of text.matchAll(/`(\/(?:api\/v1\/|healthz|readyz|metrics|openapi\.json|docs|mail|signin)[^`\s]*)`/g))
    found.push(clean(m[1]));
  // A prefix on its own (`/api/v1`) names no route.
  return found.filter((p) => p.length > 1 && segments(p).join('/') !== 'api/v1');
}

describe('routes', () => {
  it('every route the docs name is served by the app', () => {
    const config = loadConfig('embedded', { LOG_LEVEL: 'silent' });
    const app = createApp({
      config,
      db: {} as Db,
      client: {} as Client,
      logger: createLogger({ logLevel: 'silent' }),
      readiness: async () => ({
        ready: true,
        checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true } },
      }),
      // The embedded inbox is part of what the docs describe.
      mailCatcher: {} as never,
    });
    const served = servedPaths(app);
    expect(served).toEqual(expect.arrayContaining(['/readyz', '/api/v1/actions/:id']));
    const missing: string[] = [];
    for (const file of DOCS) {
      for (const route of routesNamedIn(read(file))) {
        if (!served.some((s) => sameRoute(route, s)))
          missing.push(`${file} names the route ${route}, which the app does not serve`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

describe('links', () => {
  it('every relative link in the docs resolves, anchors included', () => {
    const broken: string[] = [];
    for (const file of DOCS) {
      const text = read(file).replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1];
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
        const [filePart, anchor] = target.split('#');
        const resolved = filePart ? path.normalize(path.join(path.dirname(file), decodeURIComponent(filePart))) : file;
        if (!fs.existsSync(path.join(root, resolved))) {
          broken.push(`${file} links to ${target}, but ${resolved} does not exist`);
          continue;
        }
        if (anchor && resolved.endsWith('.md') && !anchorsOf(read(resolved)).has(anchor)) {
          broken.push(`${file} links to ${target}, but ${resolved} has no heading with the anchor #${anchor}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

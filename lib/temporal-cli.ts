import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The SDK's own dev-server download cannot work without internet (the machines this runs on have none), so the
 * Temporal CLI is built from its Go module once and cached outside the work tree, by version.
 */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export function cliCacheDir(version = TEMPORAL_CLI_VERSION): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'actionplan', 'temporal-cli', version);
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export class TemporalCliMissing extends Error {}

/** TEMPORAL_CLI_PATH, then `temporal` on PATH, then the cache; undefined if none. */
export function findTemporalCli(explicit?: string): string | undefined {
  if (explicit) {
    if (!fs.existsSync(explicit))
      throw new TemporalCliMissing(`TEMPORAL_CLI_PATH points to ${explicit}, which does not exist`);
    return explicit;
  }
  const found = onPath('temporal');
  if (found) return found;
  const cached = path.join(cliCacheDir(), 'temporal');
  return fs.existsSync(cached) ? cached : undefined;
}

/** Finds the CLI or builds it with `go install` (several minutes the first time), streaming progress. */
export async function provisionTemporalCli(
  opts: { explicit?: string; log?: (line: string) => void } = {},
): Promise<string> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const existing = findTemporalCli(opts.explicit);
  if (existing) return existing;

  const go = onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new TemporalCliMissing(
      [
        'The Temporal CLI is not installed and Go is not available to build it.',
        'Either install Go >= 1.25 (https://go.dev/dl/ or `apt-get install golang-go` where recent enough) and run `npm run temporal:provision`,',
        'or install the CLI yourself (https://docs.temporal.io/cli) and put `temporal` on PATH or set TEMPORAL_CLI_PATH.',
      ].join('\n'),
    );
  }
  const dir = cliCacheDir();
  fs.mkdirSync(dir, { recursive: true });
  log(
    `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${dir} (first time only; this takes several minutes)...`,
  );
  const started = Date.now();
  await goInstall(
    go,
    [`${MODULE}@${TEMPORAL_CLI_VERSION}`],
    dir,
    log,
    (detail) => new TemporalCliMissing(`go install ${MODULE}@${TEMPORAL_CLI_VERSION} failed ${detail}`),
  );
  const bin = path.join(dir, 'temporal');
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s: ${version.stdout.trim()}`);
  return bin;
}

export function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cliPath: string;
  port: number;
  uiPort?: number;
  /** SQLite file for persisted state; omitted = in memory. */
  dbFilename?: string;
  namespace?: string;
  headless?: boolean;
  /** Extra `--dynamic-config-value` / flags. */
  extraArgs?: string[];
  log?: (line: string) => void;
}

/**
 * A server we started must not outlive us: if this process is SIGKILLed (a killed test run, a
 * crashed launcher), the orphaned dev server would hold its port and its SQLite file. A tiny
 * detached watcher stops it once our pid is gone.
 */
function stopWhenParentDies(serverPid: number) {
  const script = `const p=${process.pid},c=${serverPid};setInterval(()=>{try{process.kill(p,0)}catch{try{process.kill(c,'SIGTERM')}catch{}process.exit(0)}},1000)`;
  const watcher = spawn(process.execPath, ['-e', script], { detached: true, stdio: 'ignore' });
  watcher.unref();
  return watcher;
}

/** Starts `temporal server start-dev` and waits (longer than the SDK's five seconds) for its port. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'warn'];
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  if (opts.dbFilename) args.push('--db-filename', opts.dbFilename);
  if (opts.headless || opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  args.push(...(opts.extraArgs ?? []));
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  let output = '';
  const collect = (b: Buffer) => {
    output = (output + b.toString()).slice(-8000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const watchdog = child.pid ? stopWhenParentDies(child.pid) : undefined;
  const ready = waitForPort('127.0.0.1', opts.port, 60000);
  const outcome = await Promise.race([ready.then(() => 'ready' as const), exited.then(() => 'exited' as const)]);
  if (outcome === 'exited') {
    throw new Error(`temporal server start-dev exited before listening on ${opts.port}:\n${output}`);
  }
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort !== undefined && !opts.headless ? `http://localhost:${opts.uiPort}` : undefined,
    pid: child.pid ?? -1,
    stop: async () => {
      watchdog?.kill();
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * `go install` of `modules` into `dir`, a progress line every 50 packages, and the output's tail
 * in the error when it fails. Shared by the CLI and the Temporal server builds.
 */
export function goInstall(
  go: string,
  modules: string[],
  dir: string,
  log: (line: string) => void,
  failure: (detail: string) => Error,
): Promise<void> {
  const started = Date.now();
  return new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', '-v', ...modules], {
      env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let count = 0;
    let tail = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        count += 1;
        if (count % 50 === 0)
          log(`  ... ${count} packages fetched or compiled (${Math.round((Date.now() - started) / 1000)} s)`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(failure(`(exit ${code}):\n${tail}`))));
  });
}

/**
 * The unit layer stands alone: `npm run test:unit` passes with the database URL pointing at a
 * port nothing listens on, no Temporal address, and every socket connection refused inside the
 * test processes (test/support/no-network.js). If a unit test starts needing Postgres,
 * Temporal, SMTP or the network, or the unit run picks up the global set-up, this fails.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

it('npm run test:unit passes with no Postgres, no Temporal and no network', async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'unit-layer-')), 'results.json');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (/^(TEST_|TEMPORAL_|PG|DATABASE_)/.test(name)) delete env[name];
  env.TEST_DATABASE_URL = 'postgres://nobody@127.0.0.1:9/nowhere';
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${path.join(__dirname, 'no-network.js')}`.trim();
  const started = Date.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(
      'npm',
      ['run', '-s', 'test:unit', '--', '--ci', '--no-watchman', '--json', `--outputFile=${out}`],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.once('error', reject);
    child.once('exit', (c) => resolve({ code: c, output }));
  });
  const seconds = (Date.now() - started) / 1000;
  expect({ code, tail: code === 0 ? '' : output.slice(-4000) }).toEqual({ code: 0, tail: '' });
  const results = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    numTotalTestSuites: number;
    numFailedTests: number;
    numPassedTests: number;
    testResults: { name: string }[];
  };
  const unitFiles = fs.readdirSync(path.join(root, 'test', 'unit')).filter((f) => f.endsWith('.test.ts'));
  expect(results.numFailedTests).toBe(0);
  expect(results.testResults.map((r) => path.basename(r.name)).sort()).toEqual(unitFiles.sort());
  expect(results.numPassedTests).toBeGreaterThan(100);
  console.log(
    `unit layer: ${results.numTotalTestSuites} files, ${results.numPassedTests} tests in ${seconds.toFixed(1)} s (no Postgres, no Temporal, no sockets)`,
  );
});

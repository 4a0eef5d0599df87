/**
 * Starts the browser tests' OpenID Connect provider (test/web/oidc-provider-main.ts) as a child
 * process for a site at `siteUrl`, and stops it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export const CLIENT_ID = 'actions-board';
export const CLIENT_SECRET = 'a-client-secret-for-the-tests';

export interface TestProvider {
  issuer: string;
  stop(): Promise<void>;
}

export async function startTestProvider(siteUrl: string): Promise<TestProvider> {
  const root = path.join(__dirname, '..', '..');
  const child = spawn(
    path.join(root, 'node_modules', '.bin', 'tsx'),
    [path.join(__dirname, 'oidc-provider-main.ts'), siteUrl],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const issuer = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^ISSUER (\S+)$/m.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`the test OpenID provider exited (${code}): ${err}`)));
  });
  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

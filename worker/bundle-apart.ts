/**
 * Bundles workflow code with webpack in a child process (`scripts/build-workflow-bundle.ts`):
 * bundling inside the worker's own process left about 200 MB of webpack's memory in it for good
 * (docs/BENCHMARKS.md). Used by the worker outside production images (which ship a pre-built
 * bundle) and by the bench.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runChild } from '../lib/process';
import { WORKFLOWS_PATH } from './create-worker';

const ROOT = path.join(__dirname, '..');

/** The bundle of `workflowsPath` in a new temporary directory; `remove()` deletes it once the worker has loaded it. */
export async function bundleInChildProcess(
  workflowsPath = WORKFLOWS_PATH,
): Promise<{ codePath: string; remove(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actionplan-bundle-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const codePath = path.join(dir, 'workflow-bundle.js');
  try {
    await runChild(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(ROOT, 'scripts', 'build-workflow-bundle.ts'), codePath, workflowsPath],
      'could not bundle the workflows',
    );
  } catch (err) {
    remove();
    throw err;
  }
  return { codePath, remove };
}

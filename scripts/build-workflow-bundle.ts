import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * `npm run build:workflows`: bundle the workflow code once, at build time, so a production
 * worker starts without webpack (docs/ARCHITECTURE.md, House rules; as samples-typescript `production/`).
 *
 * Output: dist/workflow-bundle.js (or the path given as the first argument; a second argument
 * names another workflows module, as the bench's with its baselines). The worker loads
 * it as `workflowBundle: { codePath }` and falls back to bundling workflows/ from source when
 * the file is missing. Rebuild it whenever workflows/ changes: a stale bundle runs old code.
 */
export const DEFAULT_WORKFLOW_BUNDLE_PATH = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

export async function buildWorkflowBundle(
  outPath = DEFAULT_WORKFLOW_BUNDLE_PATH,
  workflowsPath = require.resolve('../workflows'),
): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath });
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  // Write then rename, so a worker starting meanwhile never reads half a bundle.
  const tmp = `${outPath}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, code);
  fs.renameSync(tmp, outPath);
  return outPath;
}

if (require.main === module) {
  const target = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_WORKFLOW_BUNDLE_PATH;
  buildWorkflowBundle(target, process.argv[3] ? path.resolve(process.argv[3]) : undefined).then(
    (p) => {
      process.stdout.write(
        `workflow bundle written to ${path.relative(process.cwd(), p) || p} (${fs.statSync(p).size} bytes)\n`,
      );
    },
    (err: unknown) => {
      process.stderr.write(`workflow bundle failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Bundles the bench worker's workflows (the product's plus the no-op baselines) into a file, in a
 * process of its own, as production does with `npm run build:workflows`: webpack's memory then
 * never shows in the worker's RSS. Usage: tsx bench/build-bundle.ts <out-file>
 */
import fs from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main() {
  const out = process.argv[2];
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows') });
  fs.writeFileSync(out, code);
}

main().catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

/**
 * Creates a PGlite cluster (initdb) in a short-lived child process.
 *
 * PGlite runs initdb as WebAssembly inside the calling process, and the memory it grows to
 * (about 600 MB) is never given back: a process that created its own cluster carries it for
 * life, while one that opens an existing cluster starts at a fraction of that (measured in
 * docs/BENCHMARKS.md, figure 3). So the first start creates the cluster in a child, which exits,
 * and then opens it like every later start. The child builds it beside the target and it is
 * renamed into place, so a start killed half-way leaves no half-made cluster behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runChild } from '../lib/process';

const CREATE =
  'const { PGlite } = await import(process.argv[1]); const db = await PGlite.create(process.argv[2]); await db.close();';

export const isPgliteCluster = (dir: string) => fs.existsSync(path.join(dir, 'PG_VERSION'));

export async function ensurePgliteCluster(dir: string): Promise<void> {
  if (isPgliteCluster(dir)) return;
  // An empty directory left by an older start may stand where the cluster goes; anything else is not ours to replace.
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new Error(
      `${dir} holds files but no database (no PG_VERSION); move them away or set DATA_DIR to another directory`,
    );
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const building = `${dir}.creating-${process.pid}`;
  fs.rmSync(building, { recursive: true, force: true });
  const pglite = pathToFileURL(require.resolve('@electric-sql/pglite')).href;
  try {
    await runChild(
      process.execPath,
      ['--input-type=module', '-e', CREATE, pglite, building],
      `could not create the embedded database in ${dir}`,
    );
  } catch (err) {
    fs.rmSync(building, { recursive: true, force: true });
    throw err;
  }
  if (fs.existsSync(dir)) fs.rmdirSync(dir);
  fs.renameSync(building, dir);
}

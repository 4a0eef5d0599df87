import fs from 'node:fs';
import { STATE_FILE } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  if (!fs.existsSync(STATE_FILE)) return;
  const { pid, db } = JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as { pid: number; db: string };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
      await new Promise((r) => setTimeout(r, 100));
    } catch {
      break;
    }
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* stopped */
  }
  for (const f of [STATE_FILE, db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
}

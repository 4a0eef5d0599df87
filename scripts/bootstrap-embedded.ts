import { ensureAdmin } from '../api/bootstrap';
import type { Db } from '../db/client';
import type { Config } from '../lib/config';
import { seedDemoPeople } from './demo-data';

/** First-start set-up of the embedded stack: the admin, and demo agencies and people. */
export async function bootstrapEmbedded(db: Db, config: Config): Promise<string | undefined> {
  const token = await ensureAdmin(db, config.adminToken);
  await seedDemoPeople(db);
  return token;
}

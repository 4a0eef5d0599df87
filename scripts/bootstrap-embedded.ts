import { ensureAdmin, ensureChair } from '../api/bootstrap';
import type { Db } from '../db/client';
import type { Config } from '../lib/config';
import { seedDemoPeople } from './demo-data';

/** First-start set-up of the embedded stack: the admin, and demo agencies and people. */
export async function bootstrapEmbedded(db: Db, config: Config): Promise<{ adminToken?: string; demoSeeded: boolean }> {
  const adminToken = await ensureAdmin(db, config.adminToken, {
    tokenTtlDays: config.apiTokenTtlDays,
    actor: 'embedded',
  });
  const demoSeeded = await seedDemoPeople(db);
  await ensureChair(db, config.boardChairEmail, 'embedded'); // issue 20
  return { adminToken, demoSeeded };
}

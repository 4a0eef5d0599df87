import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { users } from '../db/schema';
import { hashToken, newToken } from './http/auth';

/**
 * ADMIN_TOKEN (if set) ensures an admin holding that token; otherwise, on the very first start
 * (no admin at all), an admin is created with a fresh token that the caller prints once.
 * Returns the token only when it was generated here.
 */
export async function ensureAdmin(db: Db, adminToken: string | undefined): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    if (adminToken) {
      const hash = hashToken(adminToken);
      const [holder] = await tx.select({ id: users.id, role: users.role }).from(users).where(eq(users.tokenHash, hash));
      if (holder) {
        if (holder.role !== 'admin') throw new Error('ADMIN_TOKEN belongs to a user who is not an admin; choose another token');
        return undefined;
      }
      const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, 'admin@localhost'));
      if (existing) await tx.update(users).set({ tokenHash: hash, role: 'admin' }).where(eq(users.id, existing.id));
      else await tx.insert(users).values({ name: 'Administrator', email: 'admin@localhost', role: 'admin', tokenHash: hash });
      return undefined;
    }
    const [anyAdmin] = await tx.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
    if (anyAdmin) return undefined;
    const token = newToken();
    await tx.insert(users).values({ name: 'Administrator', email: 'admin@localhost', role: 'admin', tokenHash: hashToken(token) });
    return token;
  });
}

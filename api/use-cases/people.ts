import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client';
import { AppError } from '../../lib/errors';
import { hashToken, newToken, type AuthenticatedActor } from '../http/auth';
import { findAgencyByCode, insertAgency } from '../queries/agencies';
import { insertUser } from '../queries/users';
import { recordPeopleEvent, type PeopleActor } from './people-audit';
import { DAY_MS } from './tokens';
import type { Role } from '../../domain/vocabulary';
import { inspectorAccessEnd } from './inspector-access';
import { iso } from '../queries/scope';

export async function createAgency(
  db: Db,
  input: { code: string; name: string; leadEmail: string; seniorEmail?: string },
) {
  const agency = await insertAgency(db, input);
  if (!agency) throw new AppError('conflict', `An agency with code ${input.code} already exists`);
  return agency;
}

/** The token is returned here once and never again: only its hash is kept. */
export async function createUser(
  db: Db,
  input: { name: string; email: string; role: Role; agencyCode?: string; expiresOn?: string },
  opts: { actor: PeopleActor; tokenTtlDays: number; now?: Date },
) {
  const now = opts.now ?? new Date();
  const accessExpiresAt = input.role === 'inspector' ? inspectorAccessEnd(input.expiresOn, now) : null;
  let agencyId: string | null = null;
  let agencyCode: string | null = null;
  if (input.agencyCode) {
    const agency = await findAgencyByCode(db, input.agencyCode);
    if (!agency)
      throw new AppError('validation', `Unknown agency code ${input.agencyCode}`, [
        { path: 'body.agencyCode', message: 'no agency has this code' },
      ]);
    agencyId = agency.id;
    agencyCode = agency.code;
  }
  const token = newToken();
  const tokenId = randomUUID();
  const ttlEnd = new Date(now.getTime() + opts.tokenTtlDays * DAY_MS);
  // An inspector's token ends with their access, never later.
  const tokenExpiresAt = accessExpiresAt && accessExpiresAt < ttlEnd ? accessExpiresAt : ttlEnd;
  const email = input.email.toLowerCase();
  const id = await db.transaction(async (tx) => {
    const row = await insertUser(tx, {
      name: input.name,
      email,
      role: input.role,
      agencyId,
      tokenHash: hashToken(token),
      tokenId,
      tokenExpiresAt,
      accessExpiresAt,
    });
    if (!row) return null;
    await recordPeopleEvent(
      tx,
      'user_created',
      opts.actor,
      {
        userId: row.id,
        email,
        role: input.role,
        agencyCode,
        tokenId,
        ...(accessExpiresAt ? { accessExpiresAt: accessExpiresAt.toISOString() } : {}),
      },
      now,
    );
    return row.id;
  });
  if (!id) throw new AppError('conflict', `A user with e-mail ${email} already exists`);
  return {
    user: { id, name: input.name, email, role: input.role, agencyCode, accessExpiresAt: iso(accessExpiresAt) },
    token,
    tokenId,
    tokenExpiresAt: tokenExpiresAt.toISOString(),
  };
}

export const me = (actor: AuthenticatedActor) => ({
  id: actor.userId,
  name: actor.name ?? '',
  email: actor.email,
  role: actor.role,
  agencyCode: actor.agencyCode,
});

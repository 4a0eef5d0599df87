import type { Db } from '../../db/client';
import { AppError } from '../../lib/errors';
import { hashToken, newToken, type AuthenticatedActor } from '../http/auth';
import { findAgencyByCode, insertAgency } from '../queries/agencies';
import { insertUser } from '../queries/users';

export async function createAgency(db: Db, input: { code: string; name: string; leadEmail: string; seniorEmail?: string }) {
  const agency = await insertAgency(db, input);
  if (!agency) throw new AppError('conflict', `An agency with code ${input.code} already exists`);
  return agency;
}

/** The token is returned here once and never again: only its hash is kept. */
export async function createUser(db: Db, input: { name: string; email: string; role: 'admin' | 'board' | 'agency'; agencyCode?: string }) {
  let agencyId: string | null = null;
  let agencyCode: string | null = null;
  if (input.agencyCode) {
    const agency = await findAgencyByCode(db, input.agencyCode);
    if (!agency) throw new AppError('validation', `Unknown agency code ${input.agencyCode}`, [{ path: 'body.agencyCode', message: 'no agency has this code' }]);
    agencyId = agency.id;
    agencyCode = agency.code;
  }
  const token = newToken();
  const email = input.email.toLowerCase();
  const row = await insertUser(db, { name: input.name, email, role: input.role, agencyId, tokenHash: hashToken(token) });
  if (!row) throw new AppError('conflict', `A user with e-mail ${email} already exists`);
  return { user: { id: row.id, name: input.name, email, role: input.role, agencyCode }, token };
}

export const me = (actor: AuthenticatedActor) => ({ id: actor.userId, name: actor.name ?? '', email: actor.email, role: actor.role, agencyCode: actor.agencyCode });

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Db } from '../../db/client';
import type { Role } from '../../domain/vocabulary';
import { hashToken } from '../http/auth';
import { deleteSession, findSessionUser, insertSession } from '../queries/sessions';
import { clearCookie, readCookie, setCookie } from './cookies';

export interface WebUser {
  userId: string;
  name: string;
  email: string;
  role: Role;
  agencyId: string | null;
  agencyCode: string | null;
}

export interface WebSession {
  user: WebUser;
  csrf: string;
  idHash: string;
  /** Signed in through the OpenID Connect provider: its ID token, for its end-session request. */
  oidcIdToken: string | null;
}

export const SESSION_COOKIE = 'ap_session';
/** A working day and a bit: long enough not to interrupt, short enough that a forgotten browser closes itself. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export async function createSession(
  db: Db,
  res: Response,
  userId: string,
  secure: boolean,
  now = new Date(),
  oidcIdToken: string | null = null,
): Promise<void> {
  const id = randomBytes(32).toString('base64url');
  await insertSession(
    db,
    {
      idHash: hashToken(id),
      userId,
      csrfToken: randomBytes(24).toString('base64url'),
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
      oidcIdToken,
    },
    now,
  );
  setCookie(res, SESSION_COOKIE, id, { secure, maxAgeSeconds: SESSION_TTL_MS / 1000 });
}

export async function loadSession(db: Db, req: Request): Promise<WebSession | null> {
  const id = readCookie(req, SESSION_COOKIE);
  if (!id || id.length > 100) return null;
  const idHash = hashToken(id);
  const row = await findSessionUser(db, idHash);
  if (!row) return null;
  const { csrf, oidcIdToken, ...user } = row;
  return { user, csrf, idHash, oidcIdToken };
}

export async function destroySession(
  db: Db,
  res: Response,
  session: WebSession | null,
  secure: boolean,
): Promise<void> {
  if (session) await deleteSession(db, session.idHash);
  clearCookie(res, SESSION_COOKIE, secure);
}

/** Constant-time comparison, so the token cannot be found byte by byte from response timings. */
export function csrfMatches(session: WebSession | null, given: unknown): boolean {
  if (!session || typeof given !== 'string' || given.length === 0) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

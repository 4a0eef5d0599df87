import { randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Request, Response } from 'express';
import type { Db } from '../../db/client';
import { agencies, sessions, users } from '../../db/schema';
import { hashToken } from '../http/auth';

export interface WebUser {
  userId: string;
  name: string;
  email: string;
  role: 'admin' | 'board' | 'agency';
  agencyId: string | null;
  agencyCode: string | null;
}

export interface WebSession {
  user: WebUser;
  csrf: string;
  idHash: string;
}

export const SESSION_COOKIE = 'ap_session';
/** A working day and a bit: long enough not to interrupt, short enough that a forgotten browser closes itself. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function cookie(name: string, value: string, opts: { secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${opts.maxAgeSeconds}`,
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}

export async function createSession(db: Db, res: Response, userId: string, secure: boolean, now = new Date()): Promise<void> {
  const id = randomBytes(32).toString('base64url');
  await db.insert(sessions).values({
    idHash: hashToken(id),
    userId,
    csrfToken: randomBytes(24).toString('base64url'),
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
  });
  // Opportunistic clean-up keeps the table small without a scheduler.
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
  res.append('Set-Cookie', cookie(SESSION_COOKIE, id, { secure, maxAgeSeconds: SESSION_TTL_MS / 1000 }));
}

export async function loadSession(db: Db, req: Request): Promise<WebSession | null> {
  const id = readCookie(req, SESSION_COOKIE);
  if (!id || id.length > 100) return null;
  const idHash = hashToken(id);
  const [row] = await db
    .select({
      csrf: sessions.csrfToken,
      userId: users.id,
      name: users.name,
      email: users.email,
      role: users.role,
      agencyId: users.agencyId,
      agencyCode: agencies.code,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(agencies, eq(agencies.id, users.agencyId))
    .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, new Date()), isNull(users.deactivatedAt)))
    .limit(1);
  if (!row) return null;
  const { csrf, ...user } = row;
  return { user, csrf, idHash };
}

export async function destroySession(db: Db, res: Response, session: WebSession | null, secure: boolean): Promise<void> {
  if (session) await db.delete(sessions).where(eq(sessions.idHash, session.idHash));
  res.append('Set-Cookie', cookie(SESSION_COOKIE, '', { secure, maxAgeSeconds: 0 }));
}

/** Constant-time comparison, so the token cannot be found byte by byte from response timings. */
export function csrfMatches(session: WebSession | null, given: unknown): boolean {
  if (!session || typeof given !== 'string' || given.length === 0) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

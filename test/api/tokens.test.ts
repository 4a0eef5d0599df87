import { eq, sql } from 'drizzle-orm';
import type { Request } from 'express';
import request from 'supertest';
import { createApp } from '../../api/app';
import { loadSession, createSession, SESSION_COOKIE } from '../../api/web/session';
import { auditEvents, loginTokens, sessions, users } from '../../db/schema';
import { createLogger } from '../../lib/logger';
import { loadConfig } from '../../lib/config';
import { verifyAuditChain } from '../../activities/audit';
import { ApiStack } from './stack';

/**
 * The token lifecycle on the real app and database: tokens expire, a rotation hands out a new
 * token and ends the one used, a revoked token and a deactivated user's token and sessions stop
 * working on the very next request, and every step is in the audit chain.
 */
let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack({ worker: false }).start();
}, 120_000);
afterAll(() => stack?.stop());

const me = (token: string) => request(stack.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);
const eventsOf = async (type: string) => stack.db.db.select().from(auditEvents).where(eq(auditEvents.type, type));

it('a user created through the API gets a token that expires after API_TOKEN_TTL_DAYS (default 90)', async () => {
  const res = await stack.post('/api/v1/users').send({ name: 'Sam Board', email: 'sam@board.test', role: 'board' });
  expect(res.status).toBe(201);
  const days = (Date.parse(res.body.tokenExpiresAt) - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(89.9);
  expect(days).toBeLessThanOrEqual(90);
  expect((await me(res.body.token)).status).toBe(200);
  expect(await eventsOf('user_created')).toEqual([
    expect.objectContaining({
      payload: expect.objectContaining({ email: 'sam@board.test', tokenId: res.body.tokenId }),
    }),
  ]);
  expect(loadConfig('embedded', { API_TOKEN_TTL_DAYS: '7' }).apiTokenTtlDays).toBe(7);
});

it('an expired token is refused at once', async () => {
  const u = await stack.newUser('agency', 'BHT');
  expect((await me(u.token)).status).toBe(200);
  await stack.db.db
    .update(users)
    .set({ tokenExpiresAt: sql`now() - interval '1 second'` })
    .where(eq(users.id, u.id));
  const res = await me(u.token);
  expect(res.status).toBe(401);
});

it('POST /api/v1/tokens returns a new token and ends the one it was called with', async () => {
  const u = await stack.newUser('agency', 'BHT');
  const res = await request(stack.app).post('/api/v1/tokens').set('Authorization', `Bearer ${u.token}`);
  expect(res.status).toBe(201);
  expect(res.body).toEqual({
    token: expect.stringMatching(/^apt_/),
    id: expect.any(String),
    expiresAt: expect.any(String),
  });
  expect((await me(u.token)).status).toBe(401);
  expect((await me(res.body.token)).body).toMatchObject({ id: u.id });
  // The old token cannot rotate again: it no longer exists.
  expect((await request(stack.app).post('/api/v1/tokens').set('Authorization', `Bearer ${u.token}`)).status).toBe(401);
  expect(await eventsOf('api_token_rotated')).toEqual([
    expect.objectContaining({
      actor: u.id,
      payload: expect.objectContaining({ revokedTokenId: u.tokenId, tokenId: res.body.id }),
    }),
  ]);
});

it('DELETE /api/v1/tokens/:id revokes your own token at once, and an admin may revoke anyone’s', async () => {
  const u = await stack.newUser('agency', 'TVP');
  const own = await request(stack.app).delete(`/api/v1/tokens/${u.tokenId}`).set('Authorization', `Bearer ${u.token}`);
  expect(own.status).toBe(204);
  expect((await me(u.token)).status).toBe(401);

  const v = await stack.newUser('board');
  expect((await stack.delete(`/api/v1/tokens/${v.tokenId}`, 'other')).status).toBe(404);
  expect((await me(v.token)).status).toBe(200);
  expect((await stack.delete(`/api/v1/tokens/${v.tokenId}`, 'admin')).status).toBe(204);
  expect((await me(v.token)).status).toBe(401);
  expect((await stack.delete(`/api/v1/tokens/${v.tokenId}`, 'admin')).status).toBe(404);
  expect((await eventsOf('api_token_revoked')).map((e) => e.payload)).toEqual([
    { userId: u.id, tokenId: u.tokenId },
    { userId: v.id, tokenId: v.tokenId },
  ]);
});

it('POST /api/v1/users/:id/deactivate ends the token, every session and unused sign-in link at once', async () => {
  const u = await stack.newUser('agency', 'BHT');
  const cookies: string[] = [];
  const fakeRes = { append: (_: string, v: string) => cookies.push(v) } as never;
  await createSession(stack.db.db, fakeRes, u.id, false);
  await createSession(stack.db.db, fakeRes, u.id, false);
  await stack.db.db
    .insert(loginTokens)
    .values({ tokenHash: `unused-${u.id}`, userId: u.id, expiresAt: new Date(Date.now() + 600_000) });
  const browser = (c: string) => ({ headers: { cookie: c.split(';')[0] } }) as unknown as Request;
  expect(cookies[0]).toContain(`${SESSION_COOKIE}=`);
  expect(await loadSession(stack.db.db, browser(cookies[0]))).not.toBeNull();

  const res = await stack.post(`/api/v1/users/${u.id}/deactivate`, 'admin');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ id: u.id, email: expect.any(String), deactivatedAt: expect.any(String) });
  expect((await me(u.token)).status).toBe(401);
  for (const c of cookies) expect(await loadSession(stack.db.db, browser(c))).toBeNull();
  expect(await stack.db.db.select().from(sessions).where(eq(sessions.userId, u.id))).toEqual([]);
  expect((await stack.db.db.select().from(loginTokens).where(eq(loginTokens.userId, u.id)))[0].usedAt).not.toBeNull();
  expect(await eventsOf('user_deactivated')).toEqual([
    expect.objectContaining({ payload: expect.objectContaining({ userId: u.id }) }),
  ]);
  // Again: nothing more to do, no second event.
  expect((await stack.post(`/api/v1/users/${u.id}/deactivate`, 'admin')).status).toBe(200);
  expect(await eventsOf('user_deactivated')).toHaveLength(1);
});

it('an admin cannot deactivate themselves; an unknown user is 404', async () => {
  const a = await stack.newUser('admin');
  const self = await request(stack.app)
    .post(`/api/v1/users/${a.id}/deactivate`)
    .set('Authorization', `Bearer ${a.token}`);
  expect(self.status).toBe(409);
  expect((await stack.post('/api/v1/users/00000000-0000-4000-8000-000000000000/deactivate', 'admin')).status).toBe(404);
});

it('leaves the audit chain intact', async () => {
  expect(await verifyAuditChain(stack.db.db)).toMatchObject({ ok: true });
});

it('an app built with another API_TOKEN_TTL_DAYS issues tokens for that long', async () => {
  const config = { ...loadConfig('embedded', { LOG_LEVEL: 'silent', NODE_ENV: 'test', API_TOKEN_TTL_DAYS: '7' }) };
  const app = createApp({
    config,
    db: stack.db.db,
    client: stack.client,
    logger: createLogger({ logLevel: 'silent' }),
    readiness: async () => ({
      ready: true,
      checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true } },
    }),
  });
  const u = await stack.newUser('board');
  const res = await request(app).post('/api/v1/tokens').set('Authorization', `Bearer ${u.token}`);
  expect(res.status).toBe(201);
  expect(Math.round((Date.parse(res.body.expiresAt) - Date.now()) / 86_400_000)).toBe(7);
});

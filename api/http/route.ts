import type { Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { ZodError, ZodType } from 'zod';
import type { Db } from '../../db/client';
import type { Role } from '../../db/schema';
import type { Config } from '../../lib/config';
import { AppError, type FieldIssue } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { ReadinessReport } from '../../lib/readiness';
import { authenticate, type AuthenticatedActor, type BadTokenLimiter } from './auth';
import { requestFingerprint, withIdempotency } from './idempotency';
import type { ApiMetrics } from './metrics';
import { parseMultipart, type MultipartLimits, type UploadedFile } from './uploads';
import { findUnstorable } from '../../workflows/storable-text';
import { recordInspectorRead } from '../queries/inspector-reads';
import { z } from './zod';

/** What route handlers and use-cases are given (built once per app). */
export interface ApiContext {
  db: Db;
  client: Client;
  config: Config;
  logger: Logger;
  taskQueue: string;
  metrics: ApiMetrics;
  limiter: BadTokenLimiter;
  readiness: () => Promise<ReadinessReport>;
  /** Filled in once the route table exists (the OpenAPI document is generated from it). */
  openApi: () => unknown;
  /** Per request, with an Idempotency-Key: the workflow update id the same request always uses. */
  updateId?: string;
}

/** `public`: no token; `any`: any signed-in user; a role list: only those roles (403 otherwise). */
export type Access = 'public' | 'any' | readonly Role[];

export interface BodySpec<B> {
  json?: ZodType<B>;
  multipart?: {
    fields: ZodType<B>;
    doc: ZodType;
    limits: MultipartLimits;
    normalize?: (fields: Record<string, unknown>) => unknown;
  };
  /** No body at all counts as `{}` (for POSTs that carry nothing, like acknowledge). */
  emptyAllowed?: boolean;
}

export interface ResponseSpec {
  description: string;
  schema?: ZodType;
  /** Defaults to application/json when a schema is given. */
  contentTypes?: string[];
}

export interface HandlerInput<P, Q, B> {
  ctx: ApiContext;
  actor: AuthenticatedActor;
  params: P;
  query: Q;
  body: B;
  files: UploadedFile[];
  req: Request;
  res: Response;
}

/** A JSON reply (kept for Idempotency-Key replays), or `sent` when the handler streamed something else. */
export type Reply = { status: number; body: unknown; headers?: Record<string, string> } | { sent: true };

export interface RouteDef<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express path, for example /api/v1/actions/:id. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: ZodType<P>;
  query?: ZodType<Q>;
  body?: BodySpec<B>;
  responses: Record<number, ResponseSpec>;
  handler: (input: HandlerInput<P, Q, B>) => Promise<Reply>;
}

/** Keeps each route's handler typed by its own schemas while the table holds them all. */
export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  def: RouteDef<P, Q, B>,
): RouteDef {
  return def as unknown as RouteDef;
}

export const EmptyQuery = z.strictObject({});
export const JSON_LIMIT = '256kb';

export function zodIssues(error: ZodError, location: string): FieldIssue[] {
  return error.issues.map((i) => ({ path: [location, ...i.path.map(String)].join('.'), message: i.message }));
}

/**
 * Validates with the route's schema, then walks what it let through for text that cannot be
 * stored: every schema's strings carry the check already (./zod.ts), this catches what a schema
 * does not type as a string (a key, an `any`), so a handler never receives such text.
 */
export function parseOrThrow<T>(schema: ZodType<T>, value: unknown, location: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new AppError('validation', `The request ${location} is not valid`, zodIssues(r.error, location));
  refuseUnstorable(r.data, location);
  return r.data;
}

export function refuseUnstorable(value: unknown, location: string): void {
  const bad = findUnstorable(value);
  if (bad)
    throw new AppError('validation', `The request ${location} is not valid`, [
      { path: [location, ...bad.path.map(String)].join('.'), message: bad.reason },
    ]);
}

const jsonParser = express.json({ limit: JSON_LIMIT, strict: true });

function runMiddleware(mw: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    void mw(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}

const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

async function readBody<B>(
  req: Request,
  res: Response,
  spec: BodySpec<B> | undefined,
): Promise<{ body: B; files: UploadedFile[] }> {
  const json = spec?.json ?? (spec?.multipart ? undefined : (z.strictObject({}) as unknown as ZodType<B>));
  if (!hasBody(req)) {
    const schema = json ?? spec?.multipart?.fields;
    return {
      body: parseOrThrow(schema as ZodType<B>, spec?.emptyAllowed || !spec ? {} : undefined, 'body'),
      files: [],
    };
  }
  if (json && req.is('application/json')) {
    await runMiddleware(jsonParser, req, res);
    return { body: parseOrThrow(json, req.body, 'body'), files: [] };
  }
  if (spec?.multipart && req.is('multipart/form-data')) {
    const { fields, files } = await parseMultipart(req, res, spec.multipart.limits);
    refuseUnstorable({ files: files.map((f) => ({ filename: f.filename, mediaType: f.mediaType })) }, 'body');
    const normalized = spec.multipart.normalize ? spec.multipart.normalize(fields) : fields;
    return { body: parseOrThrow(spec.multipart.fields, normalized, 'body'), files };
  }
  const accepted = [json ? 'application/json' : null, spec?.multipart ? 'multipart/form-data' : null]
    .filter(Boolean)
    .join(' or ');
  throw new AppError('unsupported_media_type', `Send the body as ${accepted}`);
}

/**
 * The route table's role rule, for the pages too: 403 when the role is not among those listed.
 * Issue 20: an inspector changes nothing (every write is refused, whatever it lists) and reads
 * what the board reads; `reading` is only ever true for a GET.
 */
export function requireAccess(access: Access, role: Role, reading = false): void {
  if (role === 'inspector') {
    if (!reading) throw new AppError('forbidden', 'An inspector’s access is read-only');
    if (access !== 'public' && access !== 'any' && access.includes('board')) return;
  }
  if (access === 'public' || access === 'any' || access.includes(role)) return;
  throw new AppError('forbidden', `This needs the role ${access.join(' or ')}; you are ${role}`);
}

/** Turns one table entry into an Express handler: authenticate, check the role, validate, run. */
export function toHandler(ctx: ApiContext, def: RouteDef): RequestHandler {
  return async (req, res) => {
    res.locals.routePath = def.path;
    let actor = undefined as unknown as AuthenticatedActor;
    if (def.access !== 'public') {
      try {
        actor = await authenticate(
          ctx.db,
          ctx.limiter,
          req.headers.authorization,
          req.ip ?? req.socket.remoteAddress ?? 'unknown',
        );
        requireAccess(def.access, actor.role, def.method === 'get');
        // Issue 20: every read by an inspector is on the record before it is served.
        if (actor.role === 'inspector')
          await recordInspectorRead(ctx.db, { userId: actor.userId, method: 'GET', path: req.originalUrl, via: 'api' });
      } catch (err) {
        // Refused before its body was read: close rather than wait for an upload nobody will read.
        if (hasBody(req)) res.setHeader('Connection', 'close');
        throw err;
      }
    }
    // A malformed id names nothing that exists: 404, like an unknown one.
    const paramsResult = (def.params ?? z.strictObject({})).safeParse({ ...req.params });
    if (!paramsResult.success) throw new AppError('not_found', 'No such resource');
    const params = paramsResult.data;
    const query = parseOrThrow(def.query ?? EmptyQuery, { ...(req.query as object) }, 'query');
    // A PUT (issue 18: /me/preferences) carries a body like a POST; it replaces, so needs no Idempotency-Key.
    const { body, files } =
      def.method === 'post' || def.method === 'put'
        ? await readBody(req, res, def.body)
        : { body: undefined, files: [] };

    const key = req.headers['idempotency-key'];
    const keyed = def.method === 'post' && typeof key === 'string' && !!actor;
    const fingerprint = keyed
      ? requestFingerprint({
          params,
          query,
          body,
          files: files.map((f) => [f.field, f.filename, f.mediaType, f.buffer]),
        })
      : '';
    // The same caller, key and request always send the same Update id, so a retry after a 503 gets that Update's result.
    const requestCtx = keyed
      ? {
          ...ctx,
          updateId: `idem-${createHash('sha256').update(`${actor.userId}\n${key}\n${fingerprint}`).digest('hex').slice(0, 48)}`,
        }
      : ctx;
    const run = () => def.handler({ ctx: requestCtx, actor, params, query, body, files, req, res });
    if (keyed && typeof key === 'string') {
      const result = await withIdempotency(ctx.db, actor.userId, key, req.method, req.path, fingerprint, async () => {
        const reply = await run();
        if ('sent' in reply) throw new Error(`${def.operationId} streams its reply and cannot be replayed`);
        return { status: reply.status, body: reply.body };
      });
      if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.status(result.status).json(result.body);
      return;
    }
    const reply = await run();
    if ('sent' in reply) return;
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    res.status(reply.status).json(reply.body);
  };
}

export function mountRoutes(app: express.Express, ctx: ApiContext, routes: RouteDef[]): void {
  for (const def of routes) app[def.method](def.path, toHandler(ctx, def));
}

import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express from 'express';
import { pinoHttp } from 'pino-http';
import { useAuditKey } from '../activities/audit';
import type { Db } from '../db/client';
import { isLoopbackHost, type Config } from '../lib/config';
import { redactUrl, type Logger } from '../lib/logger';
import type { MailCatcher } from '../lib/mail-catcher';
import type { ReadinessReport } from '../lib/readiness';
import { BadTokenLimiter } from './http/auth';
import { createMetrics, type ApiMetrics } from './http/metrics';
import { buildOpenApiDocument } from './http/openapi';
import { errorHandler, notFoundHandler } from './http/problem';
import { mountRoutes, type ApiContext } from './http/route';
import { securityHeaders } from './http/security-headers';
import { ROUTES } from './routes';
import { assetsRouter } from './web/assets';
import { mailInboxRouter } from './web/mail-inbox';
import { setBoardTimeZone } from '../lib/board-time';
import { webRouter } from './web/router';

export interface AppDeps {
  config: Config;
  db: Db;
  client: Client;
  logger: Logger;
  readiness: () => Promise<ReadinessReport>;
  /** Only in embedded mode: the built-in SMTP catcher, whose inbox the web page shows. */
  mailCatcher?: MailCatcher;
  /** Task queue the API starts workflows on (defaults to config.temporal.taskQueue; tests use their own). */
  taskQueue?: string;
  /** Bad tokens allowed per address per window before 429 (default 20 a minute). */
  authRateLimit?: { max: number; windowMs: number };
  /** Supply to share one registry between apps; otherwise each app has its own. */
  metrics?: ApiMetrics;
}

/** Built apart from `listen` so tests drive it directly (docs/ARCHITECTURE.md, House rules). */
export function createApp(deps: AppDeps): express.Express {
  // Token and calendar administration append audit events here too: signed like the worker's.
  useAuditKey(deps.config.auditKey);
  setBoardTimeZone(deps.config.boardTimeZone);
  const app = express();
  app.disable('x-powered-by');
  // Which proxies' X-Forwarded-For is believed decides the address every limit counts by (TRUST_PROXY).
  app.set('trust proxy', deps.config.trustProxy);
  // Query strings stay flat (a=1&a=2 → array): no nested objects for validation to second-guess.
  app.set('query parser', 'simple');
  const metrics = deps.metrics ?? createMetrics(deps.db);
  app.use(metrics.middleware);
  app.use(securityHeaders({ publicUrl: deps.config.publicUrl, ssoIssuer: deps.config.oidc?.issuer }));
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // The standard serializer's output, with a sign-in link's token cut out of the URL.
      serializers: {
        req: (req: { url?: string; params?: Record<string, unknown> }) => {
          if (typeof req.url === 'string') req.url = redactUrl(req.url);
          if (req.params && 'token' in req.params) req.params = { ...req.params, token: '[redacted]' };
          return req;
        },
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );

  let openApi: unknown;
  const ctx: ApiContext = {
    db: deps.db,
    client: deps.client,
    config: deps.config,
    logger: deps.logger,
    taskQueue: deps.taskQueue ?? deps.config.temporal.taskQueue,
    metrics,
    limiter: new BadTokenLimiter(deps.db, deps.authRateLimit?.max, deps.authRateLimit?.windowMs),
    readiness: deps.readiness,
    openApi: () => (openApi ??= buildOpenApiDocument(ROUTES, { serverUrl: deps.config.publicUrl, version: '1' })),
  };
  mountRoutes(app, ctx, ROUTES);

  // The inbox holds every sign-in link: beyond loopback only an administrator's session opens it.
  if (deps.mailCatcher) app.use(mailInboxRouter(deps.mailCatcher, isLoopbackHost(deps.config.host) ? null : deps.db));
  app.use(assetsRouter());
  // Browser pages (session cookie + CSRF); after the API so /api/v1 keeps its bearer tokens.
  app.use(webRouter(ctx, { mailCatcher: deps.mailCatcher }));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}

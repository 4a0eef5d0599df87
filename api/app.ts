import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express from 'express';
import { pinoHttp } from 'pino-http';
import type { Db } from '../db/client';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import type { MailCatcher } from '../lib/mail-catcher';
import type { ReadinessReport } from '../lib/readiness';
import { errorHandler, notFoundHandler } from './http/problem';
import { mailInboxRouter } from './web/mail-inbox';
import { webRouter } from './web/router';

export interface AppDeps {
  config: Config;
  db: Db;
  client: Client;
  logger: Logger;
  readiness: () => Promise<ReadinessReport>;
  /** Only in embedded mode: the built-in SMTP catcher, whose inbox the web page shows. */
  mailCatcher?: MailCatcher;
}

/** Built apart from `listen` so tests drive it directly (STYLE.md 16). */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await deps.readiness();
    res.status(report.ready ? 200 : 503).json(report);
  });

  if (deps.mailCatcher) app.use(mailInboxRouter(deps.mailCatcher));
  app.use(webRouter(deps));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}

import type http from 'node:http';
import express from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import type { MailCatcher } from '../lib/mail-catcher';
import { checkReadiness } from '../lib/readiness';
import { liveWorkers } from '../lib/worker-heartbeat';
import { createApp } from './app';
import { createMetrics, type ApiMetrics } from './http/metrics';

export interface RunningApi {
  server: http.Server;
  url: string;
  /** Where /metrics is served without a token, when METRICS_PORT is set. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

/** How long requests in flight at SIGTERM may run on before their connections are closed. */
export const HTTP_SHUTDOWN_GRACE_MS = 20_000;

/** `host` undefined: every interface (a service behind its own network rules). */
function listen(app: express.Express, port: number, host: string | undefined): Promise<http.Server> {
  return new Promise<http.Server>((resolve, reject) => {
    const done = (err?: Error) => (err ? reject(err) : resolve(s));
    const s = host === undefined ? app.listen(port, done) : app.listen(port, host, done);
    s.once('error', reject);
  });
}

function portOf(server: http.Server, fallback: number): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : fallback;
}

/** Stops accepting, lets requests in flight finish (up to the grace), then closes what is left. */
function closeGracefully(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive sockets would hold close() open; busy ones finish their request first,
    // and are closed as soon as they fall idle.
    server.closeIdleConnections();
    const idle = setInterval(() => server.closeIdleConnections(), 250);
    idle.unref();
    server.once('close', () => clearInterval(idle));
    setTimeout(() => server.closeAllConnections(), HTTP_SHUTDOWN_GRACE_MS).unref();
  });
}

/**
 * The scrape port (METRICS_PORT): /metrics and nothing else, no token. It is meant for the
 * private network a Prometheus sits on, never published beyond it.
 */
function metricsApp(metrics: ApiMetrics): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.status(200).send(await metrics.registry.metrics());
  });
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Only /metrics is served on this port\n');
  });
  return app;
}

/** Listens and returns a handle whose stop() lets in-flight requests finish (graceful SIGTERM). */
export async function startApi(opts: {
  config: Config;
  db: Db;
  pingDatabase: () => Promise<void>;
  client: Client;
  logger: Logger;
  mailCatcher?: MailCatcher;
}): Promise<RunningApi> {
  const { config, client } = opts;
  const metrics = createMetrics(opts.db);
  const app = createApp({
    metrics,
    config,
    db: opts.db,
    client,
    logger: opts.logger,
    mailCatcher: opts.mailCatcher,
    readiness: () =>
      checkReadiness({
        pingDatabase: opts.pingDatabase,
        pingTemporal: async () => {
          await client.workflowService.describeNamespace({ namespace: config.temporal.namespace });
        },
        liveWorkers: () => liveWorkers(opts.db, config.temporal.taskQueue),
        logger: opts.logger,
      }),
  });
  const server = await listen(app, config.port, config.host);
  const metricsServer =
    config.metricsPort !== undefined ? await listen(metricsApp(metrics), config.metricsPort, config.host) : undefined;
  return {
    server,
    url: `http://localhost:${portOf(server, config.port)}`,
    metricsUrl: metricsServer ? `http://localhost:${portOf(metricsServer, config.metricsPort!)}/metrics` : undefined,
    stop: async () => {
      await Promise.all([closeGracefully(server), metricsServer && closeGracefully(metricsServer)]);
    },
  };
}

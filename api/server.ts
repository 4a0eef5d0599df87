import type http from 'node:http';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import type { MailCatcher } from '../lib/mail-catcher';
import { checkReadiness } from '../lib/readiness';
import { createApp } from './app';

export interface RunningApi {
  server: http.Server;
  url: string;
  stop(): Promise<void>;
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
  const app = createApp({
    config,
    db: opts.db,
    client,
    logger: opts.logger,
    mailCatcher: opts.mailCatcher,
    readiness: () =>
      checkReadiness({ pingDatabase: opts.pingDatabase, client, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue }),
  });
  const server = await new Promise<http.Server>((resolve, reject) => {
    const done = (err?: Error) => (err ? reject(err) : resolve(s));
    const s = config.host === undefined ? app.listen(config.port, done) : app.listen(config.port, config.host, done);
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    server,
    url: `http://localhost:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open; busy ones finish their request first.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      }),
  };
}

import { count } from 'drizzle-orm';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../../db/client';
import { actions, notifications } from '../../db/schema';
import { BEHIND_AFTER_SECONDS, activityFailureCounts, countActionsBehind } from '../queries/stuck-work';

export interface ApiMetrics {
  registry: Registry;
  workflowStarts: Counter<'kind'>;
  middleware: RequestHandler;
}

/**
 * One registry per app, so two apps in one process (tests) never collide. Mail counts are read
 * from the outbox at scrape time: the worker sends the mail, and the table is what all
 * processes share.
 */
export function createMetrics(db: Db): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const workflowStarts = new Counter({
    name: 'actionplan_workflow_starts_total',
    help: 'Workflows started through this API (recommendation and action workflows)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'actionplan_mails',
    help: 'Outbox notifications by status (sent, failed, pending)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const rows = await db
          .select({ status: notifications.status, n: count() })
          .from(notifications)
          .groupBy(notifications.status);
        for (const status of ['sent', 'failed', 'pending']) this.set({ status }, 0);
        for (const r of rows) this.set({ status: r.status }, r.n);
      } catch {
        /* the database being down must not break /metrics */
      }
    },
  });
  new Gauge({
    name: 'actionplan_actions',
    help: 'Actions by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const rows = await db.select({ status: actions.status, n: count() }).from(actions).groupBy(actions.status);
        for (const r of rows) this.set({ status: r.status }, r.n);
      } catch {
        /* as above */
      }
    },
  });

  // Recorded by the workers (activities/failure-record.ts) in the database, so this one scrape
  // sees every worker's failures, and the counts survive a worker's restart.
  new Counter({
    name: 'actionplan_activity_failures_total',
    help: 'Activity failures recorded by the workers, by activity type and reason (SQLSTATE, connection, failure type, unknown)',
    labelNames: ['activity_type', 'reason'] as const,
    registers: [registry],
    async collect() {
      try {
        const rows = await activityFailureCounts(db);
        this.reset();
        for (const r of rows) this.inc({ activity_type: r.activityType, reason: r.reason }, r.failures);
      } catch {
        /* as above */
      }
    },
  });
  new Gauge({
    name: 'actionplan_projections_behind',
    help: `Actions whose row has been behind their workflow for more than ${BEHIND_AFTER_SECONDS} s (a projection failing since); npm run doctor lists them`,
    registers: [registry],
    async collect() {
      try {
        this.set(await countActionsBehind(db));
      } catch {
        /* as above */
      }
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const end = latency.startTimer();
    res.on('finish', () => {
      // The route template, never the raw URL: ids in label values would explode the series count.
      const route = (res.locals.routePath as string | undefined) ?? 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      requests.inc(labels);
      end(labels);
    });
    next();
  };
  return { registry, workflowStarts, middleware };
}

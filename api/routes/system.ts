import { DOCUMENT_CSP } from '../http/security-headers';
import { defineRoute, type RouteDef } from '../http/route';
import { renderDocsPage } from '../http/docs-page';
import { z } from '../http/zod';

/** `detail` is a fixed phrase naming what is down, never an error's text: the endpoint is public. */
const ReadinessReport = z
  .object({
    ready: z.boolean(),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
  })
  .openapi('ReadinessReport');

export const systemRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Liveness',
    tag: 'System',
    access: 'public',
    responses: { 200: { description: 'The process is up', schema: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 200, body: { status: 'ok' } }),
  }),
  defineRoute({
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'Readiness: database, Temporal and a worker reachable',
    tag: 'System',
    access: 'public',
    responses: {
      200: { description: 'Ready', schema: ReadinessReport },
      503: { description: 'Not ready', schema: ReadinessReport },
    },
    handler: async ({ ctx }) => {
      const report = await ctx.readiness();
      return { status: report.ready ? 200 : 503, body: report };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics: requests, latencies, workflow starts, mails sent and failed',
    description: 'Admin token only. A scraper without one uses METRICS_PORT, a port of its own that is not published.',
    tag: 'System',
    access: ['admin'],
    responses: { 200: { description: 'Prometheus text format', contentTypes: ['text/plain'] } },
    handler: async ({ ctx, res }) => {
      res.setHeader('Content-Type', ctx.metrics.registry.contentType);
      res.status(200).send(await ctx.metrics.registry.metrics());
      return { sent: true };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This OpenAPI document',
    tag: 'System',
    access: 'public',
    responses: { 200: { description: 'OpenAPI 3.1', contentTypes: ['application/json'] } },
    handler: async ({ ctx }) => ({ status: 200, body: ctx.openApi() }),
  }),
  defineRoute({
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    summary: 'A viewer of this document',
    tag: 'System',
    access: 'public',
    responses: { 200: { description: 'HTML', contentTypes: ['text/html'] } },
    handler: async ({ ctx, res }) => {
      res.setHeader('Content-Security-Policy', DOCUMENT_CSP);
      res
        .type('html')
        .status(200)
        .send(renderDocsPage(ctx.openApi() as Record<string, unknown>));
      return { sent: true };
    },
  }),
];

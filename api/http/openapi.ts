import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { Problem } from '../schemas';
import { z } from './zod';

const IdempotencyHeader = z.object({
  'Idempotency-Key': z
    .string()
    .max(255)
    .optional()
    .openapi({ description: 'Same key and body replays the first response; the same key with another body is a 409' }),
});
import type { RouteDef } from './route';

export const toOpenApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z_]\w*)/g, '{$1}');

const problem = (description: string): ResponseConfig => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});

/** The document is generated from the same table and zod schemas that route and validate requests. */
export function buildOpenApiDocument(routes: RouteDef[], opts: { serverUrl: string; version: string }) {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from POST /api/v1/users (or ADMIN_TOKEN)',
  });
  for (const def of routes) {
    const responses: Record<string, ResponseConfig> = {};
    for (const [status, spec] of Object.entries(def.responses)) {
      const types = spec.contentTypes ?? (spec.schema ? ['application/json'] : []);
      const isProblem = Number(status) >= 400;
      responses[status] = {
        description: spec.description,
        ...(types.length || isProblem
          ? {
              content: Object.fromEntries(
                (isProblem ? ['application/problem+json'] : types).map((t) => [
                  t,
                  { schema: spec.schema ?? (isProblem ? Problem : { type: 'string' as const }) },
                ]),
              ),
            }
          : {}),
      };
    }
    const add = (status: number, description: string) => {
      if (!responses[status]) responses[status] = problem(description);
    };
    if (def.access !== 'public') {
      add(401, 'No or bad token');
      add(429, 'Too many bad tokens from this address');
    }
    if (Array.isArray(def.access)) add(403, `Needs role ${def.access.join(' or ')}`);
    if (def.params) add(404, 'Unknown, or not yours');
    if (def.method === 'post' || def.method === 'put' || def.query)
      add(400, 'Malformed or invalid request (zod issues in errors)');
    if (def.method === 'put') add(415, 'Wrong media type');
    if (def.method === 'post') {
      add(413, 'Too large');
      add(415, 'Wrong media type');
      add(409, 'Conflict (or an Idempotency-Key reused with another request)');
    }
    const content: Record<string, { schema: NonNullable<RouteDef['params']> }> = {};
    if (def.body?.json) content['application/json'] = { schema: def.body.json };
    if (def.body?.multipart) content['multipart/form-data'] = { schema: def.body.multipart.doc };
    const config: RouteConfig = {
      method: def.method,
      path: toOpenApiPath(def.path),
      operationId: def.operationId,
      summary: def.summary,
      description: def.description,
      tags: [def.tag],
      security: def.access === 'public' ? [] : [{ [bearer.name]: [] }],
      'x-roles': def.access,
      request: {
        params: def.params as RouteConfig['request'] extends infer R
          ? R extends { params?: infer P }
            ? P
            : never
          : never,
        query: def.query as RouteConfig['request'] extends infer R
          ? R extends { query?: infer Q }
            ? Q
            : never
          : never,
        ...(Object.keys(content).length ? { body: { content, required: !def.body?.emptyAllowed } } : {}),
        ...(def.method === 'post' && def.access !== 'public' ? { headers: IdempotencyHeader } : {}),
      },
      responses,
    };
    registry.registerPath(config);
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Action-plan workflow engine',
      version: opts.version,
      description:
        'Safeguarding review recommendations turned into agency actions, tracked to sign-off. Errors are application/problem+json (RFC 9457).',
    },
    servers: [{ url: opts.serverUrl }],
  });
}

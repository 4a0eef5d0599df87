import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AppError, type FieldIssue } from '../../lib/errors';
import type { Logger } from '../../lib/logger';

/** RFC 9457 problem details. */
export function sendProblem(
  res: Response,
  status: number,
  title: string,
  detail?: string,
  errors?: FieldIssue[],
): void {
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: `about:blank`, title, status, detail, ...(errors ? { errors } : {}) });
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const notFoundHandler: RequestHandler = (req, res) =>
  sendProblem(res, 404, 'Not Found', `No route for ${req.method} ${req.path}`);

const PG_UNAVAILABLE = /^(08|57P0[123]|53300)/;
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * The database or Temporal is out of reach (restarting, failing over): nothing the client did,
 * and retrying later will work, so 503 with Retry-After rather than a 500.
 */
export function isDependencyUnavailable(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    const code = e.code;
    if (typeof code === 'string' && (PG_UNAVAILABLE.test(code) || NET_UNAVAILABLE.has(code))) return true;
    if (code === 14 /* gRPC UNAVAILABLE */) return true;
    if (
      typeof e.message === 'string' &&
      /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
        e.message,
      )
    )
      return true;
  }
  return false;
}

/** Client mistakes become 4xx with a reason; only our own faults are 500, and never kill the process. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    if (err instanceof AppError) {
      const retryAfter = (err as AppError & { retryAfter?: number }).retryAfter;
      if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
      return sendProblem(res, err.status, TITLES[err.status] ?? 'Error', err.message, err.errors);
    }
    // body-parser / multer errors carry a client status.
    const status =
      typeof err?.status === 'number' ? err.status : typeof err?.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      const detail =
        err.type === 'entity.parse.failed'
          ? 'Malformed JSON body'
          : err.type === 'entity.too.large'
            ? `The body is larger than ${err.limit} bytes`
            : String(err.message ?? 'Bad request');
      return sendProblem(res, status, TITLES[status] ?? 'Bad Request', detail);
    }
    if (isDependencyUnavailable(err)) {
      logger.warn({ err, reqId: req.id }, 'a dependency is unavailable');
      res.setHeader('Retry-After', '5');
      return sendProblem(
        res,
        503,
        TITLES[503],
        'The service is briefly unavailable (database or workflow engine out of reach); retry shortly.',
      );
    }
    logger.error({ err, reqId: req.id }, 'unhandled error');
    return sendProblem(res, 500, 'Internal Server Error', 'An unexpected error occurred; it has been logged.');
  };
}

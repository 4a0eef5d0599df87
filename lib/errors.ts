/**
 * The one typed application error (docs/ARCHITECTURE.md, House rules). Use-cases throw it; the API's error middleware
 * maps `kind` to a status and an `application/problem+json` body. Anything else is a 500.
 */
export type AppErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable';

export const STATUS_BY_KIND: Record<AppErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
};

export interface FieldIssue {
  path: string;
  message: string;
  /** For imports: the 1-based spreadsheet row and the column name. */
  row?: number;
  column?: string;
}

export class AppError extends Error {
  constructor(
    public readonly kind: AppErrorKind,
    message: string,
    public readonly errors?: FieldIssue[],
    /** Seconds, sent as Retry-After (503 and 429). */
    public readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return STATUS_BY_KIND[this.kind];
  }
}

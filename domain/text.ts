/** Small pure helpers every layer shares (one of each). */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text into HTML (element content or a quoted attribute). */
export const escapeHtml = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id that could name a row: anything else is "not found" without asking the database. */
export const isUuid = (s: unknown): s is string => typeof s === 'string' && UUID_RE.test(s);

/** JSON with sorted keys (and dates as ISO text): jsonb does not keep key order, hashes and fingerprints must not depend on it. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Issue 22: a web address as people type it. `www.example.org/report` gains `https://`; anything
 * that names another scheme (`mailto:`, `javascript:`, `file:`) is left as typed, for the schema's
 * http(s)-only check to refuse with a clear message. `host:8080/x` is a host with a port, not a
 * scheme. Surrounding blanks go.
 */
export function normaliseLink(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const s = value.trim();
  if (s === '') return s;
  if (s.startsWith('//')) return `https:${s}`;
  const scheme = /^([a-z][a-z0-9+.-]*):(.?)/i.exec(s);
  if (scheme && !/\d/.test(scheme[2])) return s;
  return `https://${s}`;
}

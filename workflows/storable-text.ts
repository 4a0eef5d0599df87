/**
 * What text the system accepts: anything Postgres can store as UTF-8 text and jsonb. Two things
 * cannot be: the NUL character (Postgres refuses U+0000 in text and jsonb, SQLSTATE 22021 / 22P05)
 * and a lone UTF-16 surrogate (it has no UTF-8 encoding). Both are refused at every edge (the zod
 * schemas, the web forms, the import reader) and again by the workflows' Update validators, so
 * nothing enters a workflow's state that its projection could not write.
 *
 * Other control characters (TAB, LF and CR, the rest of C0, DEL, C1) and bidirectional overrides
 * are storable and are accepted unchanged, as they always were: renderers escape what they show
 * (HTML), and nothing in the product interprets them.
 *
 * Pure and deterministic: imported by workflow code as well as by the API.
 */

export const UNSTORABLE_MESSAGE = 'cannot be stored';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Why this string cannot be stored (naming the first bad character and its position), or null. */
export function unstorableReason(s: string): string | null {
  const nul = s.indexOf('\u0000');
  const surrogate = s.search(LONE_SURROGATE);
  if (nul < 0 && surrogate < 0) return null;
  if (nul >= 0 && (surrogate < 0 || nul < surrogate))
    return `${UNSTORABLE_MESSAGE}: it contains the NUL character (U+0000) at position ${nul + 1}`;
  const unit = s.charCodeAt(surrogate).toString(16).toUpperCase();
  return `${UNSTORABLE_MESSAGE}: it contains a lone surrogate (U+${unit}) at position ${surrogate + 1}, which is not a character`;
}

export const isStorable = (s: string): boolean => !s.includes('\u0000') && !LONE_SURROGATE.test(s);

export interface UnstorableText {
  /** Where, as a path of keys and indexes from the value given. */
  path: (string | number)[];
  reason: string;
}

/** The first string (or object key) anywhere in a JSON-like value that cannot be stored. */
export function findUnstorable(value: unknown, path: (string | number)[] = [], depth = 0): UnstorableText | null {
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    return reason ? { path, reason } : null;
  }
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], [...path, i], depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const keyReason = unstorableReason(k);
    if (keyReason) return { path: [...path, k], reason: `the field name ${keyReason}` };
    const found = findUnstorable(v, [...path, k], depth + 1);
    if (found) return found;
  }
  return null;
}

/** Replaces what cannot be stored with U+FFFD (for recovering histories recorded before the edge refused it). */
export function toStorable(s: string): string {
  return s.replace(LONE_SURROGATES, '\uFFFD').replaceAll('\u0000', '\uFFFD');
}

/** toStorable on every string (and key) of a JSON-like value. */
export function toStorableDeep<T>(value: T): T {
  if (typeof value === 'string') return toStorable(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => toStorableDeep(v)) as T;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [toStorable(k), toStorableDeep(v)]),
  ) as T;
}

/**
 * Every text a route accepts carries the storable-text check: the test walks the schemas of
 * every route in the table (bodies, multipart fields, queries, params), so a field added later
 * without it fails here. It also shows each builder refusing NUL and lone surrogates.
 */
import { z as rawZod, type ZodType } from 'zod';
import { STORABLE_TEXT, z } from '../../api/http/zod';
import { ROUTES } from '../../api/routes';
import * as schemas from '../../api/schemas';
import { loadConfig } from '../../lib/config';

interface Node {
  _zod: { def: Record<string, unknown> & { type: string; checks?: unknown[] } };
}

/** Every string-typed node reachable from a schema, with where it is. */
function strings(
  schema: unknown,
  where: string,
  out: { where: string; node: Node }[] = [],
  seen = new Set<unknown>(),
): { where: string; node: Node }[] {
  const node = schema as Node | undefined;
  if (!node?._zod || seen.has(node)) return out;
  seen.add(node);
  const def = node._zod.def;
  switch (def.type) {
    case 'string':
      out.push({ where, node });
      break;
    case 'object':
      for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) strings(v, `${where}.${k}`, out, seen);
      break;
    case 'array':
      strings(def.element, `${where}[]`, out, seen);
      break;
    case 'union':
      (def.options as unknown[]).forEach((o, i) => strings(o, `${where}|${i}`, out, seen));
      break;
    case 'pipe':
      strings(def.in, where, out, seen);
      strings(def.out, where, out, seen);
      break;
    case 'record':
      strings(def.keyType, `${where}{key}`, out, seen);
      strings(def.valueType, `${where}{}`, out, seen);
      break;
    default:
      for (const k of ['innerType', 'schema']) if (def[k]) strings(def[k], where, out, seen);
  }
  return out;
}

/** Strings whose format cannot hold a NUL or a surrogate (ASCII patterns). */
const ASCII_FORMATS = new Set(['guid', 'uuid', 'email', 'date', 'datetime', 'regex']);
const guarded = (n: Node) =>
  (n._zod.def.checks ?? []).includes(STORABLE_TEXT) ||
  ASCII_FORMATS.has(String((n._zod.def as { format?: string }).format));

describe('the storable-text check is on every text the API accepts', () => {
  const cases = ROUTES.flatMap((r) => {
    const parts: [string, unknown][] = [
      ['params', r.params],
      ['query', r.query],
      ['body', r.body?.json],
      ['multipart', r.body?.multipart?.fields],
    ];
    return parts.filter(([, s]) => s).map(([part, s]) => [`${r.method.toUpperCase()} ${r.path} ${part}`, s] as const);
  });

  it('the route table has request schemas to walk, and the walk sees a string built with plain zod', () => {
    expect(cases.length).toBeGreaterThan(10);
    const plain = strings(
      rawZod.strictObject({ a: rawZod.string().optional(), b: rawZod.array(rawZod.url()) }),
      'plain',
    );
    expect(plain.filter((s) => !guarded(s.node)).map((s) => s.where)).toEqual(['plain.a', 'plain.b[]']);
  });

  it.each(cases)('%s', (_name, schema) => {
    const unguarded = strings(schema, '')
      .filter((s) => !guarded(s.node))
      .map((s) => s.where);
    expect(unguarded).toEqual([]);
  });

  it('every exported request schema refuses NUL and lone surrogates in its text', () => {
    const all = Object.entries(schemas).flatMap(([name, s]) => strings(s, name));
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((s) => !guarded(s.node)).map((s) => s.where)).toEqual([]);
  });

  it.each([
    ['z.string()', z.string()],
    ['z.string().trim().min(1)', z.string().trim().min(1)],
    ['z.url()', z.url()],
    ['EvidenceBody.statement', schemas.EvidenceBody.shape.statement],
  ] as [string, ZodType][])(
    '%s refuses NUL and a lone surrogate, and accepts emoji, bidi marks and other scripts',
    (_name, s) => {
      const base = _name === 'z.url()' ? 'https://a.example/p' : 'text';
      expect(s.safeParse(`${base}\u0000x`).success).toBe(false);
      expect(s.safeParse(`${base}\ud800x`).success).toBe(false);
      expect(s.safeParse(`${base}\udc00`).success).toBe(false);
      expect(s.safeParse(`${base}😀`).success).toBe(true);
      if (_name !== 'z.url()')
        expect(s.safeParse(`${base} \u202Eabc\u202C Ελληνικά 中文 العربية \u0007`).success).toBe(true);
    },
  );

  it('configuration: a value that cannot be stored is refused, naming the variable but not echoing the value', () => {
    expect(() => loadConfig('embedded', { MAIL_FROM: 'Board \ud800 <a@b.test>' })).toThrow(
      /MAIL_FROM: the value cannot be stored/,
    );
    try {
      loadConfig('embedded', { MAIL_FROM: 'secret\ud800' });
    } catch (err) {
      expect(String(err)).not.toMatch(/secret/);
    }
  });
});

/**
 * A self-contained API viewer (no CDN: these machines have no internet). It renders the
 * OpenAPI document the server generated: every operation with its roles, parameters, request
 * body and responses, and the component schemas, all linked.
 */
type Json = Record<string, unknown>;

import { escapeHtml as esc } from '../../domain/text';

function schemaHtml(schema: unknown): string {
  if (!schema || typeof schema !== 'object') return '';
  const s = schema as Json;
  if (typeof s.$ref === 'string') {
    const name = s.$ref.split('/').pop()!;
    return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  }
  return `<pre>${esc(JSON.stringify(s, null, 2))}</pre>`;
}

export function renderDocsPage(doc: Json): string {
  const info = (doc.info ?? {}) as Json;
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  const ops: { tag: string; html: string; id: string; method: string; path: string; summary: string }[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      const id = String(op.operationId ?? `${method}-${path}`);
      const roles = op['x-roles'];
      const params = ((op.parameters ?? []) as Json[])
        .map(
          (p) =>
            `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${schemaHtml(p.schema)}</td></tr>`,
        )
        .join('');
      const body = op.requestBody as Json | undefined;
      const bodyHtml = body
        ? Object.entries((body.content ?? {}) as Record<string, Json>)
            .map(([type, c]) => `<div><strong>${esc(type)}</strong> ${schemaHtml(c.schema)}</div>`)
            .join('')
        : '';
      const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
        .map(([status, r]) => {
          const content = Object.entries((r.content ?? {}) as Record<string, Json>)
            .map(([type, c]) => `<div>${esc(type)} ${schemaHtml(c.schema)}</div>`)
            .join('');
          return `<tr><td class="status s${esc(status[0])}">${esc(status)}</td><td>${esc(r.description)}</td><td>${content}</td></tr>`;
        })
        .join('');
      ops.push({
        tag: String(((op.tags as string[]) ?? ['Other'])[0]),
        id,
        method,
        path,
        summary: String(op.summary ?? ''),
        html: `<details id="op-${esc(id)}" class="op"><summary><span class="m m-${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> <span class="sum">${esc(op.summary)}</span></summary>
<div class="body">${op.description ? `<p>${esc(op.description)}</p>` : ''}
<p><strong>Who:</strong> ${esc(roles === 'public' ? 'public, no token' : roles === 'any' ? 'any signed-in user' : Array.isArray(roles) ? roles.join(', ') : '')}</p>
${params ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>${params}</table>` : ''}
${bodyHtml ? `<h4>Request body</h4>${bodyHtml}` : ''}
<h4>Responses</h4><table>${responses}</table></div></details>`,
      });
    }
  }
  const tags = [...new Set(ops.map((o) => o.tag))];
  const schemas = Object.entries(((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, unknown>)
    .map(
      ([name, s]) =>
        `<details id="schema-${esc(name)}" class="op"><summary><code>${esc(name)}</code></summary><pre>${esc(JSON.stringify(s, null, 2))}</pre></details>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)}: API</title>
<style>
body{font-family:system-ui,sans-serif;max-width:70rem;margin:1.5rem auto;padding:0 1rem;color:#222}
.op{border:1px solid #ddd;border-radius:4px;margin:.4rem 0}.op>summary{padding:.4rem .6rem;cursor:pointer}.op .body{padding:0 .8rem .6rem}
.m{display:inline-block;min-width:3.5rem;text-align:center;font-weight:bold;color:#fff;border-radius:3px;padding:0 .3rem}
.m-get{background:#1565c0}.m-post{background:#2e7d32}.sum{color:#555}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #eee;padding:.25rem .4rem;text-align:left;vertical-align:top}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;max-height:24rem;font-size:.8rem}
.status{font-weight:bold}.s2{color:#2e7d32}.s4{color:#c62828}.s5{color:#6a1b9a}
</style></head><body>
<h1>${esc(info.title)} <small>${esc(info.version)}</small></h1><p>${esc(info.description)}</p>
<p>The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(doc.openapi)}). ${ops.length} operations.</p>
<nav><ul>${tags.map((t) => `<li><a href="#tag-${esc(t)}">${esc(t)}</a></li>`).join('')}<li><a href="#schemas">Schemas</a></li></ul></nav>
${tags
  .map(
    (t) =>
      `<h2 id="tag-${esc(t)}">${esc(t)}</h2>\n${ops
        .filter((o) => o.tag === t)
        .map((o) => o.html)
        .join('\n')}`,
  )
  .join('\n')}
<h2 id="schemas">Schemas</h2>${schemas}
</body></html>`;
}

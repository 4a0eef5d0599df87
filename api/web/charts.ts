/**
 * Inline SVG charts, drawn on the server: no script, print well, and each carries a text
 * equivalent (a title, a description and the numbers as a table) for screen readers.
 */
import { RAG_LABEL, RESULT_LABEL } from '../../domain/words';
import { fmtDate, html, type Html } from './html';

/** Open actions by RAG, then finished ones by how they ended: "complete" would count a cancelled action as done. */
export const RAG_ORDER = ['red', 'amber', 'green', 'implemented', 'not_implemented', 'cancelled'] as const;
export type ChartKey = (typeof RAG_ORDER)[number];
export const CHART_LABEL: Record<ChartKey, string> = {
  red: RAG_LABEL.red,
  amber: RAG_LABEL.amber,
  green: RAG_LABEL.green,
  ...RESULT_LABEL,
};
export const RAG_FILL: Record<string, string> = {
  red: '#b3261e',
  amber: '#f0a30a',
  green: '#00703c',
  implemented: '#1d4f91',
  not_implemented: '#6f7782',
  cancelled: '#d8dadb',
};
/** Patterns as well as colours, so the segments differ for readers who cannot tell the colours apart. */
const RAG_PATTERN: Record<string, string> = {
  red: 'url(#p-red)',
  amber: 'url(#p-amber)',
  green: RAG_FILL.green,
  implemented: RAG_FILL.implemented,
  not_implemented: 'url(#p-not-implemented)',
  cancelled: 'url(#p-cancelled)',
};
/** Text drawn on a segment must stay readable on its fill. */
const DARK_TEXT = new Set<string>(['amber', 'cancelled']);

const patterns = html`<defs>
  <pattern id="p-red" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"
    ><rect width="8" height="8" fill="#b3261e" /><rect width="3" height="8" fill="#7a1a14"
  /></pattern>
  <pattern id="p-amber" width="6" height="6" patternUnits="userSpaceOnUse"
    ><rect width="6" height="6" fill="#f0a30a" /><circle cx="3" cy="3" r="1.2" fill="#6b4200"
  /></pattern>
  <pattern id="p-not-implemented" width="8" height="8" patternUnits="userSpaceOnUse"
    ><rect width="8" height="8" fill="#6f7782" /><rect width="8" height="2" fill="#4a5058"
  /></pattern>
  <pattern id="p-cancelled" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"
    ><rect width="8" height="8" fill="#d8dadb" /><rect width="2" height="8" fill="#8a8f93"
  /></pattern>
</defs>`;

export interface AgencyRag {
  code: string;
  name: string;
  counts: Record<(typeof RAG_ORDER)[number], number>;
}

/** Every agency on the axis (one with nothing open still shows), with the dashboard's counts. */
export function ragByAgency(
  agencyList: { code: string; name: string }[],
  byAgency: { agencyCode: string; byRag: Record<string, number>; byResult: Record<string, number> }[],
): AgencyRag[] {
  return agencyList.map((a) => {
    const found = byAgency.find((b) => b.agencyCode === a.code);
    const rag = found?.byRag ?? {};
    const result = found?.byResult ?? {};
    return {
      code: a.code,
      name: a.name,
      counts: {
        red: rag.red ?? 0,
        amber: rag.amber ?? 0,
        green: rag.green ?? 0,
        implemented: result.implemented ?? 0,
        not_implemented: result.not_implemented ?? 0,
        cancelled: result.cancelled ?? 0,
      },
    };
  });
}

export function ragBarChart(data: AgencyRag[]): Html {
  const rowH = 30;
  const labelW = 70;
  const chartW = 380;
  const top = 10;
  const height = top + data.length * rowH + 24;
  const max = Math.max(1, ...data.map((d) => RAG_ORDER.reduce((s, k) => s + d.counts[k], 0)));
  const bars = data.map((d, i) => {
    let x = labelW;
    const y = top + i * rowH;
    const total = RAG_ORDER.reduce((s, k) => s + d.counts[k], 0);
    const segments = RAG_ORDER.filter((k) => d.counts[k] > 0).map((k) => {
      const w = (d.counts[k] / max) * chartW;
      // Issue 22: each segment opens the list it counts (the table below has the same links).
      const seg = html`<a
        href="${chartFilterHref(d.code, k)}"
        aria-label="${d.code}: ${d.counts[k]} ${CHART_LABEL[k].toLowerCase()}, show these actions"
        ><rect
          x="${x.toFixed(1)}"
          y="${y + 4}"
          width="${w.toFixed(1)}"
          height="${rowH - 10}"
          fill="${RAG_PATTERN[k]}"
          stroke="#fff"
          stroke-width="1"
          ><title>${d.code}: ${d.counts[k]} ${CHART_LABEL[k]}</title></rect
        >${
          w >= 18
            ? html`<text
                x="${(x + w / 2).toFixed(1)}"
                y="${y + rowH / 2 + 4}"
                text-anchor="middle"
                font-size="12"
                font-weight="700"
                fill="${DARK_TEXT.has(k) ? '#000' : '#fff'}"
                stroke="${DARK_TEXT.has(k) ? '#fff' : '#000'}"
                stroke-width="2.5"
                paint-order="stroke"
                >${d.counts[k]}</text
              >`
            : ''
        }</a
      >`;
      x += w;
      return seg;
    });
    return html`<a href="/actions?agency=${d.code}" aria-label="${d.code}: all ${d.name} actions"
        ><text
          x="${labelW - 8}"
          y="${y + rowH / 2 + 4}"
          text-anchor="end"
          font-size="13"
          font-weight="700"
          fill="#1d70b8"
          text-decoration="underline"
          >${d.code}</text
        ></a
      >${segments}<text x="${(x + 6).toFixed(1)}" y="${y + rowH / 2 + 4}" font-size="12" fill="#505a5f"
        >${total ? `${total}` : 'none'}</text
      >`;
  });
  const axisY = top + data.length * rowH;
  return html`<svg
    viewBox="0 0 ${labelW + chartW + 40} ${height}"
    width="${labelW + chartW + 40}"
    role="group"
    aria-labelledby="rag-title"
    aria-describedby="rag-desc"
    class="linked-chart"
    font-family="system-ui, sans-serif"
  >
    <title id="rag-title">Actions by RAG status for each agency</title>
    <desc id="rag-desc">
      ${data.map((d) => `${d.name}: ${RAG_ORDER.map((k) => `${d.counts[k]} ${CHART_LABEL[k].toLowerCase()}`).join(', ')}.`).join(' ')}
    </desc>
    ${patterns}${bars}
    <line x1="${labelW}" y1="${axisY}" x2="${labelW + chartW}" y2="${axisY}" stroke="#0b0c0c" />
    <text x="${labelW}" y="${axisY + 16}" font-size="11" fill="#505a5f">0</text>
    <text x="${labelW + chartW}" y="${axisY + 16}" font-size="11" text-anchor="end" fill="#505a5f">${max} actions</text>
  </svg>`;
}

/** The chart keys that are how an action ended, filtered by result= rather than rag=. */
const RESULT_KEYS: ReadonlySet<string> = new Set(['implemented', 'not_implemented', 'cancelled']);

/** The all-actions list filtered to one agency and one segment of the chart. */
export const chartFilterHref = (agencyCode: string, key: ChartKey): string =>
  `/actions?agency=${encodeURIComponent(agencyCode)}&${RESULT_KEYS.has(key) ? 'result' : 'rag'}=${key}`;

export const ragLegend = html`<ul class="legend">
  ${RAG_ORDER.map(
    (k) =>
      html`<li>
        <svg width="14" height="14" aria-hidden="true" style="vertical-align:-2px;margin-right:.3rem">
          ${patterns}
          <rect width="14" height="14" fill="${RAG_PATTERN[k]}" stroke="#0b0c0c" /></svg
        >${CHART_LABEL[k]}
      </li>`,
  )}
</ul>`;

export interface OverduePoint {
  at: Date;
  overdue: number;
}

export function overdueChart(points: OverduePoint[]): Html {
  const w = 460;
  const h = 220;
  const left = 36;
  const bottom = 30;
  const top = 12;
  const plotW = w - left - 10;
  const plotH = h - top - bottom;
  const max = Math.max(1, ...points.map((p) => p.overdue));
  const step = plotW / points.length;
  const ticks = Array.from(new Set([0, Math.ceil(max / 2), max]));
  const barW = Math.max(4, step * 0.6);
  return html`<svg
    viewBox="0 0 ${w} ${h}"
    width="${w}"
    role="img"
    aria-labelledby="od-title od-desc"
    font-family="system-ui, sans-serif"
  >
    <title id="od-title">Overdue actions at the end of each week</title>
    <desc id="od-desc">${points.map((p) => `Week to ${fmtDate(p.at)}: ${p.overdue} overdue.`).join(' ')}</desc>
    ${ticks.map((t) => {
      const y = top + plotH - (t / max) * plotH;
      return html`<line x1="${left}" x2="${w - 10}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#d8dadb" /><text
          x="${left - 6}"
          y="${(y + 4).toFixed(1)}"
          font-size="11"
          text-anchor="end"
          fill="#505a5f"
          >${t}</text
        >`;
    })}
    ${points.map((p, i) => {
      const bh = (p.overdue / max) * plotH;
      const x = left + i * step + (step - barW) / 2;
      return html`<rect
          x="${x.toFixed(1)}"
          y="${(top + plotH - bh).toFixed(1)}"
          width="${barW.toFixed(1)}"
          height="${bh.toFixed(1)}"
          fill="#b3261e"
          ><title>${fmtDate(p.at)}: ${p.overdue} overdue</title></rect
        >${
          p.overdue > 0
            ? html`<text
                x="${(x + barW / 2).toFixed(1)}"
                y="${(top + plotH - bh - 4).toFixed(1)}"
                font-size="11"
                text-anchor="middle"
                >${p.overdue}</text
              >`
            : ''
        }`;
    })}
    <line x1="${left}" x2="${w - 10}" y1="${top + plotH}" y2="${top + plotH}" stroke="#0b0c0c" />
    ${points
      .filter((_, i) => i % 3 === points.length % 3 || i === points.length - 1)
      .map((p) => {
        const i = points.indexOf(p);
        return html`<text
          x="${(left + i * step + step / 2).toFixed(1)}"
          y="${h - 10}"
          font-size="11"
          text-anchor="middle"
          fill="#505a5f"
          >${i === points.length - 1 ? 'now' : fmtDate(p.at).replace(/ \d{4}$/, '')}</text
        >`;
      })}
  </svg>`;
}

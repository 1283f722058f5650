/**
 * Inline SVG for the report: line charts of per-epoch curves and the confusion-matrix heat map.
 * Plain strings, no DOM, no scripts; every text passes through {@link escapeHtml}.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escape text for HTML and SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** One curve of a {@link lineChart}. */
export interface Series {
  /** Legend text. */
  name: string;
  /** A stable id, written as `data-series` on the curve (tests and styling use it). */
  id: string;
  /** One value per x; a non-finite value breaks nothing, it is skipped. */
  values: readonly number[];
  /** CSS colour. */
  color: string;
  /** Draw dashed. */
  dashed?: boolean;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title: string;
  /** The x value of each point (epochs 1..n). */
  x: readonly number[];
  series: readonly Series[];
  /** Tick label of a y value. */
  formatY: (y: number) => string;
  /** Force the y range (else from the data, starting at 0 when `fromZero`). */
  yMin?: number;
  yMax?: number;
  fromZero?: boolean;
  xLabel?: string;
  width?: number;
  height?: number;
}

/** "Nice" tick step (1, 2 or 5 × 10^k) so that about `count` ticks cover `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const r = raw / magnitude;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude;
}

function fmt(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/**
 * A line chart as an `<svg>` string: axes, grid, ticks, a legend, and one `<polyline>` per series
 * whose `points` hold exactly one point per finite value.
 */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 540;
  const height = o.height ?? 300;
  const m = { left: 58, right: 16, top: 40, bottom: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const finite = o.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  let lo = o.yMin ?? (finite.length ? Math.min(...finite) : 0);
  let hi = o.yMax ?? (finite.length ? Math.max(...finite) : 1);
  if (o.fromZero && o.yMin === undefined) lo = Math.min(0, lo);
  if (hi - lo < 1e-9) {
    hi += 0.5;
    lo -= 0.5;
  }
  const step = niceStep(hi - lo, 5);
  if (o.yMin === undefined) lo = Math.floor(lo / step) * step;
  if (o.yMax === undefined) hi = Math.ceil(hi / step) * step;
  const xMin = o.x.length ? Math.min(...o.x) : 0;
  const xMax = Math.max(xMin + 1, o.x.length ? Math.max(...o.x) : 1);
  const px = (x: number) => m.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const py = (y: number) => m.top + (1 - (y - lo) / (hi - lo)) * plotH;

  const parts: string[] = [];
  parts.push(
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
  );
  parts.push(`<text class="chart-title" x="${m.left}" y="22">${escapeHtml(o.title)}</text>`);
  // Grid and y ticks.
  for (let y = lo, i = 0; y <= hi + step * 1e-6 && i < 50; y += step, i++) {
    const yy = fmt(py(y));
    parts.push(`<line class="grid" x1="${m.left}" y1="${yy}" x2="${m.left + plotW}" y2="${yy}"/>`);
    parts.push(
      `<text class="tick" x="${m.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${escapeHtml(o.formatY(y))}</text>`,
    );
  }
  // x ticks: integers, thinned to about 10.
  const xStep = Math.max(1, niceStep(xMax - xMin, 10));
  for (let x = Math.ceil(xMin / xStep) * xStep; x <= xMax + 1e-9; x += xStep) {
    const xx = fmt(px(x));
    parts.push(
      `<line class="axis" x1="${xx}" y1="${m.top + plotH}" x2="${xx}" y2="${m.top + plotH + 5}"/>`,
    );
    parts.push(
      `<text class="tick" x="${xx}" y="${m.top + plotH + 18}" text-anchor="middle">${fmt(x)}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${m.left}" y1="${m.top + plotH}" x2="${m.left + plotW}" y2="${m.top + plotH}"/>`,
  );
  parts.push(
    `<line class="axis" x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + plotH}"/>`,
  );
  if (o.xLabel)
    parts.push(
      `<text class="axis-label" x="${m.left + plotW / 2}" y="${height - 6}" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`,
    );
  // Curves.
  for (const s of o.series) {
    const pts: string[] = [];
    s.values.forEach((v, i) => {
      if (Number.isFinite(v) && i < o.x.length) pts.push(`${fmt(px(o.x[i]))},${fmt(py(v))}`);
    });
    if (pts.length === 0) continue;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<polyline class="curve" data-series="${escapeHtml(s.id)}" fill="none" stroke="${s.color}" stroke-width="2.25"${dash} points="${pts.join(' ')}"/>`,
    );
    if (pts.length <= 60) {
      for (const p of pts) {
        const [cx, cy] = p.split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="2.6" fill="${s.color}"/>`);
      }
    }
  }
  // Legend, top right.
  let lx = m.left + plotW;
  const legend: string[] = [];
  for (const s of [...o.series].reverse()) {
    if (!s.values.some((v) => Number.isFinite(v))) continue;
    const w = 26 + s.name.length * 6.6;
    lx -= w;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    legend.push(
      `<line x1="${fmt(lx)}" y1="18" x2="${fmt(lx + 18)}" y2="18" stroke="${s.color}" stroke-width="2.5"${dash}/>`,
    );
    legend.push(
      `<text class="legend" x="${fmt(lx + 22)}" y="18" dominant-baseline="middle">${escapeHtml(s.name)}</text>`,
    );
    lx -= 10;
  }
  parts.push(...legend);
  parts.push('</svg>');
  return parts.join('');
}

/** Linear blend of two `#rrggbb` colours. */
function blend(a: string, b: string, t: number): string {
  const ca = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
  const cb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
  return `#${ca
    .map((v, i) =>
      Math.round(v + (cb[i] - v) * t)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/** A white → blue scale (t in [0, 1]); off-diagonal errors get a white → red one. */
function cellColor(t: number, diagonal: boolean): string {
  const s = Math.sqrt(Math.max(0, Math.min(1, t))); // sqrt: small error rates stay visible
  return diagonal ? blend('#f4f8fc', '#1f5fa8', s) : blend('#fbf6f4', '#c2410c', s);
}

/**
 * The confusion matrix as a heat map: one `<rect class="cell" data-row data-col>` per cell,
 * shaded by the fraction of its row (the true class), with the count written inside.
 */
export function confusionHeatmap(
  matrix: readonly (readonly number[])[],
  labels: readonly string[],
  title: string,
): string {
  const c = matrix.length;
  const cell = c <= 10 ? 40 : Math.max(14, Math.floor(400 / c));
  const m = { left: 64, top: 62 };
  const width = m.left + c * cell + 16;
  const height = m.top + c * cell + 16;
  const parts: string[] = [];
  parts.push(
    `<svg class="heatmap" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">`,
  );
  parts.push(
    `<text class="axis-label" x="${m.left + (c * cell) / 2}" y="16" text-anchor="middle">predicted</text>`,
  );
  parts.push(
    `<text class="axis-label" x="16" y="${m.top + (c * cell) / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.top + (c * cell) / 2})">true</text>`,
  );
  for (let j = 0; j < c; j++) {
    parts.push(
      `<text class="tick" x="${m.left + j * cell + cell / 2}" y="${m.top - 10}" text-anchor="middle">${escapeHtml(labels[j] ?? String(j))}</text>`,
    );
  }
  for (let i = 0; i < c; i++) {
    const row = matrix[i];
    const total = row.reduce((s, v) => s + v, 0);
    parts.push(
      `<text class="tick" x="${m.left - 10}" y="${m.top + i * cell + cell / 2}" text-anchor="end" dominant-baseline="middle">${escapeHtml(labels[i] ?? String(i))}</text>`,
    );
    for (let j = 0; j < c; j++) {
      const v = row[j];
      const t = total === 0 ? 0 : v / total;
      const x = m.left + j * cell;
      const y = m.top + i * cell;
      const fill = v === 0 ? '#ffffff' : cellColor(i === j ? t : Math.min(1, t * 4), i === j);
      parts.push(
        `<rect class="cell" data-row="${i}" data-col="${j}" data-count="${v}" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}"><title>true ${i}, predicted ${j}: ${v} (${(t * 100).toFixed(1)}% of ${total})</title></rect>`,
      );
      if (v > 0 && cell >= 24) {
        const dark = i === j ? t > 0.45 : t * 4 > 0.55;
        parts.push(
          `<text class="count${dark ? ' on-dark' : ''}" x="${x + cell / 2}" y="${y + cell / 2}" text-anchor="middle" dominant-baseline="central">${v}</text>`,
        );
      }
    }
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${c * cell}" height="${c * cell}" fill="none" stroke="#9aa5b1"/>`,
  );
  parts.push('</svg>');
  return parts.join('');
}

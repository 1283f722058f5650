/**
 * Inline SVG scatter plots for the regression report: predicted against true values with the
 * line y = x (a perfect model puts every point on it), and residuals against predicted values
 * with the line y = 0 (a good model leaves no shape around it). Plain strings, as in svg.ts.
 */
import { escapeHtml, niceStep } from './svg';

/** Options of {@link scatterChart}. */
export interface ScatterOptions {
  title: string;
  /** One x per point; a point with a non-finite coordinate is skipped. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  xLabel: string;
  yLabel: string;
  /** A reference line: `identity` is y = x (over the shared range), `zero` is y = 0. */
  reference: 'identity' | 'zero';
  /** Draw at most this many points, evenly spaced over the input (default 2000). */
  maxPoints?: number;
  width?: number;
  height?: number;
}

function fmt(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** A tick's label: at most 4 significant digits, no trailing zeros. */
function tickText(v: number): string {
  return Math.abs(v) < 1e-12 ? '0' : String(Number(v.toPrecision(4)));
}

/** `[lo, hi]` widened to whole steps of a nice tick step. */
function niceRange(lo: number, hi: number): { lo: number; hi: number; step: number } {
  if (!(hi - lo > 1e-12)) {
    const pad = Math.max(Math.abs(lo) * 0.05, 0.5);
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, 5);
  return { lo: Math.floor(lo / step) * step, hi: Math.ceil(hi / step) * step, step };
}

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/**
 * A scatter plot as an `<svg>` string: axes with ticks, a dashed reference line
 * (`<line class="reference" data-line="y=x|y=0">`) and one `<circle class="point">` per drawn point.
 */
export function scatterChart(o: ScatterOptions): string {
  const width = o.width ?? 540;
  const height = o.height ?? 340;
  const m = { left: 62, right: 16, top: 40, bottom: 48 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const n = Math.min(o.x.length, o.y.length);
  const limit = Math.max(1, o.maxPoints ?? 2000);
  const stride = n > limit ? n / limit : 1;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < n && Math.floor(k * stride) < n; k++) {
    const i = Math.floor(k * stride);
    const x = o.x[i];
    const y = o.y[i];
    if (Number.isFinite(x) && Number.isFinite(y)) {
      xs.push(x);
      ys.push(y);
    }
  }
  let [xLo, xHi] = extent(xs);
  let [yLo, yHi] = extent(ys);
  if (o.reference === 'identity') {
    // One range for both axes, so that y = x is the diagonal.
    xLo = yLo = Math.min(xLo, yLo);
    xHi = yHi = Math.max(xHi, yHi);
  } else {
    yLo = Math.min(yLo, 0);
    yHi = Math.max(yHi, 0);
  }
  const rx = niceRange(xLo, xHi);
  const ry = niceRange(yLo, yHi);
  const px = (x: number) => m.left + ((x - rx.lo) / (rx.hi - rx.lo)) * plotW;
  const py = (y: number) => m.top + (1 - (y - ry.lo) / (ry.hi - ry.lo)) * plotH;

  const parts: string[] = [];
  parts.push(
    `<svg class="scatter" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
  );
  const shown = xs.length < n ? ` (${xs.length} of ${n} points)` : '';
  parts.push(
    `<text class="chart-title" x="${m.left}" y="22">${escapeHtml(o.title + shown)}</text>`,
  );
  for (let i = 0, y = ry.lo; y <= ry.hi + ry.step * 1e-6 && i < 50; i++, y = ry.lo + i * ry.step) {
    const yy = fmt(py(y));
    parts.push(`<line class="grid" x1="${m.left}" y1="${yy}" x2="${m.left + plotW}" y2="${yy}"/>`);
    parts.push(
      `<text class="tick" x="${m.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${tickText(y)}</text>`,
    );
  }
  for (let i = 0, x = rx.lo; x <= rx.hi + rx.step * 1e-6 && i < 50; i++, x = rx.lo + i * rx.step) {
    const xx = fmt(px(x));
    parts.push(`<line class="grid" x1="${xx}" y1="${m.top}" x2="${xx}" y2="${m.top + plotH}"/>`);
    parts.push(
      `<text class="tick" x="${xx}" y="${m.top + plotH + 18}" text-anchor="middle">${tickText(x)}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${m.left}" y1="${m.top + plotH}" x2="${m.left + plotW}" y2="${m.top + plotH}"/>`,
  );
  parts.push(
    `<line class="axis" x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + plotH}"/>`,
  );
  parts.push(
    `<text class="axis-label" x="${m.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`,
  );
  const yMid = m.top + plotH / 2;
  parts.push(
    `<text class="axis-label" x="14" y="${yMid}" text-anchor="middle" transform="rotate(-90 14 ${yMid})">${escapeHtml(o.yLabel)}</text>`,
  );
  const [a, b] =
    o.reference === 'identity'
      ? [
          [rx.lo, rx.lo],
          [rx.hi, rx.hi],
        ]
      : [
          [rx.lo, 0],
          [rx.hi, 0],
        ];
  parts.push(
    `<line class="reference" data-line="${o.reference === 'identity' ? 'y=x' : 'y=0'}" x1="${fmt(px(a[0]))}" y1="${fmt(py(a[1]))}" x2="${fmt(px(b[0]))}" y2="${fmt(py(b[1]))}" stroke="#c2410c" stroke-width="1.5" stroke-dasharray="6 4"/>`,
  );
  for (let i = 0; i < xs.length; i++) {
    parts.push(
      `<circle class="point" cx="${fmt(px(xs[i]))}" cy="${fmt(py(ys[i]))}" r="2.8" fill="#1f5fa8" fill-opacity="0.55"/>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

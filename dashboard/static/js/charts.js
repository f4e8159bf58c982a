// Charts drawn locally as SVG (and <meter> bars): nothing is loaded from
// elsewhere. Every label is set as text.
import { h, s } from './dom.js';

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// columnChart draws one column per point (value) and, when lineKey is
// given, a line of that key on its own scale (e.g. cumulative counts).
// width is the box's width in pixels, so that text is drawn at its size.
export function columnChart(points, { label, width = 640, valueKey = 'count', labelKey = 'label', lineKey, valueName = 'count', lineName, barClass } = {}) {
  const W = Math.max(280, Math.round(width));
  const H = W < 500 ? 200 : 240;
  const m = { l: 40, r: lineKey ? 44 : 12, t: 12, b: 40 };
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': label, preserveAspectRatio: 'xMidYMid meet' });
  svg.append(s('title', null, label));
  const n = Math.max(1, points.length);
  const max = niceMax(Math.max(0, ...points.map((p) => p[valueKey] || 0)));
  const lmax = lineKey ? niceMax(Math.max(0, ...points.map((p) => p[lineKey] || 0))) : 1;
  const step = iw / n;
  for (const f of [0, 0.5, 1]) {
    const y = m.t + ih - f * ih;
    svg.append(s('line', { x1: m.l, x2: W - m.r, y1: y, y2: y, class: 'grid' }));
    svg.append(s('text', { x: m.l - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, String(Math.round(f * max))));
    if (lineKey) svg.append(s('text', { x: W - m.r + 6, y: y + 4, class: 'axis line-axis' }, String(Math.round(f * lmax))));
  }
  // Label as many columns as fit; abbreviate long labels in narrow columns.
  const longest = Math.max(1, ...points.map((p) => String(p[labelKey] ?? '').length));
  const words = points.every((p) => /^[A-Za-z]+$/.test(String(p[labelKey] ?? '')));
  const short = words && longest > 3 && step < longest * 6.5 + 6;
  const labelWidth = (short ? 3 : longest) * 6.5 + 8;
  const every = Math.max(1, Math.ceil(labelWidth / step));
  points.forEach((p, i) => {
    const v = p[valueKey] || 0;
    const bh = (v / max) * ih;
    const x = m.l + i * step;
    const bar = s('rect', { x: x + step * 0.15, y: m.t + ih - bh, width: Math.max(1, step * 0.7), height: bh, class: ['bar', barClass?.(p, i)] });
    let tip = `${p[labelKey]}: ${v} ${valueName}`;
    if (lineKey) tip += `, ${p[lineKey]} ${lineName || lineKey}`;
    bar.append(s('title', null, tip));
    svg.append(bar);
    if (i % every === 0) {
      const text = String(p[labelKey] ?? '');
      svg.append(s('text', { x: x + step / 2, y: H - m.b + 16, class: 'axis', 'text-anchor': 'middle' }, short ? text.slice(0, 3) : text));
    }
  });
  if (lineKey && points.length) {
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${(m.l + i * step + step / 2).toFixed(1)},${(m.t + ih - ((p[lineKey] || 0) / lmax) * ih).toFixed(1)}`).join(' ');
    svg.append(s('path', { d, class: 'line' }));
  }
  return svg;
}

// meterList shows items as labelled horizontal <meter> bars.
export function meterList(items, { label } = {}) {
  const max = Math.max(1, ...items.map((i) => i.value));
  const ul = h('ul', { class: 'meters', 'aria-label': label });
  for (const it of items) {
    ul.append(h('li', null,
      h('span', { class: 'meter-label' }, it.label),
      h('meter', { min: '0', max: String(max), value: String(it.value), 'aria-label': `${it.label}: ${it.value}` }),
      h('span', { class: 'meter-value' }, it.note ? `${it.value} (${it.note})` : String(it.value))));
  }
  return ul;
}

// heatmap draws days ({date, count, level 0-4}) as a week-by-weekday grid,
// the most recent weeks that fit in width pixels.
export function heatmap(allDays, { label, width = 800 } = {}) {
  const cell = 12;
  const gap = 2;
  const top = 16;
  const left = 28;
  const fit = Math.max(4, Math.floor((width - left) / (cell + gap)) - 1) * 7;
  const days = allDays.slice(-fit);
  const first = days.length ? new Date(days[0].date + 'T00:00:00') : new Date();
  const offset = (first.getDay() + 6) % 7; // Monday first
  const weeks = Math.ceil((days.length + offset) / 7);
  const W = left + weeks * (cell + gap);
  const H = top + 7 * (cell + gap);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart heatmap', role: 'img', 'aria-label': label });
  svg.append(s('title', null, label));
  ['Mon', 'Wed', 'Fri'].forEach((d, i) => svg.append(s('text', { x: 0, y: top + (i * 2) * (cell + gap) + cell - 2, class: 'axis small' }, d)));
  let lastMonth = -1;
  let lastLabelX = -Infinity;
  days.forEach((d, i) => {
    const k = i + offset;
    const wk = Math.floor(k / 7);
    const wd = k % 7;
    const x = left + wk * (cell + gap);
    const date = new Date(d.date + 'T00:00:00');
    if (wd === 0 || i === 0) {
      const mo = date.getMonth();
      if (mo !== lastMonth) {
        lastMonth = mo;
        if (x - lastLabelX >= 3 * (cell + gap)) {
          lastLabelX = x;
          svg.append(s('text', { x, y: 11, class: 'axis small' }, date.toLocaleString(undefined, { month: 'short' })));
        }
      }
    }
    const lvl = Math.max(0, Math.min(4, d.level | 0));
    const r = s('rect', { x, y: top + wd * (cell + gap), width: cell, height: cell, rx: 2, class: 'lvl lvl-' + lvl });
    r.append(s('title', null, `${d.date}: ${d.count} memor${d.count === 1 ? 'y' : 'ies'}`));
    svg.append(r);
  });
  return svg;
}

// trendChart draws scores from 0 to 1 over consecutive days: for each day
// with data ({date, avg, min, max, count}) a whisker from min to max and a
// dot at the average, joined by a line; days without data stay empty.
// days is the list of every date (YYYY-MM-DD) of the window, oldest first.
export function trendChart(days, points, { label, width = 640 } = {}) {
  const W = Math.max(280, Math.round(width));
  const H = W < 500 ? 190 : 220;
  const m = { l: 40, r: 12, t: 12, b: 36 };
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart trend', role: 'img', 'aria-label': label, preserveAspectRatio: 'xMidYMid meet' });
  svg.append(s('title', null, label));
  const y = (v) => m.t + ih - Math.max(0, Math.min(1, v)) * ih;
  for (const f of [0, 0.5, 0.7, 1]) {
    svg.append(s('line', { x1: m.l, x2: W - m.r, y1: y(f), y2: y(f), class: f === 0.5 || f === 0.7 ? 'grid band' : 'grid' }));
    svg.append(s('text', { x: m.l - 6, y: y(f) + 4, class: 'axis', 'text-anchor': 'end' }, f.toFixed(1)));
  }
  const n = Math.max(1, days.length);
  const step = iw / n;
  const at = new Map(days.map((d, i) => [d, i]));
  const every = Math.max(1, Math.ceil(56 / step));
  days.forEach((d, i) => {
    if (i % every === 0) svg.append(s('text', { x: m.l + i * step + step / 2, y: H - m.b + 16, class: 'axis', 'text-anchor': 'middle' }, d.slice(5)));
  });
  const dots = [];
  for (const p of points) {
    if (!at.has(p.date)) continue;
    const cx = m.l + at.get(p.date) * step + step / 2;
    const g = s('g', { class: 'trend-day' });
    g.append(s('title', null, `${p.date}: average ${p.avg.toFixed(2)} of ${p.count} memor${p.count === 1 ? 'y' : 'ies'} (${p.min.toFixed(2)} to ${p.max.toFixed(2)})`));
    g.append(s('line', { x1: cx, x2: cx, y1: y(p.min), y2: y(p.max), class: 'whisker' }));
    g.append(s('circle', { cx, cy: y(p.avg), r: 3.5, class: 'dot' }));
    svg.append(g);
    dots.push(`${cx.toFixed(1)},${y(p.avg).toFixed(1)}`);
  }
  if (dots.length > 1) svg.insertBefore(s('path', { d: 'M' + dots.join(' L'), class: 'line' }), svg.querySelector('.trend-day'));
  return svg;
}

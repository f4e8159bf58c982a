// Graph of associations: the most connected memories and the typed edges
// between them (GET /api/analytics/graph-visualization), laid out by a
// small force simulation and drawn as SVG, one colour per relation type
// with a legend that filters. A node opens the memory. Without any edge
// yet it offers to run consolidation (POST /api/consolidation/run), or to
// fall back — clearly labelled — to memories linked by the tags they share
// (#/graph?mode=tags, GET /api/memories).
import { h, s, clear, clip, isHash, fmtScore, nextId, memoryLink } from '../dom.js';
import { api, enc, canWrite, unavailable } from '../api.js';
import { onEvent } from '../events.js';
import { field, navigate, section, loading, errorPanel, errorBox, showError, hideError, notice, toast, stacked, InputError, offText } from '../ui.js';

export const title = 'Graph';
const MAX_NODES = 300;
const CLIQUE = 12; // tags on more memories are linked as a chain, not all pairs

// canvas sizes the drawing to its box, so that text keeps its size: wide
// boxes get a landscape canvas, phones a portrait one.
function canvas(box) {
  const w = Math.max(320, Math.min(1000, Math.round(box.clientWidth || 800)));
  return { W: w, H: w < 600 ? Math.round(w * 1.35) : 560 };
}

// Relation types in legend order, with what each means.
export const RELATIONS = [
  ['related', 'related by meaning (consolidation)'],
  ['follows', 'comes after, in one conversation or document'],
  ['fixes', 'a solution to an earlier error'],
  ['causes', 'led to'],
  ['supports', 'backs up'],
  ['summarizes', 'a consolidation summary of its members'],
  ['contradicts', 'a conflict: nearly the same meaning, different content'],
];
const KNOWN = new Set(RELATIONS.map(([r]) => r));
const DIRECTED = new Set(['follows', 'fixes', 'causes', 'supports', 'summarizes']);

// relClass is the CSS class of a relation type (unknown types share one).
export function relClass(type) {
  return 'rel-' + (KNOWN.has(type) ? type : 'other');
}

async function fetchMemories(tag) {
  const out = [];
  for (let page = 1; out.length < MAX_NODES; page++) {
    let url = `/api/memories?page=${page}&page_size=100`;
    if (tag) url += '&tag=' + enc(tag);
    const res = await api.get(url);
    out.push(...(res.memories || []));
    if (!res.has_more) break;
  }
  return out.slice(0, MAX_NODES);
}

// buildLinks joins memories sharing tags; weight is the number shared.
export function buildLinks(memories) {
  const byTag = new Map();
  memories.forEach((m, i) => {
    for (const t of m.tags || []) {
      if (!byTag.has(t)) byTag.set(t, []);
      byTag.get(t).push(i);
    }
  });
  const weights = new Map();
  const add = (a, b, tag) => {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    const e = weights.get(key) || { a: Math.min(a, b), b: Math.max(a, b), w: 0, tags: [] };
    e.w += 1;
    e.tags.push(tag);
    weights.set(key, e);
  };
  for (const [tag, idx] of byTag) {
    if (idx.length <= CLIQUE) {
      for (let i = 0; i < idx.length; i++) for (let j = i + 1; j < idx.length; j++) add(idx[i], idx[j], tag);
    } else {
      for (let i = 1; i < idx.length; i++) add(idx[i - 1], idx[i], tag);
    }
  }
  return [...weights.values()];
}

// layout runs a Fruchterman-Reingold style simulation in a W×H box.
export function layout(n, links, width, height, iterations = 300) {
  const pos = [];
  for (let i = 0; i < n; i++) {
    const a = i * 2.399963; // golden angle: a deterministic spiral start
    const r = Math.sqrt((i + 0.5) / Math.max(1, n)) * Math.min(width, height) * 0.45;
    pos.push({ x: width / 2 + r * Math.cos(a), y: height / 2 + r * Math.sin(a), dx: 0, dy: 0 });
  }
  const k = Math.sqrt((width * height) / Math.max(1, n)) * 0.6;
  // Gravity keeps loose parts in view; small graphs need little of it.
  const gravity = n < 60 ? 0.012 : 0.02;
  let temp = Math.min(width, height) / 8;
  for (let it = 0; it < iterations; it++) {
    for (const p of pos) {
      p.dx = 0;
      p.dy = 0;
    }
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let dx = pos[i].x - pos[j].x;
        let dy = pos[i].y - pos[j].y;
        let d2 = dx * dx + dy * dy;
        if (d2 < 0.01) {
          dx = 0.1 * (i - j);
          dy = 0.1;
          d2 = dx * dx + dy * dy;
        }
        const f = (k * k) / d2;
        pos[i].dx += dx * f;
        pos[i].dy += dy * f;
        pos[j].dx -= dx * f;
        pos[j].dy -= dy * f;
      }
    }
    for (const e of links) {
      const p = pos[e.a];
      const q = pos[e.b];
      const dx = p.x - q.x;
      const dy = p.y - q.y;
      const d = Math.sqrt(dx * dx + dy * dy) || 0.01;
      const f = (d / k) * Math.min(3, e.w);
      p.dx -= dx * f;
      p.dy -= dy * f;
      q.dx += dx * f;
      q.dy += dy * f;
    }
    for (const p of pos) {
      p.dx += (width / 2 - p.x) * gravity * k;
      p.dy += (height / 2 - p.y) * gravity * k;
      const len = Math.sqrt(p.dx * p.dx + p.dy * p.dy) || 1;
      const step = Math.min(len, temp);
      p.x = Math.max(24, Math.min(width - 24, p.x + (p.dx / len) * step));
      p.y = Math.max(24, Math.min(height - 24, p.y + (p.dy / len) * step));
    }
    temp = Math.max(0.5, temp * 0.985);
  }
  return pos;
}

function typeClass(type, palette) {
  if (!palette.has(type)) palette.set(type, 'c' + (palette.size % 10));
  return palette.get(type);
}

// nodeElement draws one memory as a focusable link to its detail view.
// Labels of nodes in the right part of the canvas go on their left, so
// that they stay inside it.
function nodeElement({ hash, type, label, tip, x, y, r, cls, showLabel, W }) {
  const g = s('g', { class: ['node', cls], tabindex: '0', role: 'link', 'aria-label': `${type}: ${label}`, dataset: { hash } });
  g.append(s('title', null, tip));
  g.append(s('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: r.toFixed(1) }));
  if (showLabel) {
    const left = x > W * 0.62;
    g.append(s('text', { x: (left ? x - r - 3 : x + r + 3).toFixed(1), y: (y + 4).toFixed(1), class: 'node-label', 'text-anchor': left ? 'end' : 'start' },
      clip(label, W < 600 ? 16 : 24)));
  }
  const open = () => {
    if (isHash(hash)) navigate('memory/' + hash);
  };
  g.addEventListener('click', open);
  g.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open();
    }
  });
  return g;
}

function typeLegend(palette) {
  const legend = h('ul', { class: 'legend-list', 'aria-label': 'Memory types' });
  for (const [type, cls] of palette) legend.append(h('li', null, h('span', { class: ['key', 'node-key', cls], 'aria-hidden': 'true' }), type));
  return legend;
}

// intParam reads a whole number from the route, else def.
function intParam(params, name, def, lo, hi) {
  const v = Number(params.get(name));
  return params.has(name) && Number.isInteger(v) && v >= lo && v <= hi ? v : def;
}

export async function render(root, ctx) {
  if (ctx.params.get('mode') === 'tags') return renderTags(root, ctx);
  return renderAssociations(root, ctx);
}

// runConsolidation runs a weekly pass (which links associations) and
// redraws the graph.
function runButton(err) {
  const b = h('button', { type: 'button', class: 'primary', id: 'graph-run' }, 'Run consolidation now');
  if (!canWrite()) b.disabled = true;
  b.addEventListener('click', async () => {
    hideError(err);
    b.disabled = true;
    b.textContent = 'Running consolidation…';
    try {
      const res = await api.post('/api/consolidation/run', { time_horizon: 'weekly' });
      const stored = res.report?.associations?.stored ?? 0;
      toast(`Consolidation finished: ${stored} new association${stored === 1 ? '' : 's'}.`, 'ok');
      navigate('graph');
    } catch (x) {
      showError(err, unavailable(x) ? offText('Consolidation', x) : x);
      b.disabled = false;
      b.textContent = 'Run consolidation now';
    }
  });
  return b;
}

function tagsButton() {
  const b = h('button', { type: 'button', id: 'graph-tags' }, 'Show memories linked by shared tags instead');
  b.addEventListener('click', () => navigate('graph', { mode: 'tags' }));
  return b;
}

async function renderAssociations(root, ctx) {
  const limit = intParam(ctx.params, 'limit', 100, 1, 500);
  const minConn = intParam(ctx.params, 'min_connections', 1, 0, 1000);
  const limitIn = h('select', { name: 'limit' }, [25, 50, 100, 200, 500].map((n) => h('option', { value: String(n) }, String(n))));
  if (![25, 50, 100, 200, 500].includes(limit)) limitIn.append(h('option', { value: String(limit) }, String(limit)));
  limitIn.value = String(limit);
  const minIn = h('input', { type: 'number', name: 'min_connections', min: '0', max: '1000', step: '1', inputmode: 'numeric', value: String(minConn) });
  const formErr = errorBox();
  const form = h('form', { class: 'graph-form', novalidate: true, 'aria-label': 'Graph options' },
    h('div', { class: 'grid3' }, field('Memories', limitIn, 'the most connected first'), field('Least connections', minIn, 'links a memory needs to be shown')),
    formErr, h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Show')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    hideError(formErr);
    const n = Number(minIn.value);
    if (minIn.value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 1000) {
      showError(formErr, new InputError('Least connections must be a whole number from 0 to 1000.'));
      return;
    }
    navigate('graph', { limit: limitIn.value, min_connections: n });
  });

  const info = h('p', { class: 'muted', role: 'status', id: 'graph-info' });
  // New relations (a pass finished, a conflict was found) are announced,
  // not drawn at once: a redraw moves every dot.
  const redraw = h('button', { type: 'button', class: 'small' }, 'Redraw');
  redraw.addEventListener('click', () => navigate('graph', { limit, min_connections: minConn }));
  const changed = h('p', { class: 'notice', id: 'graph-changed', role: 'status', hidden: true }, 'The graph has changed since it was drawn. ', redraw);
  const filters = h('fieldset', { class: 'rel-filter', id: 'graph-filter', hidden: true });
  const box = h('div', { id: 'graph', class: 'graph-box' }, loading());
  const below = h('div');
  const err = errorBox();
  root.append(h('h1', null, 'Graph'),
    section('Associations',
      h('p', null, 'Each dot is a memory (larger: more connections); each line a relation that consolidation or conflict detection found. Select a dot to open it.'),
      form, err, changed, info, filters, box, below));
  const off = onEvent((type) => {
    if (type === 'consolidation_completed' || type === 'conflict_detected' || type === 'memory_archived' || type === 'memory_restored') changed.hidden = false;
  });

  let view;
  try {
    view = await api.get(`/api/analytics/graph-visualization?limit=${limit}&min_connections=${minConn}`);
  } catch (x) {
    if (!ctx.alive()) return off;
    clear(box);
    if (unavailable(x)) {
      form.hidden = true;
      box.classList.add('empty');
      box.append(h('div', { class: 'graph-empty' }, notice(offText('The associations graph', x), { id: 'graph-unavailable' }), h('div', { class: 'row wrap' }, tagsButton())));
    } else box.append(errorPanel(x));
    return off;
  }
  if (!ctx.alive()) return off;
  clear(box);
  const nodes = view.nodes || [];
  const edges = view.edges || [];
  const meta = view.meta || {};
  if (!meta.total_edges) {
    form.hidden = true;
    box.classList.add('empty');
    box.append(h('div', { class: 'graph-empty', id: 'graph-empty' },
      h('p', null, h('strong', null, 'No associations yet.')),
      h('p', null, 'Consolidation links memories that are related but not duplicates (and conflict detection links those that contradict each other). ' +
        'Run a pass now, or look at memories linked by the tags they share.'),
      canWrite() ? null : h('p', { class: 'muted' }, 'Your key is read-only: running consolidation needs a key with the write scope.'),
      h('div', { class: 'row wrap' }, runButton(err), tagsButton())));
    return off;
  }
  if (!nodes.length) {
    box.append(h('p', { class: 'muted graph-none' }, `No memory has at least ${minConn} connection${minConn === 1 ? '' : 's'}. Lower “Least connections” to see more.`));
    return off;
  }

  // Positions: indices of nodes, links for the layout.
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const drawn = edges.filter((e) => index.has(e.source) && index.has(e.target) && e.source !== e.target);
  const links = drawn.map((e) => ({ a: index.get(e.source), b: index.get(e.target), w: 1 }));
  const { W, H } = canvas(box);
  const pos = layout(nodes.length, links, W, H, nodes.length > 150 ? 150 : 300);
  const radius = nodes.map((n) => 5 + Math.min(9, Math.sqrt(n.degree || 0) * 2));
  const counts = {};
  for (const e of drawn) counts[e.relationship_type] = (counts[e.relationship_type] || 0) + 1;
  info.textContent = `${nodes.length} memories and ${drawn.length} relation${drawn.length === 1 ? '' : 's'} shown; ${meta.total_edges} relation${meta.total_edges === 1 ? '' : 's'} in all.`;

  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart graph', role: 'group', 'aria-label': `Association graph of ${nodes.length} memories` });
  const defs = s('defs');
  const markerId = {};
  for (const type of Object.keys(counts)) {
    if (!DIRECTED.has(type)) continue;
    markerId[type] = nextId('arrow');
    const mk = s('marker', { id: markerId[type], viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse', markerUnits: 'userSpaceOnUse' });
    mk.append(s('path', { d: 'M0,0 L10,5 L0,10 z', class: ['arrow', relClass(type)] }));
    defs.append(mk);
  }
  svg.append(defs);
  const label = (hash) => nodes[index.get(hash)]?.label || hash.slice(0, 12);
  const g = s('g', { class: 'edges' });
  for (const e of drawn) {
    const a = index.get(e.source);
    const b = index.get(e.target);
    const dx = pos[b].x - pos[a].x;
    const dy = pos[b].y - pos[a].y;
    const d = Math.sqrt(dx * dx + dy * dy) || 1;
    // Directed edges end at the target's rim, where the arrow shows.
    const cut = DIRECTED.has(e.relationship_type) ? radius[b] + 2 : 0;
    const line = s('line', {
      x1: pos[a].x.toFixed(1), y1: pos[a].y.toFixed(1), x2: (pos[b].x - (dx / d) * cut).toFixed(1), y2: (pos[b].y - (dy / d) * cut).toFixed(1),
      class: ['edge', relClass(e.relationship_type)], dataset: { type: e.relationship_type },
      'marker-end': markerId[e.relationship_type] ? `url(#${markerId[e.relationship_type]})` : undefined,
    });
    const sim = e.similarity ? ` · similarity ${fmtScore(e.similarity)}` : '';
    line.append(s('title', null, `${clip(label(e.source), 60)}\n${e.relationship_type}${sim}\n${clip(label(e.target), 60)}`));
    g.append(line);
  }
  svg.append(g);
  const palette = new Map();
  const ng = s('g', { class: 'nodes' });
  const showLabels = nodes.length <= 40;
  nodes.forEach((n, i) => {
    const type = n.memory_type || 'note';
    const tip = `${clip(n.label, 120)}\n${type} · ${n.degree} connection${n.degree === 1 ? '' : 's'} · quality ${fmtScore(n.quality_score)}` +
      ((n.tags || []).length ? `\n${n.tags.join(', ')}` : '');
    ng.append(nodeElement({ hash: n.id, type, label: n.label || '', tip, x: pos[i].x, y: pos[i].y, r: radius[i], cls: typeClass(type, palette), showLabel: showLabels, W }));
  });
  svg.append(ng);
  box.append(svg);

  // The legend of relation types is also the filter.
  filters.append(h('legend', null, 'Relation types shown'));
  const types = [...RELATIONS.map(([r]) => r).filter((r) => counts[r]), ...Object.keys(counts).filter((r) => !KNOWN.has(r)).sort()];
  const meaning = Object.fromEntries(RELATIONS);
  for (const type of types) {
    const cb = h('input', { type: 'checkbox', name: 'rel', value: type, checked: true, id: nextId('rel') });
    cb.addEventListener('change', () => svg.classList.toggle('hide-' + relClass(type), !cb.checked));
    filters.append(h('div', { class: 'rel-option' }, cb,
      h('label', { for: cb.id, title: meaning[type] || type },
        h('span', { class: ['key', 'rel-key', relClass(type)], 'aria-hidden': 'true' }), `${type} (${counts[type]})`,
        meaning[type] ? h('span', { class: 'hint' }, ` — ${meaning[type]}`) : null)));
  }
  filters.hidden = false;

  const rows = nodes.map((n) => h('tr', null,
    h('td', null, memoryLink(n.id, null, clip(n.label, 100))), h('td', null, n.memory_type || 'note'),
    h('td', { class: 'num' }, String(n.degree)), h('td', { class: 'num' }, fmtScore(n.quality_score))));
  below.append(typeLegend(palette),
    h('details', { class: 'graph-list' }, h('summary', null, 'The same memories as a list'),
      h('div', { class: 'table-wrap' }, stacked(h('table', null,
        h('thead', null, h('tr', null, ['Memory', 'Type', 'Connections', 'Quality'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, rows))))));
  return off;
}

async function renderTags(root, ctx) {
  const tag = ctx.params.get('tag') || '';
  const tagSel = h('select', { name: 'tag' }, h('option', { value: '' }, 'all memories'));
  const box = h('div', { id: 'graph', class: 'graph-box' }, loading());
  const info = h('p', { class: 'muted', role: 'status' });
  const back = h('button', { type: 'button', id: 'graph-associations' }, 'Back to associations');
  back.addEventListener('click', () => navigate('graph'));
  const below = h('div');
  root.append(h('h1', null, 'Graph'),
    section('Shared tags',
      notice('Fallback view: these lines are shared tags, not associations. Each dot is a memory; a line joins memories that share tags (thicker: more tags shared).', { id: 'graph-fallback' }),
      h('div', { class: 'row wrap' }, back), field('Only memories tagged', tagSel), info, box, below));
  tagSel.addEventListener('change', () => navigate('graph', { mode: 'tags', tag: tagSel.value }));

  let memories;
  try {
    const [tags, ms] = await Promise.all([api.get('/api/tags'), fetchMemories(tag)]);
    memories = ms;
    for (const t of tags.tags || []) tagSel.append(h('option', { value: t.tag }, `${t.tag} (${t.count})`));
    tagSel.value = tag;
  } catch (err) {
    clear(box).append(errorPanel(err));
    return undefined;
  }
  if (!ctx.alive()) return undefined;
  clear(box);
  if (!memories.length) {
    box.append(h('p', { class: 'muted' }, 'No memories to draw yet.'));
    return undefined;
  }
  const links = buildLinks(memories);
  const { W, H } = canvas(box);
  const pos = layout(memories.length, links, W, H, memories.length > 150 ? 150 : 300);
  info.textContent = `${memories.length} memories, ${links.length} links by shared tags`;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart graph', role: 'group', 'aria-label': `Graph of ${memories.length} memories linked by shared tags` });
  const edges = s('g', { class: 'edges' });
  for (const e of links) {
    const line = s('line', { x1: pos[e.a].x.toFixed(1), y1: pos[e.a].y.toFixed(1), x2: pos[e.b].x.toFixed(1), y2: pos[e.b].y.toFixed(1), class: 'edge tag-edge w' + Math.min(3, e.w) });
    line.append(s('title', null, 'shared: ' + e.tags.join(', ')));
    edges.append(line);
  }
  svg.append(edges);
  const palette = new Map();
  const nodes = s('g', { class: 'nodes' });
  const showLabels = memories.length <= 40;
  memories.forEach((m, i) => {
    const type = m.memory_type || 'note';
    const label = clip(m.content, 60);
    nodes.append(nodeElement({ hash: m.content_hash, type, label, tip: `${label}\n${(m.tags || []).join(', ')}`, x: pos[i].x, y: pos[i].y, r: 7,
      cls: typeClass(type, palette), showLabel: showLabels, W }));
  });
  svg.append(nodes);
  box.append(svg);
  below.append(typeLegend(palette));
  return undefined;
}

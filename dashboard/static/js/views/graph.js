// Graph of associations: memories (GET /api/memories, up to 300) linked by
// the tags they share, laid out by a small force simulation and drawn as
// SVG. A node opens the memory.
import { h, s, clear, clip, isHash } from '../dom.js';
import { api, enc } from '../api.js';
import { field, navigate, section, loading, errorPanel } from '../ui.js';

export const title = 'Graph';
const MAX_NODES = 300;
const CLIQUE = 12; // tags on more memories are linked as a chain, not all pairs

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

// links joins memories sharing tags; weight is the number shared.
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
export function layout(n, links, W, H, iterations = 300) {
  const pos = [];
  for (let i = 0; i < n; i++) {
    const a = i * 2.399963; // golden angle: a deterministic spiral start
    const r = Math.sqrt((i + 0.5) / Math.max(1, n)) * Math.min(W, H) * 0.45;
    pos.push({ x: W / 2 + r * Math.cos(a), y: H / 2 + r * Math.sin(a), dx: 0, dy: 0 });
  }
  const k = Math.sqrt((W * H) / Math.max(1, n)) * 0.6;
  let temp = Math.min(W, H) / 8;
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
      p.dx += (W / 2 - p.x) * 0.02 * k;
      p.dy += (H / 2 - p.y) * 0.02 * k;
      const len = Math.sqrt(p.dx * p.dx + p.dy * p.dy) || 1;
      const step = Math.min(len, temp);
      p.x = Math.max(12, Math.min(W - 12, p.x + (p.dx / len) * step));
      p.y = Math.max(12, Math.min(H - 12, p.y + (p.dy / len) * step));
    }
    temp = Math.max(0.5, temp * 0.985);
  }
  return pos;
}

function typeClass(type, palette) {
  if (!palette.has(type)) palette.set(type, 'c' + (palette.size % 10));
  return palette.get(type);
}

export async function render(root, ctx) {
  const tag = ctx.params.get('tag') || '';
  const tagSel = h('select', { name: 'tag' }, h('option', { value: '' }, 'all memories'));
  const box = h('div', { id: 'graph', class: 'graph-box' }, loading());
  const legend = h('ul', { class: 'legend-list', 'aria-label': 'Memory types' });
  const info = h('p', { class: 'muted', role: 'status' });
  root.append(h('h1', null, 'Graph'),
    section('Associations', h('p', null, 'Each dot is a memory; a line joins memories that share tags (thicker: more tags shared). Select a dot to open it.'),
      field('Only memories tagged', tagSel), info, box, legend));
  tagSel.addEventListener('change', () => navigate('graph', { tag: tagSel.value }));

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
  const W = 800;
  const H = 560;
  const pos = layout(memories.length, links, W, H, memories.length > 150 ? 150 : 300);
  info.textContent = `${memories.length} memories, ${links.length} links`;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart graph', role: 'group', 'aria-label': `Association graph of ${memories.length} memories` });
  const edges = s('g', { class: 'edges' });
  for (const e of links) {
    const line = s('line', { x1: pos[e.a].x.toFixed(1), y1: pos[e.a].y.toFixed(1), x2: pos[e.b].x.toFixed(1), y2: pos[e.b].y.toFixed(1), class: 'edge w' + Math.min(3, e.w) });
    line.append(s('title', null, 'shared: ' + e.tags.join(', ')));
    edges.append(line);
  }
  svg.append(edges);
  const palette = new Map();
  const nodes = s('g', { class: 'nodes' });
  const showLabels = memories.length <= 40;
  memories.forEach((m, i) => {
    const label = clip(m.content, 60);
    const g = s('g', { class: ['node', typeClass(m.memory_type || 'note', palette)], tabindex: '0', role: 'link', 'aria-label': `${m.memory_type || 'note'}: ${label}` });
    g.append(s('title', null, `${label}\n${(m.tags || []).join(', ')}`));
    g.append(s('circle', { cx: pos[i].x.toFixed(1), cy: pos[i].y.toFixed(1), r: 7 }));
    if (showLabels) g.append(s('text', { x: (pos[i].x + 10).toFixed(1), y: (pos[i].y + 4).toFixed(1), class: 'node-label' }, clip(m.content, 24)));
    const open = () => {
      if (isHash(m.content_hash)) navigate('memory/' + m.content_hash);
    };
    g.addEventListener('click', open);
    g.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        open();
      }
    });
    nodes.append(g);
  });
  svg.append(nodes);
  box.append(svg);
  for (const [type, cls] of palette) legend.append(h('li', null, h('span', { class: ['key', 'node-key', cls], 'aria-hidden': 'true' }), type));
  return undefined;
}

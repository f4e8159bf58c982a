// Memory detail: full content and metadata; edit tags, type and metadata
// (PUT /api/memories/{hash}); delete (DELETE); quality with its parts and
// rating history (GET /api/quality/memories/{hash}) and rating (POST
// …/rate); the version chain through metadata.parent_hash and
// superseded_by; connected memories (GET /api/graph/connected/{hash} and
// /api/graph/subgraph/{hash} for labels and relation types), suggested
// links (GET /api/graph/suggest/{hash}) and similar memories.
import { h, clear, fmtDate, fmtEpoch, fmtScore, isHash, memoryLink, shortHash, clip } from '../dom.js';
import { api, unavailable } from '../api.js';
import { onMemoryEvent } from '../events.js';
import { field, typeSelect, parseTags, errorBox, showError, hideError, tagChips, section, confirmDialog, toast, navigate, loading, errorPanel, memoryList, notice, facts, InputError, offText } from '../ui.js';

export const title = 'Memory';

function metaValue(v) {
  if (v === null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function metadataTable(md) {
  const keys = Object.keys(md || {}).sort();
  if (!keys.length) return h('p', { class: 'muted' }, 'No metadata.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'kv' },
    h('caption', { class: 'sr-only' }, 'Metadata'),
    h('tbody', null, keys.map((k) => h('tr', null, h('th', { scope: 'row' }, k),
      h('td', { class: k === 'parent_hash' ? 'hash' : undefined }, k === 'parent_hash' && isHash(md[k]) ? memoryLink(md[k], null, md[k]) : metaValue(md[k])))))));
}

const RATINGS = { 1: 'useful', 0: 'neutral', '-1': 'not useful' };

function scoreMeter(label, v, id) {
  const pct = Math.round(Math.max(0, Math.min(1, Number(v) || 0)) * 100);
  return h('span', { class: 'score', id }, h('meter', { min: '0', max: '100', low: '50', high: '70', optimum: '100', value: String(pct), 'aria-label': label }), ` ${fmtScore(v)}`);
}

// qualityView shows GET /api/quality/memories/{hash}: the effective score
// and what it is made of, the rating and its history.
function qualityView(q) {
  const c = q.quality_components || {};
  const rated = q.user_rating === null || q.user_rating === undefined ? 'not rated' : RATINGS[q.user_rating] || String(q.user_rating);
  const out = [facts([
    ['Effective score', scoreMeter('Effective quality', q.quality_score, 'quality-effective')],
    ['From ratings', scoreMeter('Stored quality, moved by ratings', c.stored ?? q.stored_score)],
    ['From use', scoreMeter('Quality from use', c.implicit ?? q.implicit_score)],
    ['Source', q.quality_provider || '—'],
    ['Your rating', q.user_feedback ? `${rated} — “${q.user_feedback}”` : rated],
    ['Read', `${q.access_count ?? 0} times`],
  ])];
  const hist = Array.isArray(q.rating_history) ? q.rating_history : [];
  out.push(h('h3', null, 'Rating history'));
  if (!hist.length) out.push(h('p', { class: 'muted' }, 'No ratings yet.'));
  else {
    out.push(h('ol', { class: 'rating-history', reversed: true }, hist.slice().reverse().map((r) => h('li', null,
      h('time', { datetime: String(r?.at || '') }, fmtDate(r?.at)), ' — ', h('strong', null, RATINGS[r?.rating] ?? String(r?.rating)),
      r?.feedback ? ` — “${r.feedback}”` : ''))));
  }
  return out;
}

// relationText says how one edge joins this memory to another.
function relationText(e, hash) {
  const t = e.relationship_type;
  if (t === 'related' || t === 'contradicts') return t;
  return e.source === hash ? `this ${t} it` : `it ${t} this`;
}

// connections lists the memories linked to hash within two edges, with
// the relation types of the direct links.
async function connections(hash, ctx, box) {
  let conn;
  let sub;
  try {
    [conn, sub] = await Promise.all([api.get(`/api/graph/connected/${hash}?max_hops=2`), api.get(`/api/graph/subgraph/${hash}?radius=2`)]);
  } catch (x) {
    if (!ctx.alive()) return;
    clear(box).append(unavailable(x) ? notice(offText('The associations graph', x)) : errorPanel(x));
    return;
  }
  if (!ctx.alive()) return;
  clear(box);
  const list = conn.connected || [];
  if (!list.length) {
    box.append(h('p', { class: 'muted' }, 'No relation links this memory yet: consolidation links related memories, conflict detection contradicting ones.'));
    return;
  }
  const labels = new Map((sub.nodes || []).map((n) => [n.id, n]));
  const rels = new Map();
  for (const e of sub.edges || []) {
    if (e.source !== hash && e.target !== hash) continue;
    const other = e.source === hash ? e.target : e.source;
    if (!rels.has(other)) rels.set(other, []);
    rels.get(other).push(e);
  }
  for (const [dist, heading] of [[1, 'Linked directly'], [2, 'Two links away']]) {
    const items = list.filter((l) => l.distance === dist);
    if (!items.length) continue;
    box.append(h('h3', null, heading), h('ul', { class: 'linked' }, items.map((l) => {
      const n = labels.get(l.hash);
      return h('li', { dataset: { hash: l.hash } },
        memoryLink(l.hash, null, n ? clip(n.label, 140) : shortHash(l.hash)),
        ' ', (rels.get(l.hash) || []).map((e) => h('span', { class: ['badge', 'rel', 'rel-' + e.relationship_type] }, relationText(e, hash))),
        n ? h('span', { class: 'badge type' }, n.memory_type || 'note') : null);
    })));
  }
  if (sub.truncated) box.append(h('p', { class: 'muted' }, 'Only part of the neighbourhood is shown.'));
}

async function suggestions(hash, ctx, box) {
  try {
    const res = await api.get(`/api/graph/suggest/${hash}?limit=5`);
    if (!ctx.alive()) return;
    clear(box);
    const list = res.suggestions || [];
    if (!list.length) {
      box.append(h('p', { class: 'muted' }, 'No suggestions.'));
      return;
    }
    box.append(h('ul', { class: 'linked' }, list.map((sg) => h('li', { dataset: { hash: sg.hash } },
      memoryLink(sg.hash, null, clip(sg.content_preview || shortHash(sg.hash), 140)), ' ',
      h('span', { class: 'badge type' }, sg.memory_type || 'note'), ' ', h('span', { class: 'muted' }, `similarity ${fmtScore(sg.similarity)}`)))));
  } catch (x) {
    if (ctx.alive()) clear(box).append(unavailable(x) ? notice(offText('Suggestions', x, 'are')) : errorPanel(x));
  }
}

async function versionChain(m) {
  const older = [];
  const seen = new Set([m.content_hash]);
  let parent = m.metadata?.parent_hash;
  while (isHash(parent) && !seen.has(parent) && older.length < 20) {
    seen.add(parent);
    try {
      const p = await api.get('/api/memories/' + parent);
      older.unshift(p);
      parent = p.metadata?.parent_hash;
    } catch {
      older.unshift({ content_hash: parent, missing: true });
      break;
    }
  }
  const newer = [];
  let next = m.superseded_by;
  while (isHash(next) && !seen.has(next) && newer.length < 20) {
    seen.add(next);
    try {
      const n = await api.get('/api/memories/' + next);
      newer.push(n);
      next = n.superseded_by;
    } catch {
      newer.push({ content_hash: next, missing: true });
      break;
    }
  }
  return [...older, m, ...newer];
}

export async function render(root, ctx) {
  const hash = ctx.arg;
  if (!isHash(hash)) {
    root.append(h('h1', null, 'Memory'), errorPanel(new Error('That is not a memory’s content hash.')));
    return undefined;
  }
  let m;
  try {
    m = await api.get('/api/memories/' + hash);
  } catch (err) {
    root.append(h('h1', null, 'Memory'), errorPanel(err));
    return undefined;
  }
  if (!ctx.alive()) return undefined;

  const quality = h('span', { id: 'quality-score' }, fmtScore(m.quality_score));
  const facts = h('dl', { class: 'facts' },
    h('dt', null, 'Hash'), h('dd', { class: 'hash' }, m.content_hash),
    h('dt', null, 'Type'), h('dd', null, h('span', { class: 'badge type' }, m.memory_type || 'note')),
    h('dt', null, 'Created'), h('dd', null, fmtDate(m.created_at_iso)),
    h('dt', null, 'Updated'), h('dd', null, fmtDate(m.updated_at_iso)),
    h('dt', null, 'Quality'), h('dd', null, quality),
    h('dt', null, 'Accessed'), h('dd', null, `${m.access_count ?? 0} times, last ${fmtEpoch(m.last_accessed_at)}`));
  if (m.superseded_by) facts.append(h('dt', null, 'Superseded by'), h('dd', null, memoryLink(m.superseded_by, { class: 'hash' }, shortHash(m.superseded_by))));

  // Editing.
  const tagsIn = h('input', { type: 'text', name: 'tags', value: (m.tags || []).join(', '), autocomplete: 'off' });
  const typeIn = await typeSelect(m.memory_type, { allowEmpty: false });
  const mdIn = h('textarea', { name: 'metadata', rows: '6', class: 'mono', spellcheck: 'false' });
  mdIn.value = JSON.stringify(m.metadata || {}, null, 2);
  const editErr = errorBox();
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save changes');
  const edit = h('form', { class: 'edit-form', novalidate: true, 'aria-label': 'Edit memory' },
    field('Tags', tagsIn, 'comma-separated; replaces the current tags'),
    field('Type', typeIn),
    field('Metadata (JSON object)', mdIn, 'keys you remove are deleted'),
    editErr, h('div', { class: 'row' }, save));
  edit.addEventListener('submit', async (e) => {
    e.preventDefault();
    hideError(editErr);
    const body = {};
    try {
      body.tags = parseTags(tagsIn.value);
      if (typeIn.value !== m.memory_type) body.memory_type = typeIn.value;
      let md;
      try {
        md = JSON.parse(mdIn.value || '{}');
      } catch {
        throw new InputError('Metadata is not valid JSON.');
      }
      if (!md || typeof md !== 'object' || Array.isArray(md)) throw new InputError('Metadata must be a JSON object, like {"key": "value"}.');
      const patch = {};
      for (const k of Object.keys(m.metadata || {})) if (!(k in md)) patch[k] = null;
      for (const [k, v] of Object.entries(md)) if (JSON.stringify(v) !== JSON.stringify(m.metadata?.[k])) patch[k] = v;
      if (Object.keys(patch).length) body.metadata = patch;
    } catch (x) {
      showError(editErr, x);
      return;
    }
    save.disabled = true;
    try {
      await api.put('/api/memories/' + hash, body);
      toast('Memory updated.', 'ok');
      navigate('memory/' + hash);
    } catch (x) {
      showError(editErr, x);
    } finally {
      save.disabled = false;
    }
  });

  // Quality and rating.
  const qualityBox = h('div', { id: 'quality-info' }, loading());
  const rateErr = errorBox();
  const rateStatus = h('p', { class: 'muted', role: 'status', id: 'rate-status' });
  const feedback = h('input', { type: 'text', name: 'feedback', maxlength: '1000', autocomplete: 'off', placeholder: 'optional: why' });
  const rateRow = h('div', { class: 'row wrap', role: 'group', 'aria-label': 'Rate this memory' });
  const loadQuality = async () => {
    try {
      const q = await api.get(`/api/quality/memories/${hash}`);
      if (ctx.alive()) clear(qualityBox).append(...qualityView(q));
    } catch (x) {
      if (ctx.alive()) clear(qualityBox).append(errorPanel(x));
    }
  };
  for (const [rating, label, text] of [[1, 'Rate useful', '▲ Useful'], [0, 'Rate neutral', '● Neutral'], [-1, 'Rate not useful', '▼ Not useful']]) {
    const b = h('button', { type: 'button', 'aria-label': label }, text);
    b.addEventListener('click', async () => {
      hideError(rateErr);
      const body = { rating };
      const f = feedback.value.trim();
      if ([...f].length > 1000) {
        showError(rateErr, new InputError(`Feedback is ${[...f].length} characters long; the limit is 1000.`));
        return;
      }
      if (f) body.feedback = f;
      try {
        const res = await api.post(`/api/quality/memories/${hash}/rate`, body);
        quality.textContent = fmtScore(res.new_quality_score);
        rateStatus.textContent = `Quality ${fmtScore(res.old_quality_score)} → ${fmtScore(res.new_quality_score)}`;
        feedback.value = '';
        loadQuality();
      } catch (x) {
        showError(rateErr, x);
      }
    });
    rateRow.append(b);
  }
  const delErr = errorBox();
  const del = h('button', { type: 'button', class: 'danger' }, 'Delete memory');
  del.addEventListener('click', async () => {
    hideError(delErr);
    if (!(await confirmDialog('Delete this memory?', clip(m.content, 200)))) return;
    try {
      await api.del('/api/memories/' + hash);
      toast('Memory deleted.', 'ok');
      navigate('overview');
    } catch (x) {
      showError(delErr, x);
    }
  });

  const chainBox = h('div', { id: 'versions' }, loading());
  const connBox = h('div', { id: 'connections' }, loading());
  const suggestBox = h('div', { id: 'suggestions' }, loading());
  const similarBox = h('div', { id: 'similar' }, loading());
  const gone = h('p', { class: 'form-error', role: 'alert', hidden: true });
  root.append(
    h('h1', null, 'Memory'),
    gone,
    h('section', { class: 'card', 'aria-label': 'Content' }, h('div', { class: 'content', id: 'memory-content' }, m.content), tagChips(m.tags)),
    section('Details', facts, h('h3', null, 'Metadata'), metadataTable(m.metadata)),
    section('Edit', edit),
    section('Quality', qualityBox, h('h3', null, 'Rate'), field('Feedback', feedback), rateRow, rateStatus, rateErr),
    section('Versions', chainBox),
    section('Connected memories', connBox),
    section('Suggested links', h('p', { class: 'muted' }, 'Similar memories that no relation links to this one yet.'), suggestBox),
    section('Similar memories', similarBox),
    section('Delete', h('p', null, 'Deleting cannot be undone.'), delErr, del),
  );

  versionChain(m).then((chain) => {
    if (!ctx.alive()) return;
    clear(chainBox);
    if (chain.length === 1) {
      chainBox.append(h('p', { class: 'muted' }, 'This is the only version.'));
      return;
    }
    const ol = h('ol', { class: 'versions' });
    for (const v of chain) {
      const label = v.missing ? `${shortHash(v.content_hash)} (not found)` : `${fmtDate(v.created_at_iso)} — ${clip(v.content, 80)}`;
      const item = v.content_hash === m.content_hash ? h('strong', { 'aria-current': 'true' }, label, ' (this version)') : memoryLink(v.content_hash, null, label);
      ol.append(h('li', null, item));
    }
    chainBox.append(ol);
  });
  loadQuality();
  connections(hash, ctx, connBox);
  suggestions(hash, ctx, suggestBox);
  api.get(`/api/search/similar/${hash}?n_results=5`).then((res) => {
    if (!ctx.alive()) return;
    clear(similarBox);
    const rs = (res.results || []).filter((r) => r.memory?.content_hash !== hash);
    similarBox.append(rs.length ? memoryList(rs.map((r) => r.memory), rs) : h('p', { class: 'muted' }, 'No similar memories.'));
  }).catch((err) => {
    if (ctx.alive()) clear(similarBox).append(errorPanel(err));
  });

  return onMemoryEvent((type, data) => {
    if (data.content_hash !== hash) return;
    if (type === 'memory_deleted') {
      gone.textContent = 'This memory has been deleted.';
      gone.hidden = false;
    }
  });
}

// Memory detail: full content and metadata; edit tags, type and metadata
// (PUT /api/memories/{hash}); delete (DELETE); rate
// (POST /api/quality/memories/{hash}/rate); the version chain through
// metadata.parent_hash and superseded_by; similar memories.
import { h, clear, fmtDate, fmtEpoch, isHash, memoryLink, shortHash, clip } from '../dom.js';
import { api } from '../api.js';
import { onMemoryEvent } from '../events.js';
import { field, typeSelect, parseTags, errorBox, showError, hideError, tagChips, section, confirmDialog, toast, navigate, loading, errorPanel, memoryList, InputError } from '../ui.js';

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

  const quality = h('span', { id: 'quality-score' }, Number(m.quality_score ?? 0).toFixed(2));
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

  // Rating and deletion.
  const rateErr = errorBox();
  const rateStatus = h('p', { class: 'muted', role: 'status' });
  const rateRow = h('div', { class: 'row wrap', role: 'group', 'aria-label': 'Rate this memory' });
  for (const [rating, label, text] of [[1, 'Rate useful', '▲ Useful'], [0, 'Rate neutral', '● Neutral'], [-1, 'Rate not useful', '▼ Not useful']]) {
    const b = h('button', { type: 'button', 'aria-label': label }, text);
    b.addEventListener('click', async () => {
      hideError(rateErr);
      try {
        const res = await api.post(`/api/quality/memories/${hash}/rate`, { rating });
        quality.textContent = Number(res.new_quality_score ?? 0).toFixed(2);
        rateStatus.textContent = `Quality ${Number(res.old_quality_score ?? 0).toFixed(2)} → ${Number(res.new_quality_score ?? 0).toFixed(2)}`;
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
  const similarBox = h('div', { id: 'similar' }, loading());
  const gone = h('p', { class: 'form-error', role: 'alert', hidden: true });
  root.append(
    h('h1', null, 'Memory'),
    gone,
    h('section', { class: 'card', 'aria-label': 'Content' }, h('div', { class: 'content', id: 'memory-content' }, m.content), tagChips(m.tags)),
    section('Details', facts, h('h3', null, 'Metadata'), metadataTable(m.metadata)),
    section('Edit', edit),
    section('Rate', rateRow, rateStatus, rateErr),
    section('Versions', chainBox),
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

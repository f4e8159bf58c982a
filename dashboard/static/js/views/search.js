// Search: POST /api/search with mode, tag, type and time filters; results
// show their score, the signals that matched and why.
import { h, clear } from '../dom.js';
import { api } from '../api.js';
import { field, typeSelect, parseTags, checkDate, errorBox, showError, hideError, memoryList, InputError } from '../ui.js';

export const title = 'Search';

const MODES = ['hybrid', 'semantic', 'keyword', 'exact'];
const last = { q: '', mode: 'hybrid', tags: '', tagMatch: 'any', type: '', time: '', after: '', before: '' };

export async function render(root, ctx) {
  const p = ctx.params;
  if (p.has('q')) last.q = p.get('q');
  if (p.has('tag')) last.tags = p.get('tag');
  const q = h('input', { id: 'search-q', type: 'search', name: 'q', value: last.q, placeholder: 'What are you looking for?', autocomplete: 'off' });
  const mode = h('select', { name: 'mode' }, MODES.map((m) => h('option', { value: m }, m)));
  mode.value = last.mode;
  const tags = h('input', { type: 'text', name: 'tags', value: last.tags, placeholder: 'tag1, tag2', autocomplete: 'off' });
  const tagMatch = h('select', { name: 'tag_match' }, h('option', { value: 'any' }, 'any tag'), h('option', { value: 'all' }, 'all tags'));
  tagMatch.value = last.tagMatch;
  const type = await typeSelect(last.type);
  const time = h('input', { type: 'text', name: 'time_expr', value: last.time, placeholder: 'e.g. last week', autocomplete: 'off' });
  const after = h('input', { type: 'text', name: 'after', value: last.after, placeholder: 'YYYY-MM-DD', inputmode: 'numeric', autocomplete: 'off' });
  const before = h('input', { type: 'text', name: 'before', value: last.before, placeholder: 'YYYY-MM-DD', inputmode: 'numeric', autocomplete: 'off' });
  const err = errorBox();
  const status = h('p', { class: 'muted', role: 'status', id: 'search-status' });
  const results = h('div', { id: 'search-results' });
  const form = h('form', { class: 'search-form', role: 'search', novalidate: true, 'aria-label': 'Search memories' },
    field('Query', q),
    h('div', { class: 'grid3' },
      field('Mode', mode), field('Tags', tags), field('Tag match', tagMatch),
      field('Type', type), field('Time', time, 'natural language'), h('div', { class: 'grid2 tight' }, field('After', after), field('Before', before))),
    err,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Search')));
  root.append(h('h1', null, 'Search'), h('section', { class: 'card' }, form), h('section', { class: 'card', 'aria-label': 'Results' }, status, results));

  let seq = 0;
  async function run() {
    hideError(err);
    Object.assign(last, { q: q.value, mode: mode.value, tags: tags.value, tagMatch: tagMatch.value, type: type.value, time: time.value, after: after.value, before: before.value });
    if (!q.value.trim()) {
      clear(results);
      status.textContent = 'Type a query to search.';
      return;
    }
    const body = { query: q.value, mode: mode.value, n_results: 25 };
    try {
      const t = parseTags(tags.value);
      if (t.length) {
        body.tags = t;
        body.tag_match = tagMatch.value;
      }
      if (type.value) body.memory_type = type.value;
      if (time.value.trim()) body.time_expr = time.value.trim();
      const a = checkDate('After', after.value);
      const b = checkDate('Before', before.value);
      if (a) body.after = a;
      if (b) body.before = b;
    } catch (x) {
      if (x instanceof InputError) {
        showError(err, x);
        return;
      }
      throw x;
    }
    const mine = ++seq;
    status.textContent = 'Searching…';
    try {
      const res = await api.post('/api/search', body);
      if (mine !== seq || !ctx.alive()) return;
      const rs = res.results || [];
      clear(results);
      const took = typeof res.processing_time_ms === 'number' ? ` in ${res.processing_time_ms.toFixed(1)} ms` : '';
      status.textContent = `${rs.length} result${rs.length === 1 ? '' : 's'} (${res.search_type || body.mode})${took}`;
      for (const n of res.notes || []) results.append(h('p', { class: 'note' }, n));
      if (rs.length) results.append(memoryList(rs.map((r) => r.memory), rs));
      else results.append(h('p', { class: 'muted' }, 'Nothing matched.'));
      const hash = '#/search?q=' + encodeURIComponent(q.value);
      if (location.hash !== hash) history.replaceState(null, '', hash);
    } catch (x) {
      if (mine !== seq) return;
      status.textContent = '';
      clear(results);
      showError(err, x);
    }
  }

  let timer = null;
  const live = () => {
    clearTimeout(timer);
    timer = setTimeout(run, 300);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(timer);
    run();
  });
  q.addEventListener('input', live);
  for (const c of [mode, tagMatch, type]) c.addEventListener('change', live);
  for (const c of [tags, time, after, before]) c.addEventListener('change', live);
  await run();
  return () => clearTimeout(timer);
}

// Shared widgets: toasts, the confirm dialog, form errors, validation,
// memory list items and the memory form.
import { h, clear, clip, fmtDate, memoryLink, nextId } from './dom.js';
import { api, memoryTypes } from './api.js';

export const MAX_TAGS = 100;
export const MAX_TAG_LENGTH = 100;

export function navigate(route, params) {
  let hash = '#/' + route;
  if (params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const qs = q.toString();
    if (qs) hash += '?' + qs;
  }
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

// toast shows a short message in the polite live region.
export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const t = h('div', { class: ['toast', 'toast-' + kind], role: kind === 'error' ? 'alert' : 'status' }, message);
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}

// confirmDialog asks a yes/no question in the page's own <dialog> (never
// window.confirm) and resolves to true or false.
export function confirmDialog(title, message, okLabel = 'Delete') {
  const dlg = document.getElementById('dlg-confirm');
  clear(dlg);
  return new Promise((resolve) => {
    const titleId = nextId('confirm-title');
    const ok = h('button', { type: 'button', class: 'danger', 'data-action': 'confirm' }, okLabel);
    const cancel = h('button', { type: 'button', 'data-action': 'cancel' }, 'Cancel');
    dlg.setAttribute('aria-labelledby', titleId);
    dlg.append(h('h2', { id: titleId }, title), h('p', null, message), h('div', { class: 'row end' }, cancel, ok));
    let answered = false;
    const done = (v) => {
      if (answered) return;
      answered = true;
      if (dlg.open) dlg.close();
      resolve(v);
    };
    ok.addEventListener('click', () => done(true));
    cancel.addEventListener('click', () => done(false));
    dlg.addEventListener('close', () => done(false), { once: true });
    dlg.showModal();
    cancel.focus();
  });
}

// errorBox is a visible, announced error paragraph for a form.
export function errorBox() {
  return h('p', { class: 'form-error', role: 'alert', hidden: true });
}

export function showError(box, err) {
  box.textContent = typeof err === 'string' ? err : err?.message || 'Something went wrong.';
  box.hidden = false;
}

export function hideError(box) {
  box.textContent = '';
  box.hidden = true;
}

export class InputError extends Error {}

// parseTags splits a comma-separated tag list and checks it as the server
// does (at most 100 tags of at most 100 characters).
export function parseTags(text) {
  const seen = new Set();
  const tags = [];
  for (const raw of String(text || '').split(',')) {
    const t = raw.trim();
    if (!t || seen.has(t)) continue;
    if ([...t].length > MAX_TAG_LENGTH) {
      throw new InputError(`Tag "${clip(t, 30)}" is ${[...t].length} characters long; the limit is ${MAX_TAG_LENGTH}.`);
    }
    seen.add(t);
    tags.push(t);
  }
  if (tags.length > MAX_TAGS) throw new InputError(`${tags.length} tags given; the limit is ${MAX_TAGS}.`);
  return tags;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

// checkDate accepts "" (no bound), YYYY-MM-DD or an RFC 3339 time.
export function checkDate(label, value) {
  const v = String(value || '').trim();
  if (!v) return '';
  const m = DATE_RE.exec(v);
  if (m) {
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    if (d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3]) return v;
  } else if (TIME_RE.test(v) && !Number.isNaN(Date.parse(v))) {
    return v;
  }
  throw new InputError(`${label} must be a date like 2025-03-01 or a time like 2025-03-01T10:00:00Z.`);
}

// field wraps a control with its label.
export function field(label, control, hint) {
  if (!control.id) control.id = nextId('f');
  const hintEl = hint ? h('span', { class: 'hint', id: control.id + '-hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

export async function typeSelect(current, { allowEmpty = true, emptyLabel = 'any type' } = {}) {
  const sel = h('select');
  if (allowEmpty) sel.append(h('option', { value: '' }, emptyLabel));
  let types = [];
  try {
    types = await memoryTypes();
  } catch {
    types = [];
  }
  const all = new Set(types);
  if (current && !all.has(current)) sel.append(h('option', { value: current }, current));
  for (const t of types) sel.append(h('option', { value: t }, t));
  sel.value = current || '';
  return sel;
}

// tagChips renders tags as buttons that open Browse filtered by the tag.
export function tagChips(tags) {
  const list = h('ul', { class: 'chips', 'aria-label': 'Tags' });
  for (const t of tags || []) {
    const b = h('button', { type: 'button', class: 'chip', 'aria-label': 'Browse tag ' + t }, t);
    b.addEventListener('click', (e) => {
      e.preventDefault();
      navigate('browse', { tag: t });
    });
    list.append(h('li', null, b));
  }
  return list;
}

// memoryItem renders one memory of a list; a search result adds its score
// and why it matched.
export function memoryItem(m, result) {
  const li = h('li', { class: 'mem', dataset: { hash: m.content_hash } });
  li.append(memoryLink(m.content_hash, { class: 'mem-content' }, clip(m.content, 280)));
  const meta = h('div', { class: 'mem-meta' },
    h('span', { class: 'badge type' }, m.memory_type || 'note'),
    h('time', { datetime: m.created_at_iso || '' }, fmtDate(m.created_at_iso)));
  li.append(meta);
  if (m.tags?.length) li.append(tagChips(m.tags));
  if (result) {
    const why = h('div', { class: 'why' });
    if (typeof result.similarity_score === 'number') {
      const pct = Math.round(Math.max(0, Math.min(1, result.similarity_score)) * 100);
      const meter = h('meter', { min: '0', max: '100', value: String(pct), 'aria-label': 'Relevance' });
      why.append(h('span', { class: 'score' }, meter, ` ${pct}%`));
    }
    for (const by of result.matched_by || []) why.append(h('span', { class: 'badge matched' }, by));
    if (result.relevance_reason) why.append(h('span', { class: 'reason' }, result.relevance_reason));
    li.append(why);
  }
  return li;
}

export function memoryList(memories, results) {
  const ul = h('ul', { class: 'mem-list' });
  memories.forEach((m, i) => ul.append(memoryItem(m, results?.[i])));
  return ul;
}

// memoryForm is the form to store a memory (quick add and the "new
// memory" dialog). onStored gets the API's answer.
export async function memoryForm({ onStored, compact = false } = {}) {
  const content = h('textarea', { rows: compact ? '3' : '5', name: 'content', placeholder: 'What should be remembered?' });
  const tags = h('input', { type: 'text', name: 'tags', placeholder: 'tag1, tag2', autocomplete: 'off' });
  const type = await typeSelect('', { emptyLabel: 'note (default)' });
  type.name = 'memory_type';
  const err = errorBox();
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Store memory');
  const form = h('form', { class: 'memory-form', novalidate: true, 'aria-label': 'Store a memory' },
    field('Content', content),
    h('div', { class: 'grid2' }, field('Tags', tags, 'comma-separated, at most 100 characters each'), field('Type', type)),
    err,
    h('div', { class: 'row' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    hideError(err);
    const body = { content: content.value };
    try {
      if (!content.value.trim()) throw new InputError('Content is empty: write what should be remembered.');
      const t = parseTags(tags.value);
      if (t.length) body.tags = t;
      if (type.value) body.memory_type = type.value;
    } catch (x) {
      showError(err, x);
      return;
    }
    submit.disabled = true;
    try {
      const res = await api.post('/api/memories', body);
      if (!res?.success) {
        showError(err, res?.message || 'The memory was not stored.');
        return;
      }
      form.reset();
      toast('Memory stored.', 'ok');
      onStored?.(res);
    } catch (x) {
      showError(err, x);
    } finally {
      submit.disabled = false;
    }
  });
  return { form, focus: () => content.focus() };
}

export function section(title, ...children) {
  const id = nextId('sec');
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

export function loading() {
  return h('p', { class: 'muted', role: 'status' }, 'Loading…');
}

export function errorPanel(err) {
  return h('p', { class: 'form-error', role: 'alert' }, err?.message || String(err));
}

// notice is a plain statement in a panel, such as a feature that is not
// available on this server.
export function notice(text, attrs) {
  return h('p', { class: 'notice', ...attrs }, text);
}

// readOnlyNote explains why a control is disabled for a read-only key.
export function readOnlyNote(what) {
  return h('p', { class: 'muted read-only-note' }, `Your key is read-only: ${what} needs a key with the write scope.`);
}

// facts renders [label, value] pairs as a description list; values may be
// nodes or text, and null pairs are left out.
export function facts(pairs, attrs) {
  const dl = h('dl', { class: 'facts', ...attrs });
  for (const p of pairs) {
    if (p) dl.append(h('dt', null, p[0]), h('dd', null, p[1] ?? '—'));
  }
  return dl;
}

// saveBlob hands a Blob to the browser as a download named filename. The
// link lives only for the click; its object URL is revoked afterwards.
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// stacked marks a table whose rows become label: value blocks on narrow
// screens (see table.stack in app.css): each body cell is labelled with
// its column's heading. It returns the table.
export function stacked(table) {
  const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
  for (const tr of table.querySelectorAll('tbody tr')) {
    [...tr.children].forEach((cell, i) => {
      if (heads[i]) cell.dataset.label = heads[i];
    });
  }
  table.classList.add('stack');
  return table;
}

// offText says that a feature is not available on this server, with the
// server's reason unless the reason only says the same.
export function offText(what, err, verb = 'is') {
  const why = String(err?.message || '').trim();
  const head = `${what} ${verb} not available on this server`;
  return why && !/not available on this server/i.test(why) ? `${head}: ${why}` : `${head}.`;
}

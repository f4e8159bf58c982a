// Manage: bulk delete by tag, type and time with a preview count
// (POST /api/manage/bulk-delete, dry_run then confirm_count), conflicts
// (views/conflicts.js), delete untagged memories, clean up duplicates, tag
// statistics.
import { h, clear, fmtDate } from '../dom.js';
import { api } from '../api.js';
import { conflictsPanel } from './conflicts.js';
import { field, typeSelect, parseTags, checkDate, errorBox, showError, hideError, section, confirmDialog, toast, loading, errorPanel, stacked, InputError } from '../ui.js';

export const title = 'Manage';

export async function render(root, ctx) {
  // Bulk delete.
  const tags = h('input', { type: 'text', name: 'tags', placeholder: 'tag1, tag2', autocomplete: 'off' });
  const tagMatch = h('select', { name: 'tag_match' }, h('option', { value: 'any' }, 'any tag'), h('option', { value: 'all' }, 'all tags'));
  const type = await typeSelect('');
  const after = h('input', { type: 'text', name: 'after_date', placeholder: 'YYYY-MM-DD', autocomplete: 'off' });
  const before = h('input', { type: 'text', name: 'before_date', placeholder: 'YYYY-MM-DD', autocomplete: 'off' });
  const time = h('input', { type: 'text', name: 'time_expr', placeholder: 'e.g. last month', autocomplete: 'off' });
  const err = errorBox();
  const preview = h('p', { id: 'bulk-preview', role: 'status', class: 'preview', hidden: true });
  const previewBtn = h('button', { type: 'submit' }, 'Preview');
  const deleteBtn = h('button', { type: 'button', class: 'danger', id: 'bulk-confirm', hidden: true }, 'Delete');
  const form = h('form', { class: 'bulk-form', novalidate: true, 'aria-label': 'Bulk delete' },
    h('p', null, 'Filters combine with AND. Preview first: it counts what would be deleted without deleting anything.'),
    h('div', { class: 'grid3' },
      field('Tags', tags), field('Tag match', tagMatch), field('Type', type),
      field('Created after', after), field('Created before', before), field('Time', time, 'natural language')),
    err, preview, h('div', { class: 'row' }, previewBtn, deleteBtn));

  let pending = null; // {body, count} of the last preview
  const invalidate = () => {
    pending = null;
    deleteBtn.hidden = true;
    preview.hidden = true;
  };
  for (const c of [tags, tagMatch, type, after, before, time]) c.addEventListener('input', invalidate);

  function filters() {
    const body = {};
    const t = parseTags(tags.value);
    if (t.length) {
      body.tags = t;
      body.tag_match = tagMatch.value;
    }
    if (type.value) body.memory_type = type.value;
    const a = checkDate('Created after', after.value);
    const b = checkDate('Created before', before.value);
    if (a) body.after_date = a;
    if (b) body.before_date = b;
    if (time.value.trim()) body.time_expr = time.value.trim();
    if (!Object.keys(body).length) throw new InputError('Give at least one filter: tags, type or time.');
    return body;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    hideError(err);
    invalidate();
    let body;
    try {
      body = filters();
    } catch (x) {
      showError(err, x);
      return;
    }
    try {
      const res = await api.post('/api/manage/bulk-delete', { ...body, dry_run: true });
      const n = res.affected_count ?? 0;
      preview.textContent = `${n} memor${n === 1 ? 'y' : 'ies'} would be deleted.`;
      preview.hidden = false;
      if (n > 0) {
        pending = { body, count: n };
        deleteBtn.textContent = `Delete ${n} memor${n === 1 ? 'y' : 'ies'}`;
        deleteBtn.hidden = false;
      }
    } catch (x) {
      showError(err, x);
    }
  });
  deleteBtn.addEventListener('click', async () => {
    if (!pending) return;
    hideError(err);
    const { body, count } = pending;
    if (!(await confirmDialog(`Delete ${count} memories?`, 'They are deleted for good.'))) return;
    try {
      const res = await api.post('/api/manage/bulk-delete', { ...body, confirm_count: count });
      invalidate();
      preview.textContent = res.message || `${res.affected_count} memories deleted.`;
      preview.hidden = false;
      toast(preview.textContent, 'ok');
      loadAux();
    } catch (x) {
      invalidate();
      showError(err, x);
    }
  });

  // Untagged, duplicates, tag stats.
  const untagged = h('div', { id: 'untagged' }, loading());
  const cleanErr = errorBox();
  const cleanStatus = h('p', { role: 'status', class: 'muted' });
  const cleanBtn = h('button', { type: 'button' }, 'Clean up duplicates');
  cleanBtn.addEventListener('click', async () => {
    hideError(cleanErr);
    if (!(await confirmDialog('Clean up duplicates?', 'Memories that differ only in case, spacing or punctuation are merged into one.', 'Clean up'))) return;
    try {
      const res = await api.post('/api/manage/cleanup-duplicates');
      cleanStatus.textContent = `${res.affected_count} duplicate${res.affected_count === 1 ? '' : 's'} removed. ${res.message || ''}`;
      loadAux();
    } catch (x) {
      showError(cleanErr, x);
    }
  });
  const stats = h('div', { id: 'tag-stats' }, loading());

  const conflicts = conflictsPanel(ctx);
  root.append(h('h1', null, 'Manage'),
    section('Bulk delete', form),
    conflicts.panel,
    section('Untagged memories', untagged),
    section('Duplicates', h('p', null, 'Merge memories that differ only in case, spacing or punctuation.'), cleanErr, cleanStatus, cleanBtn),
    section('Tag statistics', stats));

  async function loadAux() {
    const [u, t] = await Promise.allSettled([api.get('/api/manage/untagged/count'), api.get('/api/manage/tags/stats')]);
    if (!ctx.alive()) return;
    clear(untagged);
    if (u.status === 'fulfilled') {
      const n = u.value.count ?? 0;
      const uErr = errorBox();
      untagged.append(h('p', null, `${n} memor${n === 1 ? 'y has' : 'ies have'} no tags.`), uErr);
      if (n > 0) {
        const b = h('button', { type: 'button', class: 'danger' }, `Delete ${n} untagged`);
        b.addEventListener('click', async () => {
          if (!(await confirmDialog(`Delete ${n} untagged memories?`, 'They are deleted for good.'))) return;
          try {
            const res = await api.post('/api/manage/delete-untagged?confirm_count=' + n);
            toast(res.message || 'Deleted.', 'ok');
            loadAux();
          } catch (x) {
            showError(uErr, x);
          }
        });
        untagged.append(b);
      }
    } else untagged.append(errorPanel(u.reason));
    clear(stats);
    if (t.status === 'fulfilled') {
      const rows = t.value.tags || [];
      if (!rows.length) stats.append(h('p', { class: 'muted' }, 'No tags yet.'));
      else {
        stats.append(h('div', { class: 'table-wrap' }, stacked(h('table', null,
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Tag'), h('th', { scope: 'col' }, 'Count'), h('th', { scope: 'col' }, 'Last used'), h('th', { scope: 'col' }, 'Types'))),
          h('tbody', null, rows.map((r) => h('tr', null, h('td', null, r.tag), h('td', { class: 'num' }, String(r.count)), h('td', null, fmtDate(r.last_used_iso)), h('td', null, (r.memory_types || []).join(', ')))))))));
      }
    } else stats.append(errorPanel(t.reason));
  }
  await Promise.all([loadAux(), conflicts.load()]);
  return conflicts.cleanup;
}

// Documents: upload files (drag and drop or the picker) with transfer and
// processing progress, the upload history with live status, each upload's
// chunks, and removal of an upload with its memories.
import { h, clear, fmtDate, fmtBytes, memoryLink, clip } from '../dom.js';
import { api, upload, enc } from '../api.js';
import { field, typeSelect, parseTags, errorBox, showError, hideError, section, confirmDialog, toast, loading, errorPanel, InputError } from '../ui.js';
import { onMemoryEvent } from '../events.js';

export const title = 'Documents';

function statusBadge(status) {
  return h('span', { class: ['badge', 'status-' + status] }, status);
}

export async function render(root, ctx) {
  const limits = h('p', { class: 'muted', id: 'doc-limits' }, loading());
  const picker = h('input', { type: 'file', name: 'files', multiple: true, id: 'doc-files' });
  const drop = h('div', { class: 'dropzone', id: 'doc-drop', tabindex: '0', role: 'button', 'aria-label': 'Drop files here or press Enter to choose them' },
    'Drop files here, or choose them below.');
  const tags = h('input', { type: 'text', name: 'tags', placeholder: 'manuals, pump', autocomplete: 'off' });
  const type = await typeSelect('document');
  const size = h('input', { type: 'number', name: 'chunk_size', min: '100', max: '10000', step: '50', placeholder: '1000' });
  const overlap = h('input', { type: 'number', name: 'chunk_overlap', min: '0', max: '1000', step: '10', placeholder: '200' });
  const err = errorBox();
  const bar = h('progress', { id: 'doc-progress', max: '100', value: '0', hidden: true, 'aria-label': 'Upload progress' });
  const status = h('p', { role: 'status', id: 'doc-status', class: 'muted' });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Upload');
  const form = h('form', { class: 'upload-form', novalidate: true, 'aria-label': 'Upload documents' },
    drop, field('Files', picker, 'PDF, text, Markdown, JSON, CSV, HTML, DOCX'),
    h('div', { class: 'grid2' }, field('Tags', tags, 'added to every chunk'), field('Type', type),
      field('Chunk size', size, 'characters'), field('Chunk overlap', overlap, 'characters')),
    err, bar, status, h('div', { class: 'row' }, send));

  drop.addEventListener('click', () => picker.click());
  drop.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      picker.click();
    }
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer?.files?.length) {
      picker.files = e.dataTransfer.files;
      drop.textContent = `${picker.files.length} file${picker.files.length === 1 ? '' : 's'} chosen`;
    }
  });
  picker.addEventListener('change', () => {
    drop.textContent = picker.files.length ? `${picker.files.length} file${picker.files.length === 1 ? '' : 's'} chosen` : 'Drop files here, or choose them below.';
  });

  let watching = ''; // the upload whose progress the bar shows
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    hideError(err);
    const files = [...(picker.files || [])];
    const fd = new FormData();
    try {
      if (!files.length) throw new InputError('Choose at least one file.');
      const t = parseTags(tags.value);
      if (t.length) fd.append('tags', t.join(','));
      if (type.value) fd.append('memory_type', type.value);
      if (size.value) fd.append('chunk_size', size.value);
      if (overlap.value) fd.append('chunk_overlap', overlap.value);
      const part = files.length > 1 ? 'files' : 'file';
      for (const f of files) fd.append(part, f, f.name);
    } catch (x) {
      showError(err, x);
      return;
    }
    send.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    status.textContent = 'Sending…';
    try {
      const path = files.length > 1 ? '/api/documents/batch-upload' : '/api/documents/upload';
      const res = await upload(path, fd, (p) => {
        bar.value = Math.round(p * 50);
      });
      watching = res.upload_id;
      bar.value = 50;
      status.textContent = res.message || 'Queued.';
      form.reset();
      drop.textContent = 'Drop files here, or choose them below.';
      await loadHistory();
      poll(res.upload_id);
    } catch (x) {
      bar.hidden = true;
      status.textContent = '';
      showError(err, x);
    } finally {
      send.disabled = false;
    }
  });

  // The bar's second half is processing: from events, or polling.
  function showProgress(u) {
    if (u.upload_id !== watching) return;
    bar.value = 50 + Math.round((u.progress || 0) / 2);
    const files = u.files?.length > 1 ? ` (${u.files.filter((f) => f.status === 'completed' || f.status === 'failed').length}/${u.files.length} files)` : '';
    status.textContent = `${u.filename}: ${u.status}${files}, ${u.chunks_stored} chunks stored`;
    if (u.status === 'completed' || u.status === 'failed') {
      watching = '';
      bar.value = 100;
      toast(u.status === 'completed' ? `${u.filename}: ${u.chunks_stored} chunks stored` : `${u.filename} failed: ${(u.errors || []).join('; ')}`,
        u.status === 'completed' && !(u.errors || []).length ? 'ok' : 'error');
    }
  }
  async function poll(id) {
    for (let i = 0; i < 600 && watching === id && ctx.alive(); i++) {
      try {
        const u = await api.get('/api/documents/status/' + enc(id));
        showProgress(u);
        updateRow(u);
        if (u.status === 'completed' || u.status === 'failed') return;
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  const history = h('div', { id: 'doc-history' }, loading());
  const chunks = h('div', { id: 'doc-chunks' });
  root.append(h('h1', null, 'Documents'), limits,
    section('Upload', form),
    section('History', history),
    chunks);

  const rows = new Map();
  function row(u) {
    const remove = h('button', { type: 'button', class: 'small danger', 'data-action': 'remove', disabled: !(u.status === 'completed' || u.status === 'failed') }, 'Remove');
    const show = h('button', { type: 'button', class: 'small', 'data-action': 'chunks', disabled: !u.chunks_stored }, 'Chunks');
    remove.addEventListener('click', () => removeUpload(u));
    show.addEventListener('click', () => showChunks(u));
    const errs = (u.errors || []).length ? h('div', { class: 'form-error' }, (u.errors || []).join('; ')) : null;
    return h('tr', { dataset: { upload: u.upload_id } },
      h('td', null, h('span', { class: 'doc-name' }, u.filename), errs),
      h('td', null, statusBadge(u.status)),
      h('td', { class: 'num' }, `${u.chunks_stored}/${u.total_chunks}`),
      h('td', { class: 'num' }, fmtBytes(u.file_size || 0)),
      h('td', null, fmtDate(u.created_at)),
      h('td', null, h('div', { class: 'row' }, show, remove)));
  }
  function updateRow(u) {
    const old = rows.get(u.upload_id);
    if (!old) return;
    const fresh = row(u);
    old.replaceWith(fresh);
    rows.set(u.upload_id, fresh);
  }

  async function loadHistory() {
    try {
      const res = await api.get('/api/documents/history?limit=100');
      if (!ctx.alive()) return;
      clear(history);
      rows.clear();
      const us = res.uploads || [];
      if (!us.length) {
        history.append(h('p', { class: 'muted' }, 'No uploads yet.'));
        return;
      }
      const body = h('tbody');
      for (const u of us) {
        const r = row(u);
        rows.set(u.upload_id, r);
        body.append(r);
      }
      history.append(h('div', { class: 'table-wrap' }, h('table', { class: 'uploads' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'File'), h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Chunks'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Uploaded'), h('th', { scope: 'col' }, 'Actions'))),
        body)));
    } catch (x) {
      clear(history);
      history.append(errorPanel(x));
    }
  }

  async function removeUpload(u) {
    if (!(await confirmDialog(`Remove ${u.filename}?`, `Its ${u.chunks_stored} memories are deleted with it.`, 'Remove'))) return;
    try {
      const res = await api.del(`/api/documents/remove/${enc(u.upload_id)}?remove_from_memory=true`);
      toast(res.message || 'Removed.', 'ok');
      clear(chunks);
      await loadHistory();
    } catch (x) {
      toast(x.message, 'error');
    }
  }

  async function showChunks(u) {
    clear(chunks);
    chunks.append(loading());
    try {
      const res = await api.get(`/api/documents/search-content/${enc(u.upload_id)}?limit=1000`);
      clear(chunks);
      const list = h('ol', { class: 'chunks' });
      for (const m of res.memories || []) {
        const where = [];
        if (m.metadata?.source_file && (u.files || []).length > 1) where.push(m.metadata.source_file);
        const last = m.metadata?.last_page;
        if (m.page) where.push(last && last > m.page ? `pages ${m.page}–${last}` : `page ${m.page}`);
        where.push(`chunk ${(m.chunk_index ?? 0) + 1}`);
        list.append(h('li', null, h('div', { class: 'muted' }, where.join(' · ')),
          memoryLink(m.content_hash, { class: 'mem-content' }, clip(m.content, 400))));
      }
      chunks.append(section(`Chunks of ${u.filename} (${res.total_found})`, list));
      chunks.scrollIntoView({ block: 'nearest' });
    } catch (x) {
      clear(chunks);
      chunks.append(errorPanel(x));
    }
  }

  api.get('/api/documents/formats').then((f) => {
    clear(limits);
    limits.append(`Formats: ${(f.formats || []).join(', ')}. Up to ${fmtBytes(f.max_file_bytes)} per file, ${f.max_batch_files} files at once; chunks of ${f.chunk_size} characters sharing ${f.chunk_overlap}.`);
  }).catch((x) => {
    clear(limits);
    limits.append(errorPanel(x));
  });

  const off = onMemoryEvent((type, data) => {
    if (type !== 'upload_progress' || !data.data) return;
    const u = data.data;
    showProgress(u);
    if (rows.has(u.upload_id)) updateRow(u);
    else loadHistory();
  });
  await loadHistory();
  return () => {
    off();
    watching = '';
  };
}

// The operational panels of Settings: export of the caller's own memories
// (GET /api/export, fetched and saved as a file: no secret in a URL),
// backups (GET /api/backup/status for everyone; POST /api/backup/now and
// GET /api/backup/list for admins), hybrid sync (GET /api/sync/status,
// POST /api/sync/force; pause and resume for admins; live on
// sync_progress/completed/failed) and the consolidation status with a link
// to its view. Each panel says plainly when its feature is off here.
import { h, clear, fmtDate, fmtBytes, fmtDuration, nextId } from '../dom.js';
import { api, download, isAdmin, canWrite, unavailable } from '../api.js';
import { onEvent } from '../events.js';
import { errorBox, showError, hideError, section, toast, loading, errorPanel, notice, readOnlyNote, facts, saveBlob, stacked, offText } from '../ui.js';
import { statusFacts } from './consolidation.js';

function panel(title, id, ...children) {
  const sec = section(title, ...children);
  sec.id = id;
  return sec;
}

// exportPanel downloads the caller's memories as JSON Lines.
export function exportPanel() {
  const emb = h('input', { type: 'checkbox', name: 'embeddings', id: nextId('emb') });
  const btn = h('button', { type: 'button', class: 'primary', id: 'export-btn' }, 'Download my memories');
  const err = errorBox();
  const status = h('p', { class: 'muted', role: 'status', id: 'export-status' });
  btn.addEventListener('click', async () => {
    hideError(err);
    btn.disabled = true;
    status.textContent = 'Preparing the export…';
    try {
      const { blob, filename } = await download('/api/export' + (emb.checked ? '?embeddings=true' : ''), 'memories.jsonl');
      saveBlob(blob, filename);
      status.textContent = `Saved ${filename} (${fmtBytes(blob.size)}).`;
    } catch (x) {
      status.textContent = '';
      showError(err, x);
    } finally {
      btn.disabled = false;
    }
  });
  return panel('Export', 'export-panel',
    h('p', null, 'Your own memories as JSON Lines, oldest first: the format that “memory import” reads back. Archived memories are not included.'),
    h('div', { class: 'check' }, emb, h('label', { for: emb.id }, 'Include each memory’s vector (a much larger file)')),
    err, status, h('div', { class: 'row' }, btn));
}

// backupPanel shows the backup status; admins can back up now and list.
export function backupPanel(ctx) {
  const box = h('div', { id: 'backup-status' }, loading());
  const err = errorBox();
  const result = h('p', { role: 'status', id: 'backup-result', class: 'muted' });
  const list = h('div', { id: 'backup-list' });
  const now = h('button', { type: 'button', class: 'primary', id: 'backup-now' }, 'Back up now');

  async function loadList() {
    try {
      const res = await api.get('/api/backup/list');
      if (!ctx.alive()) return;
      clear(list);
      const bs = res.backups || [];
      if (!bs.length) {
        list.append(h('p', { class: 'muted' }, 'No backups yet.'));
        return;
      }
      list.append(h('p', { class: 'muted' }, `${res.total_count} backup${res.total_count === 1 ? '' : 's'}, ${fmtBytes(res.total_size_bytes || 0)} in all, newest first.`),
        h('div', { class: 'table-wrap' }, stacked(h('table', { class: 'backups' },
          h('thead', null, h('tr', null, ['File', 'Size', 'Made', 'Age'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', null, bs.map((b) => h('tr', null, h('td', { class: 'hash' }, b.filename), h('td', { class: 'num' }, fmtBytes(b.size_bytes || 0)),
            h('td', null, fmtDate(b.created_at)), h('td', null, b.age_days ? `${b.age_days} day${b.age_days === 1 ? '' : 's'}` : 'today'))))))));
    } catch (x) {
      if (ctx.alive()) clear(list).append(errorPanel(x));
    }
  }

  async function load() {
    let st;
    try {
      st = await api.get('/api/backup/status');
    } catch (x) {
      if (ctx.alive()) clear(box).append(unavailable(x) ? notice(offText('Backups', x, 'are')) : errorPanel(x));
      return;
    }
    if (!ctx.alive()) return;
    clear(box);
    if (!st.available) {
      box.append(notice(`Backups are not available on this server${st.message ? ': ' + st.message : '.'}`, { id: 'backup-unavailable' }));
      adminPart.hidden = true;
      return;
    }
    box.append(facts([
      ['Scheduled backups', st.enabled ? `on, ${st.interval}` : 'off'],
      ['Scheduler', st.scheduler_running ? 'running' : 'not running'],
      ['Last backup', st.last_backup_time ? `${fmtDate(new Date(st.last_backup_time * 1000).toISOString())} (${fmtDuration(st.time_since_last_seconds)} ago)` : 'none yet'],
      ['Next backup', st.next_backup_at ? fmtDate(st.next_backup_at) : '—'],
      ['Backups kept', `${st.backup_count} (${fmtBytes(st.total_size_bytes || 0)}); at most ${st.max_count || 'any number'}, for ${st.retention_days ? st.retention_days + ' days' : 'ever'}`],
      st.backup_directory ? ['Directory', h('span', { class: 'hash' }, st.backup_directory)] : null,
      st.last_error ? ['Last error', h('span', { class: 'form-error' }, st.last_error)] : null,
    ], { id: 'backup-facts' }));
    if (isAdmin()) loadList();
  }

  now.addEventListener('click', async () => {
    hideError(err);
    now.disabled = true;
    result.textContent = 'Backing up…';
    try {
      const res = await api.post('/api/backup/now');
      if (!res.success) {
        result.textContent = '';
        showError(err, `The backup failed: ${res.error || 'unknown error'}`);
        return;
      }
      result.textContent = `Backed up to ${res.filename} (${fmtBytes(res.size_bytes || 0)}) in ${Number(res.duration_seconds ?? 0).toFixed(2)} s.`;
      toast('Backup made.', 'ok');
      load();
    } catch (x) {
      result.textContent = '';
      showError(err, unavailable(x) ? offText('Backups', x, 'are') : x);
    } finally {
      now.disabled = false;
    }
  });

  const adminPart = isAdmin()
    ? h('div', null, err, result, h('div', { class: 'row' }, now), h('h3', null, 'Backups'), list)
    : h('p', { class: 'muted', id: 'backup-admin-note' }, 'Making and listing backups is for administrators: a backup holds every user’s memories. Use Export for a copy of your own.');
  return { panel: panel('Backup', 'backup-panel', h('p', null, 'Verified copies of the whole database (every user’s memories), taken while the server runs.'), box, adminPart), load };
}

// syncPanel shows hybrid sync, with "sync now" and, for admins, pause and
// resume; it follows the sync events.
export function syncPanel(ctx) {
  const box = h('div', { id: 'sync-status' }, loading());
  const err = errorBox();
  const result = h('p', { role: 'status', class: 'muted', id: 'sync-result' });
  const controls = h('div', { class: 'row wrap' });
  const actions = h('div', { hidden: true }, controls, canWrite() ? null : readOnlyNote('syncing now'));
  const force = h('button', { type: 'button', class: 'primary', id: 'sync-now', disabled: !canWrite() }, 'Sync now');
  const pause = h('button', { type: 'button', id: 'sync-pause' }, 'Pause sync');
  const resume = h('button', { type: 'button', id: 'sync-resume' }, 'Resume sync');
  controls.append(force);
  if (isAdmin()) controls.append(pause, resume);

  const act = async (btn, path, busy) => {
    hideError(err);
    btn.disabled = true;
    result.textContent = busy;
    try {
      const res = await api.post(path);
      result.textContent = res.message || 'Done.';
      if (res.success === false) showError(err, res.message);
      load();
    } catch (x) {
      result.textContent = '';
      showError(err, x.status === 404 ? `This server does not sync: ${x.message}` : x);
    } finally {
      btn.disabled = btn === force ? !canWrite() : false;
    }
  };
  force.addEventListener('click', () => act(force, '/api/sync/force', 'Syncing…'));
  pause.addEventListener('click', () => act(pause, '/api/sync/pause', 'Pausing…'));
  resume.addEventListener('click', () => act(resume, '/api/sync/resume', 'Resuming…'));

  async function load() {
    let st;
    try {
      st = await api.get('/api/sync/status');
    } catch (x) {
      if (!ctx.alive()) return;
      actions.hidden = true;
      clear(box).append(unavailable(x) || x.status === 404 ? notice(offText('Sync', x)) : errorPanel(x));
      return;
    }
    if (!ctx.alive()) return;
    clear(box);
    if (!st.is_hybrid) {
      actions.hidden = true;
      box.append(notice('This server does not sync: its storage backend is not hybrid (a local database with a Cloudflare copy). Nothing to show here.', { id: 'sync-unavailable' }));
      return;
    }
    actions.hidden = false;
    pause.hidden = st.is_paused;
    resume.hidden = !st.is_paused;
    box.append(facts([
      ['State', h('span', { class: ['badge', 'sync-' + st.status] }, st.status)],
      st.remote ? ['Remote', st.remote] : null,
      ['Pending changes', String(st.operations_pending ?? 0) + (st.oldest_pending ? `, oldest from ${fmtDate(st.oldest_pending)}` : '')],
      st.scope === 'all' ? ['Pushed', String(st.operations_processed ?? 0)] : null,
      st.scope === 'all' ? ['Pulled', String(st.memories_pulled ?? 0)] : null,
      ['Refused by the remote', String(st.operations_failed ?? 0)],
      ['Last sync', st.last_success ? `${fmtDate(st.last_success)} (${fmtDuration(st.time_since_last_sync_seconds)} ago)` : 'never'],
      ['Next sync', st.next_sync_eta_seconds !== null && st.next_sync_eta_seconds !== undefined ? `in ${fmtDuration(st.next_sync_eta_seconds)}` : '—'],
      st.consecutive_failures ? ['Failures in a row', String(st.consecutive_failures)] : null,
      st.last_error ? ['Last error', h('span', { class: 'form-error' }, st.last_error)] : null,
      st.held_error ? ['Refusal', h('span', { class: 'form-error' }, st.held_error)] : null,
    ], { id: 'sync-facts' }));
  }

  let timer = null;
  const off = onEvent((type, data) => {
    if (!type.startsWith('sync_')) return;
    if (type === 'sync_failed') result.textContent = `Sync failed at ${fmtDate(data.timestamp)}; changes stay queued locally.`;
    clearTimeout(timer);
    timer = setTimeout(load, 300);
  });
  return {
    panel: panel('Sync', 'sync-panel', h('p', null, 'With the hybrid backend, memories are written locally and copied to Cloudflare in the background.'), box, err, result, actions),
    load,
    cleanup: () => {
      off();
      clearTimeout(timer);
    },
  };
}

// consolidationPanel is the short consolidation status, linking to its view.
export function consolidationPanel(ctx) {
  const box = h('div', { id: 'settings-consolidation' }, loading());
  const link = h('a', null, 'Open Consolidation: run a pass, history, archive');
  link.setAttribute('href', '#/consolidation');
  const more = h('p', null, link);
  async function load() {
    try {
      const st = await api.get('/api/consolidation/status');
      if (ctx.alive()) clear(box).append(statusFacts(st));
    } catch (x) {
      if (!ctx.alive()) return;
      clear(box).append(unavailable(x) ? notice(offText('Consolidation', x)) : errorPanel(x));
      more.hidden = unavailable(x);
    }
  }
  return { panel: panel('Consolidation', 'consolidation-panel', box, more), load };
}

// Consolidation: status with the schedules, their next runs and pauses
// (GET /api/consolidation/status, POST …/pause and …/resume), whether a
// pass is worth running per horizon (GET …/recommendations/{horizon}), a
// pass now with a dry-run switch and its report (POST …/run), past passes
// (GET …/history) and the archive with restore (GET …/archive, POST
// …/archive/restore). Live on consolidation_started/completed and
// memory_archived/restored.
import { h, clear, fmtDate, memoryLink, shortHash, clip, nextId } from '../dom.js';
import { api, canWrite, unavailable } from '../api.js';
import { onEvent } from '../events.js';
import { field, errorBox, showError, hideError, section, confirmDialog, toast, loading, errorPanel, notice, readOnlyNote, facts, stacked, offText } from '../ui.js';
import { reportView } from './report.js';

export const title = 'Consolidation';

export const HORIZONS = ['daily', 'weekly', 'monthly', 'quarterly', 'yearly'];
const ARCHIVE_PAGE = 20;

function offPanel(box, x, what) {
  clear(box).append(unavailable(x) ? notice(offText(what, x), { dataset: { unavailable: 'true' } }) : errorPanel(x));
}

function runSummary(run) {
  if (!run) return 'none yet';
  return `${run.time_horizon} · ${run.status} · ${fmtDate(run.started_at)}`;
}

// statusFacts is the short status that Settings shows too.
export function statusFacts(st) {
  let now = 'idle';
  if (st.running) now = st.active ? `running a ${st.active.time_horizon} pass since ${fmtDate(st.active.started_at)}` : st.lease ? 'another process is running a pass' : 'a pass is running';
  return facts([
    ['Scheduler', st.scheduler_running ? 'running' : 'off: nothing runs on its own (MCP_CONSOLIDATION_ENABLED and a schedule turn it on)'],
    ['Now', now],
    ['Your passes', `${st.jobs_executed ?? 0} run, ${st.jobs_failed ?? 0} failed`],
    ['Last pass', runSummary(st.last_run)],
    ['Archived memories', String(st.archived_memories ?? 0)],
  ], { id: 'consolidation-facts' });
}

export async function render(root, ctx) {
  const writer = canWrite();
  const statusBox = h('div', { id: 'consolidation-status' }, loading());
  const statusErr = errorBox();
  const adviceBox = h('div', { id: 'consolidation-advice' }, loading());
  const historyBox = h('div', { id: 'consolidation-history' }, loading());
  const archiveBox = h('div', { id: 'archive' }, loading());
  const archiveErr = errorBox();

  // Run now.
  const horizon = h('select', { name: 'time_horizon' }, HORIZONS.map((x) => h('option', { value: x }, x)));
  horizon.value = HORIZONS.includes(ctx.params.get('horizon')) ? ctx.params.get('horizon') : 'weekly';
  const dry = h('input', { type: 'checkbox', name: 'dry_run', checked: true, id: nextId('dry') });
  const runErr = errorBox();
  const runStatus = h('p', { class: 'muted', role: 'status', id: 'run-status' });
  const runBtn = h('button', { type: 'submit', class: 'primary', disabled: !writer }, 'Run now');
  const reportBox = h('div', { id: 'consolidation-report' });
  let unavailableHere = false;
  const runForm = h('form', { id: 'consolidation-form', novalidate: true, 'aria-label': 'Run consolidation' },
    h('div', { class: 'grid3' }, field('Horizon', horizon, 'which memories and phases')),
    h('div', { class: 'check' }, dry, h('label', { for: dry.id }, 'Dry run: report what would change, change nothing')),
    writer ? null : readOnlyNote('running consolidation'),
    runErr, runStatus, h('div', { class: 'row' }, runBtn), reportBox);
  runForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    hideError(runErr);
    const h0 = horizon.value;
    if (!HORIZONS.includes(h0)) {
      showError(runErr, 'Choose a horizon.');
      return;
    }
    const isDry = dry.checked;
    if (!isDry && !(await confirmDialog(`Run a ${h0} pass now?`,
      'It links related memories, writes summaries of clusters and, for monthly, quarterly and yearly passes, archives memories that faded. Archived memories can be restored below.', 'Run'))) return;
    runBtn.disabled = true;
    runStatus.textContent = isDry ? `Dry run of a ${h0} pass…` : `Running a ${h0} pass…`;
    clear(reportBox);
    try {
      const res = await api.post('/api/consolidation/run', { time_horizon: h0, dry_run: isDry });
      if (!ctx.alive()) return;
      runStatus.textContent = isDry ? 'Dry run finished: nothing was changed.' : 'Pass finished.';
      reportBox.append(reportView(res.report || {}));
      if (!isDry) toast(`Consolidation finished: ${res.processed} memories processed.`, 'ok');
      loadStatus();
      loadHistory();
    } catch (x) {
      runStatus.textContent = '';
      if (x.status === 409) showError(runErr, `Another pass is running: try again when it has finished. (${x.message})`);
      else if (unavailable(x)) {
        unavailableHere = true;
        showError(runErr, offText('Consolidation', x));
      }
      else showError(runErr, x);
    } finally {
      runBtn.disabled = !writer || unavailableHere;
    }
  });

  root.append(h('h1', null, 'Consolidation'),
    h('p', null, 'Consolidation keeps memory useful: it links related memories, summarises near-identical ones and archives those that faded. Each pass covers your memories only.'),
    section('Status', statusErr, statusBox),
    section('Run a pass', runForm),
    section('Is a pass worth running?', adviceBox),
    section('History', historyBox),
    archiveSection());

  function archiveSection() {
    const sec = section('Archive', h('p', null, 'Memories that forgetting moved out of the way, most recent first. They are out of search and lists until restored, exactly as they were.'),
      archiveErr, archiveBox);
    sec.id = 'archive-panel';
    return sec;
  }

  async function setPause(pause, hz) {
    hideError(statusErr);
    try {
      const res = await api.post(pause ? '/api/consolidation/pause' : '/api/consolidation/resume', hz ? { time_horizon: hz } : {});
      toast(res.message || (pause ? 'Paused.' : 'Resumed.'), 'ok');
      loadStatus();
    } catch (x) {
      showError(statusErr, x);
    }
  }

  async function loadStatus() {
    let st;
    try {
      st = await api.get('/api/consolidation/status');
    } catch (x) {
      if (!ctx.alive()) return;
      offPanel(statusBox, x, 'Consolidation');
      if (unavailable(x)) {
        unavailableHere = true;
        runBtn.disabled = true;
        runStatus.textContent = 'Consolidation is not available on this server, so no pass can run.';
      }
      return;
    }
    if (!ctx.alive()) return;
    const rows = (st.schedules || []).map((sc) => {
      let state = 'not scheduled';
      if (sc.paused_at) state = `paused since ${fmtDate(sc.paused_at)}`;
      else if (sc.schedule) state = 'active';
      const btn = h('button', { type: 'button', class: 'small', disabled: !writer, dataset: { horizon: sc.time_horizon },
        'aria-label': `${sc.paused_at ? 'Resume' : 'Pause'} ${sc.time_horizon} passes` }, sc.paused_at ? 'Resume' : 'Pause');
      btn.addEventListener('click', () => setPause(!sc.paused_at, sc.time_horizon));
      return h('tr', { dataset: { horizon: sc.time_horizon } }, h('th', { scope: 'row' }, sc.time_horizon), h('td', null, sc.schedule || '—'),
        h('td', null, sc.next_run ? fmtDate(sc.next_run) : '—'), h('td', null, sc.last_scheduled_run ? fmtDate(sc.last_scheduled_run) : '—'),
        h('td', { class: 'sched-state' }, state), h('td', null, btn));
    });
    const pauseAll = h('button', { type: 'button', disabled: !writer }, 'Pause all');
    const resumeAll = h('button', { type: 'button', disabled: !writer }, 'Resume all');
    pauseAll.addEventListener('click', () => setPause(true, ''));
    resumeAll.addEventListener('click', () => setPause(false, ''));
    clear(statusBox).append(statusFacts(st),
      h('h3', null, 'Schedules'),
      h('div', { class: 'table-wrap' }, stacked(h('table', { class: 'schedules' },
        h('thead', null, h('tr', null, ['Horizon', 'Schedule', 'Next run', 'Last scheduled', 'State', 'Action'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, rows)))),
      h('p', { class: 'muted' }, 'Pausing stops your scheduled passes only; “Run now” still works.'),
      h('div', { class: 'row wrap' }, pauseAll, resumeAll));
  }

  async function loadAdvice() {
    const res = await Promise.allSettled(HORIZONS.map((x) => api.get('/api/consolidation/recommendations/' + x)));
    if (!ctx.alive()) return;
    const failed = res.find((r) => r.status === 'rejected');
    if (failed && res.every((r) => r.status === 'rejected')) {
      offPanel(adviceBox, failed.reason, 'Consolidation');
      return;
    }
    clear(adviceBox).append(h('ul', { class: 'advice' }, res.map((r, i) => {
      if (r.status === 'rejected') return h('li', { class: 'card-lite' }, h('h3', null, HORIZONS[i]), errorPanel(r.reason));
      const a = r.value;
      const worth = a.recommendation === 'CONSOLIDATION_BENEFICIAL';
      return h('li', { class: 'card-lite', dataset: { horizon: HORIZONS[i] } },
        h('h3', null, HORIZONS[i], ' ', h('span', { class: ['badge', worth ? 'worth' : 'not-needed'] }, worth ? 'worth running' : 'not needed')),
        h('p', { class: 'muted' }, `${a.memory_count} memories in its window, ${a.never_consolidated} never consolidated · estimated ${a.estimated_duration || '—'}`),
        a.reasons?.length ? h('ul', { class: 'reasons' }, a.reasons.map((x) => h('li', null, x))) : null);
    })));
  }

  async function loadHistory() {
    let res;
    try {
      res = await api.get('/api/consolidation/history?limit=20');
    } catch (x) {
      if (ctx.alive()) offPanel(historyBox, x, 'Consolidation');
      return;
    }
    if (!ctx.alive()) return;
    const runs = res.runs || [];
    clear(historyBox);
    if (!runs.length) {
      historyBox.append(h('p', { class: 'muted' }, 'No pass has run yet. Dry runs are not recorded.'));
      return;
    }
    historyBox.append(h('ul', { class: 'runs' }, runs.map((run) => {
      const r = run.report || {};
      const line = `${fmtDate(run.started_at)} · ${run.time_horizon} · ${run.trigger} · ${run.status} · ${r.memories_processed ?? 0} processed, ` +
        `${(r.associations?.edges || []).length} links, ${r.compression?.created ?? 0} summaries, ${r.forgetting?.archived_count ?? 0} archived`;
      return h('li', { class: 'run', dataset: { status: run.status } },
        h('details', null, h('summary', null, line), run.report ? reportView(run.report) : h('p', { class: 'muted' }, run.error || 'No report was kept.')));
    })));
  }

  let archivePage = 1;
  async function loadArchive() {
    let res;
    try {
      res = await api.get(`/api/consolidation/archive?page=${archivePage}&page_size=${ARCHIVE_PAGE}`);
    } catch (x) {
      if (ctx.alive()) offPanel(archiveBox, x, 'The archive');
      return;
    }
    if (!ctx.alive()) return;
    clear(archiveBox);
    const ms = res.memories || [];
    if (!ms.length) {
      if (archivePage > 1 && res.total > 0) {
        archivePage = Math.max(1, res.total_pages);
        loadArchive();
        return;
      }
      archiveBox.append(h('p', { class: 'muted' }, 'The archive is empty.'));
      return;
    }
    const boxes = [];
    const restore = async (hashes) => {
      hideError(archiveErr);
      if (!hashes.length) {
        showError(archiveErr, 'Select the memories to restore first.');
        return;
      }
      try {
        const r = await api.post('/api/consolidation/archive/restore', { content_hashes: hashes });
        toast(`${r.count} memor${r.count === 1 ? 'y' : 'ies'} restored.`, 'ok');
        loadArchive();
        loadStatus();
      } catch (x) {
        showError(archiveErr, x);
      }
    };
    const list = h('ul', { class: 'archive-list' }, ms.map((m) => {
      const cb = h('input', { type: 'checkbox', value: m.content_hash, id: nextId('arc'), disabled: !writer, 'aria-label': `Select “${clip(m.content, 60)}”` });
      boxes.push(cb);
      const one = h('button', { type: 'button', class: 'small', disabled: !writer, 'aria-label': `Restore “${clip(m.content, 60)}”`, dataset: { action: 'restore' } }, 'Restore');
      one.addEventListener('click', () => restore([m.content_hash]));
      return h('li', { class: 'archived', dataset: { hash: m.content_hash } }, cb,
        h('div', { class: 'archived-body' },
          h('div', { class: 'mem-content' }, clip(m.content, 280)),
          h('div', { class: 'mem-meta' }, h('span', { class: 'badge type' }, m.memory_type || 'note'), `archived ${fmtDate(m.archived_at_iso)}`, ' · ', h('span', null, m.reason || 'no reason recorded'),
            ' · ', h('span', { class: 'hash' }, shortHash(m.content_hash)))),
        one);
    }));
    const all = h('button', { type: 'button', disabled: !writer, id: 'restore-selected' }, 'Restore selected');
    all.addEventListener('click', () => restore(boxes.filter((b) => b.checked).map((b) => b.value)));
    const pager = h('div', { class: 'pager' });
    if (res.total_pages > 1) {
      const prev = h('button', { type: 'button', disabled: archivePage <= 1 }, 'Previous');
      const next = h('button', { type: 'button', disabled: !res.has_more }, 'Next');
      prev.addEventListener('click', () => {
        archivePage -= 1;
        loadArchive();
      });
      next.addEventListener('click', () => {
        archivePage += 1;
        loadArchive();
      });
      pager.append(prev, h('span', null, `page ${res.page} of ${res.total_pages}`), next);
    }
    archiveBox.append(h('p', { class: 'muted', role: 'status' }, `${res.total} archived memor${res.total === 1 ? 'y' : 'ies'}.`));
    if (!writer) archiveBox.append(readOnlyNote('restoring'));
    archiveBox.append(list, h('div', { class: 'row wrap' }, all), pager);
  }

  let timer = null;
  const pending = new Set();
  const later = (...fns) => {
    fns.forEach((f) => pending.add(f));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const run = [...pending];
      pending.clear();
      run.forEach((f) => f());
    }, 150);
  };
  const off = onEvent((type) => {
    switch (type) {
      case 'consolidation_started':
        later(loadStatus);
        break;
      case 'consolidation_completed':
        later(loadStatus, loadHistory, loadAdvice);
        break;
      case 'memory_archived':
      case 'memory_restored':
        later(loadArchive, loadStatus);
        break;
      case 'conflict_detected':
        later(loadAdvice);
        break;
      default:
    }
  });
  await Promise.all([loadStatus(), loadAdvice(), loadHistory(), loadArchive()]);
  return () => {
    off();
    clearTimeout(timer);
  };
}

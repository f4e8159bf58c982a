// The conflicts panel of Manage: unresolved conflicts (GET /api/conflicts),
// memories of nearly the same meaning with different content, shown side
// by side with "Keep this one" (POST /api/conflicts/resolve: the other is
// kept but superseded, hidden from search). Refreshed live on
// conflict_detected and on changes to memories.
import { h, clear, fmtDate, fmtScore, memoryLink, shortHash, clip } from '../dom.js';
import { api, canWrite, unavailable } from '../api.js';
import { onEvent } from '../events.js';
import { errorBox, showError, hideError, confirmDialog, toast, loading, errorPanel, notice, readOnlyNote, section, offText } from '../ui.js';

function side(label, hash, content, onKeep) {
  const keep = h('button', { type: 'button', class: 'primary small', dataset: { action: 'keep', hash }, 'aria-label': `Keep memory ${label}: ${clip(content, 60)}` }, 'Keep this one');
  if (!canWrite()) keep.disabled = true;
  keep.addEventListener('click', onKeep);
  return h('div', { class: 'conflict-side' },
    h('h4', null, `Memory ${label} `, memoryLink(hash, { class: 'hash' }, shortHash(hash))),
    h('div', { class: 'content conflict-content' }, content),
    h('div', { class: 'row' }, keep));
}

// conflictsPanel returns the panel (a section) and a cleanup function.
export function conflictsPanel(ctx) {
  const box = h('div', { id: 'conflicts' }, loading());
  const err = errorBox();
  const status = h('p', { class: 'muted', role: 'status', id: 'conflicts-status' });

  async function resolve(winner, loser, winnerText, loserText) {
    hideError(err);
    const ok = await confirmDialog('Keep this memory?', `“${clip(winnerText, 160)}” stays; “${clip(loserText, 160)}” is kept but superseded: hidden from search and lists.`, 'Keep this one');
    if (!ok) return;
    try {
      const res = await api.post('/api/conflicts/resolve', { winner_hash: winner, loser_hash: loser });
      toast(res?.message || 'Conflict resolved.', 'ok');
      load();
    } catch (x) {
      showError(err, x);
    }
  }

  async function load() {
    let res;
    try {
      res = await api.get('/api/conflicts');
    } catch (x) {
      if (!ctx.alive()) return;
      clear(box).append(unavailable(x) ? notice(offText('Conflict detection', x)) : errorPanel(x));
      return;
    }
    if (!ctx.alive()) return;
    clear(box);
    const cs = res.conflicts || [];
    status.textContent = cs.length ? `${cs.length} unresolved conflict${cs.length === 1 ? '' : 's'}.` : '';
    if (!cs.length) {
      box.append(h('p', { class: 'muted' }, 'No unresolved conflicts. When a new memory says nearly the same as an older one but differently, both show up here.'));
      return;
    }
    if (!canWrite()) box.append(readOnlyNote('resolving a conflict'));
    box.append(h('ul', { class: 'conflict-list' }, cs.map((c) => h('li', { class: 'conflict', dataset: { a: c.hash_a, b: c.hash_b } },
      h('p', { class: 'conflict-meta muted' }, `Found ${fmtDate(c.detected_at)} · similarity ${fmtScore(c.similarity)} · wording differs by ${Math.round((c.divergence || 0) * 100)}%`),
      h('div', { class: 'conflict-pair' },
        side('A', c.hash_a, c.content_a, () => resolve(c.hash_a, c.hash_b, c.content_a, c.content_b)),
        side('B', c.hash_b, c.content_b, () => resolve(c.hash_b, c.hash_a, c.content_b, c.content_a)))))));
  }

  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  };
  const off = onEvent((type) => {
    if (type === 'conflict_detected' || type === 'memory_deleted' || type === 'memory_updated' || type === 'memory_archived' || type === 'memory_restored') later();
  });
  const panel = section('Conflicts', h('p', null, 'Memories of nearly the same meaning with different content. Keep the one that holds: the other stays, superseded.'),
    status, err, box);
  panel.id = 'conflicts-panel';
  return {
    panel,
    load,
    cleanup: () => {
      off();
      clearTimeout(timer);
    },
  };
}

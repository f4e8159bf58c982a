// Overview: counts, recent memories and quick add.
// GET /api/analytics/overview, GET /api/memories, POST /api/memories.
import { h, clear } from '../dom.js';
import { api } from '../api.js';
import { onMemoryEvent } from '../events.js';
import { memoryForm, memoryList, section, loading, errorPanel, toast } from '../ui.js';

export const title = 'Overview';

function stat(label, value) {
  return h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, String(value)), h('span', { class: 'stat-label' }, label));
}

export async function render(root, ctx) {
  const stats = h('div', { class: 'stats', 'aria-live': 'polite' }, loading());
  const recent = h('div', { id: 'recent' }, loading());
  const { form } = await memoryForm({ compact: true, onStored: () => refresh() });
  root.append(
    h('h1', null, 'Overview'),
    h('section', { class: 'card', 'aria-label': 'Counts' }, stats),
    section('Quick add', form),
    section('Recent memories', recent),
  );

  async function refresh() {
    const [o, list] = await Promise.allSettled([api.get('/api/analytics/overview'), api.get('/api/memories?page=1&page_size=10')]);
    if (!ctx.alive()) return;
    clear(stats);
    if (o.status === 'fulfilled') {
      const v = o.value;
      stats.append(
        stat('memories', v.total_memories),
        stat('this week', v.memories_this_week),
        stat('this month', v.memories_this_month),
        stat('tags', v.unique_tags),
        stat('database MB', Number(v.database_size_mb ?? 0).toFixed(2)),
      );
    } else stats.append(errorPanel(o.reason));
    clear(recent);
    if (list.status === 'fulfilled') {
      const ms = list.value.memories || [];
      recent.append(ms.length ? memoryList(ms) : h('p', { class: 'muted' }, 'No memories yet: add one above, or press n.'));
    } else recent.append(errorPanel(list.reason));
  }

  let timer = null;
  const off = onMemoryEvent((type, data) => {
    if (type === 'upload_progress') return;
    if (type === 'memory_stored') {
      toast(data.count > 1 ? `${data.count} new memories` : `New memory: ${data.content_preview || data.content_hash || ''}`, 'info');
    }
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });
  await refresh();
  return () => {
    off();
    clearTimeout(timer);
  };
}

// Analytics: growth, tag usage, types, activity heatmap and breakdown,
// storage. GET /api/analytics/{memory-growth,tag-usage,memory-types,
// activity-heatmap,activity-breakdown,storage-stats}.
import { h, clear, memoryLink, clip, shortHash } from '../dom.js';
import { api } from '../api.js';
import { columnChart, meterList, heatmap } from '../charts.js';
import { field, section, loading, errorPanel } from '../ui.js';

export const title = 'Analytics';

export async function render(root, ctx) {
  const period = h('select', { name: 'period' }, ['week', 'month', 'quarter', 'year'].map((p) => h('option', { value: p }, p)));
  period.value = 'month';
  const growth = h('div', { id: 'chart-growth', class: 'chart-box' }, loading());
  const tags = h('div', { id: 'chart-tags' }, loading());
  const types = h('div', { id: 'chart-types' }, loading());
  const heat = h('div', { id: 'chart-heatmap', class: 'chart-box' }, loading());
  const granularity = h('select', { name: 'granularity' }, ['hourly', 'daily', 'weekly'].map((p) => h('option', { value: p }, p)));
  granularity.value = 'daily';
  const activity = h('div', { id: 'chart-activity', class: 'chart-box' }, loading());
  const storage = h('div', { id: 'storage' }, loading());
  root.append(h('h1', null, 'Analytics'),
    section('Memory growth', field('Period', period), growth),
    h('div', { class: 'grid2' }, section('Tag usage', tags), section('Memory types', types)),
    section('Activity by day', heat),
    section('Activity breakdown', field('Granularity', granularity), activity),
    section('Storage', storage));

  const fail = (box, err) => {
    if (ctx.alive()) clear(box).append(errorPanel(err));
  };

  async function loadGrowth() {
    try {
      const res = await api.get('/api/analytics/memory-growth?period=' + period.value);
      if (!ctx.alive()) return;
      clear(growth).append(columnChart(res.data_points || [], { label: `Memories created per interval and in total, last ${period.value}`, width: growth.clientWidth,
        lineKey: 'cumulative', valueName: 'new', lineName: 'in total' }),
      h('p', { class: 'legend' }, h('span', { class: 'key bar-key' }), ' new  ', h('span', { class: 'key line-key' }), ' in total'));
    } catch (err) {
      fail(growth, err);
    }
  }

  async function loadActivity() {
    try {
      const res = await api.get('/api/analytics/activity-breakdown?granularity=' + granularity.value);
      if (!ctx.alive()) return;
      clear(activity).append(columnChart(res.breakdown || [], { label: `Memories by ${granularity.value} bucket`, width: activity.clientWidth }),
        h('p', null, `Peak: ${(res.peak_times || []).join(', ') || '—'} · active days ${res.active_days ?? 0} of ${res.total_days ?? 0} · current streak ${res.current_streak ?? 0} · longest ${res.longest_streak ?? 0}`));
    } catch (err) {
      fail(activity, err);
    }
  }

  period.addEventListener('change', loadGrowth);
  granularity.addEventListener('change', loadActivity);

  const others = [
    api.get('/api/analytics/tag-usage?period=all&limit=15').then((res) => {
      if (!ctx.alive()) return;
      const items = (res.tags || []).map((t) => ({ label: t.tag, value: t.count, note: `${Math.round(t.percentage)}%` }));
      clear(tags).append(items.length ? meterList(items, { label: 'Most used tags' }) : h('p', { class: 'muted' }, 'No tags yet.'));
    }).catch((err) => fail(tags, err)),
    api.get('/api/analytics/memory-types').then((res) => {
      if (!ctx.alive()) return;
      const items = (res.types || []).map((t) => ({ label: t.memory_type, value: t.count, note: `${Math.round(t.percentage)}%` }));
      clear(types).append(items.length ? meterList(items, { label: 'Memories per type' }) : h('p', { class: 'muted' }, 'No memories yet.'));
    }).catch((err) => fail(types, err)),
    api.get('/api/analytics/activity-heatmap?days=365').then((res) => {
      if (!ctx.alive()) return;
      const days = res.data || [];
      const map = heatmap(days, { label: `Memories created per day; ${res.total_days ?? 0} active days in the last ${days.length}`, width: heat.clientWidth });
      clear(heat).append(map,
        h('p', { class: 'legend' }, 'less ', [0, 1, 2, 3, 4].map((l) => h('span', { class: 'key lvl-key lvl-' + l })), ' more'));
    }).catch((err) => fail(heat, err)),
    api.get('/api/analytics/storage-stats').then((res) => {
      if (!ctx.alive()) return;
      clear(storage).append(h('p', null, `Database ${Number(res.total_size_mb ?? 0).toFixed(2)} MB · average memory ${Math.round(res.average_memory_size ?? 0)} bytes · ${Number(res.storage_efficiency ?? 0).toFixed(1)}% of the file is memory text`));
      const largest = res.largest_memories || [];
      if (largest.length) {
        storage.append(h('h3', null, 'Largest memories'), h('ol', { class: 'largest' }, largest.map((l) => h('li', null,
          memoryLink(l.content_hash, null, clip(l.preview || shortHash(l.content_hash), 100)), ` — ${l.size_kb} KB`))));
      }
    }).catch((err) => fail(storage, err)),
  ];
  await Promise.all([loadGrowth(), loadActivity(), ...others]);
  return undefined;
}

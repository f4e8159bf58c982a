// Analytics: growth, tag usage, types, activity heatmap and breakdown,
// quality (distribution and trend), storage. GET /api/analytics/{memory-
// growth,tag-usage,memory-types,activity-heatmap,activity-breakdown,
// storage-stats} and /api/quality/{distribution,trends}.
import { h, clear, memoryLink, clip, shortHash, fmtScore } from '../dom.js';
import { api } from '../api.js';
import { columnChart, meterList, heatmap, trendChart } from '../charts.js';
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
  const quality = h('div', { id: 'quality-dist' }, loading());
  const trendDays = h('select', { name: 'days' }, [7, 30, 90, 365].map((d) => h('option', { value: String(d) }, `last ${d} days`)));
  trendDays.value = '30';
  const trend = h('div', { id: 'quality-trend', class: 'chart-box' }, loading());
  root.append(h('h1', null, 'Analytics'),
    section('Memory growth', field('Period', period), growth),
    h('div', { class: 'grid2' }, section('Tag usage', tags), section('Memory types', types)),
    section('Activity by day', heat),
    section('Activity breakdown', field('Granularity', granularity), activity),
    section('Quality', quality),
    section('Quality over time', field('Created in the', trendDays), trend),
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

  async function loadQuality() {
    try {
      const d = await api.get('/api/quality/distribution');
      if (!ctx.alive()) return;
      clear(quality);
      if (!d.total_memories) {
        quality.append(h('p', { class: 'muted' }, 'No memories yet.'));
        return;
      }
      const bands = [
        { label: 'low', count: d.low_quality_count, band: 'low' },
        { label: 'medium', count: d.medium_quality_count, band: 'medium' },
        { label: 'high', count: d.high_quality_count, band: 'high' },
      ];
      const providers = Object.entries(d.provider_breakdown || {}).sort((a, b) => b[1] - a[1]).map(([k, v]) => ({ label: k.replaceAll('_', ' '), value: v }));
      const entry = (e) => h('li', null, memoryLink(e.content_hash, null, clip(e.content_preview || shortHash(e.content_hash), 90)), ` — ${fmtScore(e.quality_score)}`);
      quality.append(
        h('p', null, `${d.total_memories} memories, average quality ${fmtScore(d.average_score)}: ${d.high_quality_count} high (0.7 and above), ` +
          `${d.medium_quality_count} medium (0.5 to 0.7), ${d.low_quality_count} low (below 0.5).`),
        h('div', { class: 'grid2' },
          h('div', null, columnChart(bands, { label: 'Memories by quality band', width: Math.min(420, quality.clientWidth || 420), valueName: 'memories', barClass: (p) => 'q-' + p.band })),
          h('div', null, h('h3', null, 'Where scores come from'), meterList(providers, { label: 'Memories by source of their score' }))),
        h('div', { class: 'grid2' },
          h('div', null, h('h3', null, 'Best'), h('ol', { class: 'quality-top' }, (d.top_memories || []).slice(0, 5).map(entry))),
          h('div', null, h('h3', null, 'Worst'), h('ol', { class: 'quality-bottom' }, (d.bottom_memories || []).slice(0, 5).map(entry)))));
    } catch (err) {
      fail(quality, err);
    }
  }

  async function loadTrend() {
    try {
      const t = await api.get('/api/quality/trends?days=' + trendDays.value);
      if (!ctx.alive()) return;
      const days = [];
      for (let d = new Date(t.start_date + 'T00:00:00Z'); d.toISOString().slice(0, 10) <= t.end_date && days.length < 4000; d.setUTCDate(d.getUTCDate() + 1)) {
        days.push(d.toISOString().slice(0, 10));
      }
      const points = (t.trend_data || []).map((p) => ({ date: p.date, avg: p.average_quality_score, min: p.min_score, max: p.max_score, count: p.memory_count }));
      clear(trend).append(
        trendChart(days, points, { label: `Average quality of the memories created each day, last ${t.days_analyzed} days`, width: trend.clientWidth }),
        h('p', { class: 'legend' }, h('span', { class: 'key dot-key' }), ' average  ', h('span', { class: 'key whisker-key' }), ' lowest to highest'),
        h('p', { class: 'muted' }, `${t.total_memories} memories created from ${t.start_date} to ${t.end_date}.`));
    } catch (err) {
      fail(trend, err);
    }
  }

  period.addEventListener('change', loadGrowth);
  trendDays.addEventListener('change', loadTrend);
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
  await Promise.all([loadGrowth(), loadActivity(), loadQuality(), loadTrend(), ...others]);
  return undefined;
}

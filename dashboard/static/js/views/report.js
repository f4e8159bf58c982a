// A consolidation pass's report (consolidate.Report: the answer of POST
// /api/consolidation/run and each run of /api/consolidation/history),
// phase by phase, every memory named as a link to it.
import { h, fmtDate, memoryLink, shortHash, clip, fmtScore } from '../dom.js';
import { facts } from '../ui.js';

const PHASE_NAMES = {
  select: 'Selecting memories', load: 'Loading', neighbours: 'Nearest neighbours', associations: 'Associations', decay: 'Decay',
  clustering: 'Clustering', compression: 'Compression', forgetting: 'Forgetting',
};

// LOWEST is how many of the least relevant memories a report lists.
const LOWEST = 5;

function ms(v) {
  const n = Number(v) || 0;
  return n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${n.toFixed(n < 10 ? 1 : 0)} ms`;
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function memList(items, text) {
  if (!items?.length) return null;
  return h('ul', { class: 'report-list' }, items.map((it) => h('li', null, memoryLink(it.content_hash, null, clip(it.content_preview || shortHash(it.content_hash), 100)), ' ', text(it))));
}

// phase renders one phase of r, or null if the pass did not run it.
function phase(name, r, would) {
  switch (name) {
    case 'decay': {
      const d = r.decay || {};
      return [h('p', null, `${plural(d.scored ?? 0, 'memory', 'memories')} scored, average relevance ${fmtScore(d.average_relevance)}, ${d.below_forgetting_threshold ?? 0} below the forgetting threshold.`),
        d.lowest?.length ? h('p', { class: 'muted' }, d.lowest.length > LOWEST ? `The ${LOWEST} least relevant:` : 'Least relevant:') : null,
        memList(d.lowest?.slice(0, LOWEST), (x) => `relevance ${fmtScore(x.relevance)}`)];
    }
    case 'associations': {
      const a = r.associations || {};
      const by = Object.entries(a.by_type || {}).map(([t, n]) => h('span', { class: ['badge', 'rel', 'rel-' + t] }, `${t} ${n}`));
      const made = (a.edges || []).length;
      return [h('p', null, `${a.pairs_compared ?? 0} pairs compared, ${a.found ?? 0} in the similarity band (${a.already_linked ?? 0} already linked, ${a.capped ?? 0} over the per-memory limit); ` +
        `${plural(made, 'new association', 'new associations')} ${r.dry_run ? 'would be stored' : `stored (${a.stored ?? 0} written)`}.`), by.length ? h('p', { class: 'row wrap' }, by) : null];
    }
    case 'clustering': {
      const c = r.clustering || {};
      return [h('p', null, `${plural(c.count ?? 0, 'cluster', 'clusters')} of near-identical memories.`),
        c.clusters?.length ? h('ul', { class: 'report-list' }, c.clusters.map((cl) => h('li', null, `${cl.size} memories about ${(cl.keywords || []).join(', ') || '—'} (mean similarity ${fmtScore(cl.mean_similarity)})`))) : null];
    }
    case 'compression': {
      const c = r.compression || {};
      return [h('p', null, `${plural(c.created ?? 0, 'summary', 'summaries')} ${would}created, ${c.skipped_already_summarized ?? 0} clusters already summarised.`),
        memList(c.summaries, (x) => `of ${x.members} memories`)];
    }
    case 'forgetting': {
      const f = r.forgetting || {};
      return [h('p', null, `${plural(f.archived_count ?? 0, 'memory', 'memories')} ${would}archived of ${f.candidates ?? 0} candidates (${f.capped ?? 0} left for later passes, ${f.protected ?? 0} protected).`),
        memList(f.archived, (x) => `— ${x.reason || 'archived'}`)];
    }
    default:
      return null;
  }
}

// reportView renders report r.
export function reportView(r) {
  const would = r.dry_run ? 'would be ' : '';
  const head = r.status === 'failed' ? 'Consolidation failed' : r.dry_run ? 'Dry run: nothing was changed' : 'Consolidation completed';
  const out = h('div', { class: 'report', dataset: { status: r.status || '' } },
    h('p', { class: ['report-head', r.status === 'failed' ? 'form-error' : null] }, h('strong', null, head),
      ` — ${r.time_horizon} horizon, ${plural(r.memories_processed ?? 0, 'memory', 'memories')} processed in ${ms(r.duration_ms)}.`),
    r.error ? h('p', { class: 'form-error', role: 'alert' }, r.error) : null,
    facts([['Started', fmtDate(r.started_at)], ['Trigger', r.trigger || '—'], r.run_id ? ['Run', h('span', { class: 'hash' }, r.run_id)] : null]));
  const phases = r.phases || [];
  const detailed = phases.filter((p) => ['associations', 'decay', 'clustering', 'compression', 'forgetting'].includes(p.name));
  for (const p of detailed) {
    out.append(h('section', { class: 'report-phase', dataset: { phase: p.name } },
      h('h4', null, PHASE_NAMES[p.name] || p.name, h('span', { class: 'muted' }, ` · ${ms(p.duration_ms)}`)), phase(p.name, r, would)));
  }
  if (phases.length) {
    out.append(h('details', { class: 'report-times' }, h('summary', null, 'Time per phase'),
      h('div', { class: 'table-wrap' }, h('table', null,
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Phase'), h('th', { scope: 'col' }, 'Time'))),
        h('tbody', null, phases.map((p) => h('tr', null, h('td', null, PHASE_NAMES[p.name] || p.name), h('td', { class: 'num' }, ms(p.duration_ms)))))))));
  }
  for (const n of r.notes || []) out.append(h('p', { class: 'note' }, n));
  return out;
}

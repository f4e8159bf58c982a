// Browse: the tag cloud (GET /api/tags) and a paged list of memories
// (GET /api/memories?page=&page_size=&tag=&memory_type=).
import { h, clear } from '../dom.js';
import { api, enc } from '../api.js';
import { onMemoryEvent } from '../events.js';
import { field, typeSelect, memoryList, navigate, loading, errorPanel, section } from '../ui.js';

export const title = 'Browse';
const PAGE_SIZE = 20;

function sizeClass(count, max) {
  if (max <= 1) return 'size-3';
  const level = 1 + Math.round((4 * Math.log(count)) / Math.log(max));
  return 'size-' + Math.max(1, Math.min(5, level));
}

export async function render(root, ctx) {
  const tag = ctx.params.get('tag') || '';
  const type = ctx.params.get('type') || '';
  const page = Math.max(1, parseInt(ctx.params.get('page') || '1', 10) || 1);
  const cloud = h('div', { id: 'tag-cloud' }, loading());
  const list = h('div', { id: 'browse-list' }, loading());
  const typeSel = await typeSelect(type);
  typeSel.addEventListener('change', () => navigate('browse', { tag, type: typeSel.value }));
  const filters = h('div', { class: 'row wrap' }, field('Type', typeSel));
  if (tag) {
    const clearBtn = h('button', { type: 'button', 'aria-label': 'Show all tags' }, 'Clear tag filter');
    clearBtn.addEventListener('click', () => navigate('browse', { type }));
    filters.append(h('p', { class: 'filter' }, 'Tag: ', h('strong', { class: 'tag-name' }, tag)), clearBtn);
  }
  root.append(h('h1', null, 'Browse'), section('Tags', cloud), section('Memories', filters, list));

  async function loadCloud() {
    try {
      const res = await api.get('/api/tags');
      if (!ctx.alive()) return;
      clear(cloud);
      const tags = res.tags || [];
      if (!tags.length) {
        cloud.append(h('p', { class: 'muted' }, 'No tags yet.'));
        return;
      }
      const max = Math.max(...tags.map((t) => t.count));
      const ul = h('ul', { class: 'cloud', 'aria-label': 'Tag cloud' });
      for (const t of [...tags].sort((a, b) => a.tag.localeCompare(b.tag))) {
        const b = h('button', { type: 'button', class: ['cloud-tag', sizeClass(t.count, max), t.tag === tag && 'active'],
          'aria-pressed': String(t.tag === tag), 'aria-label': `${t.tag}: ${t.count} memories` },
        t.tag, h('span', { class: 'count', 'aria-hidden': 'true' }, String(t.count)));
        b.addEventListener('click', () => navigate('browse', { tag: t.tag === tag ? '' : t.tag, type }));
        ul.append(h('li', null, b));
      }
      cloud.append(ul);
    } catch (err) {
      if (ctx.alive()) clear(cloud).append(errorPanel(err));
    }
  }

  async function loadList() {
    let url = `/api/memories?page=${page}&page_size=${PAGE_SIZE}`;
    if (tag) url += '&tag=' + enc(tag);
    if (type) url += '&memory_type=' + enc(type);
    try {
      const res = await api.get(url);
      if (!ctx.alive()) return;
      clear(list);
      const ms = res.memories || [];
      list.append(h('p', { class: 'muted', role: 'status' }, `${res.total} memor${res.total === 1 ? 'y' : 'ies'}`));
      if (ms.length) list.append(memoryList(ms));
      const prev = h('button', { type: 'button', disabled: page <= 1, 'aria-label': 'Previous page' }, '‹ Previous');
      const next = h('button', { type: 'button', disabled: !res.has_more, 'aria-label': 'Next page' }, 'Next ›');
      prev.addEventListener('click', () => navigate('browse', { tag, type, page: page - 1 }));
      next.addEventListener('click', () => navigate('browse', { tag, type, page: page + 1 }));
      list.append(h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev,
        h('span', null, `Page ${res.page} of ${Math.max(1, res.total_pages)}`), next));
    } catch (err) {
      if (ctx.alive()) clear(list).append(errorPanel(err));
    }
  }

  let timer = null;
  const off = onMemoryEvent((type) => {
    if (type === 'upload_progress') return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      loadCloud();
      loadList();
    }, 200);
  });
  await Promise.all([loadCloud(), loadList()]);
  return () => {
    off();
    clearTimeout(timer);
  };
}

// Settings: theme, the session, server facts (GET /api/health/detailed),
// API keys for admins (GET/POST /api/keys, DELETE /api/keys/{id}), and the
// panels of views/operations.js: export, backup, sync and consolidation.
import { h, clear, fmtDate } from '../dom.js';
import { api, enc, principal, isAdmin, expiresAt } from '../api.js';
import { field, errorBox, showError, hideError, section, confirmDialog, toast, loading, errorPanel, stacked, InputError } from '../ui.js';
import { toggleTheme } from '../prefs.js';
import { exportPanel, backupPanel, syncPanel, consolidationPanel } from './operations.js';

export const title = 'Settings';

function keyRow(k, reload, err) {
  const status = k.revoked_at ? `revoked ${fmtDate(k.revoked_at)}` : 'active';
  const cells = [
    h('td', null, k.name || ''), h('td', null, k.scope || ''), h('td', null, k.owner || ''),
    h('td', null, fmtDate(k.created_at)), h('td', null, k.last_used_at ? fmtDate(k.last_used_at) : 'never'),
    h('td', null, k.expires_at ? fmtDate(k.expires_at) : 'never'), h('td', null, status),
  ];
  const actions = h('td');
  if (!k.revoked_at) {
    const b = h('button', { type: 'button', class: 'danger small', 'aria-label': `Revoke key ${k.name || k.id}` }, 'Revoke');
    b.addEventListener('click', async () => {
      hideError(err);
      if (!(await confirmDialog(`Revoke the key “${k.name || k.id}”?`, 'Clients using it are refused at once.', 'Revoke'))) return;
      try {
        await api.del('/api/keys/' + enc(k.id));
        toast('Key revoked.', 'ok');
        reload();
      } catch (x) {
        showError(err, x);
      }
    });
    actions.append(b);
  }
  return h('tr', null, ...cells, actions);
}

async function keysPanel(ctx) {
  const list = h('div', { id: 'keys-list' }, loading());
  const listErr = errorBox();
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off', maxlength: '100' });
  const scope = h('select', { name: 'scope' }, ['read', 'write', 'admin'].map((x) => h('option', { value: x }, x)));
  scope.value = 'write';
  const days = h('input', { type: 'number', name: 'expires_in_days', min: '1', max: '3650', inputmode: 'numeric', placeholder: 'never' });
  const err = errorBox();
  const secretBox = h('div', { id: 'new-secret', class: 'secret', hidden: true });
  const form = h('form', { id: 'key-form', novalidate: true, 'aria-label': 'Create an API key' },
    h('div', { class: 'grid3' }, field('Name', name), field('Scope', scope), field('Expires in days', days, 'empty: never')),
    err, h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Create key')), secretBox);

  async function reload() {
    try {
      const res = await api.get('/api/keys');
      if (!ctx.alive()) return;
      clear(list);
      const keys = res.keys || [];
      if (!keys.length) {
        list.append(h('p', { class: 'muted' }, 'No keys.'));
        return;
      }
      list.append(h('div', { class: 'table-wrap' }, stacked(h('table', { class: 'keys-table' },
        h('thead', null, h('tr', null, ['Name', 'Scope', 'Owner', 'Created', 'Last used', 'Expires', 'Status', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, keys.map((k) => keyRow(k, reload, listErr)))))));
    } catch (x) {
      if (ctx.alive()) clear(list).append(errorPanel(x));
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    hideError(err);
    secretBox.hidden = true;
    clear(secretBox);
    const body = { name: name.value.trim(), scope: scope.value };
    try {
      if (!body.name) throw new InputError('Give the key a name.');
      if (days.value.trim()) {
        const n = Number(days.value);
        if (!Number.isInteger(n) || n < 1 || n > 3650) throw new InputError('Expires in days must be a whole number from 1 to 3650.');
        body.expires_in_days = n;
      }
    } catch (x) {
      showError(err, x);
      return;
    }
    try {
      const res = await api.post('/api/keys', body);
      form.reset();
      scope.value = 'write';
      const out = h('output', { class: 'mono secret-value', id: 'new-secret-value' }, res.secret || '');
      const copy = h('button', { type: 'button', 'aria-label': 'Copy the new key' }, 'Copy');
      copy.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(res.secret || '');
          toast('Copied.', 'ok');
        } catch {
          toast('Copy failed: select the key and copy it by hand.', 'error');
        }
      });
      const done = h('button', { type: 'button' }, 'Done, hide it');
      done.addEventListener('click', () => {
        clear(secretBox);
        secretBox.hidden = true;
      });
      secretBox.append(h('p', null, h('strong', null, 'Copy this key now: it is shown only once.')), out, h('div', { class: 'row' }, copy, done));
      secretBox.hidden = false;
      reload();
    } catch (x) {
      showError(err, x);
    }
  });
  await reload();
  return section('API keys', listErr, list, h('h3', null, 'New key'), form);
}

export async function render(root, ctx) {
  const p = principal() || {};
  const theme = h('button', { type: 'button', id: 'settings-theme' }, 'Toggle dark mode');
  theme.addEventListener('click', toggleTheme);
  const server = h('div', { id: 'server-info' }, loading());
  const parts = [
    h('h1', null, 'Settings'),
    section('Appearance', h('p', null, 'The theme follows your system until you choose one; only that choice is saved in this browser.'), theme),
    section('Session', h('dl', { class: 'facts' },
      h('dt', null, 'Signed in as'), h('dd', null, p.name || '—'),
      h('dt', null, 'Scope'), h('dd', null, p.scope || '—'),
      h('dt', null, 'Owner'), h('dd', null, p.owner || '—'),
      h('dt', null, 'Session ends'), h('dd', null, expiresAt() ? fmtDate(expiresAt()) : '—'))),
    section('Server', server),
  ];
  if (isAdmin()) parts.push(await keysPanel(ctx));
  const backup = backupPanel(ctx);
  const sync = syncPanel(ctx);
  const consolidation = consolidationPanel(ctx);
  parts.push(exportPanel(), backup.panel, sync.panel, consolidation.panel);
  if (!ctx.alive()) {
    sync.cleanup();
    return undefined;
  }
  root.append(...parts);
  await Promise.all([backup.load(), sync.load(), consolidation.load(), serverFacts(ctx, server)]);
  return sync.cleanup;
}

async function serverFacts(ctx, server) {
  try {
    const d = await api.get('/api/health/detailed');
    if (!ctx.alive()) return;
    const sem = d.semantic_search || {};
    clear(server).append(h('dl', { class: 'facts' },
      h('dt', null, 'Status'), h('dd', null, d.status || '—'),
      h('dt', null, 'Version'), h('dd', null, d.version || '—'),
      h('dt', null, 'Storage'), h('dd', null, d.storage?.backend || '—'),
      h('dt', null, 'Memories'), h('dd', null, String(d.storage?.total_memories ?? '—')),
      h('dt', null, 'Semantic search'), h('dd', null, sem.enabled ? `on (${sem.model || 'model'}, ${sem.dim || '?'}-d)` : 'off'),
      h('dt', null, 'Problems'), h('dd', null, (d.problems || []).join('; ') || 'none')));
  } catch (x) {
    if (ctx.alive()) clear(server).append(errorPanel(x));
  }
}

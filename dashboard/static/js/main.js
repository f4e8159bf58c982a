// The app shell: session, hash router, theme, live updates and keyboard
// shortcuts. Views live in views/*.js and render into <main>.
import { h, clear } from './dom.js';
import { restore, logout, principal, onUnauthorized } from './api.js';
import { connect, disconnect, onEvent } from './events.js';
import { showTheme, toggleTheme } from './prefs.js';
import { memoryForm, navigate, toast, errorPanel } from './ui.js';
import * as overview from './views/overview.js';
import * as search from './views/search.js';
import * as browse from './views/browse.js';
import * as detail from './views/detail.js';
import * as manage from './views/manage.js';
import * as analytics from './views/analytics.js';
import * as graph from './views/graph.js';
import * as consolidation from './views/consolidation.js';
import * as documents from './views/documents.js';
import * as settings from './views/settings.js';
import * as login from './views/login.js';

const VIEWS = { overview, search, browse, memory: detail, manage, analytics, graph, consolidation, documents, settings, login };

const state = { authed: false, token: 0, cleanup: null };

function parseHash() {
  const raw = location.hash.startsWith('#/') ? location.hash.slice(2) : '';
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const parts = path.split('/');
  let arg = '';
  try {
    arg = decodeURIComponent(parts[1] || '');
  } catch {
    arg = '';
  }
  return { name: parts[0] || 'overview', arg, params: new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '') };
}

function setAuthed(on) {
  state.authed = on;
  document.body.classList.toggle('authed', on);
  const who = document.getElementById('who');
  clear(who);
  const p = principal();
  if (on && p) {
    who.append(h('span', { class: 'who-name' }, p.name || 'signed in'), ' ', h('span', { class: 'badge scope' }, p.scope || ''));
  }
  if (on) connect();
  else disconnect();
}

async function render() {
  // In-page anchors (the skip link) are not routes, once a view is shown.
  if (location.hash && !location.hash.startsWith('#/') && state.token > 0) return;
  const route = parseHash();
  if (!state.authed && route.name !== 'login') {
    navigate('login');
    return;
  }
  if (state.authed && route.name === 'login') {
    navigate('overview');
    return;
  }
  const view = Object.hasOwn(VIEWS, route.name) ? VIEWS[route.name] : null;
  state.cleanup?.();
  state.cleanup = null;
  const token = ++state.token;
  const main = clear(document.getElementById('main'));
  document.body.classList.remove('nav-open');
  document.getElementById('menu-toggle').setAttribute('aria-expanded', 'false');
  for (const a of document.querySelectorAll('#nav a[data-view]')) {
    if (a.dataset.view === (view === detail ? 'browse' : route.name)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.body.dataset.view = route.name;
  if (!view) {
    document.title = 'Not found · MCP Memory';
    main.append(h('h1', null, 'Not found'), h('p', null, 'There is no such view. Use the navigation to go on.'));
    return;
  }
  document.title = `${view.title} · MCP Memory`;
  const ctx = {
    arg: route.arg,
    params: route.params,
    alive: () => token === state.token,
    onLoggedIn: async () => {
      setAuthed(true);
      navigate('overview');
    },
  };
  try {
    const cleanup = await view.render(main, ctx);
    if (token === state.token) state.cleanup = typeof cleanup === 'function' ? cleanup : null;
    else if (typeof cleanup === 'function') cleanup();
  } catch (err) {
    if (token === state.token) main.append(errorPanel(err));
  }
}

async function openNewMemory() {
  if (!state.authed) return;
  const dlg = document.getElementById('dlg-new');
  clear(dlg);
  const close = h('button', { type: 'button', class: 'icon close', 'aria-label': 'Close' }, '×');
  close.addEventListener('click', () => dlg.close());
  const { form, focus } = await memoryForm({ onStored: () => dlg.close() });
  dlg.append(h('div', { class: 'row between' }, h('h2', { id: 'dlg-new-title' }, 'New memory'), close), form);
  dlg.showModal();
  focus();
}

function openHelp() {
  const dlg = document.getElementById('dlg-help');
  if (!dlg.open) dlg.showModal();
}

function focusSearch() {
  if (!state.authed) return;
  if (parseHash().name !== 'search') navigate('search');
  const tryFocus = (n) => {
    const el = document.getElementById('search-q');
    if (el) {
      el.focus();
      el.select();
    } else if (n > 0) setTimeout(() => tryFocus(n - 1), 50);
  };
  tryFocus(40);
}

const GO = { o: 'overview', s: 'search', b: 'browse', m: 'manage', a: 'analytics', g: 'graph', n: 'consolidation', d: 'documents', c: 'settings' };
let pendingG = 0;

function typing(el) {
  return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

function onKey(e) {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
    e.preventDefault();
    focusSearch();
    return;
  }
  if (e.key === 'Escape') {
    document.body.classList.remove('nav-open');
    document.getElementById('menu-toggle').setAttribute('aria-expanded', 'false');
    return; // open <dialog>s close themselves on Escape
  }
  if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || document.querySelector('dialog[open]')) return;
  if (pendingG && Date.now() - pendingG < 1500) {
    pendingG = 0;
    const view = GO[e.key];
    if (view && state.authed) {
      e.preventDefault();
      navigate(view);
    }
    return;
  }
  pendingG = 0;
  switch (e.key) {
    case '/':
      e.preventDefault();
      focusSearch();
      break;
    case 'n':
      e.preventDefault();
      openNewMemory();
      break;
    case 'g':
      pendingG = Date.now();
      break;
    case '?':
      e.preventDefault();
      openHelp();
      break;
    default:
  }
}

function wire() {
  document.getElementById('theme-toggle').addEventListener('click', toggleTheme);
  document.getElementById('help-btn').addEventListener('click', openHelp);
  document.getElementById('new-btn').addEventListener('click', openNewMemory);
  document.getElementById('help-close').addEventListener('click', () => document.getElementById('dlg-help').close());
  document.getElementById('menu-toggle').addEventListener('click', (e) => {
    const open = document.body.classList.toggle('nav-open');
    e.currentTarget.setAttribute('aria-expanded', String(open));
  });
  document.getElementById('logout-btn').addEventListener('click', async () => {
    try {
      await logout();
    } catch (err) {
      toast(err.message, 'error');
    }
    setAuthed(false);
    // Start afresh: nothing of the last session (queries, lists) stays in memory.
    location.replace('/#/login');
    location.reload();
  });
  for (const dlg of document.querySelectorAll('dialog')) {
    // A click on the backdrop (the dialog element itself) closes it.
    dlg.addEventListener('click', (e) => {
      if (e.target !== dlg) return;
      const r = dlg.getBoundingClientRect();
      if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) dlg.close();
    });
  }
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', render);
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', showTheme);
  // Events worth a word wherever one is; the views that show them refresh.
  onEvent((type, e) => {
    const view = document.body.dataset.view;
    if (type === 'conflict_detected' && view !== 'manage') {
      toast('A new memory may contradict an older one: review it under Manage → Conflicts.', 'info');
    } else if (type === 'consolidation_completed' && view !== 'consolidation' && view !== 'graph') {
      const d = e.data || {};
      toast(d.status === 'failed' ? `A ${d.time_horizon || ''} consolidation pass failed.` : `A ${d.time_horizon || ''} consolidation pass finished: ${d.memories_processed ?? 0} memories processed.`,
        d.status === 'failed' ? 'error' : 'info');
    }
  });
  onUnauthorized(() => {
    setAuthed(false);
    toast('Your session has ended: log in again.', 'error');
    navigate('login');
  });
}

async function start() {
  wire();
  showTheme();
  try {
    setAuthed(Boolean(await restore()));
  } catch (err) {
    clear(document.getElementById('main')).append(errorPanel(err));
    return;
  }
  document.body.classList.add('ready');
  render();
}

start();

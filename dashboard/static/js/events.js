// Live updates: one EventSource on /api/events, authenticated by the
// same-origin session cookie. Views subscribe with onMemoryEvent (changes
// to memories: stored, updated, deleted, archived, restored, uploads) or
// onEvent (every event, consolidation, conflicts and sync included).
const MEMORY_EVENTS = new Set(['memory_stored', 'memory_updated', 'memory_deleted', 'upload_progress', 'memory_archived', 'memory_restored']);
const OTHER_EVENTS = ['conflict_detected', 'consolidation_started', 'consolidation_completed', 'sync_progress', 'sync_completed', 'sync_failed'];
const listeners = new Set();
const memoryListeners = new Set();
let source = null;
let retry = null;
let wanted = false;

function setLive(on) {
  const el = document.getElementById('live');
  if (!el) return;
  el.classList.toggle('on', on);
  el.textContent = on ? 'Live' : 'Offline';
  el.setAttribute('title', on ? 'Live updates are on' : 'Live updates are off');
}

// onMemoryEvent calls fn(type, data) for every change to memories; it
// returns the function that unsubscribes.
export function onMemoryEvent(fn) {
  memoryListeners.add(fn);
  return () => memoryListeners.delete(fn);
}

// onEvent calls fn(type, data) for every event; it returns the function
// that unsubscribes.
export function onEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function connect() {
  wanted = true;
  if (source) return;
  clearTimeout(retry);
  source = new EventSource('/api/events');
  source.addEventListener('open', () => setLive(true));
  source.addEventListener('connection_established', () => setLive(true));
  for (const type of [...MEMORY_EVENTS, ...OTHER_EVENTS]) {
    source.addEventListener(type, (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      if (MEMORY_EVENTS.has(type)) memoryListeners.forEach((fn) => fn(type, data || {}));
      listeners.forEach((fn) => fn(type, data || {}));
    });
  }
  source.addEventListener('error', () => {
    setLive(false);
    if (source && source.readyState === EventSource.CLOSED) {
      source = null;
      if (wanted) retry = setTimeout(connect, 5000);
    }
  });
}

export function disconnect() {
  wanted = false;
  clearTimeout(retry);
  if (source) source.close();
  source = null;
  setLive(false);
}

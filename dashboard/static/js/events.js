// Live updates: one EventSource on /api/events, authenticated by the
// same-origin session cookie. Views subscribe with onMemoryEvent.
const listeners = new Set();
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

export function onMemoryEvent(fn) {
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
  for (const type of ['memory_stored', 'memory_updated', 'memory_deleted', 'upload_progress']) {
    source.addEventListener(type, (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
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

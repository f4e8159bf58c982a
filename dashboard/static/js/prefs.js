// The colour theme: the saved preference ("light" or "dark" under one
// localStorage key, the only thing the app stores), else the system's.
const THEME_KEY = 'mcp-memory-theme';

export function currentTheme() {
  const t = document.documentElement.getAttribute('data-theme');
  if (t === 'light' || t === 'dark') return t;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function showTheme() {
  const dark = currentTheme() === 'dark';
  const b = document.getElementById('theme-toggle');
  if (!b) return;
  b.setAttribute('aria-pressed', String(dark));
  b.setAttribute('title', dark ? 'Dark mode is on' : 'Dark mode is off');
  b.textContent = dark ? '☀' : '☾';
}

export function toggleTheme() {
  const next = currentTheme() === 'dark' ? 'light' : 'dark';
  document.documentElement.setAttribute('data-theme', next);
  try {
    localStorage.setItem(THEME_KEY, next);
  } catch {
    /* not persisted */
  }
  showTheme();
}

// Login: an API key is exchanged once for a session cookie
// (POST /api/session). The key is never stored in the browser.
import { h } from '../dom.js';
import { login } from '../api.js';
import { field, errorBox, showError, hideError } from '../ui.js';

export const title = 'Log in';

export async function render(root, ctx) {
  const key = h('input', { type: 'password', name: 'api_key', autocomplete: 'off', spellcheck: 'false', placeholder: 'mms_…', required: true });
  const err = errorBox();
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', { id: 'login-form', class: 'card login', novalidate: true, 'aria-label': 'Log in' },
    h('h1', null, 'Log in'),
    h('p', null, 'Enter an API key (create one with “memory keys create -name NAME -scope write”). ' +
      'It is sent once to open a session; the browser keeps only a session cookie, never the key.'),
    field('API key', key), err, h('div', { class: 'row' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    hideError(err);
    const v = key.value.trim();
    if (!v) {
      showError(err, 'Enter an API key.');
      key.focus();
      return;
    }
    submit.disabled = true;
    try {
      await login(v);
      key.value = '';
      await ctx.onLoggedIn();
    } catch (x) {
      key.value = '';
      showError(err, x.status === 401 ? `Login failed: ${x.message}` : x);
      key.focus();
    } finally {
      submit.disabled = false;
    }
  });
  root.append(form);
  // A failed account login comes back as #/login?error=… (shown as text).
  const q = location.hash.indexOf('?');
  const failed = q >= 0 ? new URLSearchParams(location.hash.slice(q + 1)).get('error') : null;
  if (failed) showError(err, failed);
  // With OAuth on, people log in with their account: the server runs the
  // OAuth flow and the browser keeps only a session cookie.
  try {
    const res = await fetch('/.well-known/oauth-authorization-server', { credentials: 'same-origin' });
    if (res.ok) {
      const account = h('button', { type: 'button', class: 'primary', id: 'oauth-login' }, 'Log in with your account');
      account.addEventListener('click', () => location.assign('/login/oauth')); // a fixed same-origin path
      form.insertBefore(h('div', { class: 'row' }, account), err);
      form.insertBefore(h('p', null, 'Or use an API key:'), form.querySelector('.field') || err);
    }
  } catch {
    // No authorization server: API keys only.
  }
  key.focus();
  return undefined;
}

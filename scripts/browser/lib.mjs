// Helpers for the dashboard's browser suite (scripts/e2e-browser.sh):
// configuration, the check runner, REST and MCP calls, pages that record
// every request, dialog, script error and CSP violation.
import fs from 'node:fs';
import path from 'node:path';

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`browser suite: ${name} is not set (run scripts/e2e-browser.sh)`);
    process.exit(2);
  }
  return v;
}

export const cfg = {
  base: need('BASE_URL').replace(/\/$/, ''),
  adminKey: need('ADMIN_KEY'),
  readKey: need('READ_KEY'),
  shots: need('SCREENSHOT_DIR'),
  chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  playwright: need('PLAYWRIGHT_CORE'),
};
export const origin = new URL(cfg.base).origin;

export class CheckError extends Error {}

export function assert(cond, msg) {
  if (!cond) throw new CheckError(msg);
}

export function rand() {
  return Math.random().toString(36).slice(2, 8);
}

// Everything the pages did, for the cross-cutting checks.
export const record = { requests: [], dialogs: [], pageErrors: [], cspViolations: [] };

export async function launch() {
  const { chromium } = await import(cfg.playwright);
  return chromium.launch({
    executablePath: cfg.chromium,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

// open makes a fresh context (own cookies and storage) and page.
export async function open(browser, { width = 1280, height = 900, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, deviceScaleFactor: 1 });
  // Generous: CI machines may be busy; a check that hangs still ends (suite.mjs).
  context.setDefaultTimeout(20000);
  const page = await context.newPage();
  page.on('request', (r) => record.requests.push(r.url()));
  page.on('dialog', async (d) => {
    record.dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => record.pageErrors.push(String(e?.message || e)));
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(t)) record.cspViolations.push(t);
  });
  return { context, page };
}

const shots = [];
export async function shot(page, name, what) {
  const file = path.join(cfg.shots, `${name}.png`);
  // From the top: a scrolled page draws its sticky bar mid-picture.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  shots.push({ file, what });
}
// shotOf saves a screenshot of one element (the first match of selector).
export async function shotOf(page, selector, name, what) {
  const file = path.join(cfg.shots, `${name}.png`);
  await page.locator(selector).first().screenshot({ path: file });
  shots.push({ file, what });
}
export function screenshots() {
  return shots;
}

export async function rest(method, p, body, key = cfg.adminKey) {
  const headers = { Authorization: `Bearer ${key}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(cfg.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30000) });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  return { status: res.status, data };
}

export async function store(content, tags = [], extra = {}) {
  const r = await rest('POST', '/api/memories', { content, tags, conversation_id: 'e2e-' + rand(), ...extra });
  assert(r.status === 200 && r.data?.success, `storing over REST failed: HTTP ${r.status} ${JSON.stringify(r.data)}`);
  return r.data.content_hash;
}

export async function count(key = cfg.adminKey) {
  const r = await rest('GET', '/api/memories?page=1&page_size=1', undefined, key);
  assert(r.status === 200, `GET /api/memories: HTTP ${r.status}`);
  return r.data.total;
}

// mcpStore stores a memory with a sessionless JSON-RPC tools/call on /mcp.
export async function mcpStore(content, tags, key = cfg.adminKey) {
  const res = await fetch(cfg.base + '/mcp', {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'memory_store', arguments: { content, tags } } }),
    signal: AbortSignal.timeout(30000),
  });
  const text = await res.text();
  assert(res.status === 200, `MCP tools/call memory_store: HTTP ${res.status} ${text.slice(0, 300)}`);
  const json = text.trim().startsWith('{') ? text : (text.split('\n').find((l) => l.startsWith('data:')) || '').slice(5);
  const msg = JSON.parse(json);
  assert(!msg.error && !msg.result?.isError, `MCP memory_store failed: ${json.slice(0, 300)}`);
  return msg.result?.structuredContent?.content_hash;
}

export async function gotoView(page, route) {
  await page.goto(`${cfg.base}/#/${route}`);
}

export async function waitHeading(page, text) {
  await page.locator('main h1', { hasText: text }).first().waitFor({ state: 'visible' });
}

// settled waits until no "Loading…" placeholder is left in <main>.
export async function settled(page) {
  await page.waitForFunction(() => ![...document.querySelectorAll('main [role=status]')].some((e) => e.textContent === 'Loading…'));
}

export async function login(page, key) {
  await page.goto(cfg.base + '/');
  await page.locator('#login-form').waitFor({ state: 'visible' });
  await page.fill('#login-form input[name=api_key]', key);
  await page.click('#login-form button[type=submit]');
  await waitHeading(page, 'Overview');
}

// visibleError waits for a visible error inside scope and returns its text.
export async function visibleError(page, scope, re) {
  const loc = page.locator(`${scope} .form-error:not([hidden])`).first();
  await loc.waitFor({ state: 'visible' });
  const text = (await loc.textContent()) || '';
  assert(re.test(text), `the error shown in ${scope} is ${JSON.stringify(text)}, expected ${re}`);
  return text;
}

export function ensureDir(dir) {
  fs.mkdirSync(dir, { recursive: true });
}

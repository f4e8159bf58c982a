// The dashboard's browser suite: real headless Chromium against a daemon
// with API keys. Run through scripts/e2e-browser.sh, which sets the
// environment (see lib.mjs). Exits non-zero when any check fails.
import fs from 'node:fs';
import {
  cfg, origin, record, assert, rand, launch, open, shot, screenshots, rest, store, count, mcpStore,
  gotoView, waitHeading, login, visibleError, ensureDir, settled,
} from './lib.mjs';
import { earlyChecks, curationChecks } from './curation.mjs';

const results = [];
let browser;

const CHECK_TIMEOUT = 120000;

async function check(name, fn) {
  const t0 = Date.now();
  let timer;
  try {
    await Promise.race([fn(), new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not finish within ${CHECK_TIMEOUT / 1000} s`)), CHECK_TIMEOUT);
    })]);
    results.push({ name, ok: true });
    console.log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (err) {
    results.push({ name, ok: false, err });
    console.log(`FAIL ${name}: ${err?.message || err}`);
  } finally {
    clearTimeout(timer);
  }
}

const VIEWS = ['overview', 'search', 'browse', 'manage', 'analytics', 'graph', 'consolidation', 'documents', 'settings'];
const HEADINGS = {
  overview: 'Overview', search: 'Search', browse: 'Browse', manage: 'Manage', analytics: 'Analytics', graph: 'Graph', consolidation: 'Consolidation',
  documents: 'Documents', settings: 'Settings',
};

const SEED = [
  ['The staging cluster runs on three arm64 nodes in Frankfurt', ['ops', 'infra', 'staging'], 'configuration'],
  ['We decided to use Postgres for the billing service instead of MongoDB', ['decision', 'db', 'billing'], 'decision'],
  ['Alice prefers short pull requests with a clear description', ['team', 'preferences'], 'note'],
  ['Deploys happen on Tuesdays and Thursdays after the standup', ['ops', 'process'], 'workflow'],
  ['The login page times out when the session store is slow', ['bug', 'auth'], 'bug'],
  ['Use gofmt and go vet before every commit', ['go', 'style', 'process'], 'best_practice'],
  ['Billing exports run nightly at 02:00 UTC into the warehouse', ['billing', 'ops', 'data'], 'reference'],
  ['Bob is on call this week; escalate database pages to him', ['team', 'ops', 'db'], 'note'],
  ['The search API returns at most 100 results per page', ['api', 'limits'], 'reference'],
  ['Retrospective: the migration went well but the rollback plan was missing', ['retro', 'db', 'process'], 'retrospective'],
  ['TLS certificates renew automatically 30 days before expiry', ['infra', 'security'], 'configuration'],
  ['Idea: cache the embedding of frequent queries', ['idea', 'performance'], 'insight'],
];

async function seed() {
  const hashes = [];
  for (const [content, tags, memory_type] of SEED) hashes.push(await store(content, tags, { memory_type, metadata: { source: 'e2e-seed' } }));
  // A second version of the first memory, for the version chain.
  const r = await rest('PUT', `/api/memories/${hashes[0]}`, { content: 'The staging cluster runs on four arm64 nodes in Frankfurt', versioned: true });
  assert(r.status === 200 && r.data?.content_hash, `versioned update failed: HTTP ${r.status} ${JSON.stringify(r.data)}`);
  return { hashes, v1: hashes[0], v2: r.data.content_hash };
}

async function main() {
  ensureDir(cfg.shots);
  browser = await launch();
  console.log(`chromium ${browser.version()} against ${cfg.base}`);
  const seeded = await seed();

  await check('1. login: a wrong key shows an error; the admin key logs in; reload keeps the session; no secret in Web Storage', async () => {
    const { context, page } = await open(browser);
    await page.goto(cfg.base + '/');
    await page.locator('#login-form').waitFor({ state: 'visible' });
    await shot(page, 'login', 'the login form');
    await page.fill('#login-form input[name=api_key]', 'mms_000000000000_' + 'A'.repeat(43));
    await page.click('#login-form button[type=submit]');
    await visibleError(page, '#login-form', /\S/);
    await shot(page, 'login-error', 'the login form after a wrong key');
    assert(await page.locator('main h1', { hasText: 'Overview' }).count() === 0, 'a wrong key got past the login form');
    await page.fill('#login-form input[name=api_key]', cfg.adminKey);
    await page.click('#login-form button[type=submit]');
    await waitHeading(page, 'Overview');
    await page.reload();
    await waitHeading(page, 'Overview');
    assert(await page.locator('#login-form').count() === 0, 'the login form came back after a reload');
    assert(((await page.textContent('#who')) || '').includes('e2e-admin'), 'the principal is not shown after a reload');
    const st = await page.evaluate(() => ({
      ls: Object.entries(localStorage), ss: Object.entries(sessionStorage), cookie: document.cookie,
    }));
    const stored = JSON.stringify([st.ls, st.ss]);
    assert(!stored.includes(cfg.adminKey) && !stored.includes('mms_'), `Web Storage holds a key: ${stored}`);
    assert(st.ss.length === 0, `sessionStorage is used: ${JSON.stringify(st.ss)}`);
    assert(st.ls.every(([k]) => k === 'mcp-memory-theme'), `localStorage holds more than the theme: ${JSON.stringify(st.ls.map(([k]) => k))}`);
    const cookies = await context.cookies();
    const sess = cookies.find((c) => /session/i.test(c.name));
    assert(sess, `no session cookie: ${JSON.stringify(cookies.map((c) => c.name))}`);
    assert(sess.httpOnly && sess.sameSite === 'Strict', `session cookie is not HttpOnly SameSite=Strict: ${JSON.stringify(sess)}`);
    assert(!st.cookie.includes(sess.value), 'the session cookie is readable from script');
    // Log out: the login form returns and a reload does not log back in.
    await page.click('#logout-btn');
    await page.locator('#login-form').waitFor({ state: 'visible' });
    await page.reload();
    await page.locator('#login-form').waitFor({ state: 'visible' });
    await context.close();
  });

  await earlyChecks({ browser, check, seeded });

  await check('2. quick add, find by search, open detail, edit tags, rate, delete', async () => {
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    const word = 'quokka' + rand();
    const content = `Browser quick add ${word}: the nightly backup goes to the cold storage bucket`;
    await page.fill('main form.memory-form textarea[name=content]', content);
    await page.fill('main form.memory-form input[name=tags]', 'e2e-crud, alpha');
    await page.click('main form.memory-form button[type=submit]');
    await page.locator('#recent .mem', { hasText: word }).waitFor({ state: 'visible' });
    // "/" focuses search.
    await page.keyboard.press('/');
    await waitHeading(page, 'Search');
    await page.waitForFunction(() => document.activeElement?.id === 'search-q');
    await page.keyboard.type(word);
    const hit = page.locator('#search-results .mem', { hasText: word });
    await hit.waitFor({ state: 'visible' });
    for (const sel of ['.score', '.badge.matched', '.reason']) {
      assert(await hit.locator(sel).count() > 0, `search result lacks ${sel}`);
    }
    await hit.locator('a.mem-content').click();
    await waitHeading(page, 'Memory');
    const hash = page.url().split('#/memory/')[1];
    assert(/^[0-9a-f]{64}$/.test(hash || ''), `detail URL has no hash: ${page.url()}`);
    assert((await page.textContent('#memory-content')) === content, 'detail does not show the full content');
    await page.fill('form.edit-form input[name=tags]', 'e2e-crud, edited-tag');
    await page.click('form.edit-form button[type=submit]');
    await page.locator('main .chips .chip', { hasText: 'edited-tag' }).first().waitFor({ state: 'visible' });
    let r = await rest('GET', '/api/memories/' + hash);
    assert(r.data.tags.includes('edited-tag') && !r.data.tags.includes('alpha'), `tags after edit: ${JSON.stringify(r.data.tags)}`);
    await page.click('button[aria-label="Rate useful"]');
    await page.waitForFunction(() => Number(document.getElementById('quality-score')?.textContent) > 0.5);
    r = await rest('GET', '/api/memories/' + hash);
    assert(r.data.quality_score > 0.5, `quality after rating: ${r.data.quality_score}`);
    await page.click('button:has-text("Delete memory")');
    await page.locator('#dlg-confirm[open]').waitFor({ state: 'visible' });
    await page.click('#dlg-confirm button[data-action=confirm]');
    await waitHeading(page, 'Overview');
    r = await rest('GET', '/api/memories/' + hash);
    assert(r.status === 404, `memory still there after delete: HTTP ${r.status}`);
    await context.close();
  });

  await check('2b. version chain: a versioned update links both versions', async () => {
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await page.goto(`${cfg.base}/#/memory/${seeded.v2}`);
    await waitHeading(page, 'Memory');
    await page.locator('#versions li').nth(1).waitFor({ state: 'visible' });
    assert(await page.locator('#versions li').count() === 2, 'the version chain does not have two versions');
    await page.locator(`#versions a[href="#/memory/${seeded.v1}"]`).click();
    await page.locator('#memory-content', { hasText: 'three arm64' }).waitFor({ state: 'visible' });
    assert(await page.locator(`main a[href="#/memory/${seeded.v2}"]`).count() > 0, 'the old version does not link to its successor');
    await context.close();
  });

  await check('3. bulk delete by tag: preview count, confirm, gone', async () => {
    const tag = 'e2e-bulk-' + rand();
    for (let i = 0; i < 3; i++) await store(`Bulk delete candidate number ${i} about ${['lemons', 'trains', 'glaciers'][i]}`, [tag]);
    const keep = await store('A memory that bulk delete must keep, about volcanoes', ['e2e-keep']);
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await gotoView(page, 'manage');
    await waitHeading(page, 'Manage');
    await page.fill('form.bulk-form input[name=tags]', tag);
    await page.click('form.bulk-form button[type=submit]');
    await page.locator('#bulk-preview', { hasText: '3 memories would be deleted' }).waitFor({ state: 'visible' });
    const btn = page.locator('#bulk-confirm');
    assert(((await btn.textContent()) || '').includes('Delete 3'), 'the confirm button does not name the count');
    await shot(page, 'manage', 'Manage: a bulk delete preview with its count');
    await btn.click();
    await page.locator('#dlg-confirm[open]').waitFor({ state: 'visible' });
    await page.click('#dlg-confirm button[data-action=confirm]');
    await page.locator('#bulk-preview', { hasText: '3 memories deleted' }).waitFor({ state: 'visible' });
    const r = await rest('POST', '/api/search/by-tag', { tags: [tag] });
    assert(r.status === 200 && r.data.results.length === 0, `memories with ${tag} remain: ${r.data?.results?.length}`);
    assert((await rest('GET', '/api/memories/' + keep)).status === 200, 'bulk delete removed a memory without the tag');
    await context.close();
  });

  await check('4. a memory stored over MCP appears on the open overview without a reload', async () => {
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await page.locator('#live.on').waitFor({ state: 'visible' });
    await page.evaluate(() => {
      window.__sameDocument = true;
    });
    const word = 'axolotl' + rand();
    await mcpStore(`Stored over MCP while the dashboard watches: ${word}`, ['e2e-live']);
    await page.locator('#recent .mem', { hasText: word }).waitFor({ state: 'visible', timeout: 15000 });
    assert(await page.evaluate(() => window.__sameDocument === true), 'the page reloaded');
    await context.close();
  });

  await check('5. XSS payloads in content, tags and metadata render as text in every view', async () => {
    const payloads = [
      '<img src=x onerror="window.__xss=1">',
      '<script>window.__xss=1</script>',
      'javascript:window.__xss=1',
      '"><svg onload=window.__xss=1>',
    ];
    const hashes = [];
    for (const [i, p] of payloads.entries()) {
      const metadata = { [p]: p, payload: p, parent_hash: p, nested: { [p]: [p] } };
      hashes.push(await store(`XSS probe ${i} ${p}`, [p, 'e2e-xss'], { metadata }));
    }
    const dialogsBefore = record.dialogs.length;
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    const clean = async (where) => {
      const bad = await page.evaluate(() => {
        const out = [];
        if (window.__xss !== undefined) out.push('window.__xss is set');
        for (const el of document.querySelectorAll('*')) {
          for (const a of el.attributes) if (/^on/i.test(a.name)) out.push(`<${el.tagName.toLowerCase()} ${a.name}>`);
        }
        if (document.querySelector('img')) out.push('an <img> element exists');
        if (document.querySelector('main svg svg, main svg[onload]')) out.push('a payload <svg> element exists');
        for (const s of document.querySelectorAll('script')) if (!s.src) out.push('an inline <script> exists');
        for (const a of document.querySelectorAll('a[href]')) {
          const h = a.getAttribute('href');
          if (!/^#(\/|main$)/.test(h)) out.push(`a link to ${h}`);
        }
        return out;
      });
      assert(bad.length === 0, `${where}: ${bad.join('; ')}`);
      assert(record.dialogs.length === dialogsBefore, `${where}: a dialog opened: ${record.dialogs.slice(dialogsBefore).join(' | ')}`);
    };
    const seesText = async (text, where) => {
      try {
        await page.getByText(text, { exact: false }).first().waitFor({ state: 'visible' });
      } catch (err) {
        await clean(where); // a clearer failure when the payload became markup
        throw new Error(`${where}: the payload ${JSON.stringify(text)} is not visible as text (${err.message.split('\n')[0]})`);
      }
      await clean(where);
    };
    await page.reload();
    await waitHeading(page, 'Overview');
    for (const p of payloads) await seesText(p, 'overview');
    await gotoView(page, 'search?q=' + encodeURIComponent('XSS probe'));
    await page.locator('#search-results .mem').first().waitFor({ state: 'visible' });
    for (const p of payloads) await seesText(p, 'search');
    await page.fill('#search-q', payloads[1]);
    await page.locator('#search-results .mem', { hasText: payloads[1] }).first().waitFor({ state: 'visible' });
    await clean('search for a payload');
    await gotoView(page, 'browse');
    await page.locator('#tag-cloud .cloud-tag').first().waitFor({ state: 'visible' });
    for (const p of payloads) await seesText(p, 'browse');
    await page.locator('#tag-cloud .cloud-tag', { hasText: payloads[3] }).click();
    await page.locator('main .filter .tag-name', { hasText: payloads[3] }).waitFor({ state: 'visible' });
    await page.locator('#browse-list .mem', { hasText: 'XSS probe 3' }).waitFor({ state: 'visible' });
    await clean('browse by a payload tag');
    for (const [i, h] of hashes.entries()) {
      await page.goto(`${cfg.base}/#/memory/${h}`);
      await page.locator('#memory-content', { hasText: payloads[i] }).waitFor({ state: 'visible' });
      await page.locator('table.kv th', { hasText: payloads[i] }).first().waitFor({ state: 'visible' });
      await page.locator('#versions').waitFor();
      await page.waitForTimeout(200);
      await clean(`detail ${i}`);
      const md = await page.inputValue('form.edit-form textarea[name=metadata]');
      assert(md.includes(JSON.stringify(payloads[i]).slice(1, -1)), `detail ${i}: the metadata editor lacks the payload`);
    }
    await gotoView(page, 'analytics');
    await page.locator('#chart-tags .meters').waitFor({ state: 'visible' });
    await page.locator('#storage ol').waitFor({ state: 'visible' }).catch(() => {});
    await clean('analytics');
    assert(await page.locator('#chart-tags .meter-label', { hasText: 'e2e-xss' }).count() > 0, 'analytics: tag usage lacks the tags');
    await gotoView(page, 'graph?mode=tags&tag=e2e-xss');
    await page.locator('#graph svg .node').first().waitFor({ state: 'visible' });
    await clean('graph');
    const labels = await page.locator('#graph svg .node').evaluateAll((ns) => ns.map((n) => n.getAttribute('aria-label')).join('\n'));
    for (const p of payloads) assert(labels.includes(p), `graph: no node is labelled with ${p}`);
    for (const v of ['documents', 'settings', 'manage', 'consolidation']) {
      await gotoView(page, v);
      await waitHeading(page, HEADINGS[v]);
      await page.waitForTimeout(300);
      await clean(v);
    }
    assert(await page.evaluate(() => window.__xss) === undefined, 'window.__xss is set');
    await context.close();
    const r = await rest('POST', '/api/manage/bulk-delete', { tag: 'e2e-xss' });
    assert(r.status === 200 && r.data.affected_count === payloads.length, `cleaning up the XSS memories: ${JSON.stringify(r.data)}`);
  });

  await check('6. bad input shows a visible error and writes nothing', async () => {
    const before = await count();
    const target = seeded.hashes[2];
    const targetBefore = (await rest('GET', '/api/memories/' + target)).data;
    const keysBefore = (await rest('GET', '/api/keys')).data.keys.length;
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    const qa = 'main form.memory-form';
    await page.click(`${qa} button[type=submit]`);
    await visibleError(page, qa, /content is empty/i);
    await page.fill(`${qa} textarea[name=content]`, 'This memory must not be stored: its tag is too long');
    await page.fill(`${qa} input[name=tags]`, 'ok, ' + 'x'.repeat(101));
    await page.click(`${qa} button[type=submit]`);
    await visibleError(page, qa, /101 characters.*limit is 100/i);
    await shot(page, 'form-error', 'Overview: quick add refusing a tag over 100 characters');
    // The "n" dialog validates the same way; Esc closes it.
    await page.locator('main h1').click();
    await page.keyboard.press('n');
    await page.locator('#dlg-new[open]').waitFor({ state: 'visible' });
    await page.fill('#dlg-new textarea[name=content]', '   ');
    await page.click('#dlg-new button[type=submit]');
    await visibleError(page, '#dlg-new', /content is empty/i);
    await page.keyboard.press('Escape');
    await page.locator('#dlg-new[open]').waitFor({ state: 'detached' });
    // Manage: a bad date is refused in the page; a bad time expression by the server.
    await gotoView(page, 'manage');
    await waitHeading(page, 'Manage');
    await page.fill('form.bulk-form input[name=tags]', 'ops');
    await page.fill('form.bulk-form input[name=after_date]', '2025-13-45');
    await page.click('form.bulk-form button[type=submit]');
    await visibleError(page, 'form.bulk-form', /date/i);
    assert(!(await page.locator('#bulk-confirm').isVisible()), 'a delete button is offered after a bad date');
    await page.fill('form.bulk-form input[name=after_date]', '');
    await page.fill('form.bulk-form input[name=time_expr]', 'blorp nonsense');
    await page.click('form.bulk-form button[type=submit]');
    await visibleError(page, 'form.bulk-form', /not a time expression/i);
    assert(!(await page.locator('#bulk-confirm').isVisible()), 'a delete button is offered after a server error');
    // Search: a bad date.
    await gotoView(page, 'search');
    await waitHeading(page, 'Search');
    await page.fill('form.search-form input[name=before]', 'tomorrowish');
    await page.fill('#search-q', 'staging');
    await page.click('form.search-form button[type=submit]');
    await visibleError(page, 'form.search-form', /date/i);
    // Detail: bad metadata JSON and a long tag.
    await page.goto(`${cfg.base}/#/memory/${target}`);
    await waitHeading(page, 'Memory');
    await page.fill('form.edit-form textarea[name=metadata]', '{"broken": ');
    await page.click('form.edit-form button[type=submit]');
    await visibleError(page, 'form.edit-form', /not valid JSON/i);
    await page.fill('form.edit-form textarea[name=metadata]', '[1, 2]');
    await page.click('form.edit-form button[type=submit]');
    await visibleError(page, 'form.edit-form', /JSON object/i);
    await page.fill('form.edit-form textarea[name=metadata]', '{}');
    await page.fill('form.edit-form input[name=tags]', 'y'.repeat(150));
    await page.click('form.edit-form button[type=submit]');
    await visibleError(page, 'form.edit-form', /150 characters/i);
    // Settings: a key without a name, and a bad lifetime.
    await gotoView(page, 'settings');
    await page.locator('#key-form').waitFor({ state: 'visible' });
    await page.click('#key-form button[type=submit]');
    await visibleError(page, '#key-form', /name/i);
    await page.fill('#key-form input[name=name]', 'never-created');
    await page.fill('#key-form input[name=expires_in_days]', '99999');
    await page.click('#key-form button[type=submit]');
    await visibleError(page, '#key-form', /1 to 3650/);
    await context.close();
    assert(await count() === before, `the memory count changed: ${before} → ${await count()}`);
    const targetAfter = (await rest('GET', '/api/memories/' + target)).data;
    assert(JSON.stringify([targetAfter.tags, targetAfter.metadata]) === JSON.stringify([targetBefore.tags, targetBefore.metadata]), 'the edited memory changed');
    assert((await rest('GET', '/api/keys')).data.keys.length === keysBefore, 'a key was created');
  });

  await check('7. a read key: no key management, and writing shows a visible error', async () => {
    const before = await count();
    const { context, page } = await open(browser);
    await login(page, cfg.readKey);
    assert(((await page.textContent('#who')) || '').includes('read'), 'the read scope is not shown');
    await page.fill('main form.memory-form textarea[name=content]', 'A read-only key must not store this');
    await page.click('main form.memory-form button[type=submit]');
    await visibleError(page, 'main form.memory-form', /scope|permission|forbidden|not allowed|read/i);
    await page.goto(`${cfg.base}/#/memory/${seeded.hashes[3]}`);
    await waitHeading(page, 'Memory');
    await page.click('button:has-text("Delete memory")');
    await page.click('#dlg-confirm button[data-action=confirm]');
    await visibleError(page, 'main', /scope|permission|forbidden|not allowed|read/i);
    await gotoView(page, 'settings');
    await waitHeading(page, 'Settings');
    await page.locator('#server-info dl').waitFor({ state: 'visible' });
    assert(await page.locator('#key-form').count() === 0, 'a read key sees the key form');
    assert(await page.locator('main h2', { hasText: 'API keys' }).count() === 0, 'a read key sees the API keys panel');
    await context.close();
    assert(await count() === before, 'a read key changed the memories');
    assert((await rest('GET', '/api/memories/' + seeded.hashes[3])).status === 200, 'a read key deleted a memory');
  });

  await check('7b. admin key management: create (secret shown once), use, revoke', async () => {
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await gotoView(page, 'settings');
    await page.locator('#key-form').waitFor({ state: 'visible' });
    const name = 'e2e-created-' + rand();
    await page.fill('#key-form input[name=name]', name);
    await page.selectOption('#key-form select[name=scope]', 'read');
    await page.fill('#key-form input[name=expires_in_days]', '7');
    await page.click('#key-form button[type=submit]');
    await page.locator('#new-secret-value').waitFor({ state: 'visible' });
    const secret = (await page.textContent('#new-secret-value')) || '';
    assert(secret.startsWith('mms_'), `the new secret is not shown: ${secret}`);
    assert((await rest('GET', '/api/health/detailed', undefined, secret)).status === 200, 'the new key does not work');
    const row = page.locator('table.keys-table tr', { hasText: name });
    await row.waitFor({ state: 'visible' });
    await row.locator('button', { hasText: 'Revoke' }).click();
    await page.click('#dlg-confirm button[data-action=confirm]');
    await page.locator('table.keys-table tr', { hasText: name }).locator('td', { hasText: 'revoked' }).waitFor({ state: 'visible' });
    assert((await rest('GET', '/api/health/detailed', undefined, secret)).status === 401, 'a revoked key still works');
    const st = await page.evaluate(() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)]));
    assert(!st.includes(secret), 'the new secret was put in Web Storage');
    await context.close();
  });

  await curationChecks({ browser, check, seeded });

  await check('8. every view fits 375 px without horizontal overflow; dark mode toggles and persists', async () => {
    const { context, page } = await open(browser, { width: 375, height: 740 });
    await login(page, cfg.adminKey);
    const routes = [...VIEWS.map((v) => [v, HEADINGS[v]]), [`memory/${seeded.v2}`, 'Memory'], ['search?q=billing', 'Search'], ['browse?tag=ops', 'Browse']];
    for (const [route, heading] of routes) {
      await gotoView(page, route);
      await waitHeading(page, heading);
      await settled(page);
      await page.waitForTimeout(100);
      const w = await page.evaluate(() => document.scrollingElement.scrollWidth);
      assert(w <= 376, `#/${route} is ${w} px wide at 375 px`);
    }
    await gotoView(page, 'overview');
    await waitHeading(page, 'Overview');
    await shot(page, 'phone-overview', 'Overview at 375 px');
    await page.click('#menu-toggle');
    await page.locator('#nav a', { hasText: 'Analytics' }).waitFor({ state: 'visible' });
    await shot(page, 'phone-menu', 'the navigation menu open at 375 px');
    await page.locator('#nav a', { hasText: 'Analytics' }).click();
    await waitHeading(page, 'Analytics');
    await page.locator('#chart-heatmap svg').waitFor({ state: 'visible' });
    await shot(page, 'phone-analytics', 'Analytics at 375 px');
    // Dark mode.
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await bg();
    await page.click('#theme-toggle');
    assert(await page.getAttribute('html', 'data-theme') === 'dark', 'the toggle did not switch to dark');
    const dark = await bg();
    assert(dark !== light, `the background stayed ${light}`);
    assert(await page.evaluate(() => localStorage.getItem('mcp-memory-theme')) === 'dark', 'the theme choice is not saved');
    await page.reload();
    await waitHeading(page, 'Analytics');
    assert(await page.getAttribute('html', 'data-theme') === 'dark' && (await bg()) === dark, 'dark mode did not survive a reload');
    await shot(page, 'phone-dark', 'Analytics at 375 px in dark mode');
    const phone = [
      ['graph', '#graph svg line.edge', 'phone-dark-graph', 'Graph of associations at 375 px in dark mode'],
      ['consolidation', '#consolidation-history .run', 'phone-dark-consolidation', 'Consolidation at 375 px in dark mode'],
      ['manage', '#conflicts .conflict', 'phone-dark-conflicts', 'Manage with a conflict side by side (stacked) at 375 px in dark mode'],
      ['settings', '#backup-facts', 'phone-dark-settings', 'Settings with export, backup, sync at 375 px in dark mode'],
    ];
    if (seeded.curation?.fix) phone.push([`memory/${seeded.curation.fix}`, '#quality-info dl', 'phone-dark-detail', 'Memory detail with quality and connections at 375 px in dark mode']);
    for (const [route, sel, name, what] of phone) {
      await gotoView(page, route);
      await page.locator(sel).first().waitFor({ state: 'visible' });
      await settled(page);
      await shot(page, name, what);
    }
    const keys = await page.evaluate(() => Object.keys(localStorage));
    assert(keys.length === 1 && keys[0] === 'mcp-memory-theme', `localStorage keys: ${keys}`);
    await page.click('#theme-toggle');
    assert(await page.getAttribute('html', 'data-theme') === 'light' && (await bg()) === light, 'the toggle did not switch back');
    await context.close();
  });

  await check('every control of every view has an accessible name and shows no stray undefined/null/[object]; focus is visible', async () => {
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    const routes = [...VIEWS.map((v) => [v, HEADINGS[v]]), [`memory/${seeded.v2}`, 'Memory'], ['search?q=billing', 'Search'], ['graph?mode=tags', 'Graph']];
    if (seeded.curation?.fix) routes.push([`memory/${seeded.curation.fix}`, 'Memory']);
    for (const [route, heading] of routes) {
      await gotoView(page, route);
      await waitHeading(page, heading);
      await settled(page);
      const unnamed = await page.evaluate(() => {
        const name = (el) => {
          if (el.getAttribute('aria-label')?.trim()) return true;
          const by = el.getAttribute('aria-labelledby');
          if (by && by.split(/\s+/).some((id) => document.getElementById(id)?.textContent.trim())) return true;
          if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
          if (el.matches('button, a') && el.textContent.trim()) return true;
          return false;
        };
        return [...document.querySelectorAll('input, select, textarea, button, a[href], [tabindex="0"], dialog')]
          .filter((el) => !el.closest('dialog:not([open])') || el.tagName === 'DIALOG')
          .filter((el) => !name(el))
          .map((el) => el.outerHTML.slice(0, 80));
      });
      assert(unnamed.length === 0, `#/${route}: controls without a name: ${unnamed.join(' | ')}`);
      const stray = await page.evaluate(() => /\[object [A-Z]\w*\]|\bundefined\b|NaN|(^|\n)null(\n|$)/.exec(document.querySelector('main').innerText)?.[0]);
      assert(!stray, `#/${route}: the page shows ${JSON.stringify(stray)} (a value rendered by mistake)`);
    }
    await gotoView(page, 'overview');
    await waitHeading(page, 'Overview');
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      const outline = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return `${document.activeElement.tagName} ${s.outlineStyle} ${s.outlineWidth}`;
      });
      assert(!/ none /.test(outline) && !/ 0px$/.test(outline), `the focused element shows no outline: ${outline}`);
    }
    await context.close();
  });

  await check('keyboard shortcuts: ? help, Esc, g-navigation, Ctrl+K, n', async () => {
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await page.keyboard.press('?');
    await page.locator('#dlg-help[open]').waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await page.locator('#dlg-help[open]').waitFor({ state: 'detached' });
    for (const [k, h] of [['a', 'Analytics'], ['b', 'Browse'], ['m', 'Manage'], ['g', 'Graph'], ['n', 'Consolidation'], ['d', 'Documents'], ['c', 'Settings'], ['o', 'Overview']]) {
      await page.keyboard.press('g');
      await page.keyboard.press(k);
      await waitHeading(page, h);
    }
    await page.keyboard.press('Control+k');
    await waitHeading(page, 'Search');
    await page.waitForFunction(() => document.activeElement?.id === 'search-q');
    await page.keyboard.press('Escape');
    await page.locator('main h1').click();
    await page.keyboard.press('n');
    await page.locator('#dlg-new[open] textarea[name=content]').waitFor({ state: 'visible' });
    assert(await page.evaluate(() => document.activeElement?.name === 'content'), 'n does not focus the content field');
    await page.keyboard.press('Escape');
    await page.locator('#dlg-new[open]').waitFor({ state: 'detached' });
    await context.close();
  });

  await check('11. documents: upload a PDF and a Markdown file with progress, see the chunks with pages, find them, remove them', async () => {
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await gotoView(page, 'documents');
    await waitHeading(page, 'Documents');
    await page.locator('#doc-limits', { hasText: 'Formats:' }).waitFor({ state: 'visible' });
    const word = 'quokka' + rand();
    const pdf = new URL('../../ingest/document/testdata/report.pdf', import.meta.url).pathname;
    await page.setInputFiles('#doc-files', [
      { name: 'report.pdf', mimeType: 'application/pdf', buffer: fs.readFileSync(pdf) },
      { name: `field-notes-${word}.md`, mimeType: 'text/markdown', buffer: Buffer.from(`# Field notes\n\nA ${word} was seen near the river at dawn, eating leaves.\n`) },
    ]);
    await page.fill('form.upload-form input[name=tags]', 'e2e-docs');
    await page.fill('form.upload-form input[name=chunk_size]', '300'); // the report's three short pages in several chunks
    await page.click('form.upload-form button[type=submit]');
    await page.locator('#doc-status', { hasText: 'completed' }).waitFor({ state: 'visible', timeout: 30000 });
    const row = page.locator('#doc-history tr', { hasText: word });
    await row.locator('.badge', { hasText: 'completed' }).waitFor({ state: 'visible' });
    await shot(page, 'documents', 'Documents: an upload finished, with its history');
    await row.locator('button[data-action=chunks]').click();
    await page.locator('#doc-chunks li', { hasText: /pages? 2/ }).first().waitFor({ state: 'visible' });
    await page.locator('#doc-chunks li', { hasText: word }).waitFor({ state: 'visible' });
    const found = await rest('POST', '/api/search', { query: word, mode: 'keyword' });
    assert(found.status === 200 && found.data.results.length === 1, `search for ${word}: ${JSON.stringify(found.data)}`);
    await row.locator('button[data-action=remove]').click();
    await page.click('#dlg-confirm button[data-action=confirm]');
    await page.locator('#doc-history tr', { hasText: word }).waitFor({ state: 'detached' });
    const gone = await rest('POST', '/api/search', { query: word, mode: 'keyword' });
    assert(gone.status === 200 && gone.data.results.length === 0, 'the removed upload left memories behind');
    await context.close();
  });

  await check('10. screenshots of every view', async () => {
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await page.locator('#recent .mem').first().waitFor({ state: 'visible' });
    await shot(page, 'overview', 'Overview: counts, quick add, recent memories');
    await gotoView(page, 'search?q=' + encodeURIComponent('billing database'));
    await page.locator('#search-results .mem').first().waitFor({ state: 'visible' });
    await shot(page, 'search', 'Search with hybrid results, scores and why they matched');
    await gotoView(page, 'browse?tag=ops');
    await page.locator('#browse-list .mem').first().waitFor({ state: 'visible' });
    await shot(page, 'browse', 'Browse: tag cloud and the memories tagged ops');
    await page.goto(`${cfg.base}/#/memory/${seeded.v2}`);
    await page.locator('#versions li').nth(1).waitFor({ state: 'visible' });
    await page.locator('#similar .mem, #similar p').first().waitFor({ state: 'visible' });
    await shot(page, 'detail', 'Memory detail: content, metadata, edit, rate, version chain, similar');
    await gotoView(page, 'manage');
    await page.locator('#tag-stats table').waitFor({ state: 'visible' });
    await shot(page, 'manage-tools', 'Manage: bulk delete, untagged, duplicates, tag statistics');
    await gotoView(page, 'analytics');
    await page.locator('#chart-heatmap svg').waitFor({ state: 'visible' });
    await page.locator('#chart-growth svg').waitFor({ state: 'visible' });
    await shot(page, 'analytics', 'Analytics: growth, tag usage, types, heatmap, breakdown, storage');
    await gotoView(page, 'graph');
    await page.locator('#graph svg line.edge').first().waitFor({ state: 'visible' });
    await shot(page, 'graph', 'Graph of associations: typed edges coloured by relation, legend and filter');
    await gotoView(page, 'graph?mode=tags');
    await page.locator('#graph svg .node').first().waitFor({ state: 'visible' });
    await shot(page, 'graph-tags', 'Graph fallback: memories linked by shared tags, labelled as such');
    await gotoView(page, 'consolidation');
    await page.locator('#consolidation-history .run').first().waitFor({ state: 'visible' });
    await settled(page);
    await shot(page, 'consolidation', 'Consolidation: status, schedules, run form, recommendations, history, archive');
    await gotoView(page, 'documents');
    await page.locator('#doc-limits', { hasText: 'Formats:' }).waitFor({ state: 'visible' });
    await shot(page, 'documents-view', 'Documents: upload form and history');
    await gotoView(page, 'settings');
    await page.locator('table.keys-table').waitFor({ state: 'visible' });
    await page.locator('#server-info dl').waitFor({ state: 'visible' });
    await page.locator('#backup-facts').waitFor({ state: 'visible' });
    await page.locator('#sync-unavailable').waitFor({ state: 'visible' });
    await shot(page, 'settings', 'Settings: session, server, API keys, export, backup with its list, sync (not hybrid here), consolidation');
    await page.click('#theme-toggle');
    await gotoView(page, 'overview');
    await page.locator('#recent .mem').first().waitFor({ state: 'visible' });
    await shot(page, 'dark-overview', 'Overview in dark mode');
    await gotoView(page, 'graph');
    await page.locator('#graph svg line.edge').first().waitFor({ state: 'visible' });
    await shot(page, 'dark-graph', 'Graph of associations in dark mode');
    await gotoView(page, 'consolidation');
    await page.locator('#consolidation-history .run').first().waitFor({ state: 'visible' });
    await settled(page);
    await shot(page, 'dark-consolidation', 'Consolidation in dark mode');
    await gotoView(page, 'manage');
    await page.locator('#conflicts .conflict').first().waitFor({ state: 'visible' });
    await shot(page, 'dark-manage', 'Manage with an unresolved conflict in dark mode');
    await gotoView(page, 'settings');
    await page.locator('#backup-facts').waitFor({ state: 'visible' });
    await settled(page);
    await shot(page, 'dark-settings', 'Settings in dark mode');
    await page.keyboard.press('?');
    await page.locator('#dlg-help[open]').waitFor({ state: 'visible' });
    await shot(page, 'dark-help', 'The keyboard shortcuts dialog in dark mode');
    await context.close();
  });

  await check('9. every request the pages made went to the server\'s origin', async () => {
    assert(record.requests.length > 50, `only ${record.requests.length} requests were recorded`);
    const foreign = record.requests.filter((u) => {
      try {
        return new URL(u).origin !== origin;
      } catch {
        return true;
      }
    });
    assert(foreign.length === 0, `requests to other origins: ${[...new Set(foreign)].slice(0, 10).join(', ')}`);
  });

  await check('no CSP violation, script error or JavaScript dialog on any page', async () => {
    assert(record.cspViolations.length === 0, `${record.cspViolations.length} CSP violations, e.g. ${record.cspViolations.slice(0, 3).map((v) => v.slice(0, 160)).join(' | ')}`);
    assert(record.pageErrors.length === 0, `script errors: ${record.pageErrors.slice(0, 5).join(' | ')}`);
    assert(record.dialogs.length === 0, `dialogs: ${record.dialogs.join(' | ')}`);
  });
}

let crashed = null;
try {
  await main();
} catch (err) {
  crashed = err;
} finally {
  await browser?.close().catch(() => {});
}
console.log(`\nScreenshots (${cfg.shots}):`);
for (const s of screenshots()) console.log(`  ${s.file.split('/').pop()}: ${s.what}`);
const failed = results.filter((r) => !r.ok);
console.log(`\nbrowser suite: ${results.length - failed.length} passed, ${failed.length} failed`);
for (const r of failed) console.log(`  FAILED: ${r.name}\n    ${r.err?.stack?.split('\n').slice(0, 4).join('\n    ') || r.err}`);
if (crashed) {
  console.log(`browser suite: crashed: ${crashed?.stack || crashed}`);
  process.exit(1);
}
process.exit(failed.length ? 1 : 0);

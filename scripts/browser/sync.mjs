// The Settings sync panel in real headless Chromium, against a daemon with
// the hybrid backend syncing to the Cloudflare emulator
// (scripts/browser/cfemu): the state with its figures, live updates from
// sync events when another client syncs, "Sync now", pause and resume for
// an admin, and a read key that may look but not act. Run by
// scripts/e2e-browser.sh.
import { cfg, record, assert, launch, open, shot, shotOf, origin, rest, gotoView, waitHeading, login, settled } from './lib.mjs';

// fact reads the value of a fact (dt → dd) in the sync panel.
function fact(page, label) {
  return page.evaluate((l) => {
    const dt = [...document.querySelectorAll('#sync-facts dt')].find((x) => x.textContent === l);
    return dt?.nextElementSibling?.textContent ?? null;
  }, label);
}

const browser = await launch();
let failed = false;
try {
  const { context, page } = await open(browser);
  await login(page, cfg.adminKey);
  await page.locator('#live.on').waitFor({ state: 'visible' });
  await gotoView(page, 'settings');
  await waitHeading(page, 'Settings');
  await page.locator('#sync-facts .badge', { hasText: 'synced' }).waitFor({ state: 'visible' });
  await settled(page);
  assert(await page.locator('#sync-unavailable').count() === 0, 'the hybrid server is said not to sync');
  // Another client stores and forces a sync: the open panel follows the
  // sync events without a reload.
  const before = Number(await fact(page, 'Pushed'));
  assert(Number.isInteger(before), `the panel shows no pushed figure: ${before}`);
  const stored = await rest('POST', '/api/memories', { content: 'Synced while the dashboard watches ' + Date.now(), tags: ['e2e-sync'] });
  assert(stored.status === 200 && stored.data.success, `store: HTTP ${stored.status}`);
  const forced = await rest('POST', '/api/sync/force');
  assert(forced.status === 200 && forced.data.success, `force: ${JSON.stringify(forced.data)}`);
  await page.waitForFunction((n) => {
    const dt = [...document.querySelectorAll('#sync-facts dt')].find((x) => x.textContent === 'Pushed');
    return Number(dt?.nextElementSibling?.textContent) > n;
  }, before, { timeout: 15000 });
  // Sync now from the page.
  await page.click('#sync-now');
  await page.locator('#sync-result', { hasText: 'Sync completed' }).waitFor({ state: 'visible' });
  // Pause and resume (admin).
  await page.click('#sync-pause');
  await page.locator('#sync-facts .badge', { hasText: 'paused' }).waitFor({ state: 'visible' });
  let st = await rest('GET', '/api/sync/status');
  assert(st.data.is_paused === true, 'pausing from the page did not pause sync');
  await page.locator('#sync-resume').waitFor({ state: 'visible' });
  await shotOf(page, '#sync-panel', 'settings-sync-paused', 'Settings: hybrid sync paused by an admin');
  await page.click('#sync-resume');
  await page.locator('#sync-pause').waitFor({ state: 'visible' });
  st = await rest('GET', '/api/sync/status');
  assert(st.data.is_paused === false, 'resuming from the page did not resume sync');
  await page.locator('#sync-facts .badge', { hasText: 'paused' }).waitFor({ state: 'detached' });
  await shotOf(page, '#sync-panel', 'settings-sync', 'Settings: hybrid sync with its figures, "Sync now", pause');
  await context.close();

  // A read key sees its own pending changes, and no control it may not use.
  const reader = await open(browser, { width: 375, height: 740, colorScheme: 'dark' });
  await login(reader.page, cfg.readKey);
  await gotoView(reader.page, 'settings');
  await reader.page.locator('#sync-facts').waitFor({ state: 'visible' });
  await settled(reader.page);
  assert(await reader.page.locator('#sync-pause, #sync-resume').count() === 0, 'a read key is offered pause or resume');
  assert(await reader.page.isDisabled('#sync-now'), 'a read key may force a sync');
  assert(await fact(reader.page, 'Pushed') === null, 'a read key sees the totals of every user');
  await shot(reader.page, 'phone-dark-settings-sync', 'Settings of a read key on a hybrid server, 375 px, dark');
  await reader.context.close();
  const foreign = record.requests.filter((u) => new URL(u).origin !== origin);
  assert(foreign.length === 0, `requests to other origins: ${foreign.join(', ')}`);
  console.log('PASS sync panel on a hybrid server: figures, live sync events, sync now, pause and resume, read key');
} catch (err) {
  failed = true;
  console.log(`FAIL sync panel: ${err?.message || err}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);

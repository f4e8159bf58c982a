// The dashboard on a server whose backend lacks the curation features
// (the cloudflare backend: no graph, consolidation, archive or local
// backups; no sync), in real headless Chromium: every panel says plainly
// that its feature is not available, offers nothing that cannot work, and
// no page breaks. Run by scripts/e2e-browser.sh against a daemon with
// MCP_MEMORY_STORAGE_BACKEND=cloudflare and the Cloudflare emulator.
import { cfg, record, assert, launch, open, shot, origin, rest, gotoView, waitHeading, login, settled } from './lib.mjs';

const browser = await launch();
let failed = false;
try {
  const stored = await rest('POST', '/api/memories', { content: 'A memory on a server without consolidation', tags: ['e2e-cloud'] });
  assert(stored.status === 200 && stored.data.success, `store: HTTP ${stored.status} ${JSON.stringify(stored.data)}`);
  const hash = stored.data.content_hash;
  const { context, page } = await open(browser);
  await login(page, cfg.adminKey);

  await gotoView(page, 'graph');
  await waitHeading(page, 'Graph');
  await page.locator('#graph-unavailable', { hasText: 'not available on this server' }).waitFor({ state: 'visible' });
  assert(await page.locator('#graph-run').count() === 0, 'the graph offers to run consolidation where it cannot');
  await shot(page, 'unavailable-graph', 'Graph on a server without the associations graph (cloudflare backend)');
  await page.click('#graph-tags');
  await page.locator('#graph-fallback').waitFor({ state: 'visible' });
  await page.locator('#graph svg .node').first().waitFor({ state: 'visible' });

  await gotoView(page, 'consolidation');
  await waitHeading(page, 'Consolidation');
  await settled(page);
  for (const id of ['#consolidation-status', '#consolidation-advice', '#consolidation-history', '#archive']) {
    await page.locator(`${id} [data-unavailable]`, { hasText: 'not available on this server' }).waitFor({ state: 'visible' });
  }
  assert(await page.isDisabled('#consolidation-form button[type=submit]'), 'a pass can be started where consolidation is not available');
  await shot(page, 'unavailable-consolidation', 'Consolidation on a server without it: each panel says so, nothing can be started');

  await gotoView(page, 'manage');
  await waitHeading(page, 'Manage');
  await page.locator('#conflicts .notice', { hasText: 'not available on this server' }).waitFor({ state: 'visible' });

  await page.goto(`${cfg.base}/#/memory/${hash}`);
  await waitHeading(page, 'Memory');
  await page.locator('#quality-info dl').waitFor({ state: 'visible' });
  await page.locator('#connections .notice', { hasText: 'not available on this server' }).waitFor({ state: 'visible' });
  await page.locator('#suggestions .notice', { hasText: 'not available on this server' }).waitFor({ state: 'visible' });

  await gotoView(page, 'settings');
  await waitHeading(page, 'Settings');
  await page.locator('#backup-unavailable', { hasText: 'D1' }).waitFor({ state: 'visible' });
  assert(!(await page.locator('#backup-now').isVisible()), '"Back up now" is offered where backups are not available');
  await page.locator('#sync-unavailable').waitFor({ state: 'visible' });
  await page.locator('#settings-consolidation .notice', { hasText: 'not available on this server' }).waitFor({ state: 'visible' });
  await settled(page);
  await shot(page, 'unavailable-settings', 'Settings on the cloudflare backend: backups are D1\'s job, no sync, no consolidation');
  // Export works on every backend.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-btn')]);
  assert(/^memories-.+\.jsonl$/.test(dl.suggestedFilename()), `the export is named ${dl.suggestedFilename()}`);
  await context.close();
  assert(record.pageErrors.length === 0, `script errors: ${record.pageErrors.join(' | ')}`);
  assert(record.cspViolations.length === 0, `CSP violations: ${record.cspViolations.join(' | ')}`);
  const foreign = record.requests.filter((u) => new URL(u).origin !== origin);
  assert(foreign.length === 0, `requests to other origins: ${foreign.join(', ')}`);
  console.log('PASS features off on the cloudflare backend: graph, consolidation, archive, conflicts, backups and sync each say so');
} catch (err) {
  failed = true;
  console.log(`FAIL features off on the cloudflare backend: ${err?.message || err}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);

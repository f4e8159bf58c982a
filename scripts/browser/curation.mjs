// The browser suite's checks of curation and operations: the graph of
// associations after a real consolidation pass, memory detail (quality,
// connections), conflicts, consolidation (dry run, pause, archive and
// restore), backups, sync, export and the quality analytics. suite.mjs
// runs them with its check runner; seeded (from suite.mjs) gets the hashes
// of the pair linked by a "fixes" edge as seeded.curation.
import fs from 'node:fs';
import {
  cfg, record, assert, rand, open, shot, shotOf, rest, store, count, gotoView, waitHeading, login, visibleError, settled,
} from './lib.mjs';

// Pairs that consolidation links with typed edges under the built-in
// embedder: a solution stored after an error ("fixes"), turns of one
// conversation ("follows"). Their similarity sits in the association band.
const ERROR = 'The Kafka consumer crashes with an out of memory error while rebalancing partitions';
const FIX = 'Fixed the Kafka consumer crash: a bigger heap and smaller fetch batches';
const THREADS = [
  ['Thread about the billing warehouse: exports were slow last night', 'Thread about the billing warehouse: we moved the exports to 03:00 UTC'],
  ['Office move: the movers come on Monday morning to pack the second floor', 'Office move: new desks and chairs arrive one week after the movers'],
];
// A conflict: the same words, saying the opposite.
const CONFLICT = ['The backups run at two, not at four', 'The backups run at four, not at two'];
const CONFLICT2 = ['The release train leaves on Monday, not on Friday', 'The release train leaves on Friday, not on Monday'];

async function graphCounts() {
  const r = await rest('GET', '/api/analytics/graph-visualization?limit=100&min_connections=1');
  assert(r.status === 200, `graph-visualization: HTTP ${r.status}`);
  const byType = {};
  for (const e of r.data.edges) byType[e.relationship_type] = (byType[e.relationship_type] || 0) + 1;
  return { view: r.data, byType };
}

// earlyChecks run right after the login check, before any search: a
// search counts the memories it returns as used, and the archive check
// needs the seeded temporary memories unused.
export async function earlyChecks({ browser, check, seeded }) {
  await check('12. graph: with no associations it offers consolidation; a real pass run from there draws typed edges with a legend that filters; a pass elsewhere is announced live; a node opens its memory', async () => {
    const err = await store(ERROR, ['kafka', 'incident'], { memory_type: 'error' });
    const fix = await store(FIX, ['kafka'], { memory_type: 'note' });
    for (const [i, [a, b]] of THREADS.entries()) {
      const conversation_id = `e2e-thread-${i}-${rand()}`;
      await store(a, ['e2e-thread'], { conversation_id });
      await store(b, ['e2e-thread'], { conversation_id });
    }
    seeded.curation = { err, fix };
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await gotoView(page, 'graph');
    await waitHeading(page, 'Graph');
    await page.locator('#graph-empty').waitFor({ state: 'visible' });
    await shot(page, 'graph-empty', 'Graph before any association: the offer to run consolidation or fall back to shared tags');
    await page.click('#graph-run');
    await page.locator('#graph svg line.edge').first().waitFor({ state: 'visible', timeout: 60000 });
    await settled(page);
    const { view, byType } = await graphCounts();
    const types = Object.keys(byType);
    assert(byType.related > 0, `no related edge after the pass: ${JSON.stringify(byType)}`);
    assert(byType.fixes > 0 || byType.follows > 0, `no typed (fixes or follows) edge after the pass: ${JSON.stringify(byType)}`);
    for (const t of types) {
      const n = await page.locator(`#graph svg line.edge.rel-${t}`).count();
      assert(n === byType[t], `the graph draws ${n} ${t} edges, the API has ${byType[t]}`);
      assert(await page.locator(`#graph-filter input[value="${t}"]`).count() === 1, `the legend lacks ${t}`);
    }
    assert(await page.locator('#graph svg g.node').count() === view.nodes.length, 'the graph does not draw every node');
    await shot(page, 'graph-associations', `Graph of associations after a real pass: ${types.map((t) => `${byType[t]} ${t}`).join(', ')}`);
    // The legend filters.
    const related = page.locator('#graph svg line.edge.rel-related').first();
    await page.uncheck('#graph-filter input[value="related"]');
    assert(!(await related.isVisible()), 'unchecking related left related edges visible');
    await page.check('#graph-filter input[value="related"]');
    assert(await related.isVisible(), 'checking related again did not show them');
    // Bad input: nothing happens but an error.
    const url = page.url();
    await page.fill('form.graph-form input[name=min_connections]', '-3');
    await page.click('form.graph-form button[type=submit]');
    await visibleError(page, 'form.graph-form', /whole number from 0 to 1000/);
    assert(page.url() === url, `a bad minimum navigated to ${page.url()}`);
    // A pass finished elsewhere is announced live, with a redraw.
    await page.locator('#live.on').waitFor({ state: 'visible' });
    const daily = await rest('POST', '/api/consolidation/run', { time_horizon: 'daily' });
    assert(daily.status === 200 && daily.data.status === 'completed', `daily pass: ${JSON.stringify(daily.data).slice(0, 200)}`);
    await page.locator('#graph-changed').waitFor({ state: 'visible', timeout: 15000 });
    await page.click('#graph-changed button');
    await page.locator('#graph svg line.edge').first().waitFor({ state: 'visible' });
    assert(!(await page.locator('#graph-changed').isVisible()), 'the change notice stays after a redraw');
    // A node opens its memory, by keyboard too.
    const node = view.nodes.find((n) => n.id === fix) ? fix : view.nodes[0].id;
    await page.locator(`#graph svg g.node[data-hash="${node}"]`).focus();
    await page.keyboard.press('Enter');
    await waitHeading(page, 'Memory');
    assert(page.url().endsWith('#/memory/' + node), `Enter on a node opened ${page.url()}`);
    await page.goBack();
    await page.locator(`#graph svg g.node[data-hash="${node}"] circle`).click();
    await waitHeading(page, 'Memory');
    await context.close();
  });

  await consolidationChecks({ browser, check });
}

export async function curationChecks({ browser, check, seeded }) {
  await check('15. memory detail: quality with its parts and rating history; connected memories with relation types; suggested links', async () => {
    const { fix, err } = seeded.curation || {};
    assert(fix && err, 'the graph check did not seed its memories');
    const { view } = await graphCounts();
    const fixes = view.edges.find((e) => e.relationship_type === 'fixes' && e.source === fix && e.target === err);
    const anyEdge = view.edges.find((e) => e.source === fix || e.target === fix);
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await page.goto(`${cfg.base}/#/memory/${fix}`);
    await waitHeading(page, 'Memory');
    await page.locator('#quality-info dl').waitFor({ state: 'visible' });
    await page.locator('#quality-info', { hasText: 'No ratings yet.' }).waitFor({ state: 'visible' });
    assert(/\d\.\d\d/.test((await page.textContent('#quality-effective')) || ''), 'the effective score is not shown');
    const note = 'e2e: this solved the crash ' + rand();
    await page.fill('main input[name=feedback]', note);
    await page.click('button[aria-label="Rate useful"]');
    await page.locator('#quality-info .rating-history li', { hasText: note }).waitFor({ state: 'visible' });
    assert(((await page.textContent('#quality-info .rating-history li')) || '').includes('useful'), 'the rating history does not say useful');
    const q = await rest('GET', `/api/quality/memories/${fix}`);
    assert(q.data.rating_history.length === 1 && q.data.user_feedback === note && q.data.quality_score > 0.5, `quality after rating: ${JSON.stringify(q.data)}`);
    await page.locator('#connections h3, #connections p').first().waitFor({ state: 'visible' });
    if (anyEdge) {
      const other = anyEdge.source === fix ? anyEdge.target : anyEdge.source;
      await page.locator(`#connections a[href="#/memory/${other}"]`).waitFor({ state: 'visible' });
    }
    if (fixes) {
      await page.locator(`#connections li[data-hash="${err}"] .badge.rel-fixes`, { hasText: 'this fixes it' }).waitFor({ state: 'visible' });
    }
    await page.locator('#suggestions li, #suggestions p').first().waitFor({ state: 'visible' });
    await settled(page);
    await shot(page, 'detail-quality', 'Memory detail: quality parts and rating history, rate with feedback, connected memories with relation types, suggested links');
    await shotOf(page, '#quality-info', 'detail-quality-panel', 'The quality panel of a rated memory');
    await context.close();
  });

  await check('16. conflicts: two memories that contradict each other appear live in Manage side by side; "Keep this one" resolves', async () => {
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await gotoView(page, 'manage');
    await waitHeading(page, 'Manage');
    await page.locator('#live.on').waitFor({ state: 'visible' });
    await settled(page);
    const a = await store(CONFLICT[0], ['e2e-conflict']);
    const b = await store(CONFLICT[1], ['e2e-conflict']);
    const item = page.locator('#conflicts .conflict', { hasText: CONFLICT[1] });
    await item.waitFor({ state: 'visible', timeout: 15000 }); // live: conflict_detected, no reload
    for (const c of CONFLICT) await item.locator('.conflict-content', { hasText: c }).waitFor({ state: 'visible' });
    await shot(page, 'conflicts', 'Manage: a conflict, both memories side by side with "Keep this one"');
    await item.locator('.conflict-side', { hasText: CONFLICT[0] }).locator('button[data-action=keep]').click();
    await page.locator('#dlg-confirm[open]').waitFor({ state: 'visible' });
    await page.click('#dlg-confirm button[data-action=confirm]');
    await item.waitFor({ state: 'detached' });
    const cs = await rest('GET', '/api/conflicts');
    assert(!cs.data.conflicts.some((c) => [c.hash_a, c.hash_b].includes(a)), `the conflict is still listed: ${JSON.stringify(cs.data)}`);
    const loser = await rest('GET', '/api/memories/' + b);
    assert(loser.status === 200 && loser.data.superseded_by === a, `the other memory is not superseded by the kept one: ${JSON.stringify(loser.data)}`);
    await context.close();
  });

  await check('17. settings: an admin backs up now and sees it listed; sync says plainly it is not available; export downloads a file whose lines parse', async () => {
    const listBefore = (await rest('GET', '/api/backup/list')).data.total_count;
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await gotoView(page, 'settings');
    await waitHeading(page, 'Settings');
    await page.locator('#backup-facts').waitFor({ state: 'visible' });
    await page.locator('table.backups').waitFor({ state: 'visible' });
    await page.click('#backup-now');
    const result = page.locator('#backup-result', { hasText: 'Backed up to memory_backup_' });
    await result.waitFor({ state: 'visible', timeout: 60000 });
    const file = /memory_backup_[0-9_]+\.db/.exec((await result.textContent()) || '')?.[0];
    assert(file, 'the backup result names no file');
    await page.locator('table.backups td', { hasText: file }).waitFor({ state: 'visible' });
    const list = await rest('GET', '/api/backup/list');
    assert(list.data.total_count === listBefore + 1 && list.data.backups[0].filename === file, `backup list after backing up: ${JSON.stringify(list.data).slice(0, 300)}`);
    await page.locator('#sync-unavailable', { hasText: 'does not sync' }).waitFor({ state: 'visible' });
    assert(!(await page.locator('#sync-now').isVisible()), 'a sync button is offered without sync');
    await page.locator('#settings-consolidation dl').waitFor({ state: 'visible' });
    await shotOf(page, '#backup-panel', 'settings-backup', 'Settings: the backup panel after "Back up now", with the list');
    // Export: fetched with the session cookie, saved from a Blob.
    const first = record.requests.length;
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-btn')]);
    const name = dl.suggestedFilename();
    assert(/^memories-.+\.jsonl$/.test(name), `the download is named ${name}`);
    const lines = fs.readFileSync(await dl.path(), 'utf8').split('\n').filter(Boolean).map((l, i) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`line ${i + 1} of the export does not parse: ${l.slice(0, 100)}`);
      }
    });
    const mems = lines.slice(1, -1);
    assert(lines[0].format === 'mcp-memory-export' && lines.at(-1).end_of_export === true && lines.at(-1).count === mems.length, `export header/end: ${JSON.stringify([lines[0], lines.at(-1)])}`);
    assert(mems.length >= (await count()) && mems.every((m) => typeof m.content === 'string' && m.content_hash), `the export has ${mems.length} memory lines`);
    await page.locator('#export-status', { hasText: name }).waitFor({ state: 'visible' });
    const leaked = record.requests.slice(first).filter((u) => /[?&](key|api_key|token|ticket|session)=|mms_/i.test(u));
    assert(leaked.length === 0, `a request carries a secret in its URL: ${leaked.join(', ')}`);
    await context.close();
  });

  await check('18. a read key: backup status only, sync state, consolidation and conflicts shown but not changeable', async () => {
    for (const c of CONFLICT2) await store(c, ['e2e-conflict']);
    const first = record.requests.length;
    const { context, page } = await open(browser);
    await login(page, cfg.readKey);
    await gotoView(page, 'settings');
    await waitHeading(page, 'Settings');
    await page.locator('#backup-facts').waitFor({ state: 'visible' });
    await page.locator('#backup-admin-note').waitFor({ state: 'visible' });
    await page.locator('#sync-unavailable').waitFor({ state: 'visible' });
    await settled(page);
    assert(await page.locator('#backup-now').count() === 0 && await page.locator('table.backups').count() === 0, 'a read key is offered backups');
    assert(!((await page.textContent('#backup-facts')) || '').includes('Directory'), 'a read key sees the backup directory');
    await shot(page, 'settings-read', 'Settings for a read key: backup status only, sync, consolidation, export');
    await gotoView(page, 'consolidation');
    await waitHeading(page, 'Consolidation');
    await page.locator('#consolidation-facts').waitFor({ state: 'visible' });
    assert(await page.isDisabled('#consolidation-form button[type=submit]'), 'a read key may run consolidation');
    await page.locator('#consolidation-form .read-only-note').waitFor({ state: 'visible' });
    await gotoView(page, 'manage');
    const item = page.locator('#conflicts .conflict', { hasText: CONFLICT2[0] });
    await item.waitFor({ state: 'visible' });
    assert(await item.locator('button[data-action=keep]').first().isDisabled(), 'a read key may resolve a conflict');
    await context.close();
    const adminOnly = record.requests.slice(first).filter((u) => /\/api\/(backup\/list|backup\/now|keys)/.test(u));
    assert(adminOnly.length === 0, `the read key's pages asked for admin routes: ${adminOnly.join(', ')}`);
  });

  await check('19. analytics: quality distribution and trend drawn locally', async () => {
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await gotoView(page, 'analytics');
    await waitHeading(page, 'Analytics');
    await page.locator('#quality-dist svg').first().waitFor({ state: 'visible' });
    assert(await page.locator('#quality-dist svg rect.bar').count() === 3, 'the quality chart does not have three bands');
    assert(await page.locator('#quality-dist .quality-top li').count() > 0, 'no best memories listed');
    await page.locator('#quality-trend svg .trend-day').first().waitFor({ state: 'visible' });
    const d = await rest('GET', '/api/quality/distribution');
    const text = (await page.textContent('#quality-dist')) || '';
    assert(text.includes(`${d.data.total_memories} memories`) && text.includes(`${d.data.high_quality_count} high`), `the distribution text disagrees with the API: ${text.slice(0, 200)}`);
    await page.selectOption('#main select[name=days]', '7');
    await page.locator('#quality-trend svg[aria-label*="last 7 days"]').waitFor({ state: 'visible' });
    await shotOf(page, '#quality-dist', 'analytics-quality', 'Analytics: quality bands, where scores come from, best and worst');
    await shotOf(page, '#quality-trend', 'analytics-quality-trend', 'Analytics: average quality per day with the lowest and highest');
    await context.close();
  });
}

async function consolidationChecks({ browser, check }) {
  await check('13. consolidation: a dry run shows the report of every phase and changes nothing; a horizon pauses and resumes', async () => {
    const before = {
      count: await count(), rel: JSON.stringify((await rest('GET', '/api/analytics/relationship-types')).data),
      runs: (await rest('GET', '/api/consolidation/history')).data.count, archived: (await rest('GET', '/api/consolidation/archive')).data.total,
    };
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await gotoView(page, 'consolidation');
    await waitHeading(page, 'Consolidation');
    await settled(page);
    await page.selectOption('#consolidation-form select[name=time_horizon]', 'monthly');
    assert(await page.isChecked('#consolidation-form input[name=dry_run]'), 'dry run is not the default');
    await page.click('#consolidation-form button[type=submit]');
    const report = page.locator('#consolidation-report .report');
    await report.waitFor({ state: 'visible' });
    assert(((await report.textContent()) || '').includes('Dry run: nothing was changed'), 'the report does not say it was a dry run');
    for (const ph of ['associations', 'decay', 'clustering', 'compression', 'forgetting']) {
      assert(await report.locator(`.report-phase[data-phase="${ph}"]`).count() === 1, `the report lacks the ${ph} phase`);
    }
    const forgetting = (await report.locator('.report-phase[data-phase="forgetting"]').textContent()) || '';
    assert(/would be archived/.test(forgetting) && forgetting.includes('Temporary e2e note'), `the dry run does not name the stale temporary memories: ${forgetting}`);
    await shot(page, 'consolidation-dry-run', 'Consolidation: the report of a monthly dry run, phase by phase');
    const after = {
      count: await count(), rel: JSON.stringify((await rest('GET', '/api/analytics/relationship-types')).data),
      runs: (await rest('GET', '/api/consolidation/history')).data.count, archived: (await rest('GET', '/api/consolidation/archive')).data.total,
    };
    assert(JSON.stringify(after) === JSON.stringify(before), `a dry run changed something: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    // Pause and resume the daily passes.
    const row = page.locator('table.schedules tr[data-horizon="daily"]');
    await row.locator('button', { hasText: 'Pause' }).click();
    await row.locator('.sched-state', { hasText: 'paused since' }).waitFor({ state: 'visible' });
    let st = await rest('GET', '/api/consolidation/status');
    assert(st.data.schedules.find((x) => x.time_horizon === 'daily')?.paused_at, 'the daily horizon is not paused');
    await row.locator('button', { hasText: 'Resume' }).click();
    await row.locator('button', { hasText: 'Pause' }).waitFor({ state: 'visible' });
    st = await rest('GET', '/api/consolidation/status');
    assert(!st.data.schedules.find((x) => x.time_horizon === 'daily')?.paused_at, 'the daily horizon is still paused');
    await context.close();
  });

  await check('14. consolidation: a real monthly pass archives the stale temporary memories (live), restore brings one back', async () => {
    const { context, page } = await open(browser);
    await login(page, cfg.adminKey);
    await gotoView(page, 'consolidation');
    await waitHeading(page, 'Consolidation');
    await page.locator('#live.on').waitFor({ state: 'visible' });
    await settled(page);
    assert(await page.locator('#archive .archived').count() === 0, 'the archive is not empty before the pass');
    await page.selectOption('#consolidation-form select[name=time_horizon]', 'monthly');
    await page.uncheck('#consolidation-form input[name=dry_run]');
    await page.click('#consolidation-form button[type=submit]');
    await page.locator('#dlg-confirm[open]').waitFor({ state: 'visible' });
    await page.click('#dlg-confirm button[data-action=confirm]');
    await page.locator('#consolidation-report .report[data-status="completed"]').waitFor({ state: 'visible', timeout: 60000 });
    await page.locator('#archive .archived', { hasText: 'Temporary e2e note' }).first().waitFor({ state: 'visible', timeout: 15000 });
    assert(await page.locator('#archive .archived', { hasText: 'Temporary e2e note' }).count() === 2, 'the archive does not list both temporary memories');
    await page.locator('#consolidation-history .run', { hasText: 'monthly' }).first().waitFor({ state: 'visible' });
    await page.locator('#consolidation-facts', { hasText: 'Archived memories' }).waitFor({ state: 'visible' });
    await shot(page, 'consolidation-archive', 'Consolidation after a monthly pass: its report, the history and the archive with reasons');
    // Nothing selected: an error, nothing restored.
    await page.click('#restore-selected');
    await visibleError(page, '#archive-panel', /select/i);
    const item = page.locator('#archive .archived', { hasText: 'hotel wifi' });
    const hash = await item.getAttribute('data-hash');
    assert((await rest('GET', '/api/memories/' + hash)).status === 404, 'an archived memory is still readable');
    await item.locator('button[data-action=restore]').click();
    await item.waitFor({ state: 'detached' });
    const back = await rest('GET', '/api/memories/' + hash);
    assert(back.status === 200 && back.data.content.includes('hotel wifi'), `the restored memory is not back: HTTP ${back.status}`);
    assert(await page.locator('#archive .archived', { hasText: 'parking' }).count() === 1, 'the other archived memory was restored too');
    await context.close();
  });
}

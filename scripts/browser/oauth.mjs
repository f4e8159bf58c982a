// The dashboard's login through OAuth 2.1 (issue: users and OAuth), in real
// headless Chromium: "Log in with your account" → the authorization
// server's login and consent page → back on the dashboard as that user,
// with only a session cookie in the browser. Run by scripts/e2e-browser.sh
// against a daemon with MCP_OAUTH_ENABLED=true and the user OAUTH_USER.
import { cfg, record, assert, launch, open, shot, waitHeading, origin } from './lib.mjs';

const user = process.env.OAUTH_USER;
const password = process.env.OAUTH_PASSWORD;
const browser = await launch();
let failed = false;
try {
  const { context, page } = await open(browser);
  await page.goto(cfg.base + '/');
  await page.locator('#oauth-login').waitFor({ state: 'visible' });
  await shot(page, 'oauth-login', 'the login form with "Log in with your account" (OAuth on)');
  await page.click('#oauth-login');
  await page.locator('input[name=username]').waitFor({ state: 'visible' });
  await shot(page, 'oauth-consent', 'the authorization server\'s login and consent page');
  // A wrong password first: the page says so and issues nothing.
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', 'not the password at all');
  await page.click('button[value=approve]');
  await page.locator('input[name=password]').waitFor({ state: 'visible' });
  assert((await page.content()).match(/wrong|incorrect|invalid/i), 'a wrong password is not reported on the consent page');
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[value=approve]');
  await waitHeading(page, 'Overview');
  const who = (await page.textContent('#who')) || '';
  assert(who.includes(user) || who.includes('Dashboard'), `logged in as "${who}", want ${user}`);
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert(!/eyJ[\w-]+\.[\w-]+\./.test(storage), 'a token is in Web Storage');
  const cookies = await context.cookies();
  assert(cookies.every((c) => !/eyJ[\w-]+\.[\w-]+\./.test(c.value)), 'a cookie holds a token');
  assert(cookies.some((c) => c.name.endsWith('mms_session') && c.httpOnly), 'no HttpOnly session cookie');
  const session = await page.evaluate(async () => (await fetch('/api/session')).json());
  assert(session.principal?.owner === user, `the session belongs to ${session.principal?.owner}, want ${user}`);
  await shot(page, 'oauth-overview', 'the overview after logging in with an account');
  const foreign = record.requests.filter((u) => new URL(u).origin !== origin);
  assert(foreign.length === 0, `requests to other origins: ${foreign.join(', ')}`);
  console.log('PASS OAuth login: account, consent, session cookie only');
} catch (err) {
  failed = true;
  console.log(`FAIL OAuth login: ${err?.message || err}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);

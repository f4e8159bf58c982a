// The OAuth 2.1 flow end to end with the TypeScript MCP SDK's own OAuth
// client: discovery from the 401 challenge, dynamic client registration,
// authorization with PKCE (the login form posted as a browser would), the
// token exchange, tool calls on /mcp, refresh-token rotation, and the
// revocation of the whole grant when a rotated refresh token is replayed.
//
// Usage: node flow.mjs BASE_URL USER PASSWORD   (run by scripts/e2e-http.sh)
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  UnauthorizedError, discoverAuthorizationServerMetadata, refreshAuthorization,
} from '@modelcontextprotocol/sdk/client/auth.js';

const [base, user, password] = process.argv.slice(2);
const mcpURL = new URL(base + '/mcp');
let passed = 0;
const check = (name, ok, detail = '') => {
  if (!ok) { console.error(`oauth-flow: FAIL: ${name} ${detail}`); process.exit(1); }
  passed++;
};

// The SDK's OAuthClientProvider contract, kept in memory.
class Provider {
  constructor() { this.saved = {}; }
  get redirectUrl() { return 'http://127.0.0.1:53682/callback'; }
  get clientMetadata() {
    return {
      client_name: 'e2e TypeScript SDK client', redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
      token_endpoint_auth_method: 'none', scope: 'read write offline_access',
    };
  }
  clientInformation() { return this.saved.client; }
  saveClientInformation(c) { this.saved.client = c; }
  tokens() { return this.saved.tokens; }
  saveTokens(t) { this.saved.tokens = t; }
  saveCodeVerifier(v) { this.saved.verifier = v; }
  codeVerifier() { return this.saved.verifier; }
  redirectToAuthorization(url) { this.authURL = url; }
}

// login plays the browser on the consent page: GET it, post the form with
// the password and "approve", and return the code from the redirect.
async function login(authURL) {
  const page = await fetch(authURL, { redirect: 'manual' });
  check('authorize page', page.status === 200, `HTTP ${page.status}`);
  const html = await page.text();
  const cookies = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const field = (name) => (html.match(new RegExp(`name="${name}" value="([^"]*)"`)) || [])[1];
  const action = new URL((html.match(/<form method="post" action="([^"]*)"/) || [])[1].replaceAll('&amp;', '&'), authURL);
  check('consent page asks for the scopes', html.includes('offline_access') && html.includes('write'));
  const form = new URLSearchParams({
    request_id: field('request_id'), csrf_token: field('csrf_token'),
    username: user, password, decision: 'approve',
  });
  for (const s of ['read', 'write', 'offline_access']) form.append('scope', s);
  const res = await fetch(action, {
    method: 'POST', redirect: 'manual', body: form,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookies, Origin: new URL(base).origin },
  });
  check('approve redirects to the client', res.status === 302 || res.status === 303, `HTTP ${res.status}: ${await res.text()}`);
  const back = new URL(res.headers.get('location'));
  check('redirect carries iss (RFC 9207)', back.searchParams.get('iss') !== null);
  check('redirect carries the state', back.searchParams.get('state') === authURL.searchParams.get('state'));
  return back.searchParams.get('code');
}

async function connect(provider) {
  const client = new Client({ name: 'e2e-oauth', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(mcpURL, { authProvider: provider }));
  return client;
}

const provider = new Provider();
// 1. No token: the SDK discovers the server from the 401 challenge, registers
// itself and asks for authorization.
let transport = new StreamableHTTPClientTransport(mcpURL, { authProvider: provider });
try {
  await new Client({ name: 'e2e-oauth', version: '1.0.0' }).connect(transport);
  check('unauthenticated connect refused', false);
} catch (e) {
  check('unauthenticated connect asks for authorization', e instanceof UnauthorizedError, String(e));
}
check('client registered dynamically', !!provider.saved.client?.client_id);
check('PKCE S256 in the authorization request', provider.authURL?.searchParams.get('code_challenge_method') === 'S256');
check('resource indicator sent (RFC 8707)', provider.authURL?.searchParams.get('resource')?.startsWith(base));

// 2. Log in, exchange the code, call tools.
await transport.finishAuth(await login(provider.authURL));
check('tokens received', !!provider.saved.tokens?.access_token && !!provider.saved.tokens?.refresh_token);
let client = await connect(provider);
const tools = await client.listTools();
check('tools/list with an OAuth token', tools.tools.some((t) => t.name === 'memory_store'));
let r = await client.callTool({ name: 'memory_store', arguments: { content: 'stored through OAuth by the TypeScript SDK', tags: ['oauth'] } });
check('memory_store with an OAuth token', !r.isError, JSON.stringify(r));
r = await client.callTool({ name: 'memory_search', arguments: { query: 'TypeScript SDK OAuth' } });
check('memory_search finds it', JSON.stringify(r).includes('stored through OAuth'));
await client.close();

// 3. Refresh: a new pair, the old refresh token rotated out.
const metadata = await discoverAuthorizationServerMetadata(new URL(base));
const first = provider.saved.tokens;
const second = await refreshAuthorization(new URL(metadata.issuer), {
  metadata, clientInformation: provider.saved.client, refreshToken: first.refresh_token, resource: mcpURL,
});
check('refresh gives new tokens', second.access_token !== first.access_token && second.refresh_token !== first.refresh_token);
provider.saveTokens(second);
client = await connect(provider);
check('tools/list with the refreshed token', (await client.listTools()).tools.length > 0);
await client.close();

// 4. Replaying the rotated refresh token fails and revokes the family.
let replay;
try {
  await refreshAuthorization(new URL(metadata.issuer), {
    metadata, clientInformation: provider.saved.client, refreshToken: first.refresh_token, resource: mcpURL,
  });
} catch (e) { replay = e; }
check('replayed refresh token refused', replay !== undefined);
const after = await fetch(mcpURL, {
  method: 'POST',
  headers: { Authorization: `Bearer ${second.access_token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
});
check('replay revoked the family\'s access token', after.status === 401, `HTTP ${after.status}`);
check('401 names the resource metadata', (after.headers.get('www-authenticate') || '').includes('resource_metadata='));
console.log(`oauth-flow: ${passed} checks passed`);

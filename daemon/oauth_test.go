package daemon_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/daemon"
	"github.com/mcp-memory-go/memory/oauth"
	"github.com/mcp-memory-go/memory/sqlite"
)

// startOAuth runs a daemon with the authorization server and a user alice.
func startOAuth(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st := sqlite.New(filepath.Join(dir, "m.db"))
	if err := st.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	accounts := &auth.Accounts{Store: st}
	if _, err := accounts.Add(ctx, "alice", auth.RoleUser, "alice's long password"); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	as, err := oauth.New(oauth.Config{Issuer: base, Resource: base + "/mcp", Store: st, Users: accounts, KeyFile: filepath.Join(dir, "keys.json")})
	if err != nil {
		t.Fatal(err)
	}
	d, err := daemon.New(ctx, memory.NewService(st, nil), &auth.Authenticator{Keys: st, Users: accounts}, daemon.Config{OAuth: as, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Serve(sctx, ln) }()
	t.Cleanup(func() { stop(); <-done })
	return base
}

func TestOAuthChallengesAndMetadata(t *testing.T) {
	base := startOAuth(t)
	resp, err := http.Get(base + "/api/memories")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := `resource_metadata="` + base + `/.well-known/oauth-protected-resource"`
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), want) {
		t.Errorf("401 challenge %q, want it to contain %s", resp.Header.Get("WWW-Authenticate"), want)
	}
	// Discovery documents are public, for any origin.
	for _, p := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		req, _ := http.NewRequest("GET", base+p, nil)
		req.Header.Set("Origin", "https://inspector.example.com")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// The wildcard, never with credentials.
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" || !strings.Contains(string(b), base) {
			t.Errorf("%s: %d ACAO %q %s", p, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), b)
		}
	}
	// The rest of the server still refuses foreign origins.
	req, _ := http.NewRequest("GET", base+"/api/health", nil)
	req.Header.Set("Origin", "https://inspector.example.com")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("foreign origin on the API: %d", resp.StatusCode)
		}
	}
}

// TestDashboardLogsInThroughOAuth plays a browser through /login/oauth:
// the server runs the code flow and the browser ends with a session
// cookie, never a token.
func TestDashboardLogsInThroughOAuth(t *testing.T) {
	base := startOAuth(t)
	jar, _ := cookiejar.New(nil)
	var hops []string
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		hops = append(hops, req.URL.String())
		return nil
	}}
	resp, err := c.Get(base + "/login/oauth")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Request.URL.Path, "/oauth/authorize") {
		t.Fatalf("login start ends at %s: %d", resp.Request.URL, resp.StatusCode)
	}
	resp = approve(t, c, base, resp.Request.URL.String(), page, "read", "write")
	if resp.Request.URL.Path != "/api/docs" && resp.Request.URL.Path != "/" {
		t.Fatalf("after consent the browser is at %s (hops %v)", resp.Request.URL, hops)
	}
	for _, h := range hops {
		if strings.Contains(h, "access_token") || strings.Contains(h, "error=") {
			t.Fatalf("redirect %s", h)
		}
	}
	// The session works, as alice, and carries no token to the page.
	resp, err = c.Get(base + "/api/session")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	jwt := regexp.MustCompile(`eyJ[\w-]+\.[\w-]+\.`)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"owner":"alice"`) || jwt.Match(b) {
		t.Fatalf("session after OAuth login: %d %s", resp.StatusCode, b)
	}
	for _, ck := range jar.Cookies(resp.Request.URL) {
		if jwt.MatchString(ck.Value) {
			t.Errorf("cookie %s holds a token", ck.Name)
		}
	}
	// A callback without the login's state cookie is refused.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noFollow.Get(base + "/login/oauth/callback?code=x&state=y&iss=" + url.QueryEscape(base))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/#/login?error=") || resp.Header.Get("Set-Cookie") != "" && strings.Contains(resp.Header.Get("Set-Cookie"), auth.SessionCookie) {
		t.Errorf("forged callback: %d to %q, cookies %q", resp.StatusCode, loc, resp.Header.Values("Set-Cookie"))
	}
}

// approve submits the consent page as alice, approving scopes, from the
// browser c (which holds the page's cookie), and returns the answer.
func approve(t *testing.T, c *http.Client, base, action string, page []byte, scopes ...string) *http.Response {
	t.Helper()
	field := func(name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(string(page))
		if m == nil {
			t.Fatalf("consent page lacks %s", name)
		}
		return m[1]
	}
	form := url.Values{"request_id": {field("request_id")}, "csrf_token": {field("csrf_token")},
		"username": {"alice"}, "password": {"alice's long password"}, "decision": {"approve"}, "scope": scopes}
	req, _ := http.NewRequest("POST", action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// accessToken runs the authorization code flow against the daemon at base
// as a public client would (registration, consent page with alice's
// password, PKCE, token endpoint) and returns the access token granted
// for scope.
func accessToken(t *testing.T, base, scope string) string {
	t.Helper()
	const redirect = "http://127.0.0.1:9/callback"
	resp, err := http.Post(base+"/oauth/register", "application/json",
		strings.NewReader(`{"redirect_uris":["`+redirect+`"],"token_endpoint_auth_method":"none","client_name":"test"}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	if resp.StatusCode != 201 || reg.ClientID == "" {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {redirect}, "scope": {scope},
		"state": {"s"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"resource": {base + "/mcp"}}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = c.Get(base + "/oauth/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp = approve(t, c, base, base+"/oauth/authorize", page, strings.Fields(scope)...)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("consent answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"code_verifier": {verifier}, "redirect_uri": {redirect}, "client_id": {reg.ClientID}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tk struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	json.NewDecoder(resp.Body).Decode(&tk)
	if resp.StatusCode != 200 || tk.AccessToken == "" {
		t.Fatalf("token: %d", resp.StatusCode)
	}
	return tk.AccessToken
}

// TestOAuthAtTheResourceServer: the daemon as an OAuth resource server
// (peers.md §5.3 items 7 and 8): access tokens only in the Authorization
// header, every 401 and 403 pointing at the resource metadata, scopes as
// for API keys, and no way to turn a token into a long-lived session.
func TestOAuthAtTheResourceServer(t *testing.T) {
	base := startOAuth(t)
	read, write := accessToken(t, base, "read"), accessToken(t, base, "read write admin")
	metadata := `resource_metadata="` + base + `/.well-known/oauth-protected-resource"`
	call := func(method, path, token, body string, hdr ...string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	const store = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"memory_store","arguments":{"content":"stored with a token"}}}`
	const list = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"memory_list","arguments":{}}}`
	if code, body, _ := call("POST", "/mcp", read, list); code != 200 || !strings.Contains(body, `"result"`) {
		t.Fatalf("memory_list with a read token: %d %s", code, body)
	}
	if code, body, _ := call("POST", "/mcp", write, store); code != 200 || !strings.Contains(body, "Memory stored") {
		t.Fatalf("memory_store with a write token: %d %s", code, body)
	}
	sig := read[strings.LastIndex(read, ".")+1:]
	tampered := read[:strings.LastIndex(read, ".")+1] + strings.Map(func(r rune) rune {
		if r == 'A' {
			return 'B'
		}
		return 'A'
	}, sig)
	for _, tc := range []struct {
		name, method, path, token, body string
		hdr                             []string
		want                            int
		challenge                       string
	}{
		{"no token", "POST", "/mcp", "", list, nil, 401, metadata},
		{"token in the query string", "POST", "/mcp?access_token=" + read, "", list, nil, 401, metadata},
		{"token in the query string, REST", "GET", "/api/memories?access_token=" + read, "", "", nil, 401, metadata},
		{"token as a ticket", "GET", "/api/events?ticket=" + read, "", "", nil, 401, metadata},
		{"token in X-API-Key", "POST", "/mcp", "", list, []string{"X-API-Key", read}, 401, metadata},
		{"tampered signature", "POST", "/mcp", tampered, list, nil, 401, metadata},
		{"read token writes", "POST", "/mcp", read, store, nil, 403, `error="insufficient_scope", scope="write", ` + metadata},
		{"read token writes over REST", "POST", "/api/memories", read, `{"content":"x"}`, nil, 403, `error="insufficient_scope", scope="write", ` + metadata},
		// alice is no administrator: asking for admin got her write.
		{"user token reads metrics", "GET", "/metrics", write, "", nil, 403, `scope="admin"`},
	} {
		code, body, h := call(tc.method, tc.path, tc.token, tc.body, tc.hdr...)
		if code != tc.want || !strings.Contains(h.Get("WWW-Authenticate"), tc.challenge) {
			t.Errorf("%s: %d %q %.200s; want %d with a challenge containing %s", tc.name, code, h.Get("WWW-Authenticate"), body, tc.want, tc.challenge)
		}
	}
	// An access token cannot be traded for a browser session, which
	// would outlive it.
	if code, body, h := call("POST", "/api/session", "", `{"api_key":"`+write+`"}`); code != 400 || h.Get("Set-Cookie") != "" {
		t.Errorf("login with an access token: %d %s cookies %q", code, body, h.Values("Set-Cookie"))
	}
}

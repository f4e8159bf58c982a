package daemon_test

import (
	"context"
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
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(string(b), base) {
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
	field := func(name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(string(page))
		if m == nil {
			t.Fatalf("consent page lacks %s", name)
		}
		return m[1]
	}
	form := url.Values{"request_id": {field("request_id")}, "csrf_token": {field("csrf_token")},
		"username": {"alice"}, "password": {"alice's long password"}, "decision": {"approve"}, "scope": {"read", "write"}}
	req, _ := http.NewRequest("POST", resp.Request.URL.String(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
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

package oauth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/guard"
	"github.com/mcp-memory-go/memory/oauth"
)

// jwtParts decodes a JWT's header and claims without verifying it.
func jwtParts(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWS", tok)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

func TestFullFlow(t *testing.T) {
	e := newEnv(t)
	c, tk := e.mustFlow()
	if tk.Type != "Bearer" || tk.Access == "" || tk.Refresh == "" || tk.Scope != "read write offline_access" || tk.ExpiresIn != 3600 {
		t.Fatalf("tokens=%+v", tk)
	}
	p, err := e.srv.Verify(context.Background(), tk.Access)
	if err != nil {
		t.Fatalf("Verify()=%v", err)
	}
	want := auth.Principal{Owner: "alice", Scope: "write", KeyID: "oauth:" + c.id, Name: "Test Client"}
	if *p != want {
		t.Errorf("Verify()=%+v, want %+v", *p, want)
	}

	header, claims := jwtParts(t, tk.Access)
	if header["alg"] != "ES256" || header["typ"] != "at+jwt" || header["kid"] == "" {
		t.Errorf("header=%v, want ES256 at+jwt with a kid", header)
	}
	for _, k := range []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "scope", "client_id", "fam"} {
		if _, ok := claims[k]; !ok {
			t.Errorf("claims lack %s: %v", k, claims)
		}
	}
	if claims["iss"] != testIssuer || claims["sub"] != "alice" || claims["client_id"] != c.id {
		t.Errorf("claims=%v", claims)
	}
	if aud, _ := claims["aud"].([]any); len(aud) != 1 || aud[0] != testResource {
		if claims["aud"] != testResource {
			t.Errorf("aud=%v, want %s", claims["aud"], testResource)
		}
	}

	// Refresh: a new pair; the old refresh token is spent.
	e.clock.Add(time.Minute)
	tk2 := mustTokens(t, e.refresh(c, tk.Refresh))
	if tk2.Refresh == "" || tk2.Refresh == tk.Refresh || tk2.Access == tk.Access {
		t.Fatalf("refresh did not rotate: %+v", tk2)
	}
	if _, err := e.srv.Verify(context.Background(), tk2.Access); err != nil {
		t.Fatalf("Verify(refreshed)=%v", err)
	}
	// Narrowing is allowed, widening is not.
	tk3 := mustTokens(t, e.token(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk2.Refresh}, "scope": {"read"}}))
	if tk3.Scope != "read" {
		t.Errorf("narrowed scope=%q, want read", tk3.Scope)
	}
	if p, err := e.srv.Verify(context.Background(), tk3.Access); err != nil || p.Scope != "read" {
		t.Errorf("Verify(narrowed)=%+v, %v; want read", p, err)
	}
	wantOAuthError(t, e.token(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk3.Refresh}, "scope": {"read write admin"}}),
		http.StatusBadRequest, "invalid_scope")

	// Reusing a rotated refresh token revokes the family.
	wantOAuthError(t, e.refresh(c, tk.Refresh), http.StatusBadRequest, "invalid_grant")
	wantOAuthError(t, e.refresh(c, tk3.Refresh), http.StatusBadRequest, "invalid_grant")
	for _, a := range []string{tk.Access, tk2.Access, tk3.Access} {
		e.wantVerifyFails(a)
	}
}

func TestDeny(t *testing.T) {
	e := newEnv(t)
	c := e.publicClient()
	_, challenge := pkce()
	page := e.mustConsent(e.authorize(authParams(c.id, challenge)))
	q := redirectQuery(t, e.submit(page, url.Values{"decision": {"deny"}}))
	if q.Get("error") != "access_denied" || q.Get("state") != "st-123" || q.Get("iss") != testIssuer || q.Has("code") {
		t.Errorf("deny redirect=%v, want access_denied with state and iss, no code", q)
	}
	// The request is answered: submitting again does nothing.
	if w := e.submit(page, approveForm("alice", "alice-pw")); w.Code == http.StatusFound {
		t.Errorf("second answer redirected to %s", w.Header().Get("Location"))
	}
}

func TestWrongPassword(t *testing.T) {
	e := newEnv(t)
	c := e.publicClient()
	_, challenge := pkce()
	page := e.mustConsent(e.authorize(authParams(c.id, challenge)))
	for i := range 4 {
		w := e.submit(page, approveForm("alice", "wrong"))
		if w.Code != http.StatusUnauthorized || w.Header().Get("Location") != "" || !strings.Contains(w.Body.String(), "Wrong user name or password") {
			t.Fatalf("attempt %d: %d Location=%q, want 401 page without redirect", i, w.Code, w.Header().Get("Location"))
		}
		if !strings.Contains(w.Body.String(), `value="alice"`) {
			t.Errorf("the page forgot the user name")
		}
	}
	// The fifth failure ends the request: even the right password no
	// longer gets a code.
	if w := e.submit(page, approveForm("alice", "wrong")); w.Code != http.StatusUnauthorized {
		t.Fatalf("fifth failure: %d", w.Code)
	}
	if w := e.submit(page, approveForm("alice", "alice-pw")); w.Code == http.StatusFound {
		t.Fatalf("after 5 failures the request still issued %s", w.Header().Get("Location"))
	}

	// A locked account sees the lockout message.
	e.users.set("bob", func(u *fakeUser) { u.locked = true })
	page = e.mustConsent(e.authorize(authParams(c.id, challenge)))
	w := e.submit(page, approveForm("bob", "bob-pw"))
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "locked") || w.Header().Get("Location") != "" {
		t.Errorf("locked: %d %s", w.Code, w.Body)
	}
}

func TestUnknownClient(t *testing.T) {
	e := newEnv(t)
	_, challenge := pkce()
	for _, id := range []string{"mmc_unknown", "", "http://example.com/client.json", "https://example.com"} {
		w := e.authorize(authParams(id, challenge))
		if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" || !strings.Contains(w.Header().Get("Content-Type"), "text/html") {
			t.Errorf("client_id %q: %d Location=%q, want a 400 error page", id, w.Code, w.Header().Get("Location"))
		}
	}
	// The token endpoint says invalid_client.
	wantOAuthError(t, e.token(client{id: "mmc_unknown", method: "none"}, url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}),
		http.StatusUnauthorized, "invalid_client")
}

func TestExpiredCode(t *testing.T) {
	e := newEnv(t)
	c := e.publicClient()
	code, verifier := e.mustCode(c, "alice", "alice-pw")
	e.clock.Add(oauth.DefaultCodeTTL + time.Second)
	wantOAuthError(t, e.exchange(c, code, verifier), http.StatusBadRequest, "invalid_grant")
}

func TestPKCEVerifierMismatch(t *testing.T) {
	e := newEnv(t)
	c := e.publicClient()
	code, _ := e.mustCode(c, "alice", "alice-pw")
	other, _ := pkce()
	wantOAuthError(t, e.exchange(c, code, other), http.StatusBadRequest, "invalid_grant")
}

func TestRestart(t *testing.T) {
	e := newEnv(t)
	c, tk := e.mustFlow()
	e.restart()
	if _, err := e.srv.Verify(context.Background(), tk.Access); err != nil {
		t.Fatalf("Verify() after restart=%v", err)
	}
	mustTokens(t, e.refresh(c, tk.Refresh))
}

func TestRotateKey(t *testing.T) {
	e := newEnv(t)
	_, tk := e.mustFlow()
	oldHeader, _ := jwtParts(t, tk.Access)
	if err := e.srv.RotateKey(); err != nil {
		t.Fatalf("RotateKey()=%v", err)
	}
	if _, err := e.srv.Verify(context.Background(), tk.Access); err != nil {
		t.Fatalf("Verify(old key) after rotation=%v", err)
	}
	_, tk2 := e.mustFlow()
	newHeader, _ := jwtParts(t, tk2.Access)
	if newHeader["kid"] == oldHeader["kid"] {
		t.Fatalf("new tokens still signed with kid %v", oldHeader["kid"])
	}
	kids := func() []string {
		var m struct {
			Keys []struct{ Kid, Kty, Crv, Alg string }
		}
		if err := json.Unmarshal(e.get("/oauth/jwks").Body.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range m.Keys {
			if k.Kty != "EC" || k.Crv != "P-256" || k.Alg != "ES256" {
				t.Errorf("JWKS key %+v", k)
			}
			out = append(out, k.Kid)
		}
		return out
	}
	if got := kids(); len(got) != 2 || !slices.Contains(got, oldHeader["kid"].(string)) || !slices.Contains(got, newHeader["kid"].(string)) {
		t.Fatalf("JWKS kids=%v, want old and new", got)
	}
	// A restart keeps both.
	e.restart()
	if _, err := e.srv.Verify(context.Background(), tk.Access); err != nil {
		t.Fatalf("Verify(old key) after rotation and restart=%v", err)
	}
	// Once every token of the old key has expired, it is gone.
	e.clock.Add(oauth.DefaultAccessTTL + oauth.Leeway + time.Second)
	if got := kids(); len(got) != 1 || got[0] != newHeader["kid"] {
		t.Errorf("JWKS kids after expiry=%v, want only the new one", got)
	}
	e.wantVerifyFails(tk.Access)
}

func TestKeyFile(t *testing.T) {
	e := newEnv(t)
	fi, err := os.Stat(e.cfg.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode=%v, want 0600", fi.Mode().Perm())
	}
	if err := os.Chmod(e.cfg.KeyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := oauth.New(e.cfg); err == nil || !strings.Contains(err.Error(), "other users") {
		t.Errorf("New() with a 0644 key file=%v, want refused", err)
	}
	cfg := e.cfg
	cfg.KeyFile = filepath.Join(t.TempDir(), "sub", "keys.json")
	if _, err := oauth.New(cfg); err != nil {
		t.Fatalf("New() creating the directory=%v", err)
	}
	if fi, err := os.Stat(filepath.Dir(cfg.KeyFile)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("key directory: %v %v, want 0700", fi.Mode(), err)
	}
}

func TestConfig(t *testing.T) {
	e := newEnv(t)
	for name, mod := range map[string]func(*oauth.Config){
		"code TTL above 10 min":  func(c *oauth.Config) { c.CodeTTL = 11 * time.Minute },
		"refresh shorter":        func(c *oauth.Config) { c.RefreshTTL = time.Minute },
		"issuer with path":       func(c *oauth.Config) { c.Issuer = testIssuer + "/x" },
		"issuer not a URL":       func(c *oauth.Config) { c.Issuer = "127.0.0.1:8000" },
		"resource with fragment": func(c *oauth.Config) { c.Resource = testResource + "#x" },
		"no store":               func(c *oauth.Config) { c.Store = nil },
		"no users":               func(c *oauth.Config) { c.Users = nil },
	} {
		cfg := e.cfg
		mod(&cfg)
		if _, err := oauth.New(cfg); err == nil {
			t.Errorf("%s: New()=nil, want an error", name)
		}
	}
	if got := e.srv.ResourceMetadataURL(); got != testIssuer+"/.well-known/oauth-protected-resource" {
		t.Errorf("ResourceMetadataURL()=%q", got)
	}
}

func TestDisabledUser(t *testing.T) {
	e := newEnv(t)
	c, tk := e.mustFlow()
	e.users.set("alice", func(u *fakeUser) { u.disabled = true })
	e.wantVerifyFails(tk.Access)
	wantOAuthError(t, e.refresh(c, tk.Refresh), http.StatusBadRequest, "invalid_grant")
}

func TestAdminScopeNeedsAdminRole(t *testing.T) {
	e := newEnv(t)
	c := e.publicClient()
	verifier, challenge := pkce()
	v := authParams(c.id, challenge)
	v.Set("scope", "admin")
	page := e.mustConsent(e.authorize(v))
	q := redirectQuery(t, e.submit(page, approveForm("alice", "alice-pw", "admin")))
	tk := mustTokens(t, e.exchange(c, q.Get("code"), verifier))
	if tk.Scope != "write" {
		t.Errorf("a user's admin request granted %q, want write", tk.Scope)
	}
	// An admin gets admin.
	verifier, challenge = pkce()
	v = authParams(c.id, challenge)
	v.Set("scope", "admin")
	page = e.mustConsent(e.authorize(v))
	q = redirectQuery(t, e.submit(page, approveForm("root", "root-pw", "admin")))
	tk = mustTokens(t, e.exchange(c, q.Get("code"), verifier))
	if p, err := e.srv.Verify(context.Background(), tk.Access); err != nil || p.Scope != "admin" || p.Owner != "root" {
		t.Errorf("admin: Verify()=%+v, %v", p, err)
	}
}

func TestConfidentialClient(t *testing.T) {
	e := newEnv(t)
	for _, method := range []string{"client_secret_basic", "client_secret_post"} {
		c := e.mustRegister(map[string]any{"client_name": "Conf", "redirect_uris": []string{testRedirect},
			"token_endpoint_auth_method": method, "grant_types": []string{"authorization_code", "refresh_token"}})
		if c.secret == "" {
			t.Fatalf("%s: no client secret", method)
		}
		stored, err := e.store.OAuthClient(context.Background(), c.id)
		if err != nil || stored.SecretHash != auth.HashSecret(c.secret) || strings.Contains(stored.SecretHash, c.secret) {
			t.Errorf("%s: stored secret %q, want its hash", method, stored.SecretHash)
		}
		code, verifier := e.mustCode(c, "alice", "alice-pw")
		// A wrong secret is invalid_client (401, with a Basic challenge
		// for Basic).
		bad := c
		bad.secret = "wrong"
		w := e.exchange(bad, code, verifier)
		wantOAuthError(t, w, http.StatusUnauthorized, "invalid_client")
		if method == "client_secret_basic" && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Basic") {
			t.Errorf("invalid_client over Basic without a Basic challenge: %q", w.Header().Get("WWW-Authenticate"))
		}
		// Authenticating as a public client is refused too.
		wantOAuthError(t, e.exchange(client{id: c.id, method: "none"}, code, verifier), http.StatusUnauthorized, "invalid_client")
		tk := mustTokens(t, e.exchange(c, code, verifier))
		mustTokens(t, e.refresh(c, tk.Refresh))
	}
}

func TestRevoke(t *testing.T) {
	e := newEnv(t)
	c, tk := e.mustFlow()
	revoke := func(tok string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/oauth/revoke", strings.NewReader(url.Values{"token": {tok}, "client_id": {c.id}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return e.serve(r)
	}
	if w := revoke("unknown-token"); w.Code != http.StatusOK {
		t.Errorf("revoke(unknown)=%d, want 200", w.Code)
	}
	if w := revoke(tk.Refresh); w.Code != http.StatusOK {
		t.Fatalf("revoke(refresh)=%d %s", w.Code, w.Body)
	}
	e.wantVerifyFails(tk.Access)
	wantOAuthError(t, e.refresh(c, tk.Refresh), http.StatusBadRequest, "invalid_grant")

	// Revoking an access token revokes its grant too; a token of
	// another client is ignored.
	_, tk2 := e.mustFlow()
	if w := revoke(tk2.Access); w.Code != http.StatusOK {
		t.Fatal(w.Code)
	}
	if _, err := e.srv.Verify(context.Background(), tk2.Access); err != nil {
		t.Errorf("a client revoked another client's token: %v", err)
	}
	c3, tk3 := e.mustFlow()
	c = c3
	if w := revoke(tk3.Access); w.Code != http.StatusOK {
		t.Fatal(w.Code)
	}
	e.wantVerifyFails(tk3.Access)
}

func TestDashboardClient(t *testing.T) {
	e := newEnv(t)
	redirect := testIssuer + "/dashboard/callback"
	id, err := e.srv.DashboardClient(redirect)
	if err != nil {
		t.Fatalf("DashboardClient()=%v", err)
	}
	if id2, err := e.srv.DashboardClient(redirect); err != nil || id2 != id {
		t.Fatalf("DashboardClient(again)=%q, %v", id2, err)
	}
	if _, err := e.srv.DashboardClient("javascript:alert(1)"); err == nil {
		t.Error("DashboardClient(javascript:) accepted")
	}
	verifier, challenge := pkce()
	v := authParams(id, challenge)
	v.Set("redirect_uri", redirect)
	page := e.mustConsent(e.authorize(v))
	q := redirectQuery(t, e.submit(page, approveForm("alice", "alice-pw", "read", "write")))
	// Over HTTP nobody can authenticate as the dashboard.
	w := e.token(client{id: id, method: "none"}, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"code_verifier": {verifier}, "redirect_uri": {redirect}})
	wantOAuthError(t, w, http.StatusUnauthorized, "invalid_client")
	tk, err := e.srv.Exchange(context.Background(), id, q.Get("code"), verifier, redirect)
	if err != nil {
		t.Fatalf("Exchange()=%v", err)
	}
	if p, err := e.srv.Verify(context.Background(), tk.AccessToken); err != nil || p.Owner != "alice" || p.Scope != "write" {
		t.Errorf("Verify(dashboard token)=%+v, %v", p, err)
	}
	if _, err := e.srv.Exchange(context.Background(), id, q.Get("code"), verifier, redirect); err == nil {
		t.Error("Exchange() replay succeeded")
	}
}

func TestRateLimits(t *testing.T) {
	e := newEnv(t, func(c *oauth.Config) {
		c.TokenLimit = guard.NewRateLimiter(1.0/3600, 2)
		c.LoginLimit = guard.NewRateLimiter(1.0/3600, 2)
	})
	c := e.publicClient()
	for i, want := range []int{400, 400, 429} {
		if w := e.token(c, url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}); w.Code != want {
			t.Errorf("token request %d: %d, want %d", i, w.Code, want)
		}
	}
	_, challenge := pkce()
	page := e.mustConsent(e.authorize(authParams(c.id, challenge)))
	for i, want := range []int{401, 401, 429} {
		w := e.submit(page, approveForm("alice", "wrong"))
		if w.Code != want {
			t.Errorf("login %d: %d, want %d", i, w.Code, want)
		}
		if want == 429 && w.Header().Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
}

func TestTokenEndpointInput(t *testing.T) {
	e := newEnv(t)
	c := e.publicClient()
	code, verifier := e.mustCode(c, "alice", "alice-pw")
	post := func(target, ct, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		return e.serve(r)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {testRedirect}, "client_id": {c.id}}
	// Parameters in the query string are not read.
	wantOAuthError(t, post("/oauth/token?"+form.Encode(), "application/x-www-form-urlencoded", "client_id="+url.QueryEscape(c.id)+"&grant_type=authorization_code"),
		http.StatusBadRequest, "invalid_request")
	wantOAuthError(t, post("/oauth/token", "application/json", `{"grant_type":"authorization_code"}`), http.StatusBadRequest, "invalid_request")
	wantOAuthError(t, post("/oauth/token", "application/x-www-form-urlencoded", form.Encode()+"&code=again"), http.StatusBadRequest, "invalid_request")
	wantOAuthError(t, post("/oauth/token", "application/x-www-form-urlencoded", "client_id="+url.QueryEscape(c.id)), http.StatusBadRequest, "invalid_request")
	// None of that spent the code.
	mustTokens(t, post("/oauth/token", "application/x-www-form-urlencoded", form.Encode()))
}

func TestRotateIfOlder(t *testing.T) {
	e := newEnv(t)
	_, tk := e.mustFlow()
	if rotated, err := e.srv.RotateIfOlder(90 * 24 * time.Hour); err != nil || rotated {
		t.Fatalf("fresh key rotated: %v %v", rotated, err)
	}
	e.clock.Add(91 * 24 * time.Hour)
	if rotated, err := e.srv.RotateIfOlder(90 * 24 * time.Hour); err != nil || !rotated {
		t.Fatalf("91-day-old key not rotated: %v %v", rotated, err)
	}
	if rotated, _ := e.srv.RotateIfOlder(90 * 24 * time.Hour); rotated {
		t.Fatal("the new key was rotated at once")
	}
	_, tk2 := e.mustFlow()
	h1, _ := jwtParts(t, tk.Access)
	h2, _ := jwtParts(t, tk2.Access)
	if h1["kid"] == h2["kid"] {
		t.Fatal("tokens after the scheduled rotation use the old key")
	}
}

// TestSecretsStoredHashed: client secrets, authorization codes and
// refresh tokens never reach the database (or its WAL) in clear; only
// their hashes do.
func TestSecretsStoredHashed(t *testing.T) {
	e := newEnv(t)
	conf := e.mustRegister(map[string]any{"redirect_uris": []string{testRedirect}, "grant_types": []string{"authorization_code", "refresh_token"}})
	code, verifier := e.mustCode(conf, "alice", "alice-pw", "read", "offline_access")
	tk := mustTokens(t, e.exchange(conf, code, verifier))
	tk2 := mustTokens(t, e.refresh(conf, tk.Refresh))
	pending, _ := e.mustCode(conf, "alice", "alice-pw", "read") // issued, never redeemed
	var stored []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(e.store.Path() + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		stored = append(stored, b...)
	}
	if !bytes.Contains(stored, []byte(conf.id)) {
		t.Fatal("the client id, stored in clear, is not found: the scan sees nothing")
	}
	for what, secret := range map[string]string{"client secret": conf.secret, "code": code, "unredeemed code": pending,
		"refresh token": tk.Refresh, "rotated refresh token": tk2.Refresh} {
		if secret == "" {
			t.Fatalf("no %s", what)
		}
		if bytes.Contains(stored, []byte(secret)) {
			t.Errorf("the %s is stored in clear", what)
		}
	}
}

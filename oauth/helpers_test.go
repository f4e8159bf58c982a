package oauth_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/guard"
	"github.com/mcp-memory-go/memory/oauth"
	"github.com/mcp-memory-go/memory/sqlite"
)

const (
	testIssuer   = "http://127.0.0.1:8000"
	testResource = "http://127.0.0.1:8000/mcp"
	testRedirect = "http://127.0.0.1:9999/callback"
)

// fakeUsers holds accounts in memory.
type fakeUsers struct {
	mu    sync.Mutex
	users map[string]*fakeUser
}

type fakeUser struct {
	password, role   string
	disabled, locked bool
}

func newFakeUsers() *fakeUsers {
	return &fakeUsers{users: map[string]*fakeUser{
		"alice": {password: "alice-pw", role: "user"},
		"bob":   {password: "bob-pw", role: "user"},
		"root":  {password: "root-pw", role: "admin"},
	}}
}

func (f *fakeUsers) Authenticate(_ context.Context, name, password string) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[name]
	switch {
	case ok && u.locked:
		return "", "", memory.Errorf(memory.EForbidden, "the account is locked for 5 minutes after too many wrong passwords")
	case !ok || u.disabled || u.password != password:
		return "", "", memory.Errorf(memory.EUnauthorized, "wrong user name or password")
	}
	return name, u.role, nil
}

func (f *fakeUsers) Active(_ context.Context, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[id]
	return ok && !u.disabled, nil
}

func (f *fakeUsers) set(name string, fn func(*fakeUser)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.users[name])
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a server over a real SQLite store with fake users.
type env struct {
	t     *testing.T
	store *sqlite.Store
	users *fakeUsers
	clock *clock
	cfg   oauth.Config
	srv   *oauth.Server
	h     http.Handler
}

func unlimited() *guard.RateLimiter { return guard.NewRateLimiter(0, 1) }

func newEnv(t *testing.T, configure ...func(*oauth.Config)) *env {
	t.Helper()
	dir := t.TempDir()
	st := sqlite.New(filepath.Join(dir, "memory.db"))
	if err := st.Open(context.Background()); err != nil {
		t.Fatalf("Open()=%v", err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, store: st, users: newFakeUsers(), clock: &clock{t: time.Now().Truncate(time.Second)}}
	e.cfg = oauth.Config{
		Issuer: testIssuer, Resource: testResource, Store: st, Users: e.users,
		KeyFile: filepath.Join(dir, "oauth-keys.json"), Now: e.clock.Now,
		RegisterLimit: unlimited(), LoginLimit: unlimited(), TokenLimit: unlimited(),
	}
	for _, c := range configure {
		c(&e.cfg)
	}
	e.restart()
	return e
}

// restart makes a new Server with the same configuration.
func (e *env) restart() {
	e.t.Helper()
	srv, err := oauth.New(e.cfg)
	if err != nil {
		e.t.Fatalf("New()=%v", err)
	}
	e.srv, e.h = srv, srv.Handler()
}

func (e *env) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *env) get(path string) *httptest.ResponseRecorder {
	return e.serve(httptest.NewRequest(http.MethodGet, path, nil))
}

func decodeJSON(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("response %d %q is not JSON: %v", w.Code, w.Body.String(), err)
	}
	return m
}

// register registers a client and returns the response body.
func (e *env) register(body any) *httptest.ResponseRecorder {
	b, _ := json.Marshal(body)
	r := httptest.NewRequest(http.MethodPost, "/oauth/register", bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	return e.serve(r)
}

// client is a registered test client.
type client struct {
	id, secret, method string
}

func (e *env) mustRegister(md map[string]any) client {
	e.t.Helper()
	w := e.register(md)
	if w.Code != http.StatusCreated {
		e.t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	m := decodeJSON(e.t, w)
	c := client{id: m["client_id"].(string), method: m["token_endpoint_auth_method"].(string)}
	c.secret, _ = m["client_secret"].(string)
	return c
}

// publicClient registers a public client that may refresh.
func (e *env) publicClient() client {
	return e.mustRegister(map[string]any{
		"client_name": "Test Client", "redirect_uris": []string{testRedirect},
		"token_endpoint_auth_method": "none", "grant_types": []string{"authorization_code", "refresh_token"},
		"application_type": "native",
	})
}

// pkce returns a verifier and its S256 challenge.
func pkce() (string, string) {
	b := make([]byte, 32)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(v))
	return v, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authParams are the parameters of a valid authorization request.
func authParams(clientID, challenge string) url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {testRedirect},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {"st-123"},
		"scope": {"read write offline_access"}, "resource": {testResource},
	}
}

func (e *env) authorize(v url.Values) *httptest.ResponseRecorder {
	return e.get("/oauth/authorize?" + v.Encode())
}

var (
	requestIDRe = regexp.MustCompile(`name="request_id" value="([^"]+)"`)
	csrfRe      = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// consent is a consent page as a browser holds it.
type consent struct {
	requestID, csrf string
	cookies         []*http.Cookie
}

func (e *env) mustConsent(w *httptest.ResponseRecorder) consent {
	e.t.Helper()
	if w.Code != http.StatusOK {
		e.t.Fatalf("authorize: %d %s (Location %q)", w.Code, w.Body, w.Header().Get("Location"))
	}
	body := w.Body.String()
	rid, csrf := requestIDRe.FindStringSubmatch(body), csrfRe.FindStringSubmatch(body)
	if rid == nil || csrf == nil {
		e.t.Fatalf("consent page lacks request_id or csrf_token: %s", body)
	}
	return consent{requestID: rid[1], csrf: csrf[1], cookies: w.Result().Cookies()}
}

// submit posts the consent form.
func (e *env) submit(c consent, form url.Values) *httptest.ResponseRecorder {
	if form.Get("request_id") == "" {
		form.Set("request_id", c.requestID)
	}
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", c.csrf)
	}
	r := httptest.NewRequest(http.MethodPost, "/oauth/authorize", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, ck := range c.cookies {
		r.AddCookie(ck)
	}
	return e.serve(r)
}

func approveForm(user, password string, scopes ...string) url.Values {
	if len(scopes) == 0 {
		scopes = []string{"read", "write", "offline_access"}
	}
	return url.Values{"decision": {"approve"}, "username": {user}, "password": {password}, "scope": scopes}
}

// redirectQuery returns the query of a 302's Location.
func redirectQuery(t *testing.T, w *httptest.ResponseRecorder) url.Values {
	t.Helper()
	if w.Code != http.StatusFound {
		t.Fatalf("status %d, want 302; body %s", w.Code, w.Body)
	}
	u, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// mustCode runs the authorization endpoint for the client as alice and
// returns the code and its verifier.
func (e *env) mustCode(c client, user, password string, scopes ...string) (code, verifier string) {
	e.t.Helper()
	verifier, challenge := pkce()
	page := e.mustConsent(e.authorize(authParams(c.id, challenge)))
	q := redirectQuery(e.t, e.submit(page, approveForm(user, password, scopes...)))
	if q.Get("code") == "" {
		e.t.Fatalf("no code in %v", q)
	}
	return q.Get("code"), verifier
}

// token posts to the token endpoint, authenticating as c.
func (e *env) token(c client, form url.Values) *httptest.ResponseRecorder {
	switch c.method {
	case "client_secret_post":
		form.Set("client_id", c.id)
		form.Set("client_secret", c.secret)
	case "client_secret_basic":
	default:
		form.Set("client_id", c.id)
	}
	r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.method == "client_secret_basic" {
		r.SetBasicAuth(url.QueryEscape(c.id), url.QueryEscape(c.secret))
	}
	return e.serve(r)
}

func (e *env) exchange(c client, code, verifier string) *httptest.ResponseRecorder {
	return e.token(c, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {testRedirect}, "resource": {testResource}})
}

func (e *env) refresh(c client, rt string) *httptest.ResponseRecorder {
	return e.token(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
}

// tokens is a decoded token response.
type tokens struct {
	Access, Refresh, Scope, Type string
	ExpiresIn                    float64
}

func mustTokens(t *testing.T, w *httptest.ResponseRecorder) tokens {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("token: %d %s", w.Code, w.Body)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("token Cache-Control=%q, want no-store", cc)
	}
	m := decodeJSON(t, w)
	tk := tokens{Type: m["token_type"].(string), Scope: m["scope"].(string)}
	tk.Access, _ = m["access_token"].(string)
	tk.Refresh, _ = m["refresh_token"].(string)
	tk.ExpiresIn, _ = m["expires_in"].(float64)
	return tk
}

// mustFlow runs the whole flow for a new public client as alice.
func (e *env) mustFlow() (client, tokens) {
	e.t.Helper()
	c := e.publicClient()
	code, verifier := e.mustCode(c, "alice", "alice-pw")
	return c, mustTokens(e.t, e.exchange(c, code, verifier))
}

// wantOAuthError checks an RFC 6749 error response.
func wantOAuthError(t *testing.T, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if got := decodeJSON(t, w)["error"]; got != code {
		t.Fatalf("error=%v, want %s; body %s", got, code, w.Body)
	}
}

// wantVerifyFails checks that Verify refuses the token with the generic
// EUnauthorized error.
func (e *env) wantVerifyFails(token string) {
	e.t.Helper()
	p, err := e.srv.Verify(context.Background(), token)
	if err == nil {
		e.t.Fatalf("Verify()=%+v, want an error", p)
	}
	if memory.ErrorCode(err) != memory.EUnauthorized || memory.ErrorMessage(err) != "invalid, expired or revoked access token" {
		e.t.Fatalf("Verify() error=%v, want the generic EUnauthorized", err)
	}
}

package oauth_test

// One test per item of peers.md §5.3 that concerns the authorization
// server (items 6, 9, 10, 12-20 and 27); CIMD's part of item 20 is in
// cimd_test.go.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcp-memory-go/memory/guard"
	"github.com/mcp-memory-go/memory/oauth"
)

// Item 6: RFC 9728 metadata at the root and at the resource's path.
func TestItem6_ProtectedResourceMetadata(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"} {
		w := e.get(path)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("GET %s: %d %s", path, w.Code, w.Header().Get("Content-Type"))
		}
		var m oauth.ResourceMetadata
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m.Resource != testResource || len(m.AuthorizationServers) != 1 || m.AuthorizationServers[0] != testIssuer ||
			strings.Join(m.BearerMethodsSupported, ",") != "header" || strings.Join(m.ScopesSupported, " ") != "read write admin offline_access" {
			t.Errorf("GET %s=%+v", path, m)
		}
	}
	if w := e.get("/.well-known/oauth-protected-resource/other"); w.Code != http.StatusNotFound {
		t.Errorf("metadata for an unknown resource path: %d, want 404", w.Code)
	}
}

// Item 9: a token minted for another resource is refused.
func TestItem9_Audience(t *testing.T) {
	e := newEnv(t)
	_, tk := e.mustFlow()
	// Another resource server trusting the same keys and store.
	cfg := e.cfg
	cfg.Resource = testIssuer + "/other"
	other, err := oauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := other.Verify(context.Background(), tk.Access); err == nil {
		t.Fatalf("a token for %s verified at %s: %+v", testResource, cfg.Resource, p)
	}
	// Clients cannot ask for another resource.
	c := e.publicClient()
	_, challenge := pkce()
	v := authParams(c.id, challenge)
	v.Set("resource", "https://other.example/mcp")
	if q := redirectQuery(t, e.authorize(v)); q.Get("error") != "invalid_target" {
		t.Errorf("authorize for another resource: %v, want invalid_target", q)
	}
	// The issuer root names this server too.
	v.Set("resource", testIssuer+"/")
	e.mustConsent(e.authorize(v))
	code, verifier := e.mustCode(c, "alice", "alice-pw")
	w := e.token(c, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {testRedirect}, "resource": {"https://other.example/mcp"}})
	wantOAuthError(t, w, http.StatusBadRequest, "invalid_target")
}

// Item 10: JWT validation — alg allowlist, signature first with a key of
// our own set, exp/nbf/iss/aud, typ.
func TestItem10_JWTValidation(t *testing.T) {
	e := newEnv(t)
	_, tk := e.mustFlow()
	_, valid := jwtParts(t, tk.Access)
	pub, kid := oauth.PublicKeyForTest(e.srv)
	now := e.clock.Now()

	with := func(changes map[string]any) jwt.MapClaims {
		c := jwt.MapClaims(maps.Clone(valid))
		for k, v := range changes {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	sign := func(header map[string]any, c jwt.MapClaims) string {
		s, err := oauth.SignForTest(e.srv, header, c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	b64 := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}

	// The baseline re-signed token verifies, so each refusal below is
	// for its one change.
	if _, err := e.srv.Verify(context.Background(), sign(nil, with(nil))); err != nil {
		t.Fatalf("re-signed valid token refused: %v", err)
	}

	pkix, _ := x509.MarshalPKIXPublicKey(pub)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	rawKey, _ := pub.Bytes()
	hs := func(key []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, with(nil))
		tok.Header["kid"], tok.Header["typ"] = kid, "at+jwt"
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	foreign := func(header map[string]any) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodES256, with(nil))
		tok.Header["typ"] = "at+jwt"
		maps.Copy(tok.Header, header)
		s, err := tok.SignedString(attacker)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rs := jwt.NewWithClaims(jwt.SigningMethodRS256, with(nil))
	rs.Header["kid"], rs.Header["typ"] = kid, "at+jwt"
	rs256, _ := rs.SignedString(rsaKey)

	parts := strings.Split(tk.Access, ".")
	tampered := parts[0] + "." + b64(with(map[string]any{"sub": "bob"})) + "." + parts[2]
	scopeUp := parts[0] + "." + b64(with(map[string]any{"scope": "read write admin"})) + "." + parts[2]
	attackerJWK := map[string]any{"kty": "EC", "crv": "P-256"}

	for name, tok := range map[string]string{
		"alg none":                    b64(map[string]any{"alg": "none", "typ": "at+jwt", "kid": kid}) + "." + parts[1] + ".",
		"alg none, no dot":            b64(map[string]any{"alg": "none", "typ": "at+jwt", "kid": kid}) + "." + parts[1],
		"HS256 keyed with public PEM": hs(pemKey),
		"HS256 keyed with public key": hs(rawKey),
		"RS256":                       rs256,
		"wrong key, our kid":          foreign(map[string]any{"kid": kid}),
		"jwk header":                  foreign(map[string]any{"kid": "attacker", "jwk": attackerJWK}),
		"jku header":                  foreign(map[string]any{"jku": "https://attacker.example/jwks"}),
		"unknown kid":                 sign(map[string]any{"kid": "nope"}, with(nil)),
		"no kid":                      sign(map[string]any{"kid": nil}, with(nil)),
		"tampered payload":            tampered,
		"tampered scope":              scopeUp,
		"truncated signature":         tk.Access[:len(tk.Access)-4],
		"expired":                     sign(nil, with(map[string]any{"exp": now.Add(-2 * time.Minute).Unix()})),
		"no exp":                      sign(nil, with(map[string]any{"exp": nil})),
		"nbf in the future":           sign(nil, with(map[string]any{"nbf": now.Add(5 * time.Minute).Unix()})),
		"iat in the future":           sign(nil, with(map[string]any{"iat": now.Add(5 * time.Minute).Unix()})),
		"wrong iss":                   sign(nil, with(map[string]any{"iss": "https://evil.example"})),
		"no iss":                      sign(nil, with(map[string]any{"iss": nil})),
		"wrong aud":                   sign(nil, with(map[string]any{"aud": "https://other.example/mcp"})),
		"no aud":                      sign(nil, with(map[string]any{"aud": nil})),
		"typ JWT":                     sign(map[string]any{"typ": "JWT"}, with(nil)),
		"no typ":                      sign(map[string]any{"typ": nil}, with(nil)),
		"other user, valid signature": sign(nil, with(map[string]any{"sub": "bob"})),
		"unknown family":              sign(nil, with(map[string]any{"fam": "nope"})),
		"no family":                   sign(nil, with(map[string]any{"fam": nil})),
		"other client":                sign(nil, with(map[string]any{"client_id": "mmc_other"})),
		"no scope":                    sign(nil, with(map[string]any{"scope": "offline_access"})),
		"empty":                       "",
		"garbage":                     "not.a.jwt",
		"oversized":                   strings.Repeat("a", 5000) + "." + parts[1] + "." + parts[2],
	} {
		t.Run(name, func(t *testing.T) {
			e.t = t
			e.wantVerifyFails(tok)
		})
	}
}

// Item 12: RFC 8414 metadata, also at the OpenID discovery paths.
func TestItem12_ASMetadata(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{
		"/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server/mcp",
		"/.well-known/openid-configuration", "/.well-known/openid-configuration/mcp",
	} {
		w := e.get(path)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
		var m oauth.ASMetadata
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m.Issuer != testIssuer || m.AuthorizationEndpoint != testIssuer+"/oauth/authorize" || m.TokenEndpoint != testIssuer+"/oauth/token" ||
			m.RegistrationEndpoint != testIssuer+"/oauth/register" || m.JWKSURI != testIssuer+"/oauth/jwks" || m.RevocationEndpoint != testIssuer+"/oauth/revoke" {
			t.Errorf("GET %s endpoints: %+v", path, m)
		}
		if strings.Join(m.CodeChallengeMethodsSupported, ",") != "S256" || strings.Join(m.ResponseTypesSupported, ",") != "code" ||
			strings.Join(m.GrantTypesSupported, ",") != "authorization_code,refresh_token" || !m.IssParameterSupported || !m.CIMDSupported ||
			strings.Join(m.TokenEndpointAuthMethodsSupported, ",") != "none,client_secret_basic,client_secret_post" ||
			strings.Join(m.ScopesSupported, " ") != "read write admin offline_access" {
			t.Errorf("GET %s: %+v", path, m)
		}
	}
	if w := e.get("/oauth/jwks"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"kty":"EC"`) || strings.Contains(w.Body.String(), `"d"`) {
		t.Errorf("JWKS: %d %s", w.Code, w.Body)
	}
}

// Item 13: PKCE S256 required; plain refused; the verifier checked.
func TestItem13_PKCE(t *testing.T) {
	e := newEnv(t)
	c := e.publicClient()
	verifier, challenge := pkce()
	for name, mod := range map[string]func(url.Values){
		"no challenge":        func(v url.Values) { v.Del("code_challenge") },
		"plain":               func(v url.Values) { v.Set("code_challenge_method", "plain"); v.Set("code_challenge", verifier) },
		"no method":           func(v url.Values) { v.Del("code_challenge_method") },
		"malformed challenge": func(v url.Values) { v.Set("code_challenge", "short") },
		"repeated challenge":  func(v url.Values) { v.Add("code_challenge", challenge) },
	} {
		v := authParams(c.id, challenge)
		mod(v)
		q := redirectQuery(t, e.authorize(v))
		if q.Get("error") != "invalid_request" || q.Has("code") || q.Get("state") != "st-123" {
			t.Errorf("%s: redirect %v, want invalid_request", name, q)
		}
	}
	code, verifier := e.mustCode(c, "alice", "alice-pw")
	// No verifier: invalid_request, and the code is not spent.
	wantOAuthError(t, e.token(c, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}}),
		http.StatusBadRequest, "invalid_request")
	// The challenge itself as the verifier (a "plain" downgrade) fails.
	_, ch := pkce()
	wantOAuthError(t, e.exchange(c, code, ch), http.StatusBadRequest, "invalid_grant")
	// A failed verifier spends the code: even the right one fails now.
	wantOAuthError(t, e.exchange(c, code, verifier), http.StatusBadRequest, "invalid_grant")
}

// Item 14: redirect URIs — exact match, https or loopback, dangerous
// schemes refused; errors about them never redirect.
func TestItem14_RedirectURIs(t *testing.T) {
	e := newEnv(t)
	for _, uri := range []string{
		"javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "file:///etc/passwd", "about:blank",
		"blob:https://a.example/x", "http://example.com/cb", "http://192.168.1.2/cb", "https://a.example/cb#frag",
		"https://user:pw@a.example/cb", "https:///cb", "myapp:/cb", "cb", "/cb", "http://localhost.evil.example/cb",
		"http://127.0.0.1@evil.example/cb", "https://a.example/c b", "",
	} {
		w := e.register(map[string]any{"redirect_uris": []string{uri}, "token_endpoint_auth_method": "none"})
		if w.Code != http.StatusBadRequest || decodeJSON(t, w)["error"] != "invalid_redirect_uri" {
			t.Errorf("register %q: %d %s, want 400 invalid_redirect_uri", uri, w.Code, w.Body)
		}
	}
	registered := []string{"https://app.example/cb?x=1", "http://127.0.0.1/cb", "http://[::1]:8080/cb", "http://localhost:3000/cb", "com.example.app:/oauth"}
	c := e.mustRegister(map[string]any{"client_name": "R", "redirect_uris": registered, "token_endpoint_auth_method": "none"})

	_, challenge := pkce()
	try := func(uri string) *httptest.ResponseRecorder {
		v := authParams(c.id, challenge)
		v.Set("redirect_uri", uri)
		return e.authorize(v)
	}
	for _, uri := range append(registered, "http://127.0.0.1:51234/cb", "http://[::1]/cb", "http://localhost:1/cb") {
		if w := try(uri); w.Code != http.StatusOK {
			t.Errorf("redirect %q: %d, want the consent page", uri, w.Code)
		}
	}
	for _, uri := range []string{
		"https://app.example/cb", "https://app.example/cb?x=1&y=2", "https://app.example/cb/", "https://APP.example/cb?x=1",
		"https://evil.example/cb", "http://127.0.0.1/cb2", "http://localhost:3000/other", "http://127.0.0.1:3000/cb?x", "http://127.0.0.1:51234/cb#x",
		"http://127.0.0.1:99999999/cb", "https://app.example:443/cb?x=1", "com.example.app:/other", "",
	} {
		w := try(uri)
		if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" {
			t.Errorf("redirect %q: %d Location=%q, want a 400 page and no redirect", uri, w.Code, w.Header().Get("Location"))
		}
	}
	// The token endpoint wants the same redirect URI.
	pc := e.publicClient()
	code, verifier := e.mustCode(pc, "alice", "alice-pw")
	w := e.token(pc, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {"http://127.0.0.1:1/callback"}})
	wantOAuthError(t, w, http.StatusBadRequest, "invalid_grant")
}

// Item 15: a code works once; a replay is refused and revokes what the
// first use issued; codes live at most 10 minutes.
func TestItem15_CodeSingleUse(t *testing.T) {
	e := newEnv(t)
	c := e.publicClient()
	code, verifier := e.mustCode(c, "alice", "alice-pw")
	tk := mustTokens(t, e.exchange(c, code, verifier))
	if _, err := e.srv.Verify(context.Background(), tk.Access); err != nil {
		t.Fatal(err)
	}
	wantOAuthError(t, e.exchange(c, code, verifier), http.StatusBadRequest, "invalid_grant")
	e.wantVerifyFails(tk.Access)
	wantOAuthError(t, e.refresh(c, tk.Refresh), http.StatusBadRequest, "invalid_grant")

	// Lifetime: valid just before 10 minutes, not after.
	code, verifier = e.mustCode(c, "alice", "alice-pw")
	e.clock.Add(10*time.Minute - time.Second)
	mustTokens(t, e.exchange(c, code, verifier))
	code, verifier = e.mustCode(c, "alice", "alice-pw")
	e.clock.Add(10 * time.Minute)
	wantOAuthError(t, e.exchange(c, code, verifier), http.StatusBadRequest, "invalid_grant")
	cfg := e.cfg
	cfg.CodeTTL = 10*time.Minute + time.Second
	if _, err := oauth.New(cfg); err == nil {
		t.Error("New() accepted a code lifetime above 10 minutes")
	}
}

// Item 16: only the grants a client registered; no implicit, password or
// client_credentials.
func TestItem16_GrantTypes(t *testing.T) {
	e := newEnv(t)
	for _, g := range []string{"implicit", "password", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"} {
		w := e.register(map[string]any{"redirect_uris": []string{testRedirect}, "grant_types": []string{"authorization_code", g}})
		if w.Code != http.StatusBadRequest || decodeJSON(t, w)["error"] != "invalid_client_metadata" {
			t.Errorf("register grant %q: %d %s", g, w.Code, w.Body)
		}
	}
	if w := e.register(map[string]any{"redirect_uris": []string{testRedirect}, "response_types": []string{"token"}}); w.Code != http.StatusBadRequest {
		t.Errorf("register response type token: %d", w.Code)
	}
	c := e.publicClient()
	for _, g := range []string{"password", "client_credentials", "implicit", "urn:ietf:params:oauth:grant-type:jwt-bearer"} {
		wantOAuthError(t, e.token(c, url.Values{"grant_type": {g}, "username": {"alice"}, "password": {"alice-pw"}}),
			http.StatusBadRequest, "unsupported_grant_type")
	}
	_, challenge := pkce()
	for _, rt := range []string{"token", "code token", "id_token"} {
		v := authParams(c.id, challenge)
		v.Set("response_type", rt)
		if q := redirectQuery(t, e.authorize(v)); q.Get("error") != "unsupported_response_type" {
			t.Errorf("response_type %q: %v", rt, q)
		}
	}
	// A client registered without refresh_token gets no refresh token and
	// may not use the grant.
	noRefresh := e.mustRegister(map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "none"})
	code, verifier := e.mustCode(noRefresh, "alice", "alice-pw")
	if tk := mustTokens(t, e.exchange(noRefresh, code, verifier)); tk.Refresh != "" {
		t.Errorf("a client without the refresh_token grant got a refresh token")
	}
	wantOAuthError(t, e.refresh(noRefresh, "mmrt_x"), http.StatusBadRequest, "unauthorized_client")
	// Without offline_access there is no refresh token either.
	code, verifier = e.mustCode(c, "alice", "alice-pw", "read", "write")
	if tk := mustTokens(t, e.exchange(c, code, verifier)); tk.Refresh != "" || tk.Scope != "read write" {
		t.Errorf("without offline_access: %+v, want no refresh token", tk)
	}
}

// Item 17: refresh tokens of public clients rotate; reusing a rotated one
// revokes the family.
func TestItem17_RefreshRotation(t *testing.T) {
	e := newEnv(t)
	c, tk := e.mustFlow()
	tk2 := mustTokens(t, e.refresh(c, tk.Refresh))
	tk3 := mustTokens(t, e.refresh(c, tk2.Refresh))
	if tk2.Refresh == tk.Refresh || tk3.Refresh == tk2.Refresh {
		t.Fatal("refresh token not rotated")
	}
	// An attacker replays the first one: the whole family dies, including
	// the legitimate client's newest tokens.
	wantOAuthError(t, e.refresh(c, tk.Refresh), http.StatusBadRequest, "invalid_grant")
	wantOAuthError(t, e.refresh(c, tk3.Refresh), http.StatusBadRequest, "invalid_grant")
	e.wantVerifyFails(tk3.Access)
	// Other grants of the same user and client live on.
	code, verifier := e.mustCode(c, "alice", "alice-pw")
	other := mustTokens(t, e.exchange(c, code, verifier))
	if _, err := e.srv.Verify(context.Background(), other.Access); err != nil {
		t.Errorf("another grant was revoked: %v", err)
	}
	// Refresh tokens expire.
	e.clock.Add(oauth.DefaultRefreshTTL + time.Second)
	wantOAuthError(t, e.refresh(c, other.Refresh), http.StatusBadRequest, "invalid_grant")
}

// Item 18: state round-trip; consent page with CSRF token, anti-framing
// headers and a browser-binding cookie.
func TestItem18_ConsentPage(t *testing.T) {
	e := newEnv(t)
	c := e.mustRegister(map[string]any{"client_name": `<script>alert("x")</script>`, "redirect_uris": []string{testRedirect},
		"token_endpoint_auth_method": "none"})
	_, challenge := pkce()
	w := e.authorize(authParams(c.id, challenge))
	page := e.mustConsent(w)
	h := w.Header()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self' http://127.0.0.1:9999", "style-src 'sha256-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if h.Get("X-Frame-Options") != "DENY" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", h)
	}
	body := w.Body.String()
	_, style, _ := strings.Cut(body, "<style>")
	style, _, _ = strings.Cut(style, "</style>")
	sum := sha256.Sum256([]byte(style))
	if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("CSP %q does not allow the page's style (%s)", csp, want)
	}
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("client name not escaped: %s", body)
	}
	if !strings.Contains(body, "127.0.0.1:9999") || !strings.Contains(body, "your own computer") {
		t.Errorf("the page does not name the loopback redirect host with a warning")
	}
	if len(page.cookies) != 1 || page.cookies[0].Name != "mms_oauth_browser" || !page.cookies[0].HttpOnly ||
		page.cookies[0].SameSite != http.SameSiteLaxMode || page.cookies[0].Path != "/" {
		t.Fatalf("cookies %+v", page.cookies)
	}

	// CSRF: a wrong token, a missing cookie or another browser's cookie
	// are refused without a redirect.
	attacks := map[string]func() *httptest.ResponseRecorder{
		"wrong token": func() *httptest.ResponseRecorder {
			f := approveForm("alice", "alice-pw")
			f.Set("csrf_token", "forged")
			return e.submit(page, f)
		},
		"no token": func() *httptest.ResponseRecorder {
			f := approveForm("alice", "alice-pw")
			f["csrf_token"] = nil
			return e.submit(page, f)
		},
		"no cookie": func() *httptest.ResponseRecorder {
			p := page
			p.cookies = nil
			return e.submit(p, approveForm("alice", "alice-pw"))
		},
		"another browser's cookie": func() *httptest.ResponseRecorder {
			other := e.mustConsent(e.authorize(authParams(c.id, challenge)))
			p := page
			p.cookies = other.cookies
			return e.submit(p, approveForm("alice", "alice-pw"))
		},
	}
	for name, attack := range attacks {
		page = e.mustConsent(e.authorize(authParams(c.id, challenge)))
		// mustConsent in "another browser's cookie" starts a new browser;
		// this page's browser is the first request's.
		if w := attack(); w.Code != http.StatusForbidden || w.Header().Get("Location") != "" {
			t.Errorf("%s: %d Location=%q, want 403 without redirect", name, w.Code, w.Header().Get("Location"))
		}
	}
	// The state comes back unchanged, whatever it holds.
	state := "a b&c=d/é<>\"'"
	v := authParams(c.id, challenge)
	v.Set("state", state)
	page = e.mustConsent(e.authorize(v))
	q := redirectQuery(t, e.submit(page, approveForm("alice", "alice-pw", "read")))
	if q.Get("state") != state {
		t.Errorf("state=%q, want %q", q.Get("state"), state)
	}

	// Over https the cookie is __Host- and Secure.
	se := newEnv(t, func(c *oauth.Config) { c.Issuer = "https://mem.example"; c.Resource = "https://mem.example/mcp" })
	sc := se.mustRegister(map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "none"})
	sv := authParams(sc.id, challenge)
	sv.Del("resource")
	sp := se.mustConsent(se.authorize(sv))
	if ck := sp.cookies[0]; ck.Name != "__Host-mms_oauth_browser" || !ck.Secure || !ck.HttpOnly || ck.Path != "/" || ck.Domain != "" {
		t.Errorf("https cookie %+v", ck)
	}
}

// Item 19: iss in every authorization response (RFC 9207).
func TestItem19_IssParameter(t *testing.T) {
	e := newEnv(t)
	c := e.publicClient()
	_, challenge := pkce()
	page := e.mustConsent(e.authorize(authParams(c.id, challenge)))
	if q := redirectQuery(t, e.submit(page, approveForm("alice", "alice-pw"))); q.Get("iss") != testIssuer || q.Get("code") == "" {
		t.Errorf("success redirect %v lacks iss", q)
	}
	v := authParams(c.id, challenge)
	v.Set("scope", "bogus")
	if q := redirectQuery(t, e.authorize(v)); q.Get("iss") != testIssuer || q.Get("error") != "invalid_scope" {
		t.Errorf("error redirect %v lacks iss", q)
	}
	if !e.srv.Metadata().IssParameterSupported {
		t.Error("metadata does not announce iss")
	}
}

// Item 20 (registration): validated metadata, application_type, body
// limits, the optional registration key and the rate limit.
func TestItem20_DynamicRegistration(t *testing.T) {
	e := newEnv(t)
	w := e.register(map[string]any{"client_name": "Native", "redirect_uris": []string{"http://127.0.0.1/cb"},
		"token_endpoint_auth_method": "none", "application_type": "native", "grant_types": []string{"authorization_code", "refresh_token"},
		"unknown_field": 1})
	if w.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	m := decodeJSON(t, w)
	if m["application_type"] != "native" || m["client_secret"] != nil || m["client_id_issued_at"] == nil ||
		m["token_endpoint_auth_method"] != "none" || m["client_name"] != "Native" {
		t.Errorf("public registration=%v", m)
	}
	conf := decodeJSON(t, e.register(map[string]any{"redirect_uris": []string{"https://app.example/cb"}}))
	if conf["token_endpoint_auth_method"] != "client_secret_basic" || conf["client_secret"] == nil || conf["client_secret_expires_at"] != float64(0) {
		t.Errorf("default registration=%v, want a confidential client_secret_basic client", conf)
	}

	post := func(ct string, body []byte) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/oauth/register", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		return e.serve(r)
	}
	big := `{"redirect_uris":["https://a.example/cb"],"client_name":"` + strings.Repeat("x", oauth.MaxRegistrationBody) + `"}`
	for name, w := range map[string]*httptest.ResponseRecorder{
		"not JSON":           post("application/json", []byte("{nope")),
		"array":              post("application/json", []byte(`[1]`)),
		"wrong content type": post("text/plain", []byte(`{"redirect_uris":["https://a.example/cb"]}`)),
		"oversized":          post("application/json", []byte(big)),
		"no redirect URIs":   post("application/json", []byte(`{"client_name":"x"}`)),
		"bad auth method":    post("application/json", []byte(`{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}`)),
		"bad app type":       post("application/json", []byte(`{"redirect_uris":["https://a.example/cb"],"application_type":"desktop"}`)),
		"control characters": post("application/json", []byte(`{"redirect_uris":["https://a.example/cb"],"client_name":"a\nb"}`)),
		"bad scope":          post("application/json", []byte(`{"redirect_uris":["https://a.example/cb"],"scope":"read root"}`)),
		"too many URIs":      post("application/json", []byte(`{"redirect_uris":["https://a.example/1","https://a.example/2","https://a.example/3","https://a.example/4","https://a.example/5","https://a.example/6","https://a.example/7","https://a.example/8","https://a.example/9","https://a.example/10","https://a.example/11"]}`)),
	} {
		if w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, w.Code, w.Body)
			continue
		}
		if code := decodeJSON(t, w)["error"]; code != "invalid_client_metadata" && code != "invalid_redirect_uri" {
			t.Errorf("%s: error %v", name, code)
		}
	}

	// The registration key.
	ke := newEnv(t, func(c *oauth.Config) { c.RegistrationKey = "reg-secret" })
	body := []byte(`{"redirect_uris":["https://a.example/cb"]}`)
	for key, want := range map[string]int{"": 401, "Bearer wrong": 401, "Basic reg-secret": 401, "Bearer reg-secret": 201} {
		r := httptest.NewRequest(http.MethodPost, "/oauth/register", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if key != "" {
			r.Header.Set("Authorization", key)
		}
		if w := ke.serve(r); w.Code != want {
			t.Errorf("registration key %q: %d, want %d", key, w.Code, want)
		}
	}

	// The rate limit per address.
	le := newEnv(t, func(c *oauth.Config) { c.RegisterLimit = guard.NewRateLimiter(1.0/3600, 2) })
	for i, want := range []int{201, 201, 429} {
		if w := le.register(map[string]any{"redirect_uris": []string{"https://a.example/cb"}}); w.Code != want {
			t.Errorf("registration %d: %d, want %d", i, w.Code, want)
		}
	}
}

// Item 27: ids, codes and tokens are unguessable (at least 128 random
// bits) and bound to their client and user.
func TestItem27_Unguessable(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	entropy := func(what, v, prefix string, minBytes int) {
		t.Helper()
		rest, ok := strings.CutPrefix(v, prefix)
		b, err := base64.RawURLEncoding.DecodeString(rest)
		if !ok || err != nil || len(b) < minBytes {
			t.Errorf("%s %q: want %q and at least %d random bytes", what, v, prefix, minBytes)
		}
		if seen[v] {
			t.Errorf("%s %q repeated", what, v)
		}
		seen[v] = true
	}
	var clients []client
	for range 20 {
		c := e.publicClient()
		entropy("client_id", c.id, "mmc_", 16)
		clients = append(clients, c)
	}
	a, b := clients[0], clients[1]
	code, verifier := e.mustCode(a, "alice", "alice-pw")
	entropy("code", code, "mmac_", 32)
	// Another client cannot redeem a's code, even with the verifier.
	wantOAuthError(t, e.exchange(b, code, verifier), http.StatusBadRequest, "invalid_grant")

	code, verifier = e.mustCode(a, "alice", "alice-pw")
	tk := mustTokens(t, e.exchange(a, code, verifier))
	entropy("refresh token", tk.Refresh, "mmrt_", 32)
	_, claims := jwtParts(t, tk.Access)
	entropy("jti", claims["jti"].(string), "", 16)
	entropy("family", claims["fam"].(string), "", 16)
	// Another client cannot use a's refresh token, and trying does not
	// spend it.
	wantOAuthError(t, e.refresh(b, tk.Refresh), http.StatusBadRequest, "invalid_grant")
	tk2 := mustTokens(t, e.refresh(a, tk.Refresh))
	// The token acts for the user who approved, never another.
	p, err := e.srv.Verify(context.Background(), tk2.Access)
	if err != nil || p.Owner != "alice" || p.KeyID != "oauth:"+a.id {
		t.Errorf("Verify()=%+v, %v; want alice through client a", p, err)
	}
	code, verifier = e.mustCode(a, "bob", "bob-pw")
	if p, err := e.srv.Verify(context.Background(), mustTokens(t, e.exchange(a, code, verifier)).Access); err != nil || p.Owner != "bob" {
		t.Errorf("bob's token: %+v, %v", p, err)
	}
	// Pending consent requests and CSRF tokens are random too.
	_, challenge := pkce()
	page := e.mustConsent(e.authorize(authParams(a.id, challenge)))
	entropy("request_id", page.requestID, "", 32)
	entropy("csrf_token", page.csrf, "", 32)
	stored, err := e.store.OAuthClient(context.Background(), a.id)
	if err != nil || stored.SecretHash != "" {
		t.Errorf("public client stored with a secret: %+v %v", stored, err)
	}
}

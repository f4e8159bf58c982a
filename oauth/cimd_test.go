package oauth_test

// Item 20 (client ID metadata documents): fetched with SSRF guards, the
// document's client_id must equal its URL, its redirect URIs bind the
// client, caching follows Cache-Control.

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/oauth"
)

// cimdServer serves client ID metadata documents over TLS on loopback.
type cimdServer struct {
	*httptest.Server
	fetches atomic.Int64
	// docs maps a path to its handler.
	docs map[string]http.HandlerFunc
}

func newCIMDServer(t *testing.T) *cimdServer {
	cs := &cimdServer{docs: map[string]http.HandlerFunc{}}
	cs.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.fetches.Add(1)
		if h, ok := cs.docs[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(cs.Close)
	return cs
}

// doc serves a JSON document at path with the Cache-Control value.
func (cs *cimdServer) doc(path, cacheControl string, v any) string {
	b, _ := json.Marshal(v)
	cs.docs[path] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if cacheControl != "" {
			w.Header().Set("Cache-Control", cacheControl)
		}
		w.Write(b)
	}
	return cs.URL + path
}

// client returns SafeHTTPClient relaxed to loopback and trusting the test
// server's certificate.
func (cs *cimdServer) client() *http.Client {
	hc := oauth.SafeHTTPClient(func(a netip.Addr) bool { return a.IsLoopback() })
	pool := x509.NewCertPool()
	pool.AddCert(cs.Certificate())
	hc.Transport.(*http.Transport).TLSClientConfig.RootCAs = pool
	return hc
}

func TestCIMD_Flow(t *testing.T) {
	cs := newCIMDServer(t)
	e := newEnv(t, func(c *oauth.Config) { c.HTTPClient = cs.client() })
	id := cs.URL + "/client.json"
	cs.doc("/client.json", "max-age=120", map[string]any{
		"client_id": id, "client_name": "Doc Client", "redirect_uris": []string{testRedirect},
		"token_endpoint_auth_method": "none", "grant_types": []string{"authorization_code", "refresh_token"},
	})
	c := client{id: id, method: "none"}
	verifier, challenge := pkce()
	w := e.authorize(authParams(id, challenge))
	page := e.mustConsent(w)
	if body := w.Body.String(); !strings.Contains(body, "Doc Client") || strings.Contains(body, "not verified") {
		t.Errorf("consent page for a metadata document client: %s", body)
	}
	q := redirectQuery(t, e.submit(page, approveForm("alice", "alice-pw")))
	tk := mustTokens(t, e.exchange(c, q.Get("code"), verifier))
	p, err := e.srv.Verify(context.Background(), tk.Access)
	if err != nil || p.KeyID != "oauth:"+id || p.Name != "Doc Client" || p.Owner != "alice" {
		t.Fatalf("Verify()=%+v, %v", p, err)
	}
	if n := cs.fetches.Load(); n != 1 {
		t.Errorf("fetches within max-age=%d, want 1", n)
	}
	e.clock.Add(3 * time.Minute)
	mustTokens(t, e.refresh(c, tk.Refresh))
	if n := cs.fetches.Load(); n != 2 {
		t.Errorf("fetches after max-age=%d, want 2", n)
	}

	// The document's redirect URIs bind the client.
	v := authParams(id, challenge)
	v.Set("redirect_uri", "http://127.0.0.1:9999/other")
	if w := e.authorize(v); w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" {
		t.Errorf("unlisted redirect: %d %q", w.Code, w.Header().Get("Location"))
	}

	// no-store documents are fetched every time.
	ns := cs.doc("/nostore.json", "no-store", map[string]any{"client_id": cs.URL + "/nostore.json", "redirect_uris": []string{testRedirect}})
	before := cs.fetches.Load()
	e.mustConsent(e.authorize(authParams(ns, challenge)))
	e.mustConsent(e.authorize(authParams(ns, challenge)))
	if n := cs.fetches.Load() - before; n != 2 {
		t.Errorf("no-store fetches=%d, want 2", n)
	}
}

func TestCIMD_Refused(t *testing.T) {
	cs := newCIMDServer(t)
	e := newEnv(t, func(c *oauth.Config) { c.HTTPClient = cs.client() })
	doc := func(path string, changes map[string]any) string {
		m := map[string]any{"client_id": cs.URL + path, "client_name": "X", "redirect_uris": []string{testRedirect}}
		for k, v := range changes {
			m[k] = v
		}
		return cs.doc(path, "", m)
	}
	cases := map[string]string{
		"client_id differs":    doc("/a.json", map[string]any{"client_id": cs.URL + "/other.json"}),
		"client secret method": doc("/b.json", map[string]any{"token_endpoint_auth_method": "client_secret_basic"}),
		"javascript redirect":  doc("/c.json", map[string]any{"redirect_uris": []string{"javascript:alert(1)"}}),
		"no redirect URIs":     doc("/d.json", map[string]any{"redirect_uris": []string{}}),
		"not found":            cs.URL + "/missing.json",
		"query in client_id":   doc("/e.json", nil) + "?x=1",
		"dot segment":          cs.URL + "/x/../e.json",
		"no path":              cs.URL + "/",
		"fragment":             doc("/f.json", nil) + "#x",
		"http client_id":       strings.Replace(doc("/g.json", nil), "https:", "http:", 1),
	}
	cs.docs["/big.json"] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"client_id":"` + cs.URL + `/big.json","redirect_uris":["` + testRedirect + `"],"client_name":"` + strings.Repeat("x", oauth.CIMDMaxBytes) + `"}`))
	}
	cases["oversized"] = cs.URL + "/big.json"
	cs.docs["/html.json"] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`{"client_id":"` + cs.URL + `/html.json","redirect_uris":["` + testRedirect + `"]}`))
	}
	cases["not JSON"] = cs.URL + "/html.json"
	cs.docs["/redirect.json"] = func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://localhost:1/elsewhere.json", http.StatusFound)
	}
	cases["redirect to another host"] = cs.URL + "/redirect.json"
	_, challenge := pkce()
	for name, id := range cases {
		w := e.authorize(authParams(id, challenge))
		if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" {
			t.Errorf("%s (%s): %d Location=%q, want a 400 page", name, id, w.Code, w.Header().Get("Location"))
		}
	}
}

// The default client refuses loopback: the test server is never reached.
func TestCIMD_DefaultGuardRefusesLoopback(t *testing.T) {
	cs := newCIMDServer(t)
	e := newEnv(t) // HTTPClient nil: SafeHTTPClient(nil)
	id := cs.doc("/client.json", "", map[string]any{"client_id": cs.URL + "/client.json", "redirect_uris": []string{testRedirect}})
	_, challenge := pkce()
	if w := e.authorize(authParams(id, challenge)); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "public address") {
		t.Errorf("loopback document: %d %s", w.Code, w.Body)
	}
	if n := cs.fetches.Load(); n != 0 {
		t.Errorf("the guarded client reached the loopback server %d times", n)
	}
}

func TestSafeHTTPClient_RefusesPrivateAddresses(t *testing.T) {
	cs := newCIMDServer(t)
	_, p, _ := strings.Cut(cs.Listener.Addr().String(), ":")
	hc := oauth.SafeHTTPClient(nil)
	for _, u := range []string{
		"https://127.0.0.1:" + p + "/", "https://localhost:" + p + "/", "https://[::1]:" + p + "/",
		"https://10.0.0.1/", "https://172.16.0.1/", "https://192.168.1.1/", "https://169.254.169.254/latest/meta-data",
		"https://100.64.0.1/", "https://0.0.0.0/", "https://[fc00::1]/", "https://[fe80::1]/", "https://[::ffff:127.0.0.1]/",
		"https://[64:ff9b::a00:1]/", "https://224.0.0.1/",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := hc.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s succeeded", u)
			continue
		}
		if !strings.Contains(err.Error(), "address is not public") {
			t.Errorf("GET %s: %v, want refused by the address guard", u, err)
		}
	}
	if n := cs.fetches.Load(); n != 0 {
		t.Errorf("the loopback server was reached %d times", n)
	}
}

func TestPublicAddr(t *testing.T) {
	for s, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "93.184.216.34": true, "2606:4700:4700::1111": true, "2a00:1450:4001::1": true,
		"127.0.0.1": false, "127.1.2.3": false, "10.1.2.3": false, "172.16.0.1": false, "172.31.255.255": false,
		"192.168.0.1": false, "169.254.169.254": false, "100.64.0.1": false, "100.127.255.255": false, "0.0.0.0": false,
		"0.1.2.3": false, "255.255.255.255": false, "224.0.0.1": false, "240.0.0.1": false, "192.0.2.1": false,
		"198.18.0.1": false, "198.51.100.1": false, "203.0.113.1": false, "192.0.0.8": false,
		"::1": false, "::": false, "fc00::1": false, "fd12:3456::1": false, "fe80::1": false, "ff02::1": false,
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "::ffff:8.8.8.8": true, "64:ff9b::a00:1": false,
		"2002:a00:1::1": false, "2001:db8::1": false, "2001::1": false, "fec0::1": false, "::127.0.0.1": false,
	} {
		if got := oauth.PublicAddr(netip.MustParseAddr(s)); got != want {
			t.Errorf("PublicAddr(%s)=%v, want %v", s, got, want)
		}
	}
}

// Redirects are followed only to https on the same host, at most three.
func TestSafeHTTPClient_Redirects(t *testing.T) {
	hc := oauth.SafeHTTPClient(nil)
	req := func(u string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := []*http.Request{req("https://client.example/app.json")}
	for target, ok := range map[string]bool{
		"https://client.example/other.json":    true,
		"https://CLIENT.example/other.json":    true,
		"https://evil.example/app.json":        false,
		"https://client.example.evil/app.json": false,
		"http://client.example/app.json":       false,
		"https://client.example:8443/app.json": false,
		"https://169.254.169.254/latest/meta":  false,
	} {
		if err := hc.CheckRedirect(req(target), first); (err == nil) != ok {
			t.Errorf("redirect to %s: %v, want allowed=%v", target, err, ok)
		}
	}
	three := []*http.Request{first[0], req("https://client.example/2"), req("https://client.example/3")}
	if err := hc.CheckRedirect(req("https://client.example/4"), three); err == nil {
		t.Error("a fourth redirect was followed")
	}
	// A same-host redirect is followed: the document is found behind it,
	// and its client_id is still the URL the client gave.
	cs := newCIMDServer(t)
	e := newEnv(t, func(c *oauth.Config) { c.HTTPClient = cs.client() })
	id := cs.URL + "/moved.json"
	cs.doc("/client.json", "", map[string]any{"client_id": id, "redirect_uris": []string{testRedirect}})
	cs.docs["/moved.json"] = func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/client.json", http.StatusFound) }
	_, challenge := pkce()
	e.mustConsent(e.authorize(authParams(id, challenge)))
}

// Outbound TLS is verified: a document served with a certificate the
// server does not trust is refused (GHSA-x9r8-q2qj-cgvw: upstream fetched
// peers with verify=False).
func TestCIMD_UntrustedCertificate(t *testing.T) {
	cs := newCIMDServer(t)
	e := newEnv(t, func(c *oauth.Config) {
		c.HTTPClient = oauth.SafeHTTPClient(func(a netip.Addr) bool { return a.IsLoopback() })
	})
	id := cs.doc("/client.json", "", map[string]any{"client_id": cs.URL + "/client.json", "redirect_uris": []string{testRedirect}})
	_, challenge := pkce()
	if w := e.authorize(authParams(id, challenge)); w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" {
		t.Errorf("document behind an untrusted certificate: %d %q", w.Code, w.Header().Get("Location"))
	}
	if n := cs.fetches.Load(); n != 0 {
		t.Errorf("the document was served %d times over an unverified connection", n)
	}
}

// A document server that answers the headers and then stalls cannot hold
// the authorization request: the fetch gives up after CIMDTimeout.
func TestCIMD_Timeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits CIMDTimeout")
	}
	t.Parallel()
	cs := newCIMDServer(t)
	release := make(chan struct{})
	defer close(release)
	cs.docs["/slow.json"] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"client_id":`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	e := newEnv(t, func(c *oauth.Config) { c.HTTPClient = cs.client() })
	_, challenge := pkce()
	if w := e.authorize(authParams(cs.URL+"/slow.json", challenge)); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "failed") {
		t.Errorf("stalled document: %d %s", w.Code, w.Body)
	}
}

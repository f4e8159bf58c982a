package daemon

// OAuth 2.1 in the daemon: the authorization server's endpoints, bearer
// challenges that point at its metadata, and the dashboard's login through
// it (the backend-for-frontend pattern: the server runs the code flow with
// PKCE and gives the browser only a session cookie, never a token).

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/httperror"
	"github.com/mcp-memory-go/memory/oauth"
)

// Dashboard login paths.
const (
	loginPath    = "/login/oauth"
	callbackPath = "/login/oauth/callback"
	stateCookie  = "mms_oauth_state"
)

// mountOAuth adds the authorization server and the dashboard login to mux.
func (d *Daemon) mountOAuth(mux *http.ServeMux) error {
	s := d.cfg.OAuth
	h := s.Handler()
	mux.Handle("/.well-known/", publicMetadata(h))
	mux.Handle("/oauth/", h)
	redirect := s.Issuer() + callbackPath
	if _, err := s.DashboardClient(redirect); err != nil {
		return err
	}
	pending := auth.NewOneTime[string](10 * time.Minute) // state → PKCE verifier
	mux.HandleFunc("GET "+loginPath, func(w http.ResponseWriter, r *http.Request) {
		verifier := auth.RandomToken()
		sum := sha256.Sum256([]byte(verifier))
		state := pending.Issue(verifier)
		http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: loginPath, HttpOnly: true,
			Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: 600})
		q := url.Values{
			"response_type": {"code"}, "client_id": {oauth.DashboardClientID}, "redirect_uri": {redirect},
			"scope": {"read write admin"}, "state": {state}, "resource": {s.Resource()},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		}
		http.Redirect(w, r, s.Issuer()+"/oauth/authorize?"+q.Encode(), http.StatusFound)
	})
	mux.HandleFunc("GET "+callbackPath, func(w http.ResponseWriter, r *http.Request) {
		fail := func(msg string) {
			http.Redirect(w, r, "/#/login?error="+url.QueryEscape(msg), http.StatusFound)
		}
		q := r.URL.Query()
		http.SetCookie(w, &http.Cookie{Name: stateCookie, Path: loginPath, MaxAge: -1, HttpOnly: true})
		c, err := r.Cookie(stateCookie)
		state := q.Get("state")
		if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
			fail("the login did not start in this browser; try again")
			return
		}
		verifier := pending.Redeem(state)
		switch {
		case verifier == "":
			fail("the login took too long; try again")
			return
		case q.Get("iss") != s.Issuer(): // RFC 9207: the answer is from our server
			fail("the answer came from another authorization server")
			return
		case q.Get("error") != "":
			fail("login refused: " + q.Get("error"))
			return
		}
		tokens, err := s.Exchange(r.Context(), oauth.DashboardClientID, q.Get("code"), verifier, redirect)
		if err != nil {
			fail("the login could not be completed; try again")
			return
		}
		p, err := s.Verify(r.Context(), tokens.AccessToken)
		if err != nil {
			fail("the login could not be completed; try again")
			return
		}
		id, sess := d.auth.Sessions.Create(p)
		http.SetCookie(w, auth.SessionCookieFor(r, id, sess.Created.Add(auth.SessionMax)))
		http.Redirect(w, r, "/", http.StatusFound)
	})
	return nil
}

// publicMetadata serves the discovery documents to any origin: they are
// public (RFC 8414, RFC 9728) and browser-based MCP clients read them.
func publicMetadata(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, OPTIONS")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// isMetadata reports whether a request reads a public discovery document,
// which any origin may do.
func isMetadata(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodOptions) && strings.HasPrefix(r.URL.Path, "/.well-known/")
}

// withChallenge makes 401 and 403 answers point at the protected-resource
// metadata, as MCP clients expect when OAuth is on.
func (d *Daemon) withChallenge(next http.Handler) http.Handler {
	if d.cfg.OAuth == nil {
		return next
	}
	url := d.cfg.OAuth.ResourceMetadataURL()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(httperror.WithResourceMetadata(r.Context(), url)))
	})
}

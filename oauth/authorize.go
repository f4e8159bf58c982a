package oauth

// The authorization endpoint: GET validates the request and shows the
// login and consent page; POST checks the CSRF token and the password and
// answers the client's redirect URI with a code (or an error), state and
// iss (RFC 9207).

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/guard"
	"github.com/mcp-memory-go/memory/httperror"
)

// Browser-binding cookie of pending authorization requests: __Host- and
// Secure when the issuer is https.
const (
	browserCookie       = "mms_oauth_browser"
	secureBrowserCookie = "__Host-mms_oauth_browser"
)

// Limits of pending authorization requests (the consent page waiting for
// the user).
const (
	pendingTTL         = 10 * time.Minute
	maxPending         = 10000
	maxLoginFailures   = 5
	maxStateLen        = 2048
	maxConsentFormBody = 16 << 10
)

// challengeFormat is an S256 code challenge: base64url of 32 bytes.
var challengeFormat = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// pendingRequest is a validated authorization request waiting for the
// user. The consent form refers to it by id; its parameters are never
// taken from the form.
type pendingRequest struct {
	id          string
	csrf        string
	browser     string // auth.HashSecret of the browser cookie
	client      Client
	redirectURI string
	state       string
	challenge   string
	scopes      []string
	resource    string
	expires     time.Time
	failures    int
}

type pendingRequests struct {
	mu sync.Mutex
	m  map[string]*pendingRequest
}

func newPendingRequests() *pendingRequests {
	return &pendingRequests{m: map[string]*pendingRequest{}}
}

func (p *pendingRequests) add(pr *pendingRequest, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.m) >= maxPending {
		var oldest *pendingRequest
		for id, o := range p.m {
			if !now.Before(o.expires) {
				delete(p.m, id)
			} else if oldest == nil || o.expires.Before(oldest.expires) {
				oldest = o
			}
		}
		if len(p.m) >= maxPending && oldest != nil {
			delete(p.m, oldest.id)
		}
	}
	p.m[pr.id] = pr
}

// get returns a copy of the pending request with the id, if unexpired.
func (p *pendingRequests) get(id string, now time.Time) (pendingRequest, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.m[id]
	if !ok {
		return pendingRequest{}, false
	}
	if !now.Before(pr.expires) {
		delete(p.m, id)
		return pendingRequest{}, false
	}
	return *pr, true
}

// fail counts a wrong password and reports whether the request may be
// tried again.
func (p *pendingRequests) fail(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.m[id]
	if !ok {
		return false
	}
	pr.failures++
	if pr.failures >= maxLoginFailures {
		delete(p.m, id)
		return false
	}
	return true
}

// take removes the request and reports whether it was there, so that
// only one POST completes it.
func (p *pendingRequests) take(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.m[id]
	delete(p.m, id)
	return ok
}

// lookupClient returns the client with the id: a client ID metadata
// document for an https URL, a registered client otherwise. Unknown
// clients are an *Error invalid_client.
func (s *Server) lookupClient(ctx context.Context, id string) (Client, error) {
	switch {
	case id == "":
		return Client{}, oauthErr(http.StatusBadRequest, "invalid_request", "client_id is missing")
	case isCIMDClientID(id):
		return s.cimdClient(ctx, id)
	case strings.HasPrefix(id, "http:") || strings.HasPrefix(id, "https:"):
		return Client{}, oauthErr(http.StatusUnauthorized, "invalid_client", "a URL client_id must be an https URL with a path and no query or fragment")
	}
	c, err := s.cfg.Store.OAuthClient(ctx, id)
	if memory.ErrorCode(err) == memory.ENotFound {
		return Client{}, oauthErr(http.StatusUnauthorized, "invalid_client", "unknown client")
	}
	return c, err
}

// single returns the only value of a parameter; ok is false if it is
// repeated.
func single(v url.Values, name string) (string, bool) {
	vs := v[name]
	switch len(vs) {
	case 0:
		return "", true
	case 1:
		return vs[0], true
	}
	return "", false
}

func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, ok1 := single(q, "client_id")
	redirectURI, ok2 := single(q, "redirect_uri")
	if !ok1 || !ok2 {
		s.errorPage(w, http.StatusBadRequest, "The request repeats client_id or redirect_uri.")
		return
	}
	client, err := s.lookupClient(r.Context(), clientID)
	if err != nil {
		var oe *Error
		if errors.As(err, &oe) {
			s.errorPage(w, http.StatusBadRequest, "The application is not known to this server ("+oe.Description+"). It may need to register again.")
			return
		}
		s.log.Error("looking up an OAuth client failed", "err", err)
		s.errorPage(w, http.StatusInternalServerError, "Internal error; the server log has the details.")
		return
	}
	if redirectURI == "" {
		s.errorPage(w, http.StatusBadRequest, "The request has no redirect_uri.")
		return
	}
	if !matchRedirect(client.RedirectURIs, redirectURI) {
		s.errorPage(w, http.StatusBadRequest, "The redirect_uri is not registered for this application, so this server will not send you there.")
		return
	}
	// From here on errors go back to the client's redirect URI.
	state, ok := single(q, "state")
	fail := func(code, desc string) {
		s.redirectError(w, r, redirectURI, state, code, desc)
	}
	if !ok || len(state) > maxStateLen {
		state = ""
		fail("invalid_request", "state is repeated or too long")
		return
	}
	for _, name := range []string{"response_type", "code_challenge", "code_challenge_method", "scope", "resource", "prompt"} {
		if _, ok := single(q, name); !ok {
			fail("invalid_request", name+" is repeated")
			return
		}
	}
	switch q.Get("response_type") {
	case "code":
	case "":
		fail("invalid_request", "response_type is missing")
		return
	default:
		fail("unsupported_response_type", "only response_type=code is supported")
		return
	}
	if q.Get("code_challenge") == "" {
		fail("invalid_request", "code_challenge is required (PKCE with S256)")
		return
	}
	if q.Get("code_challenge_method") != "S256" {
		fail("invalid_request", "code_challenge_method must be S256")
		return
	}
	if !challengeFormat.MatchString(q.Get("code_challenge")) {
		fail("invalid_request", "code_challenge must be the base64url SHA-256 of the code verifier (43 characters)")
		return
	}
	if !slices.Contains(client.GrantTypes, GrantAuthorizationCode) {
		fail("unauthorized_client", "the client is not registered for the authorization_code grant")
		return
	}
	scopes := splitScope(q.Get("scope"))
	if len(scopes) == 0 {
		scopes = splitScope(DefaultScope)
	}
	if !knownScopes(scopes) || highestScope(scopes) == "" {
		fail("invalid_scope", "scope must include read, write or admin and may add offline_access")
		return
	}
	resource := s.resource
	if res := q.Get("resource"); res != "" && !s.resourceOK(res) {
		fail("invalid_target", "this server issues tokens only for "+s.resource)
		return
	}
	if q.Get("prompt") == "none" {
		fail("login_required", "the user must log in")
		return
	}

	browser := s.browserCookie(w, r)
	pr := &pendingRequest{
		id: randomString(32), csrf: randomString(32), browser: auth.HashSecret(browser),
		client: client, redirectURI: redirectURI, state: state, challenge: q.Get("code_challenge"),
		scopes: scopes, resource: resource, expires: s.now().Add(pendingTTL),
	}
	s.pending.add(pr, s.now())
	s.consentPage(w, http.StatusOK, pr, "", "")
}

// browserCookie returns the browser's binding cookie, setting a new one
// when it has none.
func (s *Server) browserCookie(w http.ResponseWriter, r *http.Request) string {
	name := browserCookie
	if s.secure {
		name = secureBrowserCookie
	}
	if c, err := r.Cookie(name); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	v := randomString(32)
	http.SetCookie(w, &http.Cookie{Name: name, Value: v, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	return v
}

func (s *Server) consentPage(w http.ResponseWriter, status int, pr *pendingRequest, username, errMsg string) {
	d := pageData{
		Title: "Authorize " + pr.client.Name, Consent: true, Error: errMsg,
		ClientName: pr.client.Name, ClientID: pr.client.ID, Unverified: !isCIMDClientID(pr.client.ID) && pr.client.ID != DashboardClientID,
		RedirectHost: redirectHost(pr.redirectURI), Action: "/oauth/authorize",
		RequestID: pr.id, CSRF: pr.csrf, Username: username,
	}
	if pr.client.Name == "" {
		d.ClientName, d.Title = "An unnamed application", "Authorize an application"
	}
	// The warning is for third-party apps listening on this computer; the
	// built-in dashboard is this server itself.
	if u, err := url.Parse(pr.redirectURI); err == nil && u.Scheme == "http" && isLoopbackHost(u.Hostname()) && pr.client.ID != DashboardClientID {
		d.Loopback = true
	}
	for _, sc := range pr.scopes {
		d.Scopes = append(d.Scopes, scopeItem{Name: sc, Description: scopeDescription(sc)})
	}
	s.writePage(w, status, d, pr.redirectURI)
}

// redirectError sends the user agent back to a validated redirect URI
// with an error.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state, code, desc string) {
	v := url.Values{"error": {code}, "error_description": {desc}}
	s.redirect(w, r, redirectURI, state, v)
}

// redirect answers 302 to redirectURI with the parameters, state and iss
// added to its query.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, redirectURI, state string, v url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		s.errorPage(w, http.StatusBadRequest, "The redirect_uri is not a valid URI.")
		return
	}
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	if state != "" {
		q.Set("state", state)
	}
	q.Set("iss", s.issuer)
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusFound)
}

// serveConsent handles the consent form.
func (s *Server) serveConsent(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.cfg.LoginLimit.Allow(s.clientKey(r)); !ok {
		w.Header().Set("Retry-After", guard.TooManyRequests(wait).Header.Get("Retry-After"))
		s.errorPage(w, http.StatusTooManyRequests, "Too many attempts from your address; wait a minute and try again.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxConsentFormBody)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	f := r.PostForm
	now := s.now()
	pr, ok := s.pending.get(f.Get("request_id"), now)
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "This authorization request is unknown or has expired. Go back to the application and start again.")
		return
	}
	name := browserCookie
	if s.secure {
		name = secureBrowserCookie
	}
	c, err := r.Cookie(name)
	if err != nil || subtle.ConstantTimeCompare([]byte(auth.HashSecret(c.Value)), []byte(pr.browser)) != 1 ||
		subtle.ConstantTimeCompare([]byte(f.Get("csrf_token")), []byte(pr.csrf)) != 1 {
		s.pending.take(pr.id)
		s.log.Warn("OAuth consent form with a bad CSRF token or browser cookie", "client_id", httperror.Sanitize(pr.client.ID))
		s.errorPage(w, http.StatusForbidden, "The form did not come from this browser's authorization page (CSRF check failed). Go back to the application and start again.")
		return
	}
	switch f.Get("decision") {
	case "deny":
		if s.pending.take(pr.id) {
			s.redirectError(w, r, pr.redirectURI, pr.state, "access_denied", "the user denied the request")
			return
		}
		s.errorPage(w, http.StatusBadRequest, "This authorization request was already answered.")
		return
	case "approve":
	default:
		s.consentPage(w, http.StatusBadRequest, &pr, f.Get("username"), "Choose Approve or Deny.")
		return
	}

	username := strings.TrimSpace(f.Get("username"))
	userID, role, err := s.cfg.Users.Authenticate(r.Context(), username, f.Get("password"))
	switch code := memory.ErrorCode(err); {
	case err == nil:
	case code == memory.EUnauthorized:
		if !s.pending.fail(pr.id) {
			s.errorPage(w, http.StatusUnauthorized, "Too many wrong passwords for this request. Go back to the application and start again.")
			return
		}
		s.consentPage(w, http.StatusUnauthorized, &pr, username, "Wrong user name or password.")
		return
	case code == memory.EForbidden:
		s.consentPage(w, http.StatusForbidden, &pr, username, memory.ErrorMessage(err))
		return
	default:
		s.log.Error("checking a password failed", "err", err)
		s.errorPage(w, http.StatusInternalServerError, "Internal error; the server log has the details.")
		return
	}

	var chosen []string
	for _, sc := range f["scope"] {
		if slices.Contains(pr.scopes, sc) && !slices.Contains(chosen, sc) {
			chosen = append(chosen, sc)
		}
	}
	if role != auth.RoleAdmin && slices.Contains(chosen, auth.ScopeAdmin) {
		chosen = slices.DeleteFunc(chosen, func(sc string) bool { return sc == auth.ScopeAdmin })
		if !slices.Contains(chosen, auth.ScopeWrite) {
			chosen = append(chosen, auth.ScopeWrite)
		}
	}
	if highestScope(chosen) == "" {
		s.consentPage(w, http.StatusBadRequest, &pr, username, "Choose at least one of read, write or admin, or Deny.")
		return
	}
	if !s.pending.take(pr.id) {
		s.errorPage(w, http.StatusBadRequest, "This authorization request was already answered.")
		return
	}
	code := codePrefix + randomString(32)
	scope := joinScope(chosen)
	g := Grant{
		Family: randomString(16), ClientID: pr.client.ID, ClientName: pr.client.Name, UserID: userID,
		Scope: scope, Resource: pr.resource, CreatedAt: memory.TimeMS(now),
		// No token of the grant outlives this unless a refresh token
		// extends it.
		ExpiresAt: memory.TimeMS(now.Add(s.cfg.CodeTTL + s.cfg.AccessTTL + Leeway)),
	}
	cd := Code{
		Hash: auth.HashSecret(code), Family: g.Family, ClientID: pr.client.ID, RedirectURI: pr.redirectURI,
		Challenge: pr.challenge, Scope: scope, Resource: pr.resource, UserID: userID,
		CreatedAt: memory.TimeMS(now), ExpiresAt: memory.TimeMS(now.Add(s.cfg.CodeTTL)),
	}
	if err := s.cfg.Store.CreateOAuthGrant(r.Context(), g, cd); err != nil {
		s.log.Error("storing an OAuth grant failed", "err", err)
		s.errorPage(w, http.StatusInternalServerError, "Internal error; the server log has the details.")
		return
	}
	s.log.Info("OAuth grant approved", "user", userID, "client_id", httperror.Sanitize(pr.client.ID), "scope", scope)
	s.redirect(w, r, pr.redirectURI, pr.state, url.Values{"code": {code}})
}

package httpapi

// Browser sessions (the dashboard's login) and API key management.

import (
	"net/http"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/httperror"
)

// LoginRequest is the body of POST /api/session.
type LoginRequest struct {
	APIKey string `json:"api_key" jsonschema:"an API key (mms_…) or the MCP_API_KEY"`
}

// LoginSession describes the caller's browser session.
type LoginSession struct {
	CSRFToken string        `json:"csrf_token" jsonschema:"send it as X-CSRF-Token on every POST, PUT and DELETE of this session"`
	Principal PrincipalInfo `json:"principal"`
	ExpiresAt time.Time     `json:"expires_at,omitzero" jsonschema:"when the session ends unless used before"`
}

// PrincipalInfo is who the caller is, without secrets.
type PrincipalInfo struct {
	Name  string `json:"name"`
	Scope string `json:"scope" jsonschema:"read, write or admin"`
	Owner string `json:"owner"`
}

func principalInfo(p *auth.Principal) PrincipalInfo {
	return PrincipalInfo{Name: p.Name, Scope: p.Scope, Owner: p.Owner}
}

func (a *API) sessions() (*auth.Authenticator, error) {
	if a.Auth == nil || a.Auth.Sessions == nil {
		return nil, memory.Errorf(memory.EUnavailable, "browser sessions are not enabled on this server")
	}
	return a.Auth, nil
}

// login trades an API key for a session cookie and a CSRF token.
func (a *API) login(h http.Header, r *http.Request, req *LoginRequest) (*LoginSession, error) {
	authn, err := a.sessions()
	if err != nil {
		return nil, err
	}
	key := strings.TrimSpace(req.APIKey)
	if key == "" {
		return nil, memory.Errorf(memory.EInvalid, "api_key is required")
	}
	p, err := authn.Login(r, key)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(p.KeyID, auth.OAuthKeyPrefix) {
		// A session lives for days; an access token for an hour and may
		// be revoked. Trading one for the other would stretch a stolen
		// token's life: browsers log in through OAuth itself instead.
		return nil, memory.Errorf(memory.EInvalid, "api_key must be an API key, not an OAuth access token; with OAuth, log in through /login/oauth")
	}
	id, sess := authn.Sessions.Create(p)
	h.Add("Set-Cookie", auth.SessionCookieFor(r, id, sess.Created.Add(auth.SessionMax)).String())
	h.Set("Cache-Control", "no-store")
	return &LoginSession{CSRFToken: sess.CSRF, Principal: principalInfo(p), ExpiresAt: sess.Expires}, nil
}

// session describes the current login: a session cookie, or anonymous
// access (which needs no token but gets one, so the page works the same).
func (a *API) session(r *http.Request) (*LoginSession, error) {
	p := auth.FromContext(r.Context())
	if authn, err := a.sessions(); err == nil {
		if sess := authn.Sessions.Lookup(auth.SessionID(r)); sess != nil {
			return &LoginSession{CSRFToken: sess.CSRF, Principal: principalInfo(p), ExpiresAt: sess.Expires}, nil
		}
	}
	if p.Anonymous {
		return &LoginSession{CSRFToken: "anonymous", Principal: principalInfo(p)}, nil
	}
	return nil, memory.Errorf(memory.EUnauthorized, "no browser session: log in with POST /api/session")
}

// LogoutResponse answers DELETE /api/session.
type LogoutResponse struct {
	Success bool `json:"success"`
}

// logout ends the session and deletes its cookie.
func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	if authn, err := a.sessions(); err == nil {
		if id := auth.SessionID(r); id != "" {
			authn.Sessions.Delete(id)
		}
	}
	http.SetCookie(w, auth.SessionCookieFor(r, "", time.Time{}))
	httperror.WriteJSON(w, http.StatusOK, LogoutResponse{Success: true})
	return nil
}

package oauth

// The token endpoint: client authentication, the authorization_code and
// refresh_token grants, and the issuing of tokens.

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/guard"
	"github.com/mcp-memory-go/memory/httperror"
)

// Tokens is a successful token response (RFC 6749 §5.1).
type Tokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
}

// maxTokenBody bounds a token or revocation request.
const maxTokenBody = 16 << 10

// verifierFormat is a PKCE code verifier (RFC 7636 §4.1).
var verifierFormat = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

func invalidGrant(desc string) *Error {
	return oauthErr(http.StatusBadRequest, "invalid_grant", "%s", desc)
}

func invalidRequest(desc string) *Error {
	return oauthErr(http.StatusBadRequest, "invalid_request", "%s", desc)
}

// tokenForm reads a form-encoded POST body, refusing repeated parameters
// and query parameters.
func tokenForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if mt := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0])); mt != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("the body must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenBody)
	if err := r.ParseForm(); err != nil {
		return nil, invalidRequest("the body could not be read")
	}
	for k, vs := range r.PostForm {
		if len(vs) > 1 {
			return nil, invalidRequest(k + " is repeated")
		}
	}
	return r.PostForm, nil
}

// authenticateClient identifies and authenticates the client of a token or
// revocation request: HTTP Basic or client_secret in the form for
// confidential clients, client_id alone for public ones. basic reports
// whether the request used HTTP Basic, for the 401 challenge.
func (s *Server) authenticateClient(r *http.Request, f url.Values) (c Client, basic bool, err error) {
	id, secret := f.Get("client_id"), f.Get("client_secret")
	method := AuthNone
	if h := r.Header.Get("Authorization"); h != "" {
		basic = true
		bid, bsecret, ok := r.BasicAuth()
		if !ok {
			return Client{}, basic, oauthErr(http.StatusUnauthorized, "invalid_client", "the Authorization header must be HTTP Basic client credentials")
		}
		// RFC 6749 §2.3.1: both parts are form-encoded first.
		uid, err1 := url.QueryUnescape(bid)
		usecret, err2 := url.QueryUnescape(bsecret)
		if err1 != nil || err2 != nil {
			return Client{}, basic, oauthErr(http.StatusUnauthorized, "invalid_client", "the Basic credentials are not form-encoded")
		}
		if secret != "" {
			return Client{}, basic, invalidRequest("use one client authentication method, not two")
		}
		if id != "" && id != uid {
			return Client{}, basic, invalidRequest("client_id differs from the Basic credentials")
		}
		id, secret, method = uid, usecret, AuthSecretBasic
	} else if secret != "" {
		method = AuthSecretPost
	}
	if id == "" {
		return Client{}, basic, oauthErr(http.StatusUnauthorized, "invalid_client", "client authentication is missing")
	}
	c, err = s.lookupClient(r.Context(), id)
	if err != nil {
		var oe *Error
		if errors.As(err, &oe) {
			oe.Status, oe.Code = http.StatusUnauthorized, "invalid_client"
		}
		return Client{}, basic, err
	}
	if c.AuthMethod != method {
		return Client{}, basic, oauthErr(http.StatusUnauthorized, "invalid_client", "the client must authenticate with %s", c.AuthMethod)
	}
	if !c.Public() && subtle.ConstantTimeCompare([]byte(auth.HashSecret(secret)), []byte(c.SecretHash)) != 1 {
		return Client{}, basic, oauthErr(http.StatusUnauthorized, "invalid_client", "client authentication failed")
	}
	return c, basic, nil
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.cfg.TokenLimit.Allow(s.clientKey(r)); !ok {
		httperror.Write(w, r, s.log, guard.TooManyRequests(wait))
		return
	}
	s.purge(r.Context())
	f, err := tokenForm(w, r)
	if err != nil {
		writeError(w, err, false)
		return
	}
	grantType := f.Get("grant_type")
	if grantType == "" {
		writeError(w, invalidRequest("grant_type is missing"), false)
		return
	}
	c, basic, err := s.authenticateClient(r, f)
	if err != nil {
		writeError(w, s.logged(err), basic)
		return
	}
	var t *Tokens
	switch grantType {
	case GrantAuthorizationCode:
		if res := f.Get("resource"); res != "" && !s.resourceOK(res) {
			err = oauthErr(http.StatusBadRequest, "invalid_target", "this server issues tokens only for %s", s.resource)
			break
		}
		t, err = s.exchange(r.Context(), c, f.Get("code"), f.Get("code_verifier"), f.Get("redirect_uri"))
	case GrantRefreshToken:
		if res := f.Get("resource"); res != "" && !s.resourceOK(res) {
			err = oauthErr(http.StatusBadRequest, "invalid_target", "this server issues tokens only for %s", s.resource)
			break
		}
		t, err = s.refresh(r.Context(), c, f.Get("refresh_token"), f.Get("scope"))
	case "password", "implicit", "client_credentials":
		err = oauthErr(http.StatusBadRequest, "unsupported_grant_type", "the %s grant is not supported", grantType)
	default:
		err = oauthErr(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
	if err != nil {
		writeError(w, s.logged(err), basic)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	httperror.WriteJSON(w, http.StatusOK, t)
}

// logged logs an internal error once and returns it.
func (s *Server) logged(err error) error {
	var oe *Error
	if !errors.As(err, &oe) {
		s.log.Error("OAuth request failed", "err", err)
	}
	return err
}

// DashboardClientID is the built-in client of the dashboard.
const DashboardClientID = "mms-dashboard"

// DashboardClient ensures the dashboard's built-in client exists and
// accepts redirectURI, and returns its id. The client is confidential with
// a secret nobody knows: its codes can only be redeemed in process, with
// Exchange.
func (s *Server) DashboardClient(redirectURI string) (string, error) {
	if err := s.checkRedirectURI(redirectURI); err != nil {
		return "", memory.Errorf(memory.EInvalid, "%s", err)
	}
	ctx := context.Background()
	c, err := s.cfg.Store.OAuthClient(ctx, DashboardClientID)
	switch {
	case memory.ErrorCode(err) == memory.ENotFound:
		c = Client{
			ID: DashboardClientID, SecretHash: auth.HashSecret(randomString(32)), Name: "Dashboard",
			RedirectURIs: []string{redirectURI}, GrantTypes: []string{GrantAuthorizationCode, GrantRefreshToken},
			AuthMethod: AuthSecretPost, ApplicationType: "web", CreatedAt: memory.TimeMS(s.now()),
		}
		err = s.cfg.Store.CreateOAuthClient(ctx, c)
		if memory.ErrorCode(err) == memory.EConflict {
			return s.DashboardClient(redirectURI) // created meanwhile
		}
		return DashboardClientID, err
	case err != nil:
		return "", err
	case slices.Contains(c.RedirectURIs, redirectURI):
		return DashboardClientID, nil
	}
	c.RedirectURIs = append(c.RedirectURIs, redirectURI)
	if n := len(c.RedirectURIs); n > maxRedirectURIs {
		c.RedirectURIs = c.RedirectURIs[n-maxRedirectURIs:]
	}
	return DashboardClientID, s.cfg.Store.UpdateOAuthClient(ctx, c)
}

// Exchange redeems an authorization code for clientID as the token
// endpoint does, without client authentication: for in-process callers
// (the dashboard's server side). Errors are *Error (invalid_grant, …) or
// internal.
func (s *Server) Exchange(ctx context.Context, clientID, code, verifier, redirectURI string) (*Tokens, error) {
	c, err := s.lookupClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	return s.exchange(ctx, c, code, verifier, redirectURI)
}

// Refresh uses a refresh token of clientID as the token endpoint does,
// without client authentication, for in-process callers; scope "" keeps
// the granted scope.
func (s *Server) Refresh(ctx context.Context, clientID, refreshToken, scope string) (*Tokens, error) {
	c, err := s.lookupClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	return s.refresh(ctx, c, refreshToken, scope)
}

// exchange is the authorization_code grant for an authenticated client.
func (s *Server) exchange(ctx context.Context, c Client, code, verifier, redirectURI string) (*Tokens, error) {
	if code == "" {
		return nil, invalidRequest("code is missing")
	}
	if verifier == "" {
		return nil, invalidRequest("code_verifier is missing (PKCE is required)")
	}
	if redirectURI == "" {
		return nil, invalidRequest("redirect_uri is missing")
	}
	if !verifierFormat.MatchString(verifier) {
		return nil, invalidGrant("code_verifier is malformed")
	}
	now := s.now()
	cd, err := s.cfg.Store.UseOAuthCode(ctx, auth.HashSecret(code), now)
	if memory.ErrorCode(err) == memory.ENotFound {
		return nil, invalidGrant("the authorization code is invalid or expired")
	}
	if err != nil {
		return nil, err
	}
	if !cd.UsedAt.IsZero() {
		// A replayed code: someone else may hold it. Revoke every token
		// issued from it (ASVS 10.4.2).
		if err := s.cfg.Store.RevokeOAuthGrant(ctx, cd.Family, now); err != nil && memory.ErrorCode(err) != memory.ENotFound {
			return nil, err
		}
		s.log.Warn("authorization code replayed: its grant is revoked", "client_id", httperror.Sanitize(cd.ClientID), "user", cd.UserID)
		return nil, invalidGrant("the authorization code was already used; the tokens issued from it are revoked")
	}
	switch {
	case !now.Before(cd.ExpiresAt):
		return nil, invalidGrant("the authorization code is invalid or expired")
	case cd.ClientID != c.ID:
		return nil, invalidGrant("the authorization code was issued to another client")
	case cd.RedirectURI != redirectURI:
		return nil, invalidGrant("redirect_uri differs from the authorization request")
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(cd.Challenge)) != 1 {
		return nil, invalidGrant("code_verifier does not match the code_challenge")
	}
	if err := s.userActive(ctx, cd.UserID); err != nil {
		return nil, err
	}
	g := Grant{Family: cd.Family, ClientID: c.ID, UserID: cd.UserID, Scope: cd.Scope, Resource: cd.Resource}
	return s.issue(ctx, c, g, splitScope(cd.Scope), nil)
}

// refresh is the refresh_token grant for an authenticated client.
func (s *Server) refresh(ctx context.Context, c Client, token, scope string) (*Tokens, error) {
	if token == "" {
		return nil, invalidRequest("refresh_token is missing")
	}
	if !slices.Contains(c.GrantTypes, GrantRefreshToken) {
		return nil, oauthErr(http.StatusBadRequest, "unauthorized_client", "the client is not registered for the refresh_token grant")
	}
	now := s.now()
	hash := auth.HashSecret(token)
	rt, err := s.cfg.Store.OAuthRefresh(ctx, hash)
	if memory.ErrorCode(err) == memory.ENotFound {
		return nil, invalidGrant("the refresh token is invalid, expired or revoked")
	}
	if err != nil {
		return nil, err
	}
	if rt.ClientID != c.ID {
		return nil, invalidGrant("the refresh token was issued to another client")
	}
	if !rt.UsedAt.IsZero() {
		return nil, s.refreshReplayed(ctx, rt, now)
	}
	if !now.Before(rt.ExpiresAt) {
		return nil, invalidGrant("the refresh token is invalid, expired or revoked")
	}
	granted := splitScope(rt.Scope)
	want := granted
	if scope != "" {
		want = splitScope(scope)
		for _, sc := range want {
			if !slices.Contains(granted, sc) {
				return nil, oauthErr(http.StatusBadRequest, "invalid_scope", "scope may only narrow the granted scope %q", rt.Scope)
			}
		}
		if highestScope(want) == "" {
			return nil, oauthErr(http.StatusBadRequest, "invalid_scope", "scope must include read, write or admin")
		}
	}
	g, err := s.cfg.Store.OAuthGrant(ctx, rt.Family)
	if err != nil || !g.RevokedAt.IsZero() {
		if err != nil && memory.ErrorCode(err) != memory.ENotFound {
			return nil, err
		}
		return nil, invalidGrant("the refresh token is invalid, expired or revoked")
	}
	if err := s.userActive(ctx, rt.UserID); err != nil {
		return nil, err
	}
	return s.issue(ctx, c, g, want, &rt)
}

// refreshReplayed revokes the grant of a rotated refresh token presented
// again (OAuth 2.1 §4.3.1, ASVS 10.4.5).
func (s *Server) refreshReplayed(ctx context.Context, rt RefreshToken, now time.Time) error {
	if err := s.cfg.Store.RevokeOAuthGrant(ctx, rt.Family, now); err != nil && memory.ErrorCode(err) != memory.ENotFound {
		return err
	}
	s.log.Warn("rotated refresh token reused: its grant is revoked", "client_id", httperror.Sanitize(rt.ClientID), "user", rt.UserID)
	return invalidGrant("the refresh token was already used; every token of its grant is revoked")
}

// userActive refuses tokens for a user who was disabled or deleted.
func (s *Server) userActive(ctx context.Context, id string) error {
	ok, err := s.cfg.Users.Active(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		return invalidGrant("the user's account is disabled")
	}
	return nil
}

// issue makes an access token of scope for the grant and, when the client
// may refresh and the grant includes offline_access, a refresh token;
// old, if set, is the refresh token being rotated.
func (s *Server) issue(ctx context.Context, c Client, g Grant, scope []string, old *RefreshToken) (*Tokens, error) {
	now := s.now()
	access, err := s.mint(g, c.ID, scope, now)
	if err != nil {
		return nil, err
	}
	t := &Tokens{AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(s.cfg.AccessTTL / time.Second), Scope: joinScope(scope)}
	if !slices.Contains(c.GrantTypes, GrantRefreshToken) || !slices.Contains(splitScope(g.Scope), ScopeOfflineAccess) {
		return t, nil
	}
	t.RefreshToken = refreshPrefix + randomString(32)
	next := RefreshToken{
		Hash: auth.HashSecret(t.RefreshToken), Family: g.Family, ClientID: c.ID, UserID: g.UserID,
		Scope: g.Scope, Resource: g.Resource,
		CreatedAt: memory.TimeMS(now), ExpiresAt: memory.TimeMS(now.Add(s.cfg.RefreshTTL)),
	}
	if old == nil {
		err = s.cfg.Store.CreateOAuthRefresh(ctx, next)
	} else {
		err = s.cfg.Store.RotateOAuthRefresh(ctx, old.Hash, next, now)
		if memory.ErrorCode(err) == memory.EConflict {
			return nil, s.refreshReplayed(ctx, *old, now) // lost a race with another use
		}
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

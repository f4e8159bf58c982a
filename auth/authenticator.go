package auth

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mcp-memory-go/memory"
)

// BootstrapKeyID is the KeyID of the principal authenticated by the
// bootstrap key (MCP_API_KEY).
const BootstrapKeyID = "env"

// Authenticator resolves the credentials of a request to a Principal.
// Credentials come from the Authorization header ("Bearer <key>") or the
// X-API-Key header, never from the query string; a browser's event stream
// uses a ticket (see Tickets) instead.
type Authenticator struct {
	// Keys holds the API keys; nil means only the bootstrap key works.
	Keys KeyStore
	// BootstrapKey (MCP_API_KEY) is an admin key for the local owner; empty
	// disables it.
	BootstrapKey string
	// Anonymous, when set, lets requests without credentials act as the
	// local owner with read and write (never admin).
	Anonymous bool
	// Tickets redeems one-use event-stream tickets; nil disables them.
	Tickets *Tickets
	// Sessions holds browser logins (cookie + CSRF token); nil disables
	// them.
	Sessions *Sessions
	// Tokens, if set, verifies bearer tokens that are not API keys (OAuth
	// access tokens).
	Tokens interface {
		Verify(ctx context.Context, token string) (*Principal, error)
	}
	// Users, if set, must report the owner of a key active (an account
	// that exists and is not disabled) for the key to work; keys of the
	// local owner need no account.
	Users interface {
		Active(ctx context.Context, id string) (bool, error)
	}
	// OnFailure, if set, is told of every failed authentication or login
	// and may answer with an error of its own (a rate limit per address)
	// that replaces the failure.
	OnFailure func(r *http.Request) error
	Logger    *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	touched map[string]time.Time
}

// touchEvery limits how often a key's last-used time is written.
const touchEvery = time.Minute

// Enabled reports whether any credential can succeed; a server with no way
// to authenticate and no anonymous access answers every protected route
// with 401.
func (a *Authenticator) Enabled(ctx context.Context) bool {
	if a.BootstrapKey != "" || a.Anonymous {
		return true
	}
	if a.Keys == nil {
		return false
	}
	keys, err := a.Keys.Keys(ctx)
	if err != nil {
		return false
	}
	now := a.now()
	for _, k := range keys {
		if k.Active(now) {
			return true
		}
	}
	return false
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Credential returns the secret a request presents and whether it presents
// one. Two different secrets in the two headers are refused.
func Credential(r *http.Request) (string, bool, error) {
	var bearer string
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, v, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(v) == "" {
			return "", true, memory.Errorf(memory.EUnauthorized, "the Authorization header must be \"Bearer <key>\"")
		}
		bearer = strings.TrimSpace(v)
	}
	apiKey := strings.TrimSpace(r.Header.Get("X-API-Key"))
	switch {
	case bearer != "" && apiKey != "" && bearer != apiKey:
		return "", true, memory.Errorf(memory.EUnauthorized, "Authorization and X-API-Key carry different keys")
	case bearer != "":
		return bearer, true, nil
	case apiKey != "":
		return apiKey, true, nil
	}
	return "", false, nil
}

// Authenticate returns the principal of r: from its credentials, from a
// ticket (only when allowTicket), from a session cookie (whose
// state-changing requests must carry the CSRF token), anonymous when
// enabled and nothing else is given, or nil when there is nothing. Bad
// credentials are an EUnauthorized error and a session request without
// its CSRF token an EForbidden one: they never fall through to anonymous
// access.
func (a *Authenticator) Authenticate(r *http.Request, allowTicket bool) (*Principal, error) {
	p, err := a.authenticate(r, allowTicket)
	return p, a.failed(r, err)
}

// Login checks a secret typed into a login form.
func (a *Authenticator) Login(r *http.Request, secret string) (*Principal, error) {
	p, err := a.Verify(r.Context(), secret)
	return p, a.failed(r, err)
}

// failed reports an authentication failure to OnFailure.
func (a *Authenticator) failed(r *http.Request, err error) error {
	if err == nil || a.OnFailure == nil {
		return err
	}
	if c := memory.ErrorCode(err); c != memory.EUnauthorized && c != memory.EForbidden {
		return err
	}
	if limited := a.OnFailure(r); limited != nil {
		return limited
	}
	return err
}

func (a *Authenticator) authenticate(r *http.Request, allowTicket bool) (*Principal, error) {
	secret, ok, err := Credential(r)
	if err != nil {
		return nil, err
	}
	if ok {
		p, err := a.Verify(r.Context(), secret)
		if err == nil && strings.HasPrefix(p.KeyID, OAuthKeyPrefix) && r.Header.Get("Authorization") == "" {
			// OAuth access tokens travel in the Authorization header only
			// (MCP authorization, RFC 6750 §2.1); X-API-Key is for keys.
			return nil, memory.Errorf(memory.EUnauthorized, "send an OAuth access token as \"Authorization: Bearer <token>\", not in X-API-Key")
		}
		return p, err
	}
	if t := r.URL.Query().Get("ticket"); t != "" && allowTicket && a.Tickets != nil {
		if p := a.Tickets.Redeem(t); p != nil {
			return p, nil
		}
		return nil, memory.Errorf(memory.EUnauthorized, "the ticket is unknown, used or expired: ask for a new one")
	}
	if id := SessionID(r); id != "" && a.Sessions != nil {
		return a.session(r, id)
	}
	if a.Anonymous {
		return &Principal{Owner: memory.LocalOwner, Scope: ScopeWrite, Anonymous: true, Name: "anonymous"}, nil
	}
	return nil, nil
}

// invalidKey is the one message for every kind of bad key, so that callers
// learn nothing about which keys exist.
func invalidKey() error {
	return memory.Errorf(memory.EUnauthorized, "invalid, expired or revoked API key")
}

// Verify resolves a presented secret to its principal in constant time
// with respect to the secret's value.
func (a *Authenticator) Verify(ctx context.Context, secret string) (*Principal, error) {
	presented := HashSecret(secret)
	if a.BootstrapKey != "" && subtle.ConstantTimeCompare([]byte(presented), []byte(HashSecret(a.BootstrapKey))) == 1 {
		return &Principal{Owner: memory.LocalOwner, Scope: ScopeAdmin, KeyID: BootstrapKeyID, Name: "MCP_API_KEY"}, nil
	}
	id, ok := parseKeyID(secret)
	if !ok && a.Tokens != nil && strings.Count(secret, ".") == 2 {
		return a.Tokens.Verify(ctx, secret)
	}
	if !ok || a.Keys == nil {
		return nil, invalidKey()
	}
	k, err := a.Keys.Key(ctx, id)
	if err != nil {
		if memory.ErrorCode(err) == memory.ENotFound {
			return nil, invalidKey()
		}
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(presented), []byte(k.Hash)) != 1 {
		return nil, invalidKey()
	}
	if err := a.usable(ctx, k); err != nil {
		return nil, err
	}
	a.touch(ctx, k.ID, a.now())
	return &Principal{Owner: k.Owner, Scope: k.Scope, KeyID: k.ID, Name: k.Name}, nil
}

// touch records key use at most once per touchEvery per key.
func (a *Authenticator) touch(ctx context.Context, id string, now time.Time) {
	a.mu.Lock()
	if a.touched == nil {
		a.touched = map[string]time.Time{}
	}
	last, seen := a.touched[id]
	if seen && now.Sub(last) < touchEvery {
		a.mu.Unlock()
		return
	}
	a.touched[id] = now
	a.mu.Unlock()
	if err := a.Keys.TouchKey(context.WithoutCancel(ctx), id, now); err != nil && a.Logger != nil {
		a.Logger.Warn("recording API key use failed", "key_id", id, "err", err)
	}
}

// session resolves a session cookie. The session ends with its key: a
// revoked or expired key logs its browsers out at their next request.
func (a *Authenticator) session(r *http.Request, id string) (*Principal, error) {
	sess := a.Sessions.Lookup(id)
	if sess == nil {
		return nil, memory.Errorf(memory.EUnauthorized, "the session has ended: log in again")
	}
	if kid := sess.Principal.KeyID; kid != "" && kid != BootstrapKeyID {
		var err error
		if strings.HasPrefix(kid, OAuthKeyPrefix) {
			err = a.userActive(r.Context(), sess.Principal.Owner)
		} else {
			var k Key
			if k, err = a.Keys.Key(r.Context(), kid); err == nil {
				err = a.usable(r.Context(), k)
			}
		}
		switch code := memory.ErrorCode(err); {
		case code == memory.ENotFound || code == memory.EUnauthorized:
			a.Sessions.Delete(id)
			return nil, memory.Errorf(memory.EUnauthorized, "the session's API key was revoked or has expired, or its user disabled: log in again")
		case err != nil:
			return nil, err
		}
	}
	if err := checkCSRF(r, sess); err != nil {
		return nil, err
	}
	return sess.Principal, nil
}

// usable checks that a stored key may be used now: not revoked or expired,
// and its owner's account active.
func (a *Authenticator) usable(ctx context.Context, k Key) error {
	if !k.Active(a.now()) {
		return invalidKey()
	}
	return a.userActive(ctx, k.Owner)
}

// userActive checks that an owner's account exists and is not disabled
// (the local owner needs none).
func (a *Authenticator) userActive(ctx context.Context, owner string) error {
	if a.Users == nil || owner == memory.LocalOwner {
		return nil
	}
	ok, err := a.Users.Active(ctx, owner)
	if err != nil {
		return err
	}
	if !ok {
		return invalidKey()
	}
	return nil
}

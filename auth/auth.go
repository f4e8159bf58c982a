// Package auth decides who a request comes from and what it may do: API
// keys (stored hashed, scoped read/write/admin), the bootstrap key from
// MCP_API_KEY, opt-in anonymous access and short-lived tickets for browser
// event streams. Transports map its errors (EUnauthorized, EForbidden) in
// their one error mapper.
package auth

import (
	"context"
	"slices"
	"strings"

	"github.com/mcp-memory-go/memory"
)

// Scopes, from least to most powerful. Each includes the ones below it: a
// write key can read, an admin key can read and write.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
	ScopeAdmin = "admin"
)

// Scopes lists every scope in increasing power.
func Scopes() []string { return []string{ScopeRead, ScopeWrite, ScopeAdmin} }

// ValidScope reports whether s names a scope.
func ValidScope(s string) bool { return slices.Contains(Scopes(), s) }

// Implied returns scope and every scope it includes, e.g. write → [read write].
func Implied(scope string) []string {
	i := slices.Index(Scopes(), scope)
	if i < 0 {
		return nil
	}
	return Scopes()[:i+1]
}

// Principal is an authenticated caller.
type Principal struct {
	// Owner is the user whose memories the caller sees and changes.
	Owner string
	// Scope is the most powerful scope granted (see Implied).
	Scope string
	// KeyID identifies the API key used ("" for anonymous callers); the
	// bootstrap key is "env".
	KeyID string
	// Name is a label for logs and the dashboard (the key's name).
	Name string
	// Anonymous is set when no credentials were given and anonymous access
	// is enabled.
	Anonymous bool
}

// Has reports whether p may act with scope.
func (p *Principal) Has(scope string) bool {
	return p != nil && slices.Contains(Implied(p.Scope), scope)
}

// Scopes returns every scope p holds.
func (p *Principal) Scopes() []string { return Implied(p.Scope) }

// OAuthKeyPrefix starts the KeyID of principals authenticated by an OAuth
// access token: "oauth:<client id>".
const OAuthKeyPrefix = "oauth:"

// ID returns a stable identity for rate limits and logs: the key id, the
// OAuth client and user, or "anonymous".
func (p *Principal) ID() string {
	switch {
	case strings.HasPrefix(p.KeyID, OAuthKeyPrefix):
		return p.KeyID + "/" + p.Owner // one budget per user of a client
	case p.KeyID != "":
		return "key:" + p.KeyID
	}
	return "anonymous"
}

// Credential names what p authenticated with, for the provenance of what
// it writes: "key:<id>" (the bootstrap key is "key:env"), "oauth:<client
// id>", or "anonymous".
func (p *Principal) Credential() string {
	switch {
	case p == nil || p.KeyID == "":
		return "anonymous"
	case strings.HasPrefix(p.KeyID, OAuthKeyPrefix):
		return p.KeyID
	}
	return "key:" + p.KeyID
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p and p's owner (memory.WithOwner).
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	ctx = context.WithValue(ctx, principalKey{}, p)
	return memory.WithOwner(ctx, p.Owner)
}

// FromContext returns the principal carried by ctx, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Check returns nil if p may act with scope, an EUnauthorized error when
// there is no principal and an EForbidden error naming the missing scope
// otherwise.
func Check(p *Principal, scope string) error {
	switch {
	case p == nil:
		return memory.Errorf(memory.EUnauthorized, "authentication required: send an API key as \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\"")
	case !p.Has(scope):
		return &ScopeError{Need: scope}
	}
	return nil
}

// ScopeError is the EForbidden error of a caller lacking a scope; transports
// use Need to tell the client which scope to ask for.
type ScopeError struct{ Need string }

func (e *ScopeError) Error() string {
	return memory.EForbidden + ": insufficient scope: this needs the " + e.Need + " scope"
}

// Unwrap makes ScopeError carry the EForbidden code for memory.ErrorCode.
func (e *ScopeError) Unwrap() error {
	return memory.Errorf(memory.EForbidden, "insufficient scope: this needs the %s scope", e.Need)
}

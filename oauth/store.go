package oauth

// What the authorization server keeps: clients, grants, codes and refresh
// tokens (Store), and who may log in (Users).

import (
	"context"
	"time"
)

// Users checks passwords; the daemon implements it over its user accounts.
type Users interface {
	// Authenticate returns the user's id (the owner of its memories) and
	// role ("admin" or "user"). A wrong name or password, or a disabled
	// account, is a memory.EUnauthorized error; a locked-out account is a
	// memory.EForbidden error whose message is shown to the user.
	Authenticate(ctx context.Context, name, password string) (id, role string, err error)
	// Active reports whether the user exists and is not disabled.
	Active(ctx context.Context, id string) (bool, error)
}

// Store persists the authorization server's state. Secrets (client
// secrets, codes, refresh tokens) are stored as auth.HashSecret of their
// value, never in clear. Implementations: sqlite.Store.
type Store interface {
	// CreateOAuthClient stores c; EConflict if its ID exists.
	CreateOAuthClient(ctx context.Context, c Client) error
	// OAuthClient returns the client with the id, or ENotFound.
	OAuthClient(ctx context.Context, id string) (Client, error)
	// UpdateOAuthClient replaces every field of the client with c's ID;
	// ENotFound if unknown.
	UpdateOAuthClient(ctx context.Context, c Client) error

	// CreateOAuthGrant stores a user's approval g and the authorization
	// code issued for it, in one transaction; EConflict if the family or
	// the code hash exists.
	CreateOAuthGrant(ctx context.Context, g Grant, c Code) error
	// OAuthGrant returns the grant of the family, or ENotFound.
	OAuthGrant(ctx context.Context, family string) (Grant, error)
	// RevokeOAuthGrant marks the grant revoked (keeping the first time):
	// no token of its family works afterwards. ENotFound if unknown.
	RevokeOAuthGrant(ctx context.Context, family string, at time.Time) error

	// UseOAuthCode marks the code with the hash used at the time and
	// returns it as it was before: a non-zero UsedAt means the code had
	// been used already (a replay) and nothing changed. ENotFound if
	// there is no such code.
	UseOAuthCode(ctx context.Context, hash string, at time.Time) (Code, error)

	// CreateOAuthRefresh stores a refresh token and extends its grant's
	// ExpiresAt to the token's. ENotFound if the grant is unknown.
	CreateOAuthRefresh(ctx context.Context, t RefreshToken) error
	// OAuthRefresh returns the refresh token with the hash, used or not,
	// or ENotFound.
	OAuthRefresh(ctx context.Context, hash string) (RefreshToken, error)
	// RotateOAuthRefresh atomically marks the token with oldHash used at
	// the time and stores next, of the same family, extending the grant's
	// ExpiresAt. ENotFound if oldHash is unknown; EConflict, changing
	// nothing, if it was used already or its grant is revoked.
	RotateOAuthRefresh(ctx context.Context, oldHash string, next RefreshToken, at time.Time) error

	// PurgeOAuth deletes what can no longer be used at now: grants past
	// their ExpiresAt with their codes and tokens, expired refresh tokens
	// and codes expired for a day.
	PurgeOAuth(ctx context.Context, now time.Time) error
}

// Token endpoint authentication methods.
const (
	AuthNone        = "none"                // public client: client_id only
	AuthSecretBasic = "client_secret_basic" // HTTP Basic
	AuthSecretPost  = "client_secret_post"  // client_secret in the form
)

// Grant types.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// Client is a registered OAuth client.
type Client struct {
	// ID is random (registration), an https URL (a client ID metadata
	// document, never stored) or DashboardClientID.
	ID string `json:"client_id"`
	// SecretHash is auth.HashSecret of the client secret; "" for public
	// clients.
	SecretHash string `json:"-"`
	// Name is shown on the consent page; self-asserted.
	Name string `json:"client_name,omitempty"`
	// RedirectURIs are matched exactly (loopback http ones up to the
	// port).
	RedirectURIs []string `json:"redirect_uris"`
	// GrantTypes is a subset of authorization_code and refresh_token.
	GrantTypes []string `json:"grant_types"`
	// AuthMethod is AuthNone, AuthSecretBasic or AuthSecretPost.
	AuthMethod string `json:"token_endpoint_auth_method"`
	// ApplicationType is "web" or "native".
	ApplicationType string `json:"application_type,omitempty"`
	// ClientURI is the client's home page, if given.
	ClientURI string    `json:"client_uri,omitempty"`
	CreatedAt time.Time `json:"-"`
}

// Public reports whether the client has no secret.
func (c *Client) Public() bool { return c.AuthMethod == AuthNone }

// Grant is one approval by a user of a client's request. Every token
// issued from it, through any number of refreshes, carries its Family,
// so revoking the grant revokes them all.
type Grant struct {
	Family     string
	ClientID   string
	ClientName string
	UserID     string
	// Scope is the space-separated scope the user approved.
	Scope    string
	Resource string
	// CreatedAt is the approval time; ExpiresAt is when the last token
	// issued from the grant expires (extended by refreshes).
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time
}

// Code is an authorization code: single use, short-lived, bound to its
// client, redirect URI, PKCE challenge, scope, resource and user.
type Code struct {
	Hash        string
	Family      string
	ClientID    string
	RedirectURI string
	// Challenge is the S256 PKCE code challenge.
	Challenge string
	Scope     string
	Resource  string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// RefreshToken is a stored refresh token. Each use replaces it with a new
// one (UsedAt set); presenting a used one revokes its grant.
type RefreshToken struct {
	Hash     string
	Family   string
	ClientID string
	UserID   string
	// Scope is the grant's scope; a refresh may ask for less.
	Scope     string
	Resource  string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

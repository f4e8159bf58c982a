package postgres

// The OAuth authorization server's state (oauth.Store): clients, grants,
// authorization codes and refresh tokens, secrets stored hashed, shared by
// every daemon on the database. Single-use codes and token rotation lock
// the row they consume, so that two daemons presenting the same code or
// token at once cannot both succeed.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/oauth"
)

var _ oauth.Store = (*Store)(nil)

const (
	oauthClientCols  = "id, secret_hash, name, redirect_uris, grant_types, auth_method, application_type, client_uri, created_at"
	oauthGrantCols   = "family, client_id, client_name, user_id, scope, resource, created_at, expires_at, revoked_at"
	oauthCodeCols    = "hash, family, client_id, redirect_uri, challenge, scope, resource, user_id, created_at, expires_at, used_at"
	oauthRefreshCols = "hash, family, client_id, user_id, scope, resource, created_at, expires_at, used_at"
)

func scanOAuthClient(row pgx.Row) (oauth.Client, error) {
	var c oauth.Client
	err := row.Scan(&c.ID, &c.SecretHash, &c.Name, &c.RedirectURIs, &c.GrantTypes, &c.AuthMethod, &c.ApplicationType, &c.ClientURI, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	if c.GrantTypes == nil {
		c.GrantTypes = []string{}
	}
	return c, err
}

func scanOAuthGrant(row pgx.Row) (oauth.Grant, error) {
	var (
		g       oauth.Grant
		revoked *time.Time
	)
	err := row.Scan(&g.Family, &g.ClientID, &g.ClientName, &g.UserID, &g.Scope, &g.Resource, &g.CreatedAt, &g.ExpiresAt, &revoked)
	g.CreatedAt, g.ExpiresAt, g.RevokedAt = g.CreatedAt.UTC(), g.ExpiresAt.UTC(), timeOf(revoked)
	return g, err
}

func scanOAuthCode(row pgx.Row) (oauth.Code, error) {
	var (
		c    oauth.Code
		used *time.Time
	)
	err := row.Scan(&c.Hash, &c.Family, &c.ClientID, &c.RedirectURI, &c.Challenge, &c.Scope, &c.Resource, &c.UserID,
		&c.CreatedAt, &c.ExpiresAt, &used)
	c.CreatedAt, c.ExpiresAt, c.UsedAt = c.CreatedAt.UTC(), c.ExpiresAt.UTC(), timeOf(used)
	return c, err
}

func scanOAuthRefresh(row pgx.Row) (oauth.RefreshToken, error) {
	var (
		t    oauth.RefreshToken
		used *time.Time
	)
	err := row.Scan(&t.Hash, &t.Family, &t.ClientID, &t.UserID, &t.Scope, &t.Resource, &t.CreatedAt, &t.ExpiresAt, &used)
	t.CreatedAt, t.ExpiresAt, t.UsedAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC(), timeOf(used)
	return t, err
}

func checkOAuthClient(c oauth.Client) error {
	if c.ID == "" || len(c.RedirectURIs) == 0 || c.CreatedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "an OAuth client needs an id, redirect URIs and a creation time")
	}
	if (c.AuthMethod == oauth.AuthNone) != (c.SecretHash == "") {
		return memory.Errorf(memory.EInvalid, "an OAuth client has a secret hash exactly when it is confidential")
	}
	for _, s := range append(append([]string{c.ID, c.SecretHash, c.Name, c.AuthMethod, c.ApplicationType, c.ClientURI}, c.RedirectURIs...), c.GrantTypes...) {
		if !storable(s) {
			return memory.Errorf(memory.EInvalid, "an OAuth client holds a NUL character or invalid UTF-8")
		}
	}
	return nil
}

func oauthClientArgs(c oauth.Client) []any {
	grants := c.GrantTypes
	if grants == nil {
		grants = []string{}
	}
	return []any{c.ID, c.SecretHash, c.Name, c.RedirectURIs, grants, c.AuthMethod, c.ApplicationType, c.ClientURI, ms(c.CreatedAt)}
}

// CreateOAuthClient stores c; EConflict if its id exists.
func (s *Store) CreateOAuthClient(ctx context.Context, c oauth.Client) error {
	if err := checkOAuthClient(c); err != nil {
		return err
	}
	return s.insertRecord(ctx, "OAuth client "+c.ID,
		"INSERT INTO oauth_clients ("+oauthClientCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", oauthClientArgs(c)...)
}

// OAuthClient returns the client with the id, or ENotFound.
func (s *Store) OAuthClient(ctx context.Context, id string) (oauth.Client, error) {
	if !storable(id) {
		return oauth.Client{}, memory.Errorf(memory.ENotFound, "no such OAuth client")
	}
	return getRecord(ctx, s, scanOAuthClient, "OAuth client "+id, "SELECT "+oauthClientCols+" FROM oauth_clients WHERE id = $1", id)
}

// UpdateOAuthClient replaces the client with c's id; ENotFound if unknown.
func (s *Store) UpdateOAuthClient(ctx context.Context, c oauth.Client) error {
	if err := checkOAuthClient(c); err != nil {
		return err
	}
	return s.changeRecord(ctx, "OAuth client "+c.ID, `UPDATE oauth_clients SET secret_hash = $2, name = $3, redirect_uris = $4,
		grant_types = $5, auth_method = $6, application_type = $7, client_uri = $8, created_at = $9 WHERE id = $1`, oauthClientArgs(c)...)
}

// CreateOAuthGrant stores the grant and its code in one transaction;
// EConflict if either exists.
func (s *Store) CreateOAuthGrant(ctx context.Context, g oauth.Grant, c oauth.Code) error {
	if g.Family == "" || g.ClientID == "" || g.UserID == "" || g.CreatedAt.IsZero() || g.ExpiresAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "an OAuth grant needs a family, client, user, creation and expiry time")
	}
	if c.Hash == "" || c.Family != g.Family || c.Challenge == "" || c.ExpiresAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "an authorization code needs a hash, its grant's family, a challenge and an expiry time")
	}
	for _, v := range []string{g.Family, g.ClientID, g.ClientName, g.UserID, g.Scope, g.Resource, c.Hash, c.ClientID, c.RedirectURI, c.Challenge, c.Scope, c.Resource, c.UserID} {
		if !storable(v) {
			return memory.Errorf(memory.EInvalid, "an OAuth grant holds a NUL character or invalid UTF-8")
		}
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO oauth_grants ("+oauthGrantCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
			g.Family, g.ClientID, g.ClientName, g.UserID, g.Scope, g.Resource, ms(g.CreatedAt), ms(g.ExpiresAt), nullTime(g.RevokedAt)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO oauth_codes ("+oauthCodeCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)",
			c.Hash, c.Family, c.ClientID, c.RedirectURI, c.Challenge, c.Scope, c.Resource, c.UserID, ms(c.CreatedAt), ms(c.ExpiresAt))
		return err
	})
	if isUniqueViolation(err) {
		return memory.Errorf(memory.EConflict, "the OAuth grant or code exists")
	}
	if err != nil {
		return fmt.Errorf("create OAuth grant: %w", err)
	}
	return nil
}

// OAuthGrant returns the grant of the family, or ENotFound.
func (s *Store) OAuthGrant(ctx context.Context, family string) (oauth.Grant, error) {
	if !storable(family) {
		return oauth.Grant{}, memory.Errorf(memory.ENotFound, "no such OAuth grant")
	}
	return getRecord(ctx, s, scanOAuthGrant, "OAuth grant "+family, "SELECT "+oauthGrantCols+" FROM oauth_grants WHERE family = $1", family)
}

// RevokeOAuthGrant marks the grant revoked, keeping the first time;
// ENotFound if unknown.
func (s *Store) RevokeOAuthGrant(ctx context.Context, family string, at time.Time) error {
	if !storable(family) {
		return memory.Errorf(memory.ENotFound, "no such OAuth grant")
	}
	return s.changeRecord(ctx, "OAuth grant "+family, "UPDATE oauth_grants SET revoked_at = coalesce(revoked_at, $2) WHERE family = $1", family, ms(at))
}

// UseOAuthCode marks the code used and returns it as it was before; a
// non-zero UsedAt means it had been used already and nothing changed. The
// row is locked first, so of two uses at once exactly one sees it unused.
func (s *Store) UseOAuthCode(ctx context.Context, hash string, at time.Time) (oauth.Code, error) {
	var c oauth.Code
	if !storable(hash) {
		return c, memory.Errorf(memory.ENotFound, "no such authorization code")
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		c, err = scanOAuthCode(tx.QueryRow(ctx, "SELECT "+oauthCodeCols+" FROM oauth_codes WHERE hash = $1 FOR UPDATE", hash))
		if errors.Is(err, pgx.ErrNoRows) {
			return memory.Errorf(memory.ENotFound, "no such authorization code")
		}
		if err != nil || !c.UsedAt.IsZero() {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE oauth_codes SET used_at = $2 WHERE hash = $1", hash, ms(at))
		return err
	})
	if err != nil && memory.ErrorCode(err) != memory.ENotFound {
		err = fmt.Errorf("use authorization code: %w", err)
	}
	return c, err
}

// insertRefresh stores a refresh token and extends its grant's expiry.
func insertRefresh(ctx context.Context, tx pgx.Tx, t oauth.RefreshToken) error {
	if t.Hash == "" || t.Family == "" || t.ExpiresAt.IsZero() || t.CreatedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "a refresh token needs a hash, a family, a creation and an expiry time")
	}
	for _, v := range []string{t.Hash, t.Family, t.ClientID, t.UserID, t.Scope, t.Resource} {
		if !storable(v) {
			return memory.Errorf(memory.EInvalid, "a refresh token holds a NUL character or invalid UTF-8")
		}
	}
	tag, err := tx.Exec(ctx, "UPDATE oauth_grants SET expires_at = greatest(expires_at, $2) WHERE family = $1", t.Family, ms(t.ExpiresAt))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return memory.Errorf(memory.ENotFound, "no OAuth grant %s", t.Family)
	}
	_, err = tx.Exec(ctx, "INSERT INTO oauth_refresh_tokens ("+oauthRefreshCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
		t.Hash, t.Family, t.ClientID, t.UserID, t.Scope, t.Resource, ms(t.CreatedAt), ms(t.ExpiresAt))
	if isUniqueViolation(err) {
		return memory.Errorf(memory.EConflict, "the refresh token exists")
	}
	return err
}

// CreateOAuthRefresh stores a refresh token and extends its grant;
// ENotFound if the grant is unknown.
func (s *Store) CreateOAuthRefresh(ctx context.Context, t oauth.RefreshToken) error {
	err := s.write(ctx, func(tx pgx.Tx) error { return insertRefresh(ctx, tx, t) })
	if err != nil && memory.ErrorCode(err) == memory.EInternal {
		return fmt.Errorf("create refresh token: %w", err)
	}
	return err
}

// OAuthRefresh returns the refresh token with the hash, or ENotFound.
func (s *Store) OAuthRefresh(ctx context.Context, hash string) (oauth.RefreshToken, error) {
	if !storable(hash) {
		return oauth.RefreshToken{}, memory.Errorf(memory.ENotFound, "no such refresh token")
	}
	return getRecord(ctx, s, scanOAuthRefresh, "such refresh token", "SELECT "+oauthRefreshCols+" FROM oauth_refresh_tokens WHERE hash = $1", hash)
}

// RotateOAuthRefresh marks the old token used and stores next in one
// transaction, the old token's row locked first; ENotFound if the old
// token is unknown, EConflict if it was used already or its grant is
// revoked.
func (s *Store) RotateOAuthRefresh(ctx context.Context, oldHash string, next oauth.RefreshToken, at time.Time) error {
	if !storable(oldHash) {
		return memory.Errorf(memory.ENotFound, "no such refresh token")
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		var (
			family        string
			used, revoked *time.Time
		)
		err := tx.QueryRow(ctx, `SELECT t.family, t.used_at, g.revoked_at FROM oauth_refresh_tokens t
			JOIN oauth_grants g ON g.family = t.family WHERE t.hash = $1 FOR UPDATE OF t`, oldHash).Scan(&family, &used, &revoked)
		if errors.Is(err, pgx.ErrNoRows) {
			return memory.Errorf(memory.ENotFound, "no such refresh token")
		}
		if err != nil {
			return err
		}
		switch {
		case used != nil:
			return memory.Errorf(memory.EConflict, "the refresh token was used already")
		case revoked != nil:
			return memory.Errorf(memory.EConflict, "the refresh token's grant is revoked")
		case next.Family != family:
			return memory.Errorf(memory.EInvalid, "a rotated refresh token must stay in its family")
		}
		if _, err := tx.Exec(ctx, "UPDATE oauth_refresh_tokens SET used_at = $2 WHERE hash = $1", oldHash, ms(at)); err != nil {
			return err
		}
		return insertRefresh(ctx, tx, next)
	})
	if err != nil && memory.ErrorCode(err) == memory.EInternal {
		return fmt.Errorf("rotate refresh token: %w", err)
	}
	return err
}

// codeKeep is how long an expired authorization code is kept, so that a
// late replay is still recognised as one.
const codeKeep = 24 * time.Hour

// PurgeOAuth deletes expired grants (with their codes and tokens),
// expired refresh tokens and codes expired for codeKeep.
func (s *Store) PurgeOAuth(ctx context.Context, now time.Time) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		for _, q := range []struct {
			sql string
			at  time.Time
		}{
			{"DELETE FROM oauth_grants WHERE expires_at < $1", now},
			{"DELETE FROM oauth_refresh_tokens WHERE expires_at < $1", now},
			{"DELETE FROM oauth_codes WHERE expires_at < $1", now.Add(-codeKeep)},
		} {
			if _, err := tx.Exec(ctx, q.sql, ms(q.at)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("purge OAuth state: %w", err)
	}
	return nil
}

package sqlite

// The OAuth authorization server's state (oauth.Store): clients, grants,
// authorization codes and refresh tokens, secrets stored hashed.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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

func scanOAuthClient(sc scanner) (oauth.Client, error) {
	var (
		c                 oauth.Client
		redirects, grants string
	)
	if err := sc.Scan(&c.ID, &c.SecretHash, &c.Name, &redirects, &grants, &c.AuthMethod, &c.ApplicationType, &c.ClientURI, msTime{&c.CreatedAt}); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(redirects), &c.RedirectURIs); err != nil {
		return c, fmt.Errorf("client %s: redirect URIs: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(grants), &c.GrantTypes); err != nil {
		return c, fmt.Errorf("client %s: grant types: %w", c.ID, err)
	}
	return c, nil
}

func checkOAuthClient(c oauth.Client) error {
	if c.ID == "" || len(c.RedirectURIs) == 0 || c.CreatedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "an OAuth client needs an id, redirect URIs and a creation time")
	}
	if (c.AuthMethod == oauth.AuthNone) != (c.SecretHash == "") {
		return memory.Errorf(memory.EInvalid, "an OAuth client has a secret hash exactly when it is confidential")
	}
	return nil
}

func oauthClientArgs(c oauth.Client) ([]any, error) {
	redirects, err := json.Marshal(c.RedirectURIs)
	if err != nil {
		return nil, err
	}
	grants, err := json.Marshal(c.GrantTypes)
	if err != nil {
		return nil, err
	}
	if c.GrantTypes == nil {
		grants = []byte("[]")
	}
	return []any{c.ID, c.SecretHash, c.Name, string(redirects), string(grants), c.AuthMethod, c.ApplicationType, c.ClientURI, ms(c.CreatedAt)}, nil
}

// CreateOAuthClient stores c; EConflict if its id exists.
func (s *Store) CreateOAuthClient(ctx context.Context, c oauth.Client) error {
	if err := checkOAuthClient(c); err != nil {
		return err
	}
	args, err := oauthClientArgs(c)
	if err != nil {
		return err
	}
	return s.insertRecord(ctx, "oauth_clients", c.ID, "OAuth client "+c.ID,
		"INSERT INTO oauth_clients ("+oauthClientCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", args...)
}

// OAuthClient returns the client with the id, or ENotFound.
func (s *Store) OAuthClient(ctx context.Context, id string) (oauth.Client, error) {
	return getRecord(ctx, s, scanOAuthClient, "OAuth client "+id, "SELECT "+oauthClientCols+" FROM oauth_clients WHERE id = ?", id)
}

// UpdateOAuthClient replaces the client with c's id; ENotFound if unknown.
func (s *Store) UpdateOAuthClient(ctx context.Context, c oauth.Client) error {
	if err := checkOAuthClient(c); err != nil {
		return err
	}
	args, err := oauthClientArgs(c)
	if err != nil {
		return err
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE oauth_clients SET secret_hash = ?2, name = ?3, redirect_uris = ?4, grant_types = ?5,
			auth_method = ?6, application_type = ?7, client_uri = ?8, created_at = ?9 WHERE id = ?1`, args...)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return memory.Errorf(memory.ENotFound, "no OAuth client %s", c.ID)
		}
		return nil
	})
}

func scanOAuthGrant(sc scanner) (oauth.Grant, error) {
	var g oauth.Grant
	err := sc.Scan(&g.Family, &g.ClientID, &g.ClientName, &g.UserID, &g.Scope, &g.Resource,
		msTime{&g.CreatedAt}, msTime{&g.ExpiresAt}, msTime{&g.RevokedAt})
	return g, err
}

func scanOAuthCode(sc scanner) (oauth.Code, error) {
	var c oauth.Code
	err := sc.Scan(&c.Hash, &c.Family, &c.ClientID, &c.RedirectURI, &c.Challenge, &c.Scope, &c.Resource, &c.UserID,
		msTime{&c.CreatedAt}, msTime{&c.ExpiresAt}, msTime{&c.UsedAt})
	return c, err
}

func scanOAuthRefresh(sc scanner) (oauth.RefreshToken, error) {
	var t oauth.RefreshToken
	err := sc.Scan(&t.Hash, &t.Family, &t.ClientID, &t.UserID, &t.Scope, &t.Resource,
		msTime{&t.CreatedAt}, msTime{&t.ExpiresAt}, msTime{&t.UsedAt})
	return t, err
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
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM oauth_grants WHERE family = ?) + (SELECT count(*) FROM oauth_codes WHERE hash = ?)",
			g.Family, c.Hash).Scan(&n)
		if err != nil {
			return err
		}
		if n > 0 {
			return memory.Errorf(memory.EConflict, "the OAuth grant or code exists")
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO oauth_grants ("+oauthGrantCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			g.Family, g.ClientID, g.ClientName, g.UserID, g.Scope, g.Resource, ms(g.CreatedAt), ms(g.ExpiresAt), nullMS(g.RevokedAt)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO oauth_codes ("+oauthCodeCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
			c.Hash, c.Family, c.ClientID, c.RedirectURI, c.Challenge, c.Scope, c.Resource, c.UserID, ms(c.CreatedAt), ms(c.ExpiresAt))
		return err
	})
}

// OAuthGrant returns the grant of the family, or ENotFound.
func (s *Store) OAuthGrant(ctx context.Context, family string) (oauth.Grant, error) {
	return getRecord(ctx, s, scanOAuthGrant, "OAuth grant "+family, "SELECT "+oauthGrantCols+" FROM oauth_grants WHERE family = ?", family)
}

// RevokeOAuthGrant marks the grant revoked, keeping the first time;
// ENotFound if unknown.
func (s *Store) RevokeOAuthGrant(ctx context.Context, family string, at time.Time) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "UPDATE oauth_grants SET revoked_at = coalesce(revoked_at, ?) WHERE family = ?", ms(at), family)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return memory.Errorf(memory.ENotFound, "no OAuth grant %s", family)
		}
		return nil
	})
}

// UseOAuthCode marks the code used and returns it as it was before; a
// non-zero UsedAt means it had been used already and nothing changed.
func (s *Store) UseOAuthCode(ctx context.Context, hash string, at time.Time) (oauth.Code, error) {
	var c oauth.Code
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanOAuthCode(tx.QueryRowContext(ctx, "SELECT "+oauthCodeCols+" FROM oauth_codes WHERE hash = ?", hash))
		if errors.Is(err, sql.ErrNoRows) {
			return memory.Errorf(memory.ENotFound, "no such authorization code")
		}
		if err != nil || !c.UsedAt.IsZero() {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE oauth_codes SET used_at = ? WHERE hash = ?", ms(at), hash)
		return err
	})
	if err != nil && memory.ErrorCode(err) != memory.ENotFound {
		err = fmt.Errorf("use authorization code: %w", err)
	}
	return c, err
}

func insertRefresh(ctx context.Context, tx *sql.Tx, t oauth.RefreshToken) error {
	if t.Hash == "" || t.Family == "" || t.ExpiresAt.IsZero() || t.CreatedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "a refresh token needs a hash, a family, a creation and an expiry time")
	}
	r, err := tx.ExecContext(ctx, "UPDATE oauth_grants SET expires_at = max(expires_at, ?) WHERE family = ?", ms(t.ExpiresAt), t.Family)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return memory.Errorf(memory.ENotFound, "no OAuth grant %s", t.Family)
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO oauth_refresh_tokens ("+oauthRefreshCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
		t.Hash, t.Family, t.ClientID, t.UserID, t.Scope, t.Resource, ms(t.CreatedAt), ms(t.ExpiresAt))
	return err
}

// CreateOAuthRefresh stores a refresh token and extends its grant;
// ENotFound if the grant is unknown.
func (s *Store) CreateOAuthRefresh(ctx context.Context, t oauth.RefreshToken) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error { return insertRefresh(ctx, tx, t) })
}

// OAuthRefresh returns the refresh token with the hash, or ENotFound.
func (s *Store) OAuthRefresh(ctx context.Context, hash string) (oauth.RefreshToken, error) {
	return getRecord(ctx, s, scanOAuthRefresh, "such refresh token", "SELECT "+oauthRefreshCols+" FROM oauth_refresh_tokens WHERE hash = ?", hash)
}

// RotateOAuthRefresh marks the old token used and stores next in one
// transaction; ENotFound if the old token is unknown, EConflict if it was
// used already or its grant is revoked.
func (s *Store) RotateOAuthRefresh(ctx context.Context, oldHash string, next oauth.RefreshToken, at time.Time) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var (
			family  string
			used    sql.NullInt64
			revoked sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT t.family, t.used_at, g.revoked_at FROM oauth_refresh_tokens t
			JOIN oauth_grants g ON g.family = t.family WHERE t.hash = ?`, oldHash).Scan(&family, &used, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return memory.Errorf(memory.ENotFound, "no such refresh token")
		}
		if err != nil {
			return err
		}
		switch {
		case used.Valid:
			return memory.Errorf(memory.EConflict, "the refresh token was used already")
		case revoked.Valid:
			return memory.Errorf(memory.EConflict, "the refresh token's grant is revoked")
		case next.Family != family:
			return memory.Errorf(memory.EInvalid, "a rotated refresh token must stay in its family")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE oauth_refresh_tokens SET used_at = ? WHERE hash = ?", ms(at), oldHash); err != nil {
			return err
		}
		return insertRefresh(ctx, tx, next)
	})
}

// codeKeep is how long an expired authorization code is kept, so that a
// late replay is still recognised as one.
const codeKeep = 24 * time.Hour

// PurgeOAuth deletes expired grants (with their codes and tokens),
// expired refresh tokens and codes expired for codeKeep.
func (s *Store) PurgeOAuth(ctx context.Context, now time.Time) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql string
			at  time.Time
		}{
			{"DELETE FROM oauth_grants WHERE expires_at < ?", now},
			{"DELETE FROM oauth_refresh_tokens WHERE expires_at < ?", now},
			{"DELETE FROM oauth_codes WHERE expires_at < ?", now.Add(-codeKeep)},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, ms(q.at)); err != nil {
				return fmt.Errorf("purge OAuth state: %w", err)
			}
		}
		return nil
	})
}

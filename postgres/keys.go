package postgres

// API keys (auth.KeyStore): in the shared database, so that every daemon
// and the CLI see the same keys, and a revocation takes effect on every
// daemon's next request.

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
)

var _ auth.KeyStore = (*Store)(nil)

const keyCols = "id, name, owner, scope, hash, created_at, last_used_at, expires_at, revoked_at"

func scanKey(row pgx.Row) (auth.Key, error) {
	var (
		k                      auth.Key
		used, expires, revoked *time.Time
	)
	err := row.Scan(&k.ID, &k.Name, &k.Owner, &k.Scope, &k.Hash, &k.CreatedAt, &used, &expires, &revoked)
	k.CreatedAt, k.LastUsedAt, k.ExpiresAt, k.RevokedAt = k.CreatedAt.UTC(), timeOf(used), timeOf(expires), timeOf(revoked)
	return k, err
}

// CreateKey stores k; EConflict if a key with its id exists.
func (s *Store) CreateKey(ctx context.Context, k auth.Key) error {
	if k.ID == "" || k.Hash == "" || k.Owner == "" || !auth.ValidScope(k.Scope) || k.CreatedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "a key needs an id, hash, owner, valid scope and creation time")
	}
	if !storable(k.ID) || !storable(k.Name) || !storable(k.Owner) || !storable(k.Hash) {
		return memory.Errorf(memory.EInvalid, "a key holds a NUL character or invalid UTF-8")
	}
	return s.insertRecord(ctx, "key "+k.ID, "INSERT INTO api_keys ("+keyCols+") VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, NULL)",
		k.ID, k.Name, k.Owner, k.Scope, k.Hash, ms(k.CreatedAt), nullTime(k.ExpiresAt))
}

// Key returns the key with the id, or ENotFound.
func (s *Store) Key(ctx context.Context, id string) (auth.Key, error) {
	if !storable(id) {
		return auth.Key{}, memory.Errorf(memory.ENotFound, "no API key")
	}
	return getRecord(ctx, s, scanKey, "API key "+id, "SELECT "+keyCols+" FROM api_keys WHERE id = $1", id)
}

// Keys lists every key, newest first.
func (s *Store) Keys(ctx context.Context) ([]auth.Key, error) {
	return listRecords(ctx, s, scanKey, "API keys", "SELECT "+keyCols+" FROM api_keys ORDER BY created_at DESC, id COLLATE \"C\"")
}

// RevokeKey marks the key revoked; revoking a revoked key keeps the first
// time. ENotFound if there is no such key.
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time) error {
	if !storable(id) {
		return memory.Errorf(memory.ENotFound, "no API key")
	}
	return s.changeRecord(ctx, "API key "+id, "UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1", id, ms(at))
}

// TouchKey records that the key was used.
func (s *Store) TouchKey(ctx context.Context, id string, at time.Time) error {
	if !storable(id) {
		return nil
	}
	err := s.changeRecord(ctx, "API key "+id, "UPDATE api_keys SET last_used_at = $2 WHERE id = $1", id, ms(at))
	if memory.ErrorCode(err) == memory.ENotFound {
		return nil
	}
	return err
}

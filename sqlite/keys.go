package sqlite

// API keys (auth.KeyStore): they live in the memory database so that the
// CLI and a running daemon see the same keys, and a revocation takes effect
// on the daemon's next request.

import (
	"context"
	"database/sql"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
)

var _ auth.KeyStore = (*Store)(nil)

const keyCols = "id, name, owner, scope, hash, created_at, last_used_at, expires_at, revoked_at"

func scanKey(sc scanner) (auth.Key, error) {
	var k auth.Key
	err := sc.Scan(&k.ID, &k.Name, &k.Owner, &k.Scope, &k.Hash,
		msTime{&k.CreatedAt}, msTime{&k.LastUsedAt}, msTime{&k.ExpiresAt}, msTime{&k.RevokedAt})
	return k, err
}

// CreateKey stores k; EConflict if a key with its id exists.
func (s *Store) CreateKey(ctx context.Context, k auth.Key) error {
	if k.ID == "" || k.Hash == "" || k.Owner == "" || !auth.ValidScope(k.Scope) || k.CreatedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "a key needs an id, hash, owner, valid scope and creation time")
	}
	return s.insertRecord(ctx, "api_keys", k.ID, "key "+k.ID, "INSERT INTO api_keys ("+keyCols+") VALUES (?, ?, ?, ?, ?, ?, NULL, ?, NULL)",
		k.ID, k.Name, k.Owner, k.Scope, k.Hash, ms(k.CreatedAt), nullMS(k.ExpiresAt))
}

// Key returns the key with the id, or ENotFound.
func (s *Store) Key(ctx context.Context, id string) (auth.Key, error) {
	return getRecord(ctx, s, scanKey, "API key "+id, "SELECT "+keyCols+" FROM api_keys WHERE id = ?", id)
}

// Keys lists every key, newest first.
func (s *Store) Keys(ctx context.Context) ([]auth.Key, error) {
	return listRecords(ctx, s, scanKey, "API keys", "SELECT "+keyCols+" FROM api_keys ORDER BY created_at DESC, id")
}

// RevokeKey marks the key revoked; revoking a revoked key keeps the first
// time. ENotFound if there is no such key.
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", ms(at), id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return memory.Errorf(memory.ENotFound, "no API key %s", id)
		}
		return nil
	})
}

// TouchKey records that the key was used.
func (s *Store) TouchKey(ctx context.Context, id string, at time.Time) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", ms(at), id)
		return err
	})
}

package sqlite

// Document uploads (ingest.History): each upload's record as JSON, keyed by
// owner and id, so that the history and unfinished work survive restarts.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/ingest"
)

var _ ingest.History = (*Store)(nil)

func scanUpload(sc scanner) (*ingest.Upload, error) {
	var owner, data string
	if err := sc.Scan(&owner, &data); err != nil {
		return nil, err
	}
	u := &ingest.Upload{}
	if err := json.Unmarshal([]byte(data), u); err != nil {
		return nil, fmt.Errorf("decoding upload: %w", err)
	}
	u.Owner = owner
	return u, nil
}

// SaveUpload inserts or replaces the upload with u's owner and ID.
func (s *Store) SaveUpload(ctx context.Context, u *ingest.Upload) error {
	if u.ID == "" || u.Owner == "" || u.CreatedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "an upload needs an id, owner and creation time")
	}
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO uploads (id, owner, status, created_at, data) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (owner, id) DO UPDATE SET status = excluded.status, data = excluded.data`,
			u.ID, u.Owner, u.Status, ms(u.CreatedAt), string(data))
		return err
	})
}

// Upload returns the owner's upload with the id, or ENotFound.
func (s *Store) Upload(ctx context.Context, owner, id string) (*ingest.Upload, error) {
	return getRecord(ctx, s, scanUpload, "upload "+id, "SELECT owner, data FROM uploads WHERE owner = ? AND id = ?", owner, id)
}

// Uploads lists the owner's uploads, newest first, at most limit (0: all).
func (s *Store) Uploads(ctx context.Context, owner string, limit int) ([]*ingest.Upload, error) {
	if limit <= 0 {
		limit = -1
	}
	return listRecords(ctx, s, scanUpload, "uploads", "SELECT owner, data FROM uploads WHERE owner = ? ORDER BY created_at DESC, id LIMIT ?", owner, limit)
}

// UnfinishedUploads lists every owner's queued or processing uploads,
// oldest first.
func (s *Store) UnfinishedUploads(ctx context.Context) ([]*ingest.Upload, error) {
	return listRecords(ctx, s, scanUpload, "unfinished uploads", "SELECT owner, data FROM uploads WHERE status IN ('queued', 'processing') ORDER BY created_at, id")
}

// DeleteUpload removes the owner's upload; ENotFound if there is none.
func (s *Store) DeleteUpload(ctx context.Context, owner, id string) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "DELETE FROM uploads WHERE owner = ? AND id = ?", owner, id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return memory.Errorf(memory.ENotFound, "no upload %s", id)
		}
		return nil
	})
}

package postgres

// Document uploads (ingest.History), in the shared database so that every
// daemon shows every upload. An upload's files wait in the spool directory
// of the daemon that accepted it, so only that daemon (UploadNode) resumes
// it after a restart.

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/ingest"
)

var _ ingest.History = (*Store)(nil)

func scanUpload(row pgx.Row) (*ingest.Upload, error) {
	var (
		owner string
		data  []byte
	)
	if err := row.Scan(&owner, &data); err != nil {
		return nil, err
	}
	u := &ingest.Upload{}
	if err := json.Unmarshal(data, u); err != nil {
		return nil, fmt.Errorf("decoding upload: %w", err)
	}
	u.Owner = owner
	return u, nil
}

// SaveUpload inserts or replaces the upload with u's owner and ID. A new
// upload belongs to this store's UploadNode; replacing one keeps its node.
func (s *Store) SaveUpload(ctx context.Context, u *ingest.Upload) error {
	if u.ID == "" || u.Owner == "" || u.CreatedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "an upload needs an id, owner and creation time")
	}
	if !storable(u.ID) || !storable(u.Owner) {
		return memory.Errorf(memory.EInvalid, "an upload id or owner holds a NUL character or invalid UTF-8")
	}
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO uploads (owner, id, status, node, created_at, data) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
			ON CONFLICT (owner, id) DO UPDATE SET status = excluded.status, data = excluded.data`,
			u.Owner, u.ID, u.Status, s.UploadNode, ms(u.CreatedAt), string(data))
		return err
	})
	if err != nil {
		return fmt.Errorf("save upload %s: %w", u.ID, err)
	}
	return nil
}

// Upload returns the owner's upload with the id, or ENotFound.
func (s *Store) Upload(ctx context.Context, owner, id string) (*ingest.Upload, error) {
	if !storable(owner) || !storable(id) {
		return nil, memory.Errorf(memory.ENotFound, "no upload %s", memory.Clip(id, 40))
	}
	return getRecord(ctx, s, scanUpload, "upload "+id, "SELECT owner, data FROM uploads WHERE owner = $1 AND id = $2", owner, id)
}

// Uploads lists the owner's uploads, newest first, at most limit (0: all).
func (s *Store) Uploads(ctx context.Context, owner string, limit int) ([]*ingest.Upload, error) {
	if !storable(owner) {
		return []*ingest.Upload{}, nil
	}
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	return listRecords(ctx, s, scanUpload, "uploads",
		"SELECT owner, data FROM uploads WHERE owner = $1 ORDER BY created_at DESC, id COLLATE \"C\" LIMIT $2", owner, lim)
}

// UnfinishedUploads lists the queued or processing uploads of every owner
// that this store's UploadNode accepted, oldest first: those whose files
// are in its spool.
func (s *Store) UnfinishedUploads(ctx context.Context) ([]*ingest.Upload, error) {
	return listRecords(ctx, s, scanUpload, "unfinished uploads",
		"SELECT owner, data FROM uploads WHERE node = $1 AND status IN ('queued', 'processing') ORDER BY created_at, id COLLATE \"C\"", s.UploadNode)
}

// DeleteUpload removes the owner's upload; ENotFound if there is none.
func (s *Store) DeleteUpload(ctx context.Context, owner, id string) error {
	if !storable(owner) || !storable(id) {
		return memory.Errorf(memory.ENotFound, "no upload %s", memory.Clip(id, 40))
	}
	return s.changeRecord(ctx, "upload "+id, "DELETE FROM uploads WHERE owner = $1 AND id = $2", owner, id)
}

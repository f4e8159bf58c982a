package sqlite

// Schema migrations: numbered SQL files embedded in the binary, applied in
// order, each in its own transaction, the version kept in PRAGMA
// user_version.

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations sorted by version. Their
// numbers must run 1, 2, 3… without gaps.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name does not start with a number", base)
		}
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this package creates and reads: the
// number of its migrations.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		panic(err) // the embedded files are fixed at build time
	}
	return len(ms)
}

// migrate applies the pending migrations. The common case, an up-to-date
// database, costs one PRAGMA read and takes no lock.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case v == len(ms):
		return nil
	case v > len(ms):
		return fmt.Errorf("schema version %d is newer than this program supports (%d): upgrade the program", v, len(ms))
	}
	// All pending migrations in one transaction: one commit (a new
	// database's first start pays one sync, not one per version), and a
	// crash leaves the old schema, never half of the new one.
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		// Another process may have migrated since the first check.
		var cur int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
			return err
		}
		if cur == 0 {
			if err := checkForeign(ctx, tx); err != nil {
				return err
			}
		}
		for _, m := range ms {
			if cur >= m.version {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migrate to version %d (%s): %w", m.version, m.name, err)
			}
		}
		if cur >= len(ms) {
			return nil
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(ms)))
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate the schema: %w", err)
	}
	return nil
}

// checkForeign refuses a database with tables but no schema version, such
// as upstream's sqlite_vec.db, rather than mixing two schemas in one file.
func checkForeign(ctx context.Context, tx *sql.Tx) error {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'").Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the file has %d tables but no schema version: it was not created by this program (import an upstream sqlite_vec.db with the migrate command instead)", n)
	}
	return nil
}

// loadModels reads the recorded embedding model dimensions (a handful of
// rows).
func (s *Store) loadModels(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "SELECT model, dim FROM embedding_models")
	if err != nil {
		return fmt.Errorf("read embedding models: %w", err)
	}
	defer rows.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for rows.Next() {
		var model string
		var dim int
		if err := rows.Scan(&model, &dim); err != nil {
			return fmt.Errorf("read embedding models: %w", err)
		}
		s.dims[model] = dim
	}
	return rows.Err()
}

package postgres

// Schema migrations: numbered SQL files embedded in the binary, applied in
// order in one transaction under an advisory lock (per schema), so that two
// daemons starting at once on a new database do not race; the versions
// applied are kept in memory_schema_migrations.

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
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

// migrateLock is the first key of the advisory lock taken while migrating;
// the second is the hash of the schema, so that stores in different
// schemas of one database migrate independently.
const migrateLock = 0x6d6d6d67 // "mmmg"

// migrate applies the pending migrations in one transaction: a crash
// leaves the old schema, never half of the new one. The common case, an
// up-to-date schema, costs one query and takes no lock.
func migrate(ctx context.Context, conn *pgx.Conn) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	v, err := schemaVersion(ctx, conn)
	if err != nil {
		return err
	}
	switch {
	case v == len(ms):
		return nil
	case v > len(ms):
		return newerSchema(v, len(ms))
	}
	// A session lock, taken before the transaction begins: a transaction
	// that waited for it would keep catalog caches from before the other
	// process's migration.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, hashtext(current_schema()))", migrateLock); err != nil {
		return fmt.Errorf("lock the schema: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1, hashtext(current_schema()))", migrateLock)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// Another process may have migrated since the first look.
		cur, err := schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if cur > len(ms) {
			return newerSchema(cur, len(ms))
		}
		if cur == 0 {
			_, err := tx.Exec(ctx, `CREATE TABLE memory_schema_migrations (
				version    int         PRIMARY KEY,
				name       text        NOT NULL,
				applied_at timestamptz NOT NULL DEFAULT now())`)
			if err != nil {
				return fmt.Errorf("create memory_schema_migrations: %w", err)
			}
		}
		for _, m := range ms[cur:] {
			// No arguments: the simple protocol, which runs a file of
			// several statements.
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migrate to version %d (%s): %w", m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO memory_schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate the schema: %w", err)
	}
	return nil
}

// schemaVersion returns the highest migration applied to the current
// schema (the first of the search path that exists), 0 for a new one. It
// refuses a schema that has a memories table but no migrations table: one
// this program did not create.
func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var (
		schema         *string
		known, foreign bool
	)
	err := q.QueryRow(ctx, `SELECT current_schema(),
		to_regclass(format('%I.memory_schema_migrations', current_schema())) IS NOT NULL,
		to_regclass(format('%I.memories', current_schema())) IS NOT NULL`).Scan(&schema, &known, &foreign)
	if err != nil {
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	switch {
	case schema == nil:
		return 0, errors.New("no schema to create the tables in: the search path names none that exists")
	case !known && foreign:
		return 0, fmt.Errorf("schema %s has a memories table that this program did not create; use another database or schema", *schema)
	case !known:
		return 0, nil
	}
	var v int
	if err := q.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM memory_schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	return v, nil
}

func newerSchema(v, known int) error {
	return fmt.Errorf("schema version %d is newer than this program supports (%d): upgrade the program", v, known)
}

// extensions makes sure pgvector and unaccent are installed in the
// database, creating them if the role may, and reports whether pgvector has
// iterative index scans (0.8.0 or newer). Its errors say what to do.
func extensions(ctx context.Context, conn *pgx.Conn) (iterative bool, err error) {
	for _, ext := range []struct{ name, why string }{
		{"vector", "pgvector (https://github.com/pgvector/pgvector; scripts/postgres.sh builds it from Debian's source package)"},
		{"unaccent", "unaccent (part of PostgreSQL's contrib modules, package postgresql-contrib)"},
	} {
		var available, installed bool
		err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = $1),
			EXISTS (SELECT 1 FROM pg_extension WHERE extname = $1)`, ext.name).Scan(&available, &installed)
		if err != nil {
			return false, fmt.Errorf("look for extension %s: %w", ext.name, err)
		}
		switch {
		case installed:
			continue
		case !available:
			return false, fmt.Errorf("the server has no %s extension: install %s", ext.name, ext.why)
		}
		if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS "+ext.name); err != nil {
			return false, fmt.Errorf("extension %s is not installed in this database and creating it failed (a superuser can: CREATE EXTENSION %s): %w",
				ext.name, ext.name, err)
		}
	}
	var version string
	if err := conn.QueryRow(ctx, "SELECT extversion FROM pg_extension WHERE extname = 'vector'").Scan(&version); err != nil {
		return false, fmt.Errorf("read the pgvector version: %w", err)
	}
	return versionAtLeast(version, 0, 8), nil
}

// versionAtLeast reports whether a "major.minor.patch" version is at least
// major.minor.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	maj, err1 := strconv.Atoi(parts[0])
	mnr := 0
	var err2 error
	if len(parts) > 1 {
		mnr, err2 = strconv.Atoi(parts[1])
	}
	if err1 != nil || err2 != nil {
		return false
	}
	return maj > major || maj == major && mnr >= minor
}

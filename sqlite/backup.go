package sqlite

// Online backups, their verification, and restoring one in place of the
// live database.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/internal/fsutil"
)

// Backup writes a consistent copy of the database, as it was at one moment,
// to path while writers carry on: VACUUM INTO reads one snapshot (a read
// transaction, which in WAL mode blocks no writer) and writes a compact,
// self-contained file in rollback-journal mode. Every write acknowledged
// before Backup was called is in the copy.
//
// path must not exist; it is created with mode 0600 (its directory must
// exist) and synced to disk before Backup returns. On error nothing is left
// at path. Backup does not verify the copy: see Verify.
func (s *Store) Backup(ctx context.Context, path string) error {
	err := vacuumInto(path, func() error {
		_, err := s.db.ExecContext(ctx, "VACUUM INTO ?", path)
		return err
	})
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// vacuumInto creates path (mode 0600; VACUUM INTO accepts an empty file,
// which so gets our mode instead of the umask's), runs the VACUUM INTO
// statement of run and syncs the copy; on error it removes what it made.
func vacuumInto(path string, run func() error) (err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	defer func() {
		if err != nil {
			os.Remove(path)
			os.Remove(path + "-journal")
		}
	}()
	if err := run(); err != nil {
		return describe(err)
	}
	return syncFile(path)
}

// Verify checks a backup file as the package function Verify does; it
// makes Store a source of the backup package.
func (s *Store) Verify(ctx context.Context, path string) error {
	_, err := Verify(ctx, path)
	return err
}

// FileInfo describes a verified database file.
type FileInfo struct {
	// SchemaVersion is the file's schema version (see SchemaVersion).
	SchemaVersion int
	// Memories counts live memories, Owners their distinct owners.
	Memories int64
	Owners   int64
	// SizeBytes is the size of the file.
	SizeBytes int64
}

// Verify opens the database file at path read-only and checks that it is a
// database of this program (schema version 1 to SchemaVersion) and that
// PRAGMA integrity_check reports it healthy. It changes nothing. The errors
// say what is wrong: not an SQLite file, an upstream sqlite_vec.db (which
// the migrate command imports), a newer schema, or the integrity problems.
func Verify(ctx context.Context, path string) (FileInfo, error) {
	var info FileInfo
	fi, err := checkHeader(path)
	if err != nil {
		return info, err
	}
	info.SizeBytes = fi.Size()
	c, err := openReadOnly(ctx, path)
	if err != nil {
		return info, err
	}
	defer c.Close()
	if info.SchemaVersion, err = ownSchema(c, path); err != nil {
		return info, err
	}
	if err := integrity(c, "integrity_check"); err != nil {
		return info, fmt.Errorf("%s: %w", path, err)
	}
	err = rawRows(c, "SELECT count(*), count(DISTINCT owner) FROM memories WHERE deleted_at IS NULL", func(st *sqlite3.Stmt) {
		info.Memories, info.Owners = st.ColumnInt64(0), st.ColumnInt64(1)
	})
	if err != nil {
		return info, fmt.Errorf("%s: count memories: %w", path, describe(err))
	}
	return info, nil
}

// sqliteMagic starts every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// checkHeader refuses what is not a non-empty SQLite database file before
// SQLite opens it, with a plainer message than SQLite's.
func checkHeader(path string) (os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, memory.Errorf(memory.EInvalid, "%s is a directory, not a database file", path)
	}
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteMagic) {
		return nil, memory.Errorf(memory.EInvalid, "%s is not an SQLite database", path)
	}
	return fi, nil
}

// openReadOnly opens path read-only on a raw connection.
func openReadOnly(ctx context.Context, path string) (*sqlite3.Conn, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	c, err := sqlite3.OpenFlags(dsn(abs)+"?mode=ro", sqlite3.OPEN_READONLY|sqlite3.OPEN_URI)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, describe(err))
	}
	c.SetInterrupt(ctx)
	if err := c.BusyTimeout(DefaultBusyTimeout); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// ownSchema returns the schema version of a database of this program, or
// an error saying what else the file is.
func ownSchema(c *sqlite3.Conn, path string) (int, error) {
	var v int
	if err := rawRows(c, "PRAGMA user_version", func(st *sqlite3.Stmt) { v = st.ColumnInt(0) }); err != nil {
		return 0, fmt.Errorf("%s: %w", path, describe(err))
	}
	switch {
	case v > SchemaVersion():
		return v, memory.Errorf(memory.EInvalid, "%s has schema version %d, newer than this program supports (%d): upgrade the program", path, v, SchemaVersion())
	case v > 0:
		return v, nil
	}
	if have, err := columns(c, "memories"); err == nil && have["content_hash"] && have["tags"] {
		return 0, memory.Errorf(memory.EInvalid, "%s is an upstream mcp-memory-service database: import it with `memory migrate --from %s`", path, path)
	}
	return 0, memory.Errorf(memory.EInvalid, "%s is an SQLite database but not one of this program (no schema version)", path)
}

// columns returns the set of table's columns (empty if there is no such
// table).
func columns(c *sqlite3.Conn, table string) (map[string]bool, error) {
	have := map[string]bool{}
	err := rawRows(c, "SELECT name FROM pragma_table_info(?)", func(st *sqlite3.Stmt) { have[st.ColumnText(0)] = true }, table)
	return have, err
}

// integrity runs PRAGMA integrity_check or quick_check and returns the
// problems it reports.
func integrity(c *sqlite3.Conn, pragma string) error {
	var problems []string
	err := rawRows(c, "PRAGMA "+pragma+"(20)", func(st *sqlite3.Stmt) {
		if msg := st.ColumnText(0); msg != "ok" {
			problems = append(problems, msg)
		}
	})
	if err != nil {
		return fmt.Errorf("%s: %w", pragma, describe(err))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s failed: %s", pragma, strings.Join(problems, "; "))
	}
	return nil
}

// InUse reports whether some connection, of this process or another, has
// the database at path open. Every connection to a WAL database holds a
// shared lock on it for as long as it is open, so an exclusive lock is
// granted only when there is none. A missing file is not in use.
func InUse(path string) (bool, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return false, err
	}
	c, err := sqlite3.Open(dsn(abs))
	if err != nil {
		return false, fmt.Errorf("open %s: %w", path, describe(err))
	}
	defer c.Close()
	if err := c.BusyTimeout(0); err != nil {
		return false, err
	}
	err = c.Exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE")
	if !c.GetAutocommit() {
		c.Exec("ROLLBACK")
	}
	switch {
	case err == nil:
		return false, nil
	case isBusy(err):
		return true, nil
	}
	return false, fmt.Errorf("lock %s: %w", path, describe(err))
}

// RestoreResult says what Restore did.
type RestoreResult struct {
	// Restored describes the backup now in place.
	Restored FileInfo
	// Previous is where the database that was replaced is kept, with its
	// -wal file if it had one; "" when there was none.
	Previous string
	// Online is set when the backup was copied into a database other
	// connections had open (Force): they see the restored memories at
	// their next read.
	Online bool
}

// Restore puts the backup at from in place of the database at to, after
// verifying it (see Verify). The replaced database is kept next to it as
// <to>.pre-restore-<UTC time> (with its -wal file), never deleted.
//
// When another connection or process has the database open (see InUse),
// Restore refuses with an EConflict error unless force is set; then it
// copies the backup into the open database with SQLite's backup API, in
// one write transaction that the other connections see as a change (their
// caches reload), after keeping a consistent copy of the previous content.
// Without other users the files are swapped: this also replaces a
// database too damaged to open. now names the kept file.
func Restore(ctx context.Context, from, to string, force bool, now time.Time) (RestoreResult, error) {
	var res RestoreResult
	var err error
	if res.Restored, err = Verify(ctx, from); err != nil {
		return res, err
	}
	src, _ := filepath.Abs(from)
	dst, err := filepath.Abs(to)
	if err != nil {
		return res, err
	}
	if src == dst {
		return res, memory.Errorf(memory.EInvalid, "%s is the database itself", from)
	}
	// A database too damaged to lock (err != nil) cannot be in use
	// either: the swap below replaces it.
	inUse, _ := InUse(dst)
	prev := freePath(dst + ".pre-restore-" + now.UTC().Format("20060102T150405Z"))
	if _, err := os.Stat(dst); errors.Is(err, os.ErrNotExist) {
		prev = ""
	}
	switch {
	case inUse && !force:
		return res, memory.Errorf(memory.EConflict, "%s is open in another process (a running `memory server`?): stop it and restore again, or force the restore into the open database", to)
	case inUse:
		res.Previous, res.Online = prev, true
		return res, restoreOnline(ctx, src, dst, prev)
	}
	res.Previous = prev
	return res, restoreSwap(ctx, src, dst, prev)
}

// restoreSwap copies the backup next to the database, verifies the copy,
// moves the database (and its journal files) aside and the copy in.
func restoreSwap(ctx context.Context, src, dst, prev string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	tmp := dst + ".restoring"
	os.Remove(tmp) // left by an interrupted restore
	if err := copyFile(src, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if _, err := Verify(ctx, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("the copy of the backup: %w", err)
	}
	if prev != "" {
		if err := os.Rename(dst, prev); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("keep the previous database: %w", err)
		}
		for _, suffix := range []string{"-wal", "-journal"} {
			if err := os.Rename(dst+suffix, prev+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("keep the previous database's %s file: %w", suffix, err)
			}
		}
		os.Remove(dst + "-shm")
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("put the backup in place: %w", err)
	}
	return fsutil.SyncDir(filepath.Dir(dst))
}

// restoreOnline keeps a consistent copy of the open database at prev, then
// copies the backup into it with SQLite's backup API and bumps the change
// counters past both versions', so that every process's vector cache
// reloads.
func restoreOnline(ctx context.Context, src, dst, prev string) error {
	c, err := sqlite3.Open(dsn(dst))
	if err != nil {
		return fmt.Errorf("open %s: %w", dst, describe(err))
	}
	defer c.Close()
	c.SetInterrupt(ctx)
	if err := c.BusyTimeout(DefaultBusyTimeout); err != nil {
		return err
	}
	if err := c.Exec("PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	seq, purges, err := rawCounters(c)
	if err != nil {
		return fmt.Errorf("read %s: %w", dst, describe(err))
	}
	err = vacuumInto(prev, func() error {
		return rawRows(c, "VACUUM INTO ?", func(*sqlite3.Stmt) {}, prev)
	})
	if err != nil {
		return fmt.Errorf("keep the previous database: %w", err)
	}
	if err := c.Restore("main", dsn(src)+"?mode=ro"); err != nil {
		return fmt.Errorf("copy the backup into %s: %w", dst, describe(err))
	}
	bump := fmt.Sprintf("UPDATE counters SET seq = max(seq, %d) + 1, purges = max(purges, %d) + 1", seq, purges)
	if err := c.Exec(bump); err != nil {
		return fmt.Errorf("mark %s changed: %w", dst, describe(err))
	}
	return integrity(c, "quick_check")
}

// freePath returns path, or path with a -N suffix when a file (or its
// -wal) already has that name: a kept database is never overwritten.
func freePath(path string) string {
	p := path
	for i := 2; ; i++ {
		_, err1 := os.Lstat(p)
		_, err2 := os.Lstat(p + "-wal")
		if errors.Is(err1, os.ErrNotExist) && errors.Is(err2, os.ErrNotExist) {
			return p
		}
		p = fmt.Sprintf("%s-%d", path, i)
	}
}

// copyFile copies src to a new file dst (mode 0600) and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncFile flushes a file to disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

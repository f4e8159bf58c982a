package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/backup"
	"github.com/mcp-memory-go/memory/sqlite"
)

// cmdBackup makes a verified backup in the backup directory (pruning old
// ones), or to a file with -o; `memory backup list` lists the backups.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	oc, err := loadOpsConfig(getenv)
	if err != nil {
		return err
	}
	var out string
	a, fs, err := setup(ctx, "backup", args, stderr, getenv, func(fs *flagSet) {
		oc.addBackupDirFlag(fs.FlagSet)
		fs.StringVar(&out, "o", "", "write the backup to this new file instead (no retention applies)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	m, err := oc.backups(a)
	if err != nil {
		return err
	}
	switch sub := fs.Text(); sub {
	case "":
	case "list", "ls":
		return listBackups(m, stdout)
	default:
		return fmt.Errorf("unknown backup command %q: use `memory backup`, `memory backup -o FILE` or `memory backup list`", sub)
	}
	start := time.Now()
	src := &countingSource{Store: m.Source.(*sqlite.Store)}
	path := out
	if out != "" {
		if err := src.Backup(ctx, out); err != nil {
			return userError(err)
		}
		if err := src.Verify(ctx, out); err != nil {
			os.Remove(out)
			return fmt.Errorf("the backup failed verification, so it was removed: %w", userError(err))
		}
	} else {
		m.Source = src
		f, err := m.Backup(ctx)
		if err != nil {
			return userError(err)
		}
		path = f.Path
	}
	info := src.info
	fmt.Fprintf(stdout, "backup %s: %s, %s, verified in %s\n", path, holding(info),
		megabytes(info.SizeBytes), time.Since(start).Round(time.Millisecond))
	return nil
}

// countingSource is the store as a backup source that keeps what the
// verification of the last copy found (its counts and size), so that the
// command reports them without a second integrity check of the copy.
type countingSource struct {
	*sqlite.Store
	info sqlite.FileInfo
}

func (s *countingSource) Verify(ctx context.Context, path string) (err error) {
	s.info, err = sqlite.Verify(ctx, path)
	return err
}

// listBackups prints the backups, newest first.
func listBackups(m *backup.Manager, stdout io.Writer) error {
	fs, err := m.List()
	if err != nil {
		return err
	}
	if len(fs) == 0 {
		fmt.Fprintf(stdout, "no backups in %s\n", m.Dir)
		return nil
	}
	fmt.Fprintf(stdout, "backups in %s:\n", m.Dir)
	for _, f := range fs {
		fmt.Fprintf(stdout, "  %s  %10s  %s (%s ago)\n", f.Name, megabytes(f.SizeBytes), f.CreatedAt.Local().Format("2006-01-02 15:04:05"),
			time.Since(f.CreatedAt).Round(time.Minute))
	}
	return nil
}

// cmdRestore puts a backup in place of the database, keeping the previous
// one next to it.
func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	oc, err := loadOpsConfig(getenv)
	if err != nil {
		return err
	}
	var force, latest bool
	cfg, fs, err := parseConfig("restore", args, stderr, getenv, func(fs *flagSet) {
		oc.addBackupDirFlag(fs.FlagSet)
		fs.BoolVar(&force, "force", false, "restore even while a server has the database open (it sees the restored memories at once)")
		fs.BoolVar(&latest, "latest", false, "restore the newest backup of the backup directory")
	})
	if err != nil {
		return err
	}
	if cfg.Backend != "sqlite" && cfg.Backend != "hybrid" { // hybrid: the local file, which then syncs
		return notSQLite(cfg.Backend)
	}
	from, err := backupToRestore(oc.backupDir(cfg), fs.Args(), latest)
	if err != nil {
		return err
	}
	res, err := sqlite.Restore(ctx, from, cfg.DBPath, force, time.Now())
	if memory.ErrorCode(err) == memory.EConflict {
		return fmt.Errorf("%s is open in another process (a running `memory server`?): stop it and restore again, or pass -force to restore into the open database", cfg.DBPath)
	}
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(stdout, "restored %s (%s) into %s\n", from, holding(res.Restored), cfg.DBPath)
	if res.Previous != "" {
		fmt.Fprintf(stdout, "the previous database is kept as %s\n", res.Previous)
	}
	if res.Online {
		fmt.Fprintln(stdout, "servers that had the database open see the restored memories now; restart them to be safe")
	}
	return nil
}

// backupToRestore resolves the restore argument: a file, the name of a
// backup in dir, or (latest) the newest backup there.
func backupToRestore(dir string, args []string, latest bool) (string, error) {
	m := &backup.Manager{Dir: dir}
	switch {
	case latest && len(args) > 0:
		return "", fmt.Errorf("give a backup or -latest, not both")
	case latest:
		fs, err := m.List()
		if err != nil {
			return "", err
		}
		if len(fs) == 0 {
			return "", fmt.Errorf("no backups in %s", dir)
		}
		return fs[0].Path, nil
	case len(args) != 1:
		return "", fmt.Errorf("usage: memory restore [-force] FILE | NAME | -latest (see `memory backup list`)")
	}
	name := args[0]
	if _, err := os.Stat(name); errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(name, `/\`) {
		if f, err := m.Find(name); err == nil {
			return f.Path, nil
		}
		if f, err := m.Find(name + ".db"); err == nil {
			return f.Path, nil
		}
	}
	return filepath.Clean(name), nil
}

// holding says what a database file holds: "3 memories of 2 users".
func holding(info sqlite.FileInfo) string {
	users := "users"
	if info.Owners == 1 {
		users = "user"
	}
	return fmt.Sprintf("%d memories of %d %s", info.Memories, info.Owners, users)
}

// megabytes formats a size.
func megabytes(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

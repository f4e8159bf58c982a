package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/sqlite"
	"github.com/mcp-memory-go/memory/sqlite/upstreamtest"
)

// cli runs commands in-process in one data directory.
type cli struct {
	t    *testing.T
	base string
}

func newCLI(t *testing.T) *cli { return &cli{t: t, base: t.TempDir()} }

func (c *cli) env(k string) string {
	if k == "MCP_MEMORY_BASE_DIR" {
		return c.base
	}
	return ""
}

// run runs a command with stdin and returns its output and error.
func (c *cli) run(stdin string, args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, c.env)
	return out.String(), errOut.String(), err
}

// must runs a command that must succeed and returns its standard output.
func (c *cli) must(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run("", args...)
	if err != nil {
		c.t.Fatalf("memory %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// count returns the number of memories status reports for db.
func (c *cli) count(db string) string {
	c.t.Helper()
	out := c.must("status", "-db", db)
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "memories:") {
			return strings.Fields(l)[1]
		}
	}
	c.t.Fatalf("status prints no count:\n%s", out)
	return ""
}

// TestCLIBackupRestore: backups are made and listed; a restore is refused
// while a real `memory server` process has the database open, and done
// once it has exited, keeping the previous database.
func TestCLIBackupRestore(t *testing.T) {
	c := newCLI(t)
	db := filepath.Join(c.base, "memory.db")
	c.must("store", "-db", db, "first memory about backups")
	c.must("store", "-db", db, "second memory about restores")
	out := c.must("backup", "-db", db)
	if !strings.Contains(out, filepath.Join(c.base, "backups", "memory_backup_")) || !strings.Contains(out, "2 memories of 1 user") {
		t.Fatalf("backup printed %q, want the file in <base>/backups and its counts", out)
	}
	if list := c.must("backup", "list", "-db", db); strings.Count(list, "memory_backup_") != 1 {
		t.Errorf("backup list=%q, want one backup", list)
	}
	own := filepath.Join(t.TempDir(), "mine.db")
	if out := c.must("backup", "-db", db, "-o", own); !strings.Contains(out, own) {
		t.Errorf("backup -o printed %q", out)
	}
	c.must("store", "-db", db, "third memory, after the backup")

	// A server process holds the database open: the restore refuses.
	cs := connect(t, db)
	_, _, err := c.run("", "restore", "-db", db, "-latest")
	if err == nil || !strings.Contains(err.Error(), "open in another process") || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("restore under a running server: %v, want a refusal naming -force", err)
	}
	if n := c.count(db); n != "3" {
		t.Errorf("after the refused restore the database holds %s memories, want 3", n)
	}
	cs.Close()
	waitUnused(t, db)

	out = c.must("restore", "-db", db, "-latest")
	if !strings.Contains(out, "2 memories") || !strings.Contains(out, "previous database is kept as "+db+".pre-restore-") {
		t.Errorf("restore printed %q", out)
	}
	if n := c.count(db); n != "2" {
		t.Errorf("after the restore the database holds %s memories, want the backup's 2", n)
	}
	kept, _ := filepath.Glob(db + ".pre-restore-*")
	if len(kept) != 1 || c.count(kept[0]) != "3" {
		t.Errorf("kept previous databases %v, want one with the 3 memories", kept)
	}
	// Restoring a file that is not a backup changes nothing.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("not a database at all"), 0o600)
	if _, _, err := c.run("", "restore", "-db", db, junk); err == nil || !strings.Contains(err.Error(), "not an SQLite database") {
		t.Errorf("restore of a text file: %v, want a clear refusal", err)
	}
	if n := c.count(db); n != "2" {
		t.Errorf("a refused restore changed the database: %s memories", n)
	}
}

// waitUnused waits until the server process that had db open has exited.
func waitUnused(t *testing.T, db string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		used, err := sqlite.InUse(db)
		if err != nil {
			t.Fatal(err)
		}
		if !used {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the server process still has the database open")
		}
	}
}

func TestCLIBackupDirectoryNotUsable(t *testing.T) {
	c := newCLI(t)
	db := filepath.Join(c.base, "memory.db")
	c.must("store", "-db", db, "something to back up")
	file := filepath.Join(c.base, "a-file")
	os.WriteFile(file, nil, 0o600)
	_, _, err := c.run("", "backup", "-db", db, "-backup-dir", filepath.Join(file, "backups"))
	if err == nil || !strings.Contains(err.Error(), "backup directory") {
		t.Errorf("backup into an unusable directory: %v, want an error naming the directory", err)
	}
}

func TestCLIExportImport(t *testing.T) {
	c := newCLI(t)
	src := filepath.Join(c.base, "src.db")
	c.must("store", "-db", src, "-tags", "go,style", "-type", "decision", "Use gofmt on every file")
	c.must("store", "-db", src, "-tags", "ops", "Deploy on Tuesdays")
	file := filepath.Join(t.TempDir(), "export.jsonl")
	c.must("export", "-db", src, "-o", file, "-embeddings")
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("export file: %v, %v; want mode 0600", fi, err)
	}
	dst := filepath.Join(c.base, "dst.db")
	out := c.must("import", "-db", dst, file)
	if !strings.Contains(out, "imported 2 memories (0 already stored") {
		t.Errorf("import printed %q", out)
	}
	if out := c.must("import", "-db", dst, file); !strings.Contains(out, "imported 0 memories (2 already stored") {
		t.Errorf("second import printed %q, want nothing new", out)
	}
	if n := c.count(dst); n != "2" {
		t.Errorf("after importing twice: %s memories, want 2", n)
	}
	// From standard input, filtered by tag.
	tagged := c.must("export", "-db", src, "-tags", "ops")
	other := filepath.Join(c.base, "other.db")
	out, errOut, err := c.run(tagged, "import", "-db", other, "-")
	if err != nil || !strings.Contains(out, "imported 1 memories") {
		t.Errorf("import from stdin: %q %v %s", out, err, errOut)
	}
	// A truncated export is refused whole.
	data, _ := os.ReadFile(file)
	cut := filepath.Join(t.TempDir(), "cut.jsonl")
	os.WriteFile(cut, data[:len(data)*2/3], 0o600)
	empty := filepath.Join(c.base, "empty.db")
	if _, _, err := c.run("", "import", "-db", empty, cut); err == nil || !strings.Contains(err.Error(), "nothing was imported") {
		t.Errorf("import of a truncated export: %v, want a refusal", err)
	}
	if n := c.count(empty); n != "0" {
		t.Errorf("a refused import stored %s memories", n)
	}
}

func TestCLIMigrate(t *testing.T) {
	c := newCLI(t)
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	up := upstreamtest.Build(t, filepath.Join(t.TempDir(), "sqlite_vec.db"), []upstreamtest.Row{
		{Content: "Prefer table-driven tests", Tags: "go,testing", Type: "learning", CreatedAt: t0, Metadata: map[string]any{"quality_score": 0.7}},
		{Content: "Bug in the parser", Tags: "bug", Type: "brainstorm", CreatedAt: t0.Add(time.Hour)},
		{Content: "gone", CreatedAt: t0, DeletedAt: t0.Add(time.Hour)},
	})
	db := filepath.Join(c.base, "memory.db")
	out := c.must("migrate", "-db", db, "-from", up, "-dry-run")
	if !strings.Contains(out, "2 memories, 1 deleted") || !strings.Contains(out, "vec0") || !strings.Contains(out, `"brainstorm" (1)`) || !strings.Contains(out, "nothing stored") {
		t.Errorf("migrate -dry-run printed %q", out)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a dry run created the database")
	}
	out = c.must("migrate", "-db", db, "-from", up)
	if !strings.Contains(out, "migrated 2 memories for local") || !strings.Contains(out, "2 embedded with") {
		t.Errorf("migrate printed %q", out)
	}
	if s := c.must("search", "-db", db, "-mode", "semantic", "table driven testing"); !strings.Contains(s, "Prefer table-driven tests") {
		t.Errorf("semantic search after the migration: %q", s)
	}
	if out := c.must("migrate", "-db", db, up); !strings.Contains(out, "migrated 0 memories") || !strings.Contains(out, "2 already there") {
		t.Errorf("second migrate printed %q, want nothing new", out)
	}
	// A file that is not upstream's changes nothing, not even creating
	// the database.
	text := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(text, []byte("hello"), 0o600)
	fresh := filepath.Join(c.base, "fresh.db")
	if _, _, err := c.run("", "migrate", "-db", fresh, "-from", text); err == nil || !strings.Contains(err.Error(), "not an SQLite database") {
		t.Errorf("migrate from a text file: %v", err)
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Errorf("a refused migration created the database")
	}
}

func TestCLIVersion(t *testing.T) {
	c := newCLI(t)
	out := c.must("version")
	if !strings.HasPrefix(out, "memory ") || !strings.Contains(out, "\ncommit ") {
		t.Errorf("version printed %q, want the version and the commit", out)
	}
}

func TestCLIHealth(t *testing.T) {
	db := filepath.Join(t.TempDir(), "health.db")
	url := startDaemon(t, db)
	c := newCLI(t)
	if out := c.must("health", "-url", url); !strings.Contains(out, "healthy") {
		t.Errorf("health printed %q", out)
	}
	// The daemon made its first scheduled backup beside the database.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(filepath.Dir(db), "backups", "memory_backup_*.db")); len(m) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the daemon made no backup beside the database")
		}
	}
	if _, _, err := c.run("", "health", "-url", "http://127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Errorf("health of nothing: %v, want no answer", err)
	}
}

package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/ingest"
)

// tree makes an allowed root with files, a secret outside it and links.
func tree(t *testing.T) (root, secret string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "docs")
	secret = write(t, filepath.Join(base, "secret.txt"), "the launch code is 0000")
	write(t, filepath.Join(root, "a.txt"), manual)
	write(t, filepath.Join(root, "b.md"), "# Notes\n\nThe meeting moved to Thursday afternoon.")
	write(t, filepath.Join(root, "c.bin"), "not ingested")
	write(t, filepath.Join(root, "sub", "d.txt"), "Deep file about the garden irrigation schedule.")
	write(t, filepath.Join(root, ".hidden", "e.txt"), "hidden")
	if err := os.Symlink(secret, filepath.Join(root, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "a.txt"), filepath.Join(root, "inside.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(base, filepath.Join(root, "up")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "pipe.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root, secret
}

func TestRootsConfineReads(t *testing.T) {
	root, secret := tree(t)
	rs, err := ingest.ParseRoots(root)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if data, err := rs.ReadFile(filepath.Join(root, "a.txt"), 1<<20); err != nil || string(data) != manual {
		t.Fatalf("a file under the root: %v", err)
	}
	if _, err := rs.ReadFile(filepath.Join(root, "inside.txt"), 1<<20); err != nil {
		t.Errorf("a link that stays inside: %v", err)
	}
	for _, tc := range []struct{ path, want string }{
		{secret, "outside the allowed ingestion roots (MCP_MEMORY_INGEST_ROOTS="},
		{filepath.Join(root, "..", "secret.txt"), "outside the allowed ingestion roots"},
		{filepath.Join(root, "escape.txt"), "symbolic link"},
		{filepath.Join(root, "up", "secret.txt"), "symbolic link"},
		{filepath.Join(root, "missing.txt"), "does not exist"},
		{filepath.Join(root, "sub"), "not a regular file"},
		{filepath.Join(root, "pipe.txt"), "not a regular file"},
		{"docs/a.txt", "absolute path"},
	} {
		_, err := rs.ReadFile(tc.path, 1<<20)
		if err == nil || !strings.Contains(memory.ErrorMessage(err), tc.want) {
			t.Errorf("ReadFile(%s) = %v, want an error with %q", tc.path, err, tc.want)
		}
	}
	if _, err := rs.ReadFile(filepath.Join(root, "a.txt"), 100); memory.ErrorCode(err) != memory.ETooLarge {
		t.Errorf("a file over the limit: %v", err)
	}
	none, _ := ingest.ParseRoots("")
	if _, err := none.ReadFile(filepath.Join(root, "a.txt"), 1<<20); err == nil || !strings.Contains(err.Error(), "MCP_MEMORY_INGEST_ROOTS") {
		t.Errorf("without roots: %v, want an error naming the setting", err)
	}
	if _, err := ingest.ParseRoots("relative/dir"); err == nil {
		t.Error("a relative root was accepted")
	}
	if _, err := ingest.ParseRoots(filepath.Join(root, "nope")); err == nil {
		t.Error("a missing root was accepted")
	}
}

func TestRootsWalk(t *testing.T) {
	root, _ := tree(t)
	rs, _ := ingest.ParseRoots(root + "," + t.TempDir())
	defer rs.Close()
	all := func(string) bool { return true }
	names := func(es []ingest.Entry) string {
		var out []string
		for _, e := range es {
			rel, _ := filepath.Rel(root, e.Path)
			out = append(out, rel)
		}
		return strings.Join(out, " ")
	}
	files, more, err := rs.Walk(root, true, all, 0)
	if err != nil || more {
		t.Fatal(err, more)
	}
	if got := names(files); got != "a.txt b.md c.bin escape.txt inside.txt sub/d.txt" {
		t.Errorf("recursive walk: %s (hidden directories, pipes and links to directories are skipped)", got)
	}
	files, _, _ = rs.Walk(root, false, func(n string) bool { return strings.HasSuffix(n, ".txt") }, 0)
	if got := names(files); got != "a.txt escape.txt inside.txt" {
		t.Errorf("flat walk of .txt: %s", got)
	}
	files, more, _ = rs.Walk(root, true, all, 2)
	if len(files) != 2 || !more {
		t.Errorf("max 2: %d files, truncated %v", len(files), more)
	}
	if _, _, err := rs.Walk(filepath.Dir(root), true, all, 0); err == nil {
		t.Error("walked the parent of the root")
	}
}

func TestIngestPathsReportsEachFile(t *testing.T) {
	e := newEnv(t)
	root, _ := tree(t)
	write(t, filepath.Join(root, "empty.txt"), "")
	rs, _ := ingest.ParseRoots(root)
	defer rs.Close()
	ctx := context.Background()
	var calls int
	u, err := e.m.IngestPaths(ctx, rs, []string{root}, ingest.DirOptions{Recursive: true}, ingest.Options{Tags: []string{"kb"}},
		func(done, total int, _ ingest.FileResult) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]ingest.FileResult{}
	for _, f := range u.Files {
		byName[f.Name] = f
	}
	for _, ok := range []string{"a.txt", "b.md", "d.txt", "inside.txt"} {
		if f := byName[ok]; f.Failed() || f.Status != ingest.StatusCompleted {
			t.Errorf("%s: %+v", ok, f)
		}
	}
	if f := byName["escape.txt"]; !strings.Contains(f.Error, "symbolic link") {
		t.Errorf("escaping link: %+v", f)
	}
	if f := byName["empty.txt"]; !strings.Contains(f.Error, "empty") {
		t.Errorf("empty file: %+v", f)
	}
	if _, ok := byName["c.bin"]; ok {
		t.Error("an unsupported file was picked from the directory")
	}
	if calls != len(u.Files) || u.Status != ingest.StatusCompleted || len(u.Errors) != 2 {
		t.Errorf("progress calls %d, upload %+v", calls, u)
	}
	if search(t, e.svc, "launch code").Count != 0 {
		t.Fatal("the secret outside the root was stored")
	}
	if search(t, e.svc, "irrigation").Count != 1 {
		t.Error("the file of the subdirectory was not stored")
	}
	// The run is in the history.
	h, err := e.m.List(ctx, 10)
	if err != nil || len(h) != 1 || h[0].ID != u.ID || !h[0].Done() {
		t.Fatalf("history %v %+v", err, h)
	}
	// Bad requests fail as a whole.
	for _, tc := range []struct {
		paths []string
		d     ingest.DirOptions
		want  string
	}{
		{[]string{filepath.Dir(root)}, ingest.DirOptions{}, "outside"},
		{[]string{root}, ingest.DirOptions{Extensions: []string{"exe"}}, "not supported"},
		{[]string{filepath.Join(root, "sub")}, ingest.DirOptions{Extensions: []string{"pdf"}}, "no supported files"},
	} {
		if _, err := e.m.IngestPaths(ctx, rs, tc.paths, tc.d, ingest.Options{}, nil); err == nil || !strings.Contains(memory.ErrorMessage(err), tc.want) {
			t.Errorf("%v %+v: %v, want %q", tc.paths, tc.d, err, tc.want)
		}
	}
}

package sqlite_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate/consolidatetest"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

// MustOpenStore opens a store on a new database file in a temporary
// directory and closes it when the test ends.
func MustOpenStore(tb testing.TB) *sqlite.Store {
	tb.Helper()
	return MustOpenStorePath(tb, filepath.Join(tb.TempDir(), "memory.db"))
}

// MustOpenStorePath opens a store on path and closes it when the test
// ends.
func MustOpenStorePath(tb testing.TB, path string, configure ...func(*sqlite.Store)) *sqlite.Store {
	tb.Helper()
	s := sqlite.New(path)
	for _, c := range configure {
		c(s)
	}
	if err := s.Open(context.Background()); err != nil {
		tb.Fatalf("Open()=%v, want nil", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close()=%v, want nil", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	memorytest.RunStoreTests(t, func(t *testing.T) memory.Store { return MustOpenStore(t) })
}

func TestOpen_CreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "memory.db")
	s := MustOpenStorePath(t, path)
	if s.Path() != path {
		t.Errorf("Path()=%q, want %q", s.Path(), path)
	}
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{{dir, 0o700}, {path, 0o600}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != c.mode {
			t.Errorf("mode of %s=%v, want %v", c.path, got, c.mode)
		}
	}
}

func TestOpen_Reopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	m := memorytest.NewMemory("alice", "survives a restart", memorytest.WithTags("t"),
		memorytest.WithEmbedding(memorytest.NewFakeEmbedder(8)))
	s := sqlite.New(path)
	if err := s.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(t.Context(), []*memory.Memory{m}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close()=%v", err)
	}
	s = MustOpenStorePath(t, path)
	got, err := s.Get(t.Context(), "alice", m.Hash)
	if err != nil || got.Content != m.Content || len(got.Embedding) != 8 {
		t.Errorf("Get() after reopen=%v, %v, want the memory with its vector", got, err)
	}
	// A vector of another length for the same model is refused.
	bad := memorytest.NewMemory("alice", "other length", memorytest.WithVector("fake-8", make([]float32, 9)))
	if err := s.Insert(t.Context(), []*memory.Memory{bad}); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("Insert(9 floats for an 8-d model)=%v, want EInvalid", err)
	}
}

func TestOpen_NotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	if err := os.WriteFile(path, []byte(strings.Repeat(rand.Text(), 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	err := sqlite.New(path).Open(t.Context())
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a database") {
		t.Errorf("Open(random bytes)=%v, want an error naming the path and saying not a database", err)
	}
}

func TestOpen_Unwritable(t *testing.T) {
	t.Run("under a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(file, "sub", "memory.db")
		if err := sqlite.New(path).Open(t.Context()); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("Open(under a file)=%v, want an error naming the path", err)
		}
	})
	t.Run("read-only directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root ignores directory permissions")
		}
		dir := filepath.Join(t.TempDir(), "ro")
		if err := os.Mkdir(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "memory.db")
		if err := sqlite.New(path).Open(t.Context()); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("Open(read-only directory)=%v, want an error naming the path", err)
		}
	})
}

func TestOpen_ForeignDatabase(t *testing.T) {
	// A database with a table but no schema version, like upstream's.
	path := filepath.Join(t.TempDir(), "sqlite_vec.db")
	if err := sqlite.ExecRaw(t.Context(), path, "CREATE TABLE memories (id INTEGER PRIMARY KEY, content_hash TEXT)"); err != nil {
		t.Fatal(err)
	}
	err := sqlite.New(path).Open(t.Context())
	if err == nil || !strings.Contains(err.Error(), "not created by this program") {
		t.Errorf("Open(foreign database)=%v, want a refusal", err)
	}
}

func TestCheck_Healthy(t *testing.T) {
	s := MustOpenStore(t)
	if err := s.Check(t.Context()); err != nil {
		t.Errorf("Check()=%v, want nil", err)
	}
	if v := sqlite.SchemaVersion(); v < 1 {
		t.Errorf("SchemaVersion()=%d, want >= 1", v)
	}
}

func TestCheck_Corrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	s := sqlite.New(path)
	if err := s.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	var ms []*memory.Memory
	for i := range 500 {
		ms = append(ms, memorytest.NewMemory("alice", fmt.Sprintf("memory number %d with some words", i), memorytest.WithTags("t")))
	}
	if err := s.Insert(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Overwrite a page in the middle: part of some table or index.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte(strings.Repeat("\xff\x00garbage", 512)), fi.Size()/4096/2*4096); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s = sqlite.New(path)
	if err := s.Open(t.Context()); err != nil {
		if !strings.Contains(err.Error(), path) {
			t.Errorf("Open(corrupt)=%v, want an error naming the path", err)
		}
		return // caught at Open: as good
	}
	defer s.Close()
	if err := s.Check(t.Context()); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Check(corrupt)=%v, want a description naming the path", err)
	} else {
		t.Log(err)
	}
}

func TestGraph(t *testing.T) {
	memorytest.RunGraphTests(t, func(t *testing.T) memorytest.GraphBackend { return MustOpenStore(t) })
}

func TestConsolidationState(t *testing.T) {
	consolidatetest.RunStateTests(t, func(t *testing.T) consolidatetest.Backend { return MustOpenStore(t) })
}

package backup_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/backup"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

// MustOpenStore opens an SQLite store holding a few memories.
func MustOpenStore(tb testing.TB) *sqlite.Store {
	tb.Helper()
	s := sqlite.New(filepath.Join(tb.TempDir(), "memory.db"))
	if err := s.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	ms := []*memory.Memory{memorytest.NewMemory("local", "one"), memorytest.NewMemory("bob", "two")}
	if err := s.Insert(context.Background(), ms); err != nil {
		tb.Fatal(err)
	}
	return s
}

// names lists the entries of dir, hidden ones included.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestBackup_VerifiedPrivateFile(t *testing.T) {
	st := MustOpenStore(t)
	dir := filepath.Join(t.TempDir(), "backups")
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	m := &backup.Manager{Source: st, Dir: dir, Now: func() time.Time { return at }}
	f, err := m.Backup(t.Context())
	if err != nil {
		t.Fatalf("Backup()=%v, want nil", err)
	}
	if f.Name != "memory_backup_20260304_050607.db" || !f.CreatedAt.Equal(at) || f.SizeBytes == 0 {
		t.Errorf("Backup()=%+v, want memory_backup_20260304_050607.db made at %v", f, at)
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{dir: 0o700, f.Path: 0o600} {
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
				t.Errorf("mode of %s=%v, %v; want %v", path, fi.Mode().Perm(), err, want)
			}
		}
	}
	info, err := sqlite.Verify(t.Context(), f.Path)
	if err != nil || info.Memories != 2 || info.Owners != 2 {
		t.Errorf("Verify(backup)=%+v, %v; want 2 memories of 2 owners", info, err)
	}
	// A second backup in the same second gets its own name.
	g, err := m.Backup(t.Context())
	if err != nil || g.Name != "memory_backup_20260304_050607_2.db" {
		t.Errorf("second Backup()=%+v, %v; want the _2 name", g, err)
	}
	list, err := m.List()
	if err != nil || len(list) != 2 || list[0].Name != g.Name || list[1].Name != f.Name {
		t.Errorf("List()=%+v, %v; want the two backups, newest first", list, err)
	}
	if got := names(t, dir); len(got) != 2 {
		t.Errorf("backup directory holds %v, want only the two backups", got)
	}
}

func TestBackup_DirectoryNotUsable(t *testing.T) {
	st := MustOpenStore(t)
	parent := t.TempDir()
	file := filepath.Join(parent, "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	cases := []struct{ name, dir, want string }{
		{"a file", file, "not a directory"},
		{"under a file", filepath.Join(file, "backups"), "not a directory"},
	}
	if os.Geteuid() != 0 && runtime.GOOS != "windows" { // root writes anywhere
		ro := filepath.Join(parent, "read-only")
		os.Mkdir(ro, 0o500)
		cases = append(cases, struct{ name, dir, want string }{"read-only", ro, "not writable"})
	}
	for _, c := range cases {
		m := &backup.Manager{Source: st, Dir: c.dir}
		_, err := m.Backup(t.Context())
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.dir) {
			t.Errorf("Backup(%s)=%v, want an error naming the directory and %q", c.name, err, c.want)
		}
		if st, _ := m.Status(); st.LastError == "" {
			t.Errorf("Status().LastError after a failed backup is empty")
		}
	}
	if got := names(t, parent); !slices.Equal(got, []string{"a-file"}) && !slices.Equal(got, []string{"a-file", "read-only"}) {
		t.Errorf("failed backups left %v", got)
	}
}

// badVerify copies like the store but fails every verification.
type badVerify struct{ *sqlite.Store }

func (badVerify) Verify(context.Context, string) error {
	return errors.New("integrity_check failed: page 3 is broken")
}

func TestBackup_FailedVerificationLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	m := &backup.Manager{Source: badVerify{MustOpenStore(t)}, Dir: dir}
	_, err := m.Backup(t.Context())
	if err == nil || !strings.Contains(err.Error(), "discarded") || !strings.Contains(err.Error(), "page 3") {
		t.Errorf("Backup()=%v, want the verification failure", err)
	}
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("a backup that failed verification left %v", got)
	}
}

func TestPrune(t *testing.T) {
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	ages := []int{0, 1, 2, 5, 8, 30} // days
	for _, c := range []struct {
		name      string
		retention time.Duration
		maxCount  int
		ages      []int
		want      []int // ages kept
	}{
		{"defaults", backup.DefaultRetention, backup.DefaultMaxCount, ages, []int{0, 1, 2, 5}},
		{"count only", 0, 3, ages, []int{0, 1, 2}},
		{"age only", 3 * 24 * time.Hour, 0, ages, []int{0, 1, 2}},
		{"no limits", 0, 0, ages, ages},
		{"newest kept even when old", 24 * time.Hour, 1, []int{10, 20}, []int{10}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, d := range c.ages {
				name := "memory_backup_" + now.AddDate(0, 0, -d).Format("20060102_150405") + ".db"
				os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600)
			}
			os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a backup"), 0o600)
			os.WriteFile(filepath.Join(dir, "memory_backup_old.db"), []byte("not ours"), 0o600)
			m := &backup.Manager{Dir: dir, Retention: c.retention, MaxCount: c.maxCount, Now: func() time.Time { return now }}
			if _, err := m.Prune(); err != nil {
				t.Fatal(err)
			}
			list, _ := m.List()
			var kept []int
			for _, f := range list {
				kept = append(kept, int(now.Sub(f.CreatedAt).Hours()/24))
			}
			if !slices.Equal(kept, c.want) {
				t.Errorf("kept backups aged %v days, want %v", kept, c.want)
			}
			for _, other := range []string{"notes.txt", "memory_backup_old.db"} {
				if _, err := os.Stat(filepath.Join(dir, other)); err != nil {
					t.Errorf("Prune removed %s, which is not a backup", other)
				}
			}
		})
	}
}

// fileSource writes a small file as the backup; fail makes the next n
// backups fail.
type fileSource struct{ fail atomic.Int32 }

func (s *fileSource) Backup(_ context.Context, path string) error {
	if s.fail.Load() > 0 {
		s.fail.Add(-1)
		return errors.New("disk full")
	}
	return os.WriteFile(path, []byte("backup"), 0o600)
}

func (s *fileSource) Verify(context.Context, string) error { return nil }

// TestRun_Schedule drives the scheduler on a fake clock: a backup at once
// when there is none, then one a day, a retry 15 minutes after a failure,
// retention applied, and a clean stop.
func TestRun_Schedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now().UTC()
		dir := t.TempDir()
		src := &fileSource{}
		m := &backup.Manager{Source: src, Dir: dir, Scheduled: true, Interval: "daily", MaxCount: 2}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- m.Run(ctx) }()
		count := func() int {
			synctest.Wait()
			list, err := m.List()
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		if n := count(); n != 1 {
			t.Fatalf("after start: %d backups, want 1", n)
		}
		st, _ := m.Status()
		if !st.Running || !st.Next.Equal(st.Last.Add(24*time.Hour)) {
			t.Errorf("Status()=%+v, want running with the next backup a day after the last", st)
		}
		time.Sleep(24*time.Hour + time.Second)
		if n := count(); n != 2 {
			t.Fatalf("after a day: %d backups, want 2", n)
		}
		src.fail.Store(1)
		time.Sleep(24*time.Hour + time.Second)
		if st, _ := m.Status(); st.LastError == "" || count() != 2 {
			t.Errorf("after a failed backup: Status()=%+v, want the error and still 2 backups", st)
		}
		time.Sleep(backup.RetryAfter)
		st, _ = m.Status()
		if n := count(); n != 2 || st.LastError != "" || !st.Last.Equal(start.Add(48*time.Hour+backup.RetryAfter)) {
			t.Errorf("after the retry: %d backups, Status()=%+v; want 2 (MaxCount) with a fresh one", n, st)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run()=%v after cancel, want nil", err)
		}
		if st, _ := m.Status(); st.Running {
			t.Errorf("Status().Running after Run returned")
		}
	})
}

func TestRun_Off(t *testing.T) {
	m := &backup.Manager{Source: &fileSource{}, Dir: t.TempDir()}
	if err := m.Run(t.Context()); err != nil {
		t.Errorf("Run(not scheduled)=%v, want nil at once", err)
	}
	if list, _ := m.List(); len(list) != 0 {
		t.Errorf("Run(not scheduled) made %d backups", len(list))
	}
}

func TestParseInterval(t *testing.T) {
	for in, want := range map[string]string{"": "daily", "Hourly": "hourly", " weekly ": "weekly", "daily": "daily"} {
		if got, err := backup.ParseInterval(in); got != want || err != nil {
			t.Errorf("ParseInterval(%q)=%q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := backup.ParseInterval("monthly"); err == nil {
		t.Errorf("ParseInterval(monthly)=nil error")
	}
}

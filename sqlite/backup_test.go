package sqlite_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

var restoreTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// mustBackup writes a backup of s into a new temporary directory.
func mustBackup(t *testing.T, s *sqlite.Store) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(t.Context(), path); err != nil {
		t.Fatalf("Backup()=%v, want nil", err)
	}
	return path
}

// mustInsert stores memories with the given contents for owner.
func mustInsert(t *testing.T, s *sqlite.Store, owner string, contents ...string) []*memory.Memory {
	t.Helper()
	e := memorytest.NewFakeEmbedder(8)
	var ms []*memory.Memory
	for _, c := range contents {
		ms = append(ms, memorytest.NewMemory(owner, c, memorytest.WithTags("t"), memorytest.WithEmbedding(e)))
	}
	if err := s.Insert(t.Context(), ms); err != nil {
		t.Fatalf("Insert()=%v", err)
	}
	return ms
}

// liveHashes returns the hashes of owner's live memories, sorted.
func liveHashes(t *testing.T, s *sqlite.Store, owner string) []string {
	t.Helper()
	ms, _, err := s.Find(t.Context(), memory.Filter{Owner: owner, IncludeSuperseded: true}, memory.Page{})
	if err != nil {
		t.Fatalf("Find()=%v", err)
	}
	out := memorytest.Hashes(ms...)
	slices.Sort(out)
	return out
}

// TestBackup_WhileWriting is the backup guarantee: three writers (three
// stores on one file, as three processes) keep inserting while a backup
// is taken; the backup passes integrity_check and holds every write
// acknowledged before the backup began, each whole (tags, vector, keyword
// index).
func TestBackup_WhileWriting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	backer := MustOpenStorePath(t, path)
	ctx := t.Context()
	e := memorytest.NewFakeEmbedder(8)

	var (
		mu    sync.Mutex
		acked []string // hashes whose Insert returned nil, in order
	)
	ackedNow := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(acked)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for w := range 3 {
		st := MustOpenStorePath(t, path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				m := memorytest.NewMemory("local", fmt.Sprintf("writer %d note %d about otters", w, i),
					memorytest.WithTags(fmt.Sprintf("w%d", w), "otter"), memorytest.WithEmbedding(e))
				if err := st.Insert(ctx, []*memory.Memory{m}); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
				mu.Lock()
				acked = append(acked, m.Hash)
				mu.Unlock()
			}
		}()
	}
	// Let every writer get going, then back up while they carry on.
	for len(ackedNow()) < 150 {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	before := ackedNow()
	bak := filepath.Join(t.TempDir(), "backup.db")
	err := backer.Backup(ctx, bak)
	duringOrAfter := len(ackedNow())
	for len(ackedNow()) < duringOrAfter+30 { // writers still run after it
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("Backup()=%v, want nil", err)
	}

	info, err := sqlite.Verify(ctx, bak)
	if err != nil {
		t.Fatalf("Verify(backup)=%v, want nil", err)
	}
	if info.Memories < int64(len(before)) {
		t.Errorf("Verify().Memories=%d, want at least the %d acknowledged before", info.Memories, len(before))
	}
	restored := filepath.Join(t.TempDir(), "restored.db")
	if _, err := sqlite.Restore(ctx, bak, restored, false, restoreTime); err != nil {
		t.Fatalf("Restore()=%v, want nil", err)
	}
	r := MustOpenStorePath(t, restored)
	if err := r.Check(ctx); err != nil {
		t.Errorf("Check(restored)=%v, want nil", err)
	}
	have := liveHashes(t, r, "local")
	var missing int
	for _, h := range before {
		if _, ok := slices.BinarySearch(have, h); !ok {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("restored database misses %d of the %d writes acknowledged before the backup began", missing, len(before))
	}
	// Every memory in the copy is whole: tags, vector and keyword index.
	ms, _, err := r.Find(ctx, memory.Filter{Owner: "local"}, memory.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if len(m.Tags) != 2 || len(m.Embedding) != 8 {
			t.Fatalf("restored memory %q: tags %v, vector of %d, want 2 tags and 8 components", m.Content, m.Tags, len(m.Embedding))
		}
	}
	hits, err := r.KeywordSearch(ctx, memory.Filter{Owner: "local"}, []string{"otters"}, len(ms)+1)
	if err != nil || len(hits) != len(ms) {
		t.Errorf("KeywordSearch(restored)=%d hits, %v; want all %d", len(hits), err, len(ms))
	}
	t.Logf("%d writes acknowledged before the backup, %d in it, %d by the end", len(before), info.Memories, len(ackedNow()))
}

func TestBackup_PrivateFileAndNoOverwrite(t *testing.T) {
	s := MustOpenStore(t)
	mustInsert(t, s, "local", "one", "two")
	bak := mustBackup(t, s)
	fi, err := os.Stat(bak)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode=%v, want 0600", fi.Mode().Perm())
	}
	before, _ := os.ReadFile(bak)
	if err := s.Backup(t.Context(), bak); err == nil {
		t.Errorf("Backup(existing file)=nil, want an error")
	}
	if after, _ := os.ReadFile(bak); !bytes.Equal(before, after) {
		t.Errorf("Backup(existing file) changed the file")
	}
	if err := s.Backup(t.Context(), filepath.Join(t.TempDir(), "missing", "b.db")); err == nil {
		t.Errorf("Backup(into a missing directory)=nil, want an error")
	}
	info, err := sqlite.Verify(t.Context(), bak)
	if err != nil || info.Memories != 2 || info.Owners != 1 || info.SchemaVersion != sqlite.SchemaVersion() {
		t.Errorf("Verify()=%+v, %v; want 2 memories of 1 owner at schema %d", info, err, sqlite.SchemaVersion())
	}
}

func TestVerify_BadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := mustBackup(t, func() *sqlite.Store {
		s := MustOpenStore(t)
		var cs []string
		for i := range 300 {
			cs = append(cs, fmt.Sprintf("memory %d with enough words to fill several pages of the table", i))
		}
		mustInsert(t, s, "local", cs...)
		return s
	}())
	raw, _ := os.ReadFile(good)
	corrupt := slices.Clone(raw)
	for i := 2 * 4096; i < len(corrupt)-4096; i += 4096 { // scribble over every b-tree page but the first
		copy(corrupt[i+100:], bytes.Repeat([]byte{0xA5}, 200))
	}
	newer := write("newer.db", raw)
	setUserVersion(t, newer, 999)

	for _, c := range []struct {
		name, path, want string
	}{
		{"text file", write("notes.txt", []byte("these are my notes, not a database\n")), "not an SQLite database"},
		{"empty file", write("empty.db", nil), "not an SQLite database"},
		{"directory", dir, "directory"},
		{"missing", filepath.Join(dir, "nope.db"), "no such file"},
		{"upstream", MustUpstreamDB(t, nil), "memory migrate"},
		{"newer schema", newer, "newer than this program"},
		{"corrupt", write("corrupt.db", corrupt), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sqlite.Verify(t.Context(), c.path)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Verify(%s)=%v, want an error containing %q", c.name, err, c.want)
			}
		})
	}
}

func TestInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	if used, err := sqlite.InUse(path); used || err != nil {
		t.Errorf("InUse(missing)=%v, %v; want false, nil", used, err)
	}
	s := sqlite.New(path)
	if err := s.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	if used, err := sqlite.InUse(path); !used || err != nil {
		t.Errorf("InUse(open)=%v, %v; want true, nil", used, err)
	}
	s.Close()
	if used, err := sqlite.InUse(path); used || err != nil {
		t.Errorf("InUse(closed)=%v, %v; want false, nil", used, err)
	}
	// The check itself leaves the database usable.
	MustOpenStorePath(t, path)
}

func TestRestore_RefusesOpenDatabase(t *testing.T) {
	src := MustOpenStore(t)
	mustInsert(t, src, "local", "from the backup")
	bak := mustBackup(t, src)

	path := filepath.Join(t.TempDir(), "memory.db")
	live := MustOpenStorePath(t, path)
	mustInsert(t, live, "local", "live one", "live two")
	want := liveHashes(t, live, "local")

	_, err := sqlite.Restore(t.Context(), bak, path, false, restoreTime)
	if memory.ErrorCode(err) != memory.EConflict || !strings.Contains(err.Error(), "open in another process") {
		t.Fatalf("Restore(open database)=%v, want EConflict naming the other process", err)
	}
	if got := liveHashes(t, live, "local"); !slices.Equal(got, want) {
		t.Errorf("after the refused restore the database holds %v, want %v", got, want)
	}
	if kept, _ := filepath.Glob(path + ".pre-restore-*"); len(kept) > 0 {
		t.Errorf("refused restore left %v", kept)
	}
}

func TestRestore_KeepsPreviousDatabase(t *testing.T) {
	src := MustOpenStore(t)
	restoredMs := mustInsert(t, src, "local", "from the backup")
	bak := mustBackup(t, src)

	path := filepath.Join(t.TempDir(), "memory.db")
	old := sqlite.New(path)
	if err := old.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	oldMs := mustInsert(t, old, "local", "the previous content")
	old.Close()

	res, err := sqlite.Restore(t.Context(), bak, path, false, restoreTime)
	if err != nil {
		t.Fatalf("Restore()=%v, want nil", err)
	}
	wantPrev := path + ".pre-restore-20260102T030405Z"
	if res.Previous != wantPrev || res.Online || res.Restored.Memories != 1 {
		t.Errorf("Restore()=%+v, want Previous %s, not online, 1 memory", res, wantPrev)
	}
	if got := hashesIn(t, path, "local"); !slices.Equal(got, memorytest.Hashes(restoredMs...)) {
		t.Errorf("restored database holds %v, want the backup's %v", got, memorytest.Hashes(restoredMs...))
	}
	if got := hashesIn(t, wantPrev, "local"); !slices.Equal(got, memorytest.Hashes(oldMs...)) {
		t.Errorf("kept database holds %v, want the previous %v", got, memorytest.Hashes(oldMs...))
	}
	if fi, err := os.Stat(path); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Errorf("restored file: %v, %v; want mode 0600", fi, err)
	}
	// A second restore in the same second keeps the first one's previous
	// database too.
	res2, err := sqlite.Restore(t.Context(), bak, path, false, restoreTime)
	if err != nil || res2.Previous != wantPrev+"-2" {
		t.Fatalf("second Restore()=%+v, %v; want Previous %s-2", res2, err, wantPrev)
	}
	if got := hashesIn(t, wantPrev, "local"); !slices.Equal(got, memorytest.Hashes(oldMs...)) {
		t.Errorf("the first kept database was overwritten: %v", got)
	}
}

// TestRestore_ForceIntoOpenDatabase restores under a store that stays
// open: it sees the restored memories at once, its vector cache included.
func TestRestore_ForceIntoOpenDatabase(t *testing.T) {
	ctx := t.Context()
	e := memorytest.NewFakeEmbedder(8)
	src := MustOpenStore(t)
	restoredMs := mustInsert(t, src, "local", "otters from the backup")
	bak := mustBackup(t, src)

	path := filepath.Join(t.TempDir(), "memory.db")
	live := MustOpenStorePath(t, path)
	oldMs := mustInsert(t, live, "local", "beavers of the live database", "more live beavers")
	if _, err := live.VectorSearch(ctx, memory.Filter{Owner: "local"}, e.Model().Name, memorytest.FakeVector(8, "beavers"), 5); err != nil {
		t.Fatal(err) // loads the vector cache
	}

	res, err := sqlite.Restore(ctx, bak, path, true, restoreTime)
	if err != nil {
		t.Fatalf("Restore(force)=%v, want nil", err)
	}
	if !res.Online || res.Previous == "" {
		t.Errorf("Restore(force)=%+v, want an online restore keeping the previous content", res)
	}
	if got := liveHashes(t, live, "local"); !slices.Equal(got, memorytest.Hashes(restoredMs...)) {
		t.Errorf("open store after restore holds %v, want the backup's %v", got, memorytest.Hashes(restoredMs...))
	}
	hits, err := live.VectorSearch(ctx, memory.Filter{Owner: "local"}, e.Model().Name, memorytest.FakeVector(8, "otters from the backup"), 5)
	if err != nil || len(hits) != 1 || hits[0].Memory.Hash != restoredMs[0].Hash {
		t.Errorf("VectorSearch after restore=%v, %v; want only the restored memory", hits, err)
	}
	if err := live.Check(ctx); err != nil {
		t.Errorf("Check()=%v", err)
	}
	if got := liveHashes(t, MustOpenStorePath(t, res.Previous), "local"); len(got) != len(oldMs) {
		t.Errorf("kept copy holds %d memories, want %d", len(got), len(oldMs))
	}
}

func TestRestore_BadBackupChangesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	s := sqlite.New(path)
	if err := s.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustInsert(t, s, "local", "keep me")
	s.Close()
	before, _ := os.ReadFile(path)
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("SQLite format 2, honestly"), 0o600)
	for _, from := range []string{junk, MustUpstreamDB(t, nil), path} {
		if _, err := sqlite.Restore(t.Context(), from, path, true, restoreTime); err == nil {
			t.Errorf("Restore(%s)=nil, want an error", filepath.Base(from))
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("a refused restore changed the database")
	}
	if left, _ := filepath.Glob(path + ".*"); len(left) > 0 {
		t.Errorf("a refused restore left %v", left)
	}
}

// hashesIn returns the live hashes of owner in the database at path,
// which it opens and closes.
func hashesIn(t *testing.T, path, owner string) []string {
	t.Helper()
	s := sqlite.New(path)
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open(%s)=%v", path, err)
	}
	defer s.Close()
	return liveHashes(t, s, owner)
}

// setUserVersion sets PRAGMA user_version of a database file.
func setUserVersion(t *testing.T, path string, v int) {
	t.Helper()
	db := mustRawDB(t, path)
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		t.Fatal(err)
	}
}

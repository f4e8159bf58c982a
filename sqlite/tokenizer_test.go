package sqlite_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

func TestTokenizer_RecordedAndRebuilt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	ctx := t.Context()
	f := memory.Filter{Owner: "alice"}
	ms := []*memory.Memory{
		memorytest.NewMemory("alice", "the fixture keeps running"),
		memorytest.NewMemory("alice", "she runs every day"),
	}
	search := func(s *sqlite.Store, term string) []string {
		t.Helper()
		hits, err := s.KeywordSearch(ctx, f, []string{term}, 10)
		if err != nil {
			t.Fatalf("KeywordSearch(%q)=%v", term, err)
		}
		return memorytest.HitHashes(hits)
	}

	s := sqlite.New(path)
	s.Tokenizer = "trigram"
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if got := s.FTSTokenizer(); got != "trigram" {
		t.Errorf("FTSTokenizer()=%q, want trigram", got)
	}
	if got := search(s, "ixtur"); !slices.Equal(got, memorytest.Hashes(ms[0])) {
		t.Errorf("KeywordSearch(ixtur) with trigram=%v, want the fixture memory", got)
	}
	s.Close()

	// Reopened with the default configuration: the database keeps trigram.
	s = MustOpenStorePath(t, path)
	other := MustOpenStorePath(t, path)
	if got := s.FTSTokenizer(); got != "trigram" {
		t.Errorf("FTSTokenizer() after reopen=%q, want trigram", got)
	}
	if got := search(s, "ixtur"); len(got) != 1 {
		t.Errorf("KeywordSearch(ixtur) after reopen=%v, want 1 hit", got)
	}

	if err := s.SetTokenizer(ctx, "porter unicode61"); err != nil {
		t.Fatalf("SetTokenizer(porter)=%v", err)
	}
	if got := s.FTSTokenizer(); got != "porter unicode61" {
		t.Errorf("FTSTokenizer()=%q, want porter unicode61", got)
	}
	for _, st := range []*sqlite.Store{s, other} { // the other "process" too
		if got := search(st, "ixtur"); len(got) != 0 {
			t.Errorf("KeywordSearch(ixtur) with porter=%v, want nothing", got)
		}
		if got := search(st, "run"); !memorytestSameSet(got, memorytest.Hashes(ms...)) {
			t.Errorf("KeywordSearch(run) with porter=%v, want both (stemmed)", got)
		}
	}

	err := s.SetTokenizer(ctx, "no_such_tokenizer")
	if memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("SetTokenizer(unknown)=%v, want EInvalid", err)
	}
	if got := search(s, "run"); len(got) != 2 {
		t.Errorf("KeywordSearch(run) after a refused tokenizer=%v, want the index unchanged", got)
	}
	if got := s.FTSTokenizer(); got != "porter unicode61" {
		t.Errorf("FTSTokenizer() after a refused tokenizer=%q, want it unchanged", got)
	}

	bad := sqlite.New(filepath.Join(t.TempDir(), "bad.db"))
	bad.Tokenizer = "no_such_tokenizer"
	if err := bad.Open(ctx); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("Open(unknown tokenizer)=%v, want EInvalid", err)
		bad.Close()
	}
}

func memorytestSameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestOpen_LazyVectors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	e := memorytest.NewFakeEmbedder(8)
	model := e.Model().Name
	s := MustOpenStorePath(t, path)
	if err := s.Insert(t.Context(), []*memory.Memory{memorytest.NewMemory("alice", "lazy", memorytest.WithEmbedding(e))}); err != nil {
		t.Fatal(err)
	}

	s = MustOpenStorePath(t, path)
	if s.SlabLoaded(model) {
		t.Errorf("SlabLoaded() after Open=true, want false: Open must not load vectors")
	}
	if err := s.Preload(t.Context()); err != nil {
		t.Fatalf("Preload()=%v", err)
	}
	if !s.SlabLoaded(model) {
		t.Errorf("SlabLoaded() after Preload=false, want true")
	}

	s = MustOpenStorePath(t, path)
	hits, err := s.VectorSearch(t.Context(), memory.Filter{Owner: "alice"}, model, memorytest.FakeVector(8, "lazy"), 1)
	if err != nil || len(hits) != 1 || !s.SlabLoaded(model) {
		t.Errorf("VectorSearch() on a fresh store=%v, %v, want a hit and the slab loaded", hits, err)
	}
}

func TestFind_LongLists(t *testing.T) {
	s := MustOpenStore(t)
	var ms []*memory.Memory
	for i := range 700 {
		ms = append(ms, memorytest.NewMemory("alice", "long list "+string(rune('a'+i%26))+string(rune('a'+i/26)),
			memorytest.WithTags("tag"+string(rune('a'+i%26)))))
	}
	if err := s.Insert(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	hashes := memorytest.Hashes(ms[:600]...)
	hashes = append(hashes, "unknown")
	got, total, err := s.Find(t.Context(), memory.Filter{Owner: "alice", Hashes: hashes}, memory.Page{})
	if err != nil || total != 600 || len(got) != 600 {
		t.Errorf("Find(601 hashes)=%d (total %d), %v, want 600", len(got), total, err)
	}
	if err := s.Touch(t.Context(), "alice", hashes, memorytest.Epoch); err != nil {
		t.Errorf("Touch(601 hashes)=%v", err)
	}
	if m, _ := s.Get(t.Context(), "alice", ms[599].Hash); m == nil || m.AccessCount != 1 {
		t.Errorf("Get() after Touch(601 hashes)=%v, want 1 access", m)
	}
}

func TestOpen_BadSynchronous(t *testing.T) {
	s := sqlite.New(filepath.Join(t.TempDir(), "memory.db"))
	s.Synchronous = "sometimes"
	if err := s.Open(t.Context()); err == nil {
		s.Close()
		t.Errorf("Open(synchronous sometimes)=nil, want an error")
	}
}

package cloudflare_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/cloudflare"
	"github.com/mcp-memory-go/memory/cloudflare/cfemu"
	"github.com/mcp-memory-go/memory/memorytest"
)

var fake = memorytest.NewFakeEmbedder(64)

func calls(e *env, service string, status int) []cfemu.Call {
	var out []cfemu.Call
	for _, c := range e.emu.Calls() {
		if c.Service == service && (status == 0 || c.Status == status) {
			out = append(out, c)
		}
	}
	return out
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	m := memorytest.NewMemory("alice", "rate limited")
	if err := s.Insert(t.Context(), []*memory.Memory{m}); err != nil {
		t.Fatal(err)
	}
	before := len(calls(e, "d1", 0))
	e.emu.Inject(cfemu.Fault{Service: "d1", Status: 429, RetryAfter: time.Second, Times: 2})
	if _, err := s.Get(t.Context(), "alice", m.Hash); err != nil {
		t.Fatalf("Get() through two 429s=%v", err)
	}
	d1 := calls(e, "d1", 0)[before:]
	if len(d1) != 3 || d1[0].Status != 429 || d1[1].Status != 429 || d1[2].Status != 200 {
		t.Fatalf("D1 calls=%v, want 429, 429, 200", d1)
	}
	for i := 1; i < 3; i++ {
		if gap := d1[i].At.Sub(d1[i-1].At); gap < time.Second {
			t.Errorf("retry %d came %v after a Retry-After of 1s", i, gap)
		}
	}
}

func TestRetryAfterBeyondPatience(t *testing.T) {
	e := newEnv(t)
	s := e.open(t, func(c *cloudflare.Config) { c.MaxRetryWait = 50 * time.Millisecond })
	e.emu.Inject(cfemu.Fault{Status: 429, RetryAfter: 30 * time.Second})
	_, err := s.Get(t.Context(), "alice", "x")
	if got := cloudflare.RetryAfter(err); got != 30*time.Second {
		t.Errorf("RetryAfter(%v)=%v, want 30s", err, got)
	}
	if memory.ErrorCode(err) != memory.EUnavailable {
		t.Errorf("ErrorCode(%v)=%q, want unavailable", err, memory.ErrorCode(err))
	}
}

func TestRetryTransientFailures(t *testing.T) {
	for _, f := range []cfemu.Fault{
		{Service: "d1", Status: 503, Times: 2},
		{Service: "d1", Status: 500, Times: 1},
		{Service: "d1", Drop: true, Times: 2},
	} {
		t.Run(fmt.Sprintf("%d drop=%v", f.Status, f.Drop), func(t *testing.T) {
			e := newEnv(t)
			s := e.open(t)
			e.emu.Inject(f)
			m := memorytest.NewMemory("alice", "survives "+fmt.Sprint(f.Status))
			if err := s.Insert(t.Context(), []*memory.Memory{m}); err != nil {
				t.Fatalf("Insert()=%v", err)
			}
			if _, err := s.Get(t.Context(), "alice", m.Hash); err != nil {
				t.Errorf("Get()=%v", err)
			}
		})
	}
}

func TestGiveUpAfterRetries(t *testing.T) {
	e := newEnv(t)
	s := e.open(t, func(c *cloudflare.Config) { c.MaxRetries = 2 })
	before := len(calls(e, "d1", 0))
	e.emu.Inject(cfemu.Fault{Service: "d1", Status: 503})
	_, err := s.Get(t.Context(), "alice", "x")
	if memory.ErrorCode(err) != memory.EUnavailable {
		t.Errorf("Get()=%v, want unavailable", err)
	}
	if n := len(calls(e, "d1", 0)) - before; n != 3 {
		t.Errorf("D1 calls=%d, want 3 (one and two retries)", n)
	}
	// A refusal that is not temporary is not retried.
	e2 := newEnv(t)
	s2 := e2.open(t)
	before = len(calls(e2, "d1", 0))
	e2.emu.Inject(cfemu.Fault{Service: "d1", Status: 400})
	if _, err := s2.Get(t.Context(), "alice", "x"); err == nil {
		t.Error("Get() through a 400=nil, want an error")
	}
	if n := len(calls(e2, "d1", 0)) - before; n != 1 {
		t.Errorf("D1 calls after a 400=%d, want 1", n)
	}
}

// A write whose answer was lost after D1 applied it is retried without
// turning into a conflict with itself.
func TestAmbiguousWriteIsIdempotent(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	m := memorytest.NewMemory("alice", "applied but not acknowledged", memorytest.WithTags("x"), memorytest.WithEmbedding(fake))
	e.emu.Inject(cfemu.Fault{Service: "d1", AfterApply: true, Status: 502, Times: 1})
	if err := s.Insert(t.Context(), []*memory.Memory{m}); err != nil {
		t.Fatalf("Insert() after a lost answer=%v, want nil", err)
	}
	got, err := s.Get(t.Context(), "alice", m.Hash)
	if err != nil || !slices.Equal(got.Tags, []string{"x"}) {
		t.Errorf("Get()=%v, %v; want the memory with its tag", got, err)
	}
	// A second, separate Insert of the same memory is a conflict.
	err = s.Insert(t.Context(), []*memory.Memory{m})
	if memory.ErrorCode(err) != memory.EConflict {
		t.Errorf("Insert(again)=%v, want conflict", err)
	}
}

func TestContextCancelled(t *testing.T) {
	emu := cfemu.New(cfemu.Options{Latency: 10 * time.Second})
	t.Cleanup(emu.Close)
	e := newEnv(t)
	cfg := e.cfg
	cfg.BaseURL = emu.URL // slow, and with nothing in it
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- cloudflare.New(cfg).Open(ctx) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Open(cancelled)=%v, want context.Canceled", err)
	}
}

func TestLargeContentInR2(t *testing.T) {
	e := newEnv(t)
	s := e.open(t, func(c *cloudflare.Config) { c.LargeContent = 1000 })
	big := "Opening words about pumps. " + strings.Repeat("filler text ", 200) + "the hidden needle at the very end"
	m := memorytest.NewMemory("alice", big, memorytest.WithEmbedding(fake))
	if err := s.Insert(t.Context(), []*memory.Memory{m}); err != nil {
		t.Fatal(err)
	}
	if n := e.emu.Objects(testBucket); n != 1 {
		t.Errorf("R2 objects=%d, want 1", n)
	}
	got, err := s.Get(t.Context(), "alice", m.Hash)
	if err != nil || got.Content != m.Content {
		t.Fatalf("Get()=%d bytes, %v; want the whole %d bytes", len(got.Content), err, len(m.Content))
	}
	for _, c := range []struct {
		contains string
		want     int
	}{{"HIDDEN NEEDLE", 1}, {"opening words", 1}, {"not there", 0}} {
		ms, n, err := s.Find(t.Context(), memory.Filter{Owner: "alice", Contains: c.contains}, memory.Page{})
		if err != nil || n != c.want || len(ms) != c.want {
			t.Errorf("Find(contains %q)=%d (%d), %v; want %d", c.contains, len(ms), n, err, c.want)
		}
		hits, err := s.VectorSearch(t.Context(), memory.Filter{Owner: "alice", Contains: c.contains}, fake.Model().Name, memorytest.FakeVector(64, big), 5)
		if err != nil || len(hits) != c.want {
			t.Errorf("VectorSearch(contains %q)=%d, %v; want %d", c.contains, len(hits), err, c.want)
		}
	}
	if hits, err := s.KeywordSearch(t.Context(), memory.Filter{Owner: "alice"}, []string{"pumps"}, 5); err != nil || len(hits) != 1 || hits[0].Memory.Content != big {
		t.Errorf("KeywordSearch(pumps)=%d hits, %v; want the memory with its whole content", len(hits), err)
	}
	noBucket := e.open(t, func(c *cloudflare.Config) { c.LargeContent, c.R2Bucket = 1000, "" })
	err = noBucket.Insert(t.Context(), []*memory.Memory{memorytest.NewMemory("bob", big)})
	if memory.ErrorCode(err) != memory.ETooLarge {
		t.Errorf("Insert(large, no bucket)=%v, want too_large", err)
	}
}

// Searches go through Vectorize, and still see every write while Vectorize
// has not applied it.
func TestVectorizeLag(t *testing.T) {
	e := newEnv(t)
	s := e.open(t, func(c *cloudflare.Config) { c.ExactCandidates = -1 })
	ctx := t.Context()
	var ms []*memory.Memory
	for i := range 30 {
		ms = append(ms, memorytest.NewMemory("alice", fmt.Sprintf("harbour crane number %d", i), memorytest.WithEmbedding(fake)))
	}
	if err := s.Insert(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if n := len(e.emu.IndexVectors(testIndex)); n != 30 {
		t.Fatalf("vectors in the index=%d, want 30", n)
	}
	before := len(calls(e, "vectorize", 0))
	q := memorytest.FakeVector(64, "harbour crane")
	if hits, err := s.VectorSearch(ctx, memory.Filter{Owner: "alice"}, fake.Model().Name, q, 5); err != nil || len(hits) != 5 {
		t.Fatalf("VectorSearch()=%d, %v", len(hits), err)
	}
	queried := false
	for _, c := range calls(e, "vectorize", 200)[before:] {
		queried = queried || strings.HasSuffix(c.Path, "/query")
	}
	if !queried {
		t.Error("VectorSearch() did not query Vectorize")
	}

	e.emu.SetVectorizeLag(time.Hour)
	fresh := memorytest.NewMemory("alice", "harbour crane", memorytest.WithType("decision"), memorytest.WithEmbedding(fake))
	if err := s.Insert(ctx, []*memory.Memory{fresh}); err != nil {
		t.Fatal(err)
	}
	hits, err := s.VectorSearch(ctx, memory.Filter{Owner: "alice"}, fake.Model().Name, q, 1)
	if err != nil || len(hits) != 1 || hits[0].Memory.Hash != fresh.Hash {
		t.Fatalf("VectorSearch() before Vectorize applied the insert=%v, %v; want the new memory", memorytest.HitHashes(hits), err)
	}
	u := *ms[0]
	u.Type = "decision"
	if err := s.Update(ctx, &u); err != nil {
		t.Fatal(err)
	}
	hits, err = s.VectorSearch(ctx, memory.Filter{Owner: "alice", Types: []string{"decision"}}, fake.Model().Name, q, 10)
	if err != nil || !sameSet(memorytest.HitHashes(hits), memorytest.Hashes(fresh, ms[0])) {
		t.Errorf("VectorSearch(type) before Vectorize applied the update=%v, %v; want the two decisions", memorytest.HitHashes(hits), err)
	}
	if _, err := s.Delete(ctx, memory.Filter{Owner: "alice", Hashes: []string{fresh.Hash}}, memorytest.Epoch, false); err != nil {
		t.Fatal(err)
	}
	hits, err = s.VectorSearch(ctx, memory.Filter{Owner: "alice"}, fake.Model().Name, q, 31)
	if err != nil || len(hits) != 30 || slices.Contains(memorytest.HitHashes(hits), fresh.Hash) {
		t.Errorf("VectorSearch() before Vectorize applied the delete=%d hits, %v; want the 30 others", len(hits), err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// A batch with a vector of the wrong length writes nothing.
func TestDimensionMismatchWritesNothing(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	ctx := t.Context()
	if err := s.Insert(ctx, []*memory.Memory{memorytest.NewMemory("alice", "sixty-four", memorytest.WithEmbedding(fake))}); err != nil {
		t.Fatal(err)
	}
	other := e.open(t) // another process: it has not seen the model yet
	batch := []*memory.Memory{
		memorytest.NewMemory("alice", "fine"),
		memorytest.NewMemory("alice", "too short", memorytest.WithVector(fake.Model().Name, make([]float32, 32))),
	}
	err := other.Insert(ctx, batch)
	if memory.ErrorCode(err) != memory.EInvalid {
		t.Fatalf("Insert(32 dimensions)=%v, want invalid", err)
	}
	if _, n, _ := s.Find(ctx, memory.Filter{Owner: "alice"}, memory.Page{}); n != 1 {
		t.Errorf("memories after a refused batch=%d, want 1", n)
	}
}

// The token never appears in logs, even at debug level with retries.
func TestTokenNeverLogged(t *testing.T) {
	e := newEnv(t)
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := e.open(t, func(c *cloudflare.Config) { c.Logger = log })
	e.emu.Inject(cfemu.Fault{Status: 503, Times: 3})
	s.Insert(t.Context(), []*memory.Memory{memorytest.NewMemory("alice", "logged", memorytest.WithEmbedding(fake))})
	cfg := e.cfg
	cfg.APIToken = "wrong-secret-token"
	err := cloudflare.New(cfg).Open(t.Context())
	if buf.Len() == 0 {
		t.Fatal("nothing was logged; the test proves nothing")
	}
	for _, secret := range []string{e.emu.Token(), "wrong-secret-token"} {
		if strings.Contains(buf.String(), secret) || strings.Contains(fmt.Sprint(err), secret) {
			t.Errorf("the token %q appears in the logs or errors", secret)
		}
	}
}

// Past the account's rate limit the emulator answers 429 with Retry-After,
// as the API does; the store waits as asked and every call succeeds.
func TestRateLimitWindow(t *testing.T) {
	emu, cfg := cfemu.NewAccountWith(t, cfemu.Options{RateLimit: 10, RateWindow: time.Second}, 64, fake.Model().Name)
	cfg.MaxRetries = 5
	s := cloudflare.New(cfg)
	if err := s.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 8 {
		m := memorytest.NewMemory("alice", fmt.Sprintf("within the limit %d", i))
		if err := s.Insert(t.Context(), []*memory.Memory{m}); err != nil {
			t.Fatalf("Insert(%d)=%v", i, err)
		}
	}
	if emu.Refused() == 0 {
		t.Error("the emulator refused nothing; the test proves nothing")
	}
	if _, n, err := s.Find(t.Context(), memory.Filter{Owner: "alice"}, memory.Page{}); err != nil || n != 8 {
		t.Errorf("Find()=%d, %v; want 8", n, err)
	}
}

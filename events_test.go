package memory_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// recorder collects the events a service publishes.
type recorder struct {
	mu     sync.Mutex
	events []memory.Event
}

func (r *recorder) record(e memory.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// take returns the events recorded since the last take.
func (r *recorder) take() []memory.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// eventService returns a service whose events are recorded, with semantic
// deduplication off so that similar test contents are all stored.
func eventService(t *testing.T) (*memory.Service, *clock, *recorder) {
	t.Helper()
	svc, c := MustOpenService(t)
	svc.SemanticDedup = false
	rec := &recorder{}
	svc.OnEvent = rec.record
	return svc, c, rec
}

// wantEvents checks the types and hashes of events, in order.
func wantEvents(t *testing.T, what string, got []memory.Event, want ...[2]string) {
	t.Helper()
	var g [][2]string
	for _, e := range got {
		g = append(g, [2]string{e.Type, e.Hash})
	}
	if !slices.Equal(g, want) {
		t.Fatalf("%s: events (type, hash) = %v, want %v", what, g, want)
	}
}

func TestEventsStore(t *testing.T) {
	svc, c, rec := eventService(t)
	ctx := memory.WithOwner(context.Background(), "alice")
	res, err := svc.Store(ctx, memory.StoreRequest{Content: "The build server is called hermes", Tags: []string{"Infra", "ci"}, Type: "decision"})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Memories[0]
	evs := rec.take()
	wantEvents(t, "Store", evs, [2]string{memory.EventStored, m.Hash})
	e := evs[0]
	if e.Owner != "alice" || e.Count != 1 || e.Preview != "The build server is called hermes" || e.MemoryType != "decision" ||
		!slices.Equal(e.Tags, []string{"infra", "ci"}) || len(e.Hashes) != 0 {
		t.Errorf("stored event = %+v", e)
	}
	if !e.At.Equal(c.t) || !e.At.Equal(m.CreatedAt) {
		t.Errorf("At = %v, want the creation time %v", e.At, c.t)
	}

	// A store with an explicit creation time reports that time.
	past := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	res, err = svc.Store(ctx, memory.StoreRequest{Content: "Imported note from 2020", CreatedAt: past})
	if err != nil {
		t.Fatal(err)
	}
	evs = rec.take()
	wantEvents(t, "Store with CreatedAt", evs, [2]string{memory.EventStored, res.Memories[0].Hash})
	if !evs[0].At.Equal(past) {
		t.Errorf("At = %v, want %v", evs[0].At, past)
	}
}

func TestEventsStoreSplit(t *testing.T) {
	svc, _, rec := eventService(t)
	svc.MaxContentLength = 200
	ctx := memory.WithOwner(context.Background(), "alice")
	var b strings.Builder
	for i := 0; b.Len() < 1000; i++ {
		fmt.Fprintf(&b, "Paragraph %d explains subsystem %d of the deployment pipeline. ", i, i*11)
	}
	res, err := svc.Store(ctx, memory.StoreRequest{Content: b.String(), Tags: []string{"doc"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Memories) < 3 {
		t.Fatalf("split into %d chunks", len(res.Memories))
	}
	// One event for the whole memory, listing its chunks: a long text
	// must not flood the event streams.
	evs := rec.take()
	if len(evs) != 1 {
		t.Fatalf("split Store: %d events, want 1", len(evs))
	}
	e := evs[0]
	var hashes []string
	for _, m := range res.Memories {
		hashes = append(hashes, m.Hash)
	}
	if e.Type != memory.EventStored || e.Owner != "alice" || e.Count != len(hashes) || !slices.Equal(e.Hashes, hashes) ||
		e.At.IsZero() || !slices.Equal(e.Tags, []string{"doc"}) || e.Preview != memory.Clip(res.Memories[0].Content, 100) {
		t.Errorf("split Store event = %+v", e)
	}
}

func TestEventsStoreBatch(t *testing.T) {
	svc, _, rec := eventService(t)
	ctx := memory.WithOwner(context.Background(), "alice")
	old := mustStoreCtx(t, svc, ctx, "already stored fact")
	rec.take()
	res, err := svc.StoreBatch(ctx, []memory.StoreRequest{
		{Content: "batch fact one"},
		{Content: "Already stored fact"}, // duplicate of a stored memory
		{Content: "batch fact two", Tags: []string{"b"}},
		{Content: "  batch fact ONE "}, // duplicate within the batch
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stored) != 2 || len(res.Duplicates) != 2 || !slices.Contains(res.Duplicates, old.Hash) {
		t.Fatalf("StoreBatch = %d stored, duplicates %v", len(res.Stored), res.Duplicates)
	}
	evs := rec.take()
	if len(evs) != 1 {
		t.Fatalf("StoreBatch: %d events, want one for the batch", len(evs))
	}
	if e := evs[0]; e.Type != memory.EventStored || e.Owner != "alice" || e.At.IsZero() || e.Count != 2 ||
		!slices.Equal(e.Hashes, []string{res.Stored[0].Hash, res.Stored[1].Hash}) {
		t.Errorf("batch event = %+v", e)
	}
	// A batch of duplicates only stores nothing and says nothing.
	res, err = svc.StoreBatch(ctx, []memory.StoreRequest{{Content: "batch fact one"}, {Content: "batch fact two"}})
	if err != nil || len(res.Stored) != 0 {
		t.Fatalf("duplicate batch = %+v, %v", res, err)
	}
	if evs := rec.take(); len(evs) != 0 {
		t.Fatalf("duplicate batch published %v", evs)
	}
}

func TestEventsStoreSession(t *testing.T) {
	svc, _, rec := eventService(t)
	svc.SessionChunkSize = 120
	ctx := memory.WithOwner(context.Background(), "bob")
	var turns []memory.Turn
	for i := range 6 {
		turns = append(turns, memory.Turn{Role: []string{"user", "assistant"}[i%2], Content: fmt.Sprintf("turn %d says something long enough to fill a line", i)})
	}
	res, err := svc.StoreSession(ctx, memory.SessionRequest{Turns: turns, SessionID: "s9"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Memories) < 2 {
		t.Fatalf("%d session chunks", len(res.Memories))
	}
	var want [][2]string
	for _, m := range res.Memories {
		want = append(want, [2]string{memory.EventStored, m.Hash})
	}
	evs := rec.take()
	wantEvents(t, "StoreSession", evs, want...)
	for _, e := range evs {
		if e.Owner != "bob" || e.MemoryType != "session" || !slices.Contains(e.Tags, "session:s9") || e.At.IsZero() {
			t.Errorf("session event = %+v", e)
		}
	}
}

func TestEventsUpdate(t *testing.T) {
	svc, c, rec := eventService(t)
	ctx := memory.WithOwner(context.Background(), "alice")
	m := mustStoreCtx(t, svc, ctx, "Use tabs in Go files", "style")
	rec.take()

	c.t = c.t.Add(time.Minute)
	res, err := svc.Update(ctx, memory.UpdateRequest{Hash: m.Hash, Tags: []string{"go", "style"}, PreserveTimestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	evs := rec.take()
	wantEvents(t, "Update", evs, [2]string{memory.EventUpdated, m.Hash})
	e := evs[0]
	if e.Owner != "alice" || e.Count != 1 || !slices.Equal(e.Tags, []string{"go", "style"}) || e.Preview != m.Content || !e.At.Equal(c.t) || !e.At.Equal(res.Memory.UpdatedAt) {
		t.Errorf("updated event = %+v (now %v)", e, c.t)
	}

	// A metadata-only update keeps updated_at; the event still has a time.
	c.t = c.t.Add(time.Minute)
	if _, err := svc.Update(ctx, memory.UpdateRequest{Hash: m.Hash, Metadata: map[string]any{"k": "v"}, PreserveTimestamps: true}); err != nil {
		t.Fatal(err)
	}
	evs = rec.take()
	wantEvents(t, "metadata Update", evs, [2]string{memory.EventUpdated, m.Hash})
	if evs[0].At.IsZero() || evs[0].Owner != "alice" {
		t.Errorf("metadata update event = %+v", evs[0])
	}

	// A versioned update stores the new version and supersedes the old.
	c.t = c.t.Add(time.Minute)
	v, err := svc.Update(ctx, memory.UpdateRequest{Hash: m.Hash, Content: "Use gofmt, which indents with tabs", Versioned: true, PreserveTimestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	evs = rec.take()
	wantEvents(t, "versioned Update", evs, [2]string{memory.EventStored, v.Memory.Hash}, [2]string{memory.EventUpdated, m.Hash})
	for _, e := range evs {
		if e.Owner != "alice" || !e.At.Equal(c.t) {
			t.Errorf("versioned update event = %+v", e)
		}
	}
	old, err := svc.Get(ctx, m.Hash)
	if err != nil || old.SupersededBy != v.Memory.Hash {
		t.Fatalf("old version: %+v, %v", old, err)
	}
}

func TestEventsDelete(t *testing.T) {
	svc, c, rec := eventService(t)
	ctx := memory.WithOwner(context.Background(), "alice")
	a := mustStoreCtx(t, svc, ctx, "alpha fact", "x")
	b := mustStoreCtx(t, svc, ctx, "beta fact", "y")
	d := mustStoreCtx(t, svc, ctx, "delta fact", "y")
	mustStoreCtx(t, svc, ctx, "gamma fact", "z")
	rec.take()

	c.t = c.t.Add(time.Hour)
	if _, err := svc.Delete(ctx, memory.DeleteRequest{Hash: a.Hash}); err != nil {
		t.Fatal(err)
	}
	evs := rec.take()
	wantEvents(t, "Delete by hash", evs, [2]string{memory.EventDeleted, a.Hash})
	if e := evs[0]; e.Owner != "alice" || e.Count != 1 || len(e.Hashes) != 0 || !e.At.Equal(c.t) || e.Preview != "" {
		t.Errorf("delete event = %+v", e)
	}

	// Dry runs change nothing and say nothing.
	dry, err := svc.Delete(ctx, memory.DeleteRequest{Tags: []string{"y"}, DryRun: true})
	if err != nil || dry.Count != 2 {
		t.Fatalf("dry run = %+v, %v", dry, err)
	}
	if evs := rec.take(); len(evs) != 0 {
		t.Fatalf("dry run published %v", evs)
	}

	res, err := svc.Delete(ctx, memory.DeleteRequest{Tags: []string{"y"}})
	if err != nil || res.Count != 2 {
		t.Fatalf("Delete by tag = %+v, %v", res, err)
	}
	evs = rec.take()
	wantEvents(t, "Delete by tag", evs, [2]string{memory.EventDeleted, ""})
	e := evs[0]
	got := slices.Sorted(slices.Values(e.Hashes))
	if want := slices.Sorted(slices.Values([]string{b.Hash, d.Hash})); !slices.Equal(got, want) {
		t.Errorf("Hashes = %v, want %v", e.Hashes, want)
	}
	if e.Count != 2 || e.Owner != "alice" || e.At.IsZero() || !slices.Equal(e.Hashes, res.Deleted) {
		t.Errorf("delete-by-tag event = %+v (deleted %v)", e, res.Deleted)
	}

	// A delete matching nothing, or of an unknown hash, says nothing.
	if res, err := svc.Delete(ctx, memory.DeleteRequest{Tags: []string{"nothing-has-this"}}); err != nil || res.Count != 0 {
		t.Fatalf("empty delete = %+v, %v", res, err)
	}
	if _, err := svc.Delete(ctx, memory.DeleteRequest{Hash: a.Hash}); memory.ErrorCode(err) != memory.ENotFound {
		t.Fatalf("second delete = %v", err)
	}
	if evs := rec.take(); len(evs) != 0 {
		t.Fatalf("empty or failed deletes published %v", evs)
	}
}

func TestEventsNoneOnFailure(t *testing.T) {
	svc, _, rec := eventService(t)
	ctx := memory.WithOwner(context.Background(), "alice")
	m := mustStoreCtx(t, svc, ctx, "The office wifi password rotates monthly")
	rec.take()
	if _, err := svc.Store(ctx, memory.StoreRequest{Content: "the office wifi password rotates MONTHLY"}); memory.ErrorCode(err) != memory.EConflict {
		t.Fatalf("duplicate Store = %v", err)
	}
	if _, err := svc.Store(ctx, memory.StoreRequest{Content: "   "}); memory.ErrorCode(err) != memory.EInvalid {
		t.Fatalf("empty Store = %v", err)
	}
	if _, err := svc.Update(ctx, memory.UpdateRequest{Hash: strings.Repeat("0", 64), Tags: []string{"x"}}); memory.ErrorCode(err) != memory.ENotFound {
		t.Fatalf("Update(unknown) = %v", err)
	}
	if _, err := svc.Update(ctx, memory.UpdateRequest{Hash: m.Hash, PreserveTimestamps: true}); memory.ErrorCode(err) != memory.EInvalid {
		t.Fatalf("empty Update = %v", err)
	}
	if _, err := svc.Update(ctx, memory.UpdateRequest{Hash: m.Hash, Content: m.Content, Versioned: true}); memory.ErrorCode(err) != memory.EInvalid {
		t.Fatalf("versioned Update to the same content = %v", err)
	}
	// Another owner cannot update alice's memory.
	bob := memory.WithOwner(context.Background(), "bob")
	if _, err := svc.Update(bob, memory.UpdateRequest{Hash: m.Hash, Tags: []string{"x"}}); memory.ErrorCode(err) != memory.ENotFound {
		t.Fatalf("Update by another owner = %v", err)
	}
	if evs := rec.take(); len(evs) != 0 {
		t.Fatalf("failed operations published %v", evs)
	}
}

func TestEventsCleanup(t *testing.T) {
	svc, c, rec := eventService(t)
	ctx := memory.WithOwner(context.Background(), "alice")
	keep := mustStoreCtx(t, svc, ctx, "Deploys happen on Tuesdays", "ops")
	c.t = c.t.Add(time.Second)
	drop := mustStoreCtx(t, svc, ctx, "Deploys  happen on Tuesdays!", "release")
	mustStoreCtx(t, svc, ctx, "Something else entirely")
	rec.take()
	c.t = c.t.Add(time.Hour)
	res, err := svc.Cleanup(ctx)
	if err != nil || !slices.Equal(res.Removed, []string{drop.Hash}) {
		t.Fatalf("Cleanup = %+v, %v", res, err)
	}
	evs := rec.take()
	wantEvents(t, "Cleanup", evs, [2]string{memory.EventUpdated, keep.Hash}, [2]string{memory.EventDeleted, drop.Hash})
	if e := evs[0]; !slices.Equal(e.Tags, []string{"ops", "release"}) || e.Owner != "alice" || !e.At.Equal(c.t) {
		t.Errorf("cleanup updated event = %+v", e)
	}
	if e := evs[1]; e.Count != 1 || e.Owner != "alice" || !e.At.Equal(c.t) {
		t.Errorf("cleanup deleted event = %+v", e)
	}
	// Nothing left to clean: no events.
	if _, err := svc.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if evs := rec.take(); len(evs) != 0 {
		t.Fatalf("second Cleanup published %v", evs)
	}
}

func TestEventsOwner(t *testing.T) {
	svc, _, rec := eventService(t)
	for _, owner := range []string{"alice", "bob"} {
		ctx := memory.WithOwner(context.Background(), owner)
		m := mustStoreCtx(t, svc, ctx, "shared words but separate owners", "t")
		if _, err := svc.Update(ctx, memory.UpdateRequest{Hash: m.Hash, Tags: []string{"u"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Delete(ctx, memory.DeleteRequest{Hash: m.Hash}); err != nil {
			t.Fatal(err)
		}
		evs := rec.take()
		if len(evs) != 3 {
			t.Fatalf("%s: %d events, want 3", owner, len(evs))
		}
		for _, e := range evs {
			if e.Owner != owner || e.At.IsZero() {
				t.Errorf("%s: event %+v", owner, e)
			}
		}
	}
	// Without an owner in the context, events carry the local owner.
	mustStoreCtx(t, svc, context.Background(), "a local memory")
	if evs := rec.take(); len(evs) != 1 || evs[0].Owner != memory.LocalOwner {
		t.Fatalf("local events = %+v", evs)
	}
}

func TestEventsPreviewClipped(t *testing.T) {
	svc, _, rec := eventService(t)
	ctx := context.Background()
	content := strings.Repeat("é", 60) + strings.Repeat("ж", 60) // 120 runes, 240 bytes
	mustStoreCtx(t, svc, ctx, content)
	evs := rec.take()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	if want := strings.Repeat("é", 60) + strings.Repeat("ж", 40) + "…"; evs[0].Preview != want {
		t.Errorf("Preview = %q, want the first 100 runes and …", evs[0].Preview)
	}
	exact := strings.Repeat("z", 100)
	mustStoreCtx(t, svc, ctx, exact)
	if evs := rec.take(); len(evs) != 1 || evs[0].Preview != exact {
		t.Errorf("100-rune preview = %+v", evs)
	}
}

func mustStoreCtx(tb testing.TB, svc *memory.Service, ctx context.Context, content string, tags ...string) *memory.Memory {
	tb.Helper()
	res, err := svc.Store(ctx, memory.StoreRequest{Content: content, Tags: tags})
	if err != nil {
		tb.Fatalf("Store(%q): %v", content, err)
	}
	return res.Memories[0]
}

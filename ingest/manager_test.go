package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/ingest"
)

// run starts the manager and returns a function that stops it and waits.
func run(t *testing.T, m *ingest.Manager) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// wait polls the upload until it is done.
func wait(t *testing.T, m *ingest.Manager, ctx context.Context, id string) *ingest.Upload {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		u, err := m.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if u.Done() {
			return u
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("upload %s did not finish", id)
	return nil
}

func TestManagerRunsUploadsInTheBackground(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var seen []string
	e.m.OnChange = func(u ingest.Upload) {
		mu.Lock()
		seen = append(seen, u.Status)
		mu.Unlock()
	}
	defer run(t, e.m)()
	ctx := memory.WithOwner(context.Background(), "alice")
	u, err := e.m.Submit(ctx, []ingest.File{
		{Name: "manual.txt", Data: []byte(manual)},
		{Name: `C:\Users\x\notes.md`, Data: []byte("# Garden\n\nWater the tomatoes every morning before nine o'clock in summer.")},
		{Name: "broken.pdf", Data: []byte("%PDF-1.4 truncated")},
	}, ingest.Options{Tags: []string{"batch"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != ingest.StatusQueued || u.Files[1].Name != "notes.md" || u.Owner != "alice" {
		t.Fatalf("submitted %+v", u)
	}
	u = wait(t, e.m, ctx, u.ID)
	if u.Status != ingest.StatusCompleted || u.Progress != 100 || len(u.Errors) != 1 || !strings.Contains(u.Errors[0], "broken.pdf") {
		t.Fatalf("finished upload %+v", u)
	}
	if u.ChunksStored == 0 || u.ChunksStored != u.TotalChunks || u.Files[2].Status != ingest.StatusFailed {
		t.Fatalf("totals %+v", u)
	}
	mu.Lock()
	if len(seen) < 3 || seen[0] != ingest.StatusProcessing || seen[len(seen)-1] != ingest.StatusCompleted {
		t.Errorf("changes announced: %v", seen)
	}
	mu.Unlock()
	// Owned: bob sees neither the upload nor its chunks.
	bob := memory.WithOwner(context.Background(), "bob")
	if _, err := e.m.Get(bob, u.ID); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("bob reads alice's upload: %v", err)
	}
	if _, err := e.m.Chunks(bob, u.ID, 0); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("bob reads alice's chunks: %v", err)
	}
	chunks, err := e.m.Chunks(ctx, u.ID, 0)
	if err != nil || len(chunks) != u.ChunksStored {
		t.Fatalf("chunks: %v %d", err, len(chunks))
	}
	if chunks[0].Metadata["source_file"] != "manual.txt" || chunks[len(chunks)-1].Metadata["source_file"] != "notes.md" {
		t.Errorf("chunks not in file order: first %v last %v", chunks[0].Metadata, chunks[len(chunks)-1].Metadata)
	}
	// The spool is emptied once the upload is done.
	if entries, _ := os.ReadDir(e.m.Spool); len(entries) != 0 {
		t.Errorf("spool holds %d entries after the upload finished", len(entries))
	}
	// Remove by tag, then the upload with its memories.
	n, ids, err := e.m.RemoveByTags(ctx, []string{"file_type:md"})
	if err != nil || n == 0 || len(ids) != 1 || ids[0] != u.ID {
		t.Fatalf("remove by tags: %v %d %v", err, n, ids)
	}
	_, n, err = e.m.Remove(ctx, u.ID, true)
	if err != nil || n != u.ChunksStored-1 {
		t.Fatalf("remove: %v %d of %d", err, n, u.ChunksStored)
	}
	if _, err := e.m.Get(ctx, u.ID); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("removed upload still in the history: %v", err)
	}
	if st, _ := e.svc.Stats(ctx); st.Storage.Memories != 0 {
		t.Errorf("%d memories left", st.Storage.Memories)
	}
}

func TestManagerRefusesBadUploadsWhole(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, files := range [][]ingest.File{
		nil,
		{{Name: "ok.txt", Data: []byte(manual)}, {Name: "virus.exe", Data: []byte("MZ")}},
		{{Name: "empty.md", Data: nil}},
	} {
		if _, err := e.m.Submit(ctx, files, ingest.Options{}, true); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("%d files: %v, want invalid", len(files), err)
		}
	}
	if _, err := e.m.Submit(ctx, []ingest.File{{Name: "a.txt", Data: []byte(manual)}}, ingest.Options{ChunkSize: 5}, false); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("bad chunk size: %v", err)
	}
	if us, _ := e.m.List(ctx, 0); len(us) != 0 {
		t.Errorf("refused uploads in the history: %d", len(us))
	}
}

// An acknowledged upload survives a restart: a new manager over the same
// history and spool finishes it.
func TestManagerResumesAfterRestart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, err := e.m.Submit(ctx, []ingest.File{{Name: "manual.txt", Data: []byte(manual)}}, ingest.Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	// The process stops before the manager ran; another one starts.
	again := &ingest.Manager{Ingester: e.m.Ingester, History: e.store, Spool: e.m.Spool}
	defer run(t, again)()
	done := wait(t, again, ctx, u.ID)
	if done.Status != ingest.StatusCompleted || done.ChunksStored == 0 {
		t.Fatalf("resumed upload %+v", done)
	}
	if _, err := os.Stat(filepath.Join(e.m.Spool, u.ID)); !os.IsNotExist(err) {
		t.Errorf("spool of a finished upload left behind: %v", err)
	}
}

// TestManagerRunsAnUploadSubmittedBeforeItStartsOnce: an upload accepted
// just before Run starts is both in the queue and in the history as
// unfinished; Run must not resume it a second time (the second pass found
// its spool gone and marked the finished upload failed).
func TestManagerRunsAnUploadSubmittedBeforeItStartsOnce(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	starts := map[string]int{}
	e.m.OnChange = func(u ingest.Upload) {
		mu.Lock()
		if u.Status == ingest.StatusProcessing && u.ChunksProcessed == 0 && u.Files[0].Status == ingest.StatusQueued {
			starts[u.ID]++
		}
		mu.Unlock()
	}
	ctx := memory.WithOwner(context.Background(), "alice")
	first, err := e.m.Submit(ctx, []ingest.File{{Name: "manual.txt", Data: []byte(manual)}}, ingest.Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer run(t, e.m)()
	// A second upload queued behind whatever Run queued at start: once it
	// is done, everything before it has run.
	second, err := e.m.Submit(ctx, []ingest.File{{Name: "garden.md", Data: []byte("# Garden\n\nWater the tomatoes at dawn.")}}, ingest.Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	wait(t, e.m, ctx, second.ID)
	u, err := e.m.Get(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != ingest.StatusCompleted || len(u.Errors) != 0 || u.ChunksStored == 0 {
		t.Fatalf("first upload %+v, want completed without errors", u)
	}
	mu.Lock()
	defer mu.Unlock()
	if starts[first.ID] != 1 {
		t.Errorf("the first upload started %d times, want 1", starts[first.ID])
	}
}

// Package ingesttest holds the contract suite of ingest.History: every
// store that keeps upload history runs RunHistoryTests.
package ingesttest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/ingest"
)

// T0 is the creation time of the suite's first upload.
var T0 = time.Date(2026, 5, 6, 7, 8, 9, 123000000, time.UTC)

// RunHistoryTests runs the ingest.History contract as subtests. open must
// return a fresh, empty history for each subtest and arrange for it to be
// closed (t.Cleanup).
//
// Beyond the interface's comments, the suite fixes: an upload comes back
// as it was saved (every field, times in UTC); saving again replaces it;
// uploads are per owner (two owners may use one id); Uploads is never nil
// and a limit of 0 means all; an upload without id, owner or creation
// time is EInvalid and stores nothing.
func RunHistoryTests(t *testing.T, open func(t *testing.T) ingest.History) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, h ingest.History)
	}{
		{"RoundTrip", testRoundTrip},
		{"SaveReplaces", testSaveReplaces},
		{"Owners", testOwners},
		{"NewestFirst", testNewestFirst},
		{"Unfinished", testUnfinished},
		{"Delete", testDelete},
		{"Invalid", testInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// NewUpload returns a queued upload of one file created at T0 plus n
// minutes.
func NewUpload(owner, id string, n int) *ingest.Upload {
	return &ingest.Upload{
		ID: id, Owner: owner, Status: ingest.StatusQueued, Filename: id + ".md", FileSize: 123,
		Files:  []ingest.FileResult{{Name: id + ".md", Format: "md", Size: 123, Status: ingest.StatusQueued}},
		Errors: []string{}, Tags: []string{"docs", "upload_id:" + id}, MemoryType: "document",
		ChunkSize: 1000, ChunkOverlap: 200, CreatedAt: T0.Add(time.Duration(n) * time.Minute),
	}
}

func mustSave(t *testing.T, h ingest.History, us ...*ingest.Upload) {
	t.Helper()
	for _, u := range us {
		if err := h.SaveUpload(context.Background(), u); err != nil {
			t.Fatalf("SaveUpload(%s)=%v, want nil", u.ID, err)
		}
	}
}

// same reports whether two uploads are equal field by field, as JSON
// (which carries every field but Owner) plus the owner.
func same(a, b *ingest.Upload) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return a.Owner == b.Owner && string(ja) == string(jb)
}

func ids(us []*ingest.Upload) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Owner+"/"+u.ID)
	}
	return out
}

func testRoundTrip(t *testing.T, h ingest.History) {
	u := NewUpload("alice", "u1", 0)
	u.Batch, u.Truncated, u.Progress = true, true, 50
	u.StartedAt = T0.Add(time.Second)
	mustSave(t, h, u)
	got, err := h.Upload(context.Background(), "alice", "u1")
	if err != nil {
		t.Fatalf("Upload()=%v, want nil", err)
	}
	if !same(got, u) {
		t.Errorf("Upload()=%+v, want %+v", got, u)
	}
	if got.CreatedAt.Location() != time.UTC || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("Upload().CreatedAt=%v, want %v in UTC", got.CreatedAt, u.CreatedAt)
	}
}

func testSaveReplaces(t *testing.T, h ingest.History) {
	ctx := context.Background()
	u := NewUpload("alice", "u1", 0)
	mustSave(t, h, u)
	u.Status, u.ChunksStored, u.CompletedAt = ingest.StatusCompleted, 7, T0.Add(time.Hour)
	u.Files[0].Status, u.Files[0].Stored = ingest.StatusCompleted, 7
	mustSave(t, h, u)
	got, err := h.Upload(ctx, "alice", "u1")
	if err != nil || !same(got, u) {
		t.Errorf("Upload() after a second save=%+v, %v, want %+v", got, err, u)
	}
	all, err := h.Uploads(ctx, "alice", 0)
	if err != nil || len(all) != 1 {
		t.Errorf("Uploads()=%v, %v, want one upload", ids(all), err)
	}
}

func testOwners(t *testing.T, h ingest.History) {
	ctx := context.Background()
	a, b := NewUpload("alice", "same-id", 0), NewUpload("bob", "same-id", 1)
	b.Filename = "bob's file"
	mustSave(t, h, a, b)
	for _, u := range []*ingest.Upload{a, b} {
		got, err := h.Upload(ctx, u.Owner, u.ID)
		if err != nil || !same(got, u) {
			t.Errorf("Upload(%s)=%+v, %v, want %+v", u.Owner, got, err, u)
		}
	}
	if _, err := h.Upload(ctx, "carol", "same-id"); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("Upload(another owner)=%v, want ENotFound", err)
	}
	if got, err := h.Uploads(ctx, "carol", 0); err != nil || got == nil || len(got) != 0 {
		t.Errorf("Uploads(owner with none)=%v, %v, want an empty, non-nil list", got, err)
	}
	if err := h.DeleteUpload(ctx, "carol", "same-id"); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("DeleteUpload(another owner)=%v, want ENotFound", err)
	}
	if got, _ := h.Uploads(ctx, "bob", 0); len(got) != 1 || got[0].Filename != "bob's file" {
		t.Errorf("Uploads(bob)=%v, want bob's upload only", ids(got))
	}
}

func testNewestFirst(t *testing.T, h ingest.History) {
	ctx := context.Background()
	mustSave(t, h, NewUpload("alice", "b", 1), NewUpload("alice", "c", 2), NewUpload("alice", "a", 0), NewUpload("bob", "x", 5))
	for _, c := range []struct {
		limit int
		want  []string
	}{
		{0, []string{"alice/c", "alice/b", "alice/a"}},
		{2, []string{"alice/c", "alice/b"}},
		{10, []string{"alice/c", "alice/b", "alice/a"}},
	} {
		got, err := h.Uploads(ctx, "alice", c.limit)
		if err != nil || !slices.Equal(ids(got), c.want) {
			t.Errorf("Uploads(limit %d)=%v, %v, want %v", c.limit, ids(got), err, c.want)
		}
	}
}

func testUnfinished(t *testing.T, h ingest.History) {
	processing, done, failed := NewUpload("bob", "processing", 1), NewUpload("alice", "done", 2), NewUpload("alice", "failed", 3)
	processing.Status, done.Status, failed.Status = ingest.StatusProcessing, ingest.StatusCompleted, ingest.StatusFailed
	mustSave(t, h, NewUpload("alice", "queued-late", 4), done, processing, failed, NewUpload("carol", "queued", 0))
	got, err := h.UnfinishedUploads(context.Background())
	want := []string{"carol/queued", "bob/processing", "alice/queued-late"}
	if err != nil || !slices.Equal(ids(got), want) {
		t.Errorf("UnfinishedUploads()=%v, %v, want %v (every owner, oldest first)", ids(got), err, want)
	}
}

func testDelete(t *testing.T, h ingest.History) {
	ctx := context.Background()
	mustSave(t, h, NewUpload("alice", "u1", 0), NewUpload("alice", "u2", 1))
	if err := h.DeleteUpload(ctx, "alice", "u1"); err != nil {
		t.Fatalf("DeleteUpload()=%v, want nil", err)
	}
	if _, err := h.Upload(ctx, "alice", "u1"); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("Upload(deleted)=%v, want ENotFound", err)
	}
	if err := h.DeleteUpload(ctx, "alice", "u1"); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("DeleteUpload(deleted)=%v, want ENotFound", err)
	}
	if got, _ := h.Uploads(ctx, "alice", 0); !slices.Equal(ids(got), []string{"alice/u2"}) {
		t.Errorf("Uploads() after delete=%v, want [alice/u2]", ids(got))
	}
}

func testInvalid(t *testing.T, h ingest.History) {
	ctx := context.Background()
	for name, change := range map[string]func(u *ingest.Upload){
		"no id":       func(u *ingest.Upload) { u.ID = "" },
		"no owner":    func(u *ingest.Upload) { u.Owner = "" },
		"no creation": func(u *ingest.Upload) { u.CreatedAt = time.Time{} },
	} {
		u := NewUpload("alice", "bad", 0)
		change(u)
		if err := h.SaveUpload(ctx, u); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("SaveUpload(%s)=%v, want EInvalid", name, err)
		}
	}
	if got, _ := h.Uploads(ctx, "alice", 0); len(got) != 0 {
		t.Errorf("Uploads() after invalid saves=%v, want none", ids(got))
	}
}

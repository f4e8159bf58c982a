// Package consolidatetest holds the contract suite of consolidate.State
// that every storage backend runs.
package consolidatetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/memorytest"
)

// Backend is a store that keeps consolidation state.
type Backend interface {
	memory.Store
	consolidate.State
}

// RunStateTests runs the contract suite of consolidate.State. open must
// return a fresh, empty, open backend for each subtest and arrange for it
// to be closed. Two backends returned for the same test must not share
// data.
func RunStateTests(t *testing.T, open func(t *testing.T) Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Backend)
	}{
		{"Pending", testPending},
		{"Marks", testMarks},
		{"Runs", testRuns},
		{"Values", testValues},
		{"Lease", testLease},
		{"Owners", testOwners},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var epoch = memorytest.Epoch

func insert(t *testing.T, s Backend, ms ...*memory.Memory) {
	t.Helper()
	if err := s.Insert(context.Background(), ms); err != nil {
		t.Fatalf("Insert()=%v", err)
	}
}

func wantCode(t *testing.T, call string, err error, code string) {
	t.Helper()
	if got := memory.ErrorCode(err); got != code {
		t.Errorf("%s error code=%q (%v), want %q", call, got, err, code)
	}
}

func testPending(t *testing.T, s Backend) {
	ctx := context.Background()
	var ms []*memory.Memory
	for i := range 6 {
		ms = append(ms, memorytest.NewMemory("alice", fmt.Sprintf("pending %d", i), memorytest.At(epoch.Add(time.Duration(i)*time.Hour))))
	}
	insert(t, s, ms...)
	insert(t, s, memorytest.NewMemory("bob", "bob's pending"))
	// 1 and 4 were consolidated, 4 before 1.
	if err := s.SetMarks(ctx, "alice", []consolidate.Mark{
		{Hash: ms[1].Hash, ConsolidatedAt: epoch.Add(48 * time.Hour), Relevance: 0.5},
		{Hash: ms[4].Hash, ConsolidatedAt: epoch.Add(24 * time.Hour), Relevance: 0.7},
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Pending(ctx, memory.Filter{Owner: "alice"}, 10)
	want := memorytest.Hashes(ms[0], ms[2], ms[3], ms[5], ms[4], ms[1])
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("Pending()=%v, %v; want never consolidated oldest first, then least recently consolidated: %v", got, err, want)
	}
	got, err = s.Pending(ctx, memory.Filter{Owner: "alice", Before: epoch.Add(3 * time.Hour)}, 2)
	if want := memorytest.Hashes(ms[0], ms[2]); err != nil || !slices.Equal(got, want) {
		t.Errorf("Pending(before 3h, limit 2)=%v, %v; want %v", got, err, want)
	}
	_, err = s.Pending(ctx, memory.Filter{}, 1)
	wantCode(t, "Pending(no owner)", err, memory.EInvalid)
	_, err = s.Pending(ctx, memory.Filter{Owner: "alice"}, 0)
	wantCode(t, "Pending(limit 0)", err, memory.EInvalid)
}

func testMarks(t *testing.T, s Backend) {
	ctx := context.Background()
	a, b := memorytest.NewMemory("alice", "marked a"), memorytest.NewMemory("alice", "marked b")
	insert(t, s, a, b)
	at := epoch.Add(time.Hour)
	if err := s.SetMarks(ctx, "alice", []consolidate.Mark{{Hash: a.Hash, ConsolidatedAt: at, Relevance: 0.25}, {Hash: "gone", ConsolidatedAt: at}}); err != nil {
		t.Fatalf("SetMarks()=%v", err)
	}
	if err := s.SetMarks(ctx, "alice", []consolidate.Mark{{Hash: a.Hash, ConsolidatedAt: at.Add(time.Hour), Relevance: 0.5}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Marks(ctx, "alice", []string{a.Hash, b.Hash, "gone"})
	if err != nil || len(got) != 1 || got[a.Hash].Relevance != 0.5 || !got[a.Hash].ConsolidatedAt.Equal(at.Add(time.Hour)) {
		t.Errorf("Marks()=%v, %v; want only a's latest mark", got, err)
	}
	if got, _ := s.Marks(ctx, "bob", []string{a.Hash}); len(got) != 0 {
		t.Errorf("Marks(bob)=%v, want none", got)
	}
	if _, err := s.Delete(ctx, memory.Filter{Owner: "alice", Hashes: []string{a.Hash}}, at, false); err != nil {
		t.Fatal(err)
	}
	insert(t, s, memorytest.NewMemory("alice", "marked a"))
	if got, _ := s.Marks(ctx, "alice", []string{a.Hash}); len(got) != 0 {
		t.Errorf("Marks() of a deleted and re-stored memory=%v, want none", got)
	}
	wantCode(t, "SetMarks(no time)", s.SetMarks(ctx, "alice", []consolidate.Mark{{Hash: b.Hash}}), memory.EInvalid)
}

func testRuns(t *testing.T, s Backend) {
	ctx := context.Background()
	for i := range 3 {
		r := consolidate.Run{ID: fmt.Sprintf("run-%d", i), Owner: "alice", Horizon: "weekly", Trigger: consolidate.TriggerManual,
			StartedAt: epoch.Add(time.Duration(i) * time.Hour), FinishedAt: epoch.Add(time.Duration(i)*time.Hour + time.Second),
			Status: consolidate.StatusCompleted, Report: []byte(`{"memories_processed":3}`)}
		if err := s.AddRun(ctx, r); err != nil {
			t.Fatalf("AddRun(%d)=%v", i, err)
		}
	}
	if err := s.AddRun(ctx, consolidate.Run{ID: "bob-run", Owner: "bob", StartedAt: epoch, FinishedAt: epoch, Status: consolidate.StatusFailed, Error: "x"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "AddRun(duplicate id)", s.AddRun(ctx, consolidate.Run{ID: "run-0", Owner: "alice", StartedAt: epoch}), memory.EConflict)
	wantCode(t, "AddRun(no id)", s.AddRun(ctx, consolidate.Run{Owner: "alice", StartedAt: epoch}), memory.EInvalid)
	rs, err := s.Runs(ctx, "alice", consolidate.RunFilter{Limit: 2})
	if err != nil || len(rs) != 2 || rs[0].ID != "run-2" || rs[1].ID != "run-1" {
		t.Fatalf("Runs(alice, 2)=%+v, %v; want run-2, run-1", rs, err)
	}
	r := rs[0]
	if r.Owner != "alice" || r.Horizon != "weekly" || r.Trigger != consolidate.TriggerManual || r.Status != consolidate.StatusCompleted ||
		!r.StartedAt.Equal(epoch.Add(2*time.Hour)) || !r.FinishedAt.Equal(epoch.Add(2*time.Hour+time.Second)) || string(r.Report) != `{"memories_processed":3}` {
		t.Errorf("Runs()[0]=%+v, want every field as added", r)
	}
	if rs, _ := s.Runs(ctx, "bob", consolidate.RunFilter{}); len(rs) != 1 || rs[0].Error != "x" {
		t.Errorf("Runs(bob)=%+v, want bob's failed run", rs)
	}
	// Filters by horizon and status, newest first.
	if err := s.AddRun(ctx, consolidate.Run{ID: "daily-0", Owner: "alice", Horizon: "daily", Trigger: consolidate.TriggerScheduled,
		StartedAt: epoch.Add(5 * time.Hour), FinishedAt: epoch.Add(5 * time.Hour), Status: consolidate.StatusFailed, Error: "boom"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		f    consolidate.RunFilter
		want []string
	}{
		{consolidate.RunFilter{}, []string{"daily-0", "run-2", "run-1", "run-0"}},
		{consolidate.RunFilter{Horizon: "weekly"}, []string{"run-2", "run-1", "run-0"}},
		{consolidate.RunFilter{Horizon: "weekly", Limit: 1}, []string{"run-2"}},
		{consolidate.RunFilter{Status: consolidate.StatusFailed}, []string{"daily-0"}},
		{consolidate.RunFilter{Horizon: "daily", Status: consolidate.StatusCompleted}, nil},
		{consolidate.RunFilter{Horizon: "monthly"}, nil},
	} {
		rs, err := s.Runs(ctx, "alice", tt.f)
		var got []string
		for _, r := range rs {
			got = append(got, r.ID)
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Runs(alice, %+v)=%v, %v; want %v", tt.f, got, err, tt.want)
		}
	}
	for owner, want := range map[string][2]int{"alice": {4, 1}, "bob": {1, 1}, "carol": {0, 0}} {
		if total, failed, err := s.RunCounts(ctx, owner); err != nil || total != want[0] || failed != want[1] {
			t.Errorf("RunCounts(%s)=%d, %d, %v; want %d, %d", owner, total, failed, err, want[0], want[1])
		}
	}
}

func testValues(t *testing.T, s Backend) {
	ctx := context.Background()
	if v, ok, err := s.Value(ctx, "k"); ok || err != nil || v != "" {
		t.Errorf("Value(unset)=%q, %v, %v; want none", v, ok, err)
	}
	for _, v := range []string{"one", "", "two"} {
		if err := s.SetValue(ctx, "k", v); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.Value(ctx, "k"); !ok || err != nil || got != v {
			t.Errorf("Value() after SetValue(%q)=%q, %v, %v", v, got, ok, err)
		}
	}
}

func testLease(t *testing.T, s Backend) {
	ctx := context.Background()
	l, ok, err := s.TryLock(ctx, "job", "p1", epoch, time.Minute)
	if err != nil || !ok || l.Holder != "p1" || !l.AcquiredAt.Equal(epoch) || !l.ExpiresAt.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("TryLock(p1)=%+v, %v, %v; want held until +1m", l, ok, err)
	}
	l, ok, err = s.TryLock(ctx, "job", "p2", epoch.Add(30*time.Second), time.Minute)
	if err != nil || ok || l.Holder != "p1" {
		t.Errorf("TryLock(p2) while p1 holds it=%+v, %v, %v; want refused, showing p1", l, ok, err)
	}
	l, ok, err = s.TryLock(ctx, "job", "p1", epoch.Add(50*time.Second), time.Minute)
	if err != nil || !ok || !l.AcquiredAt.Equal(epoch) || !l.ExpiresAt.Equal(epoch.Add(110*time.Second)) {
		t.Errorf("TryLock(p1) renewal=%+v, %v, %v; want renewed, acquired time kept", l, ok, err)
	}
	if _, ok, _ := s.TryLock(ctx, "other", "p2", epoch, time.Minute); !ok {
		t.Errorf("TryLock(another name)=false, want leases independent")
	}
	if err := s.Unlock(ctx, "job", "p2"); err != nil {
		t.Fatal(err)
	}
	if l, ok, _ := s.ReadLease(ctx, "job"); !ok || l.Holder != "p1" {
		t.Errorf("ReadLease() after Unlock by p2=%+v, %v; want p1 still holding", l, ok)
	}
	l, ok, err = s.TryLock(ctx, "job", "p2", epoch.Add(110*time.Second), time.Minute)
	if err != nil || !ok || l.Holder != "p2" || !l.AcquiredAt.Equal(epoch.Add(110*time.Second)) {
		t.Errorf("TryLock(p2) after expiry=%+v, %v, %v; want taken over", l, ok, err)
	}
	if err := s.Unlock(ctx, "job", "p2"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.ReadLease(ctx, "job"); ok || err != nil {
		t.Errorf("ReadLease() after Unlock=%v, %v; want none", ok, err)
	}
	_, _, err = s.TryLock(ctx, "job", "", epoch, time.Minute)
	wantCode(t, "TryLock(no holder)", err, memory.EInvalid)
}

func testOwners(t *testing.T, s Backend) {
	ctx := context.Background()
	if got, err := s.Owners(ctx); err != nil || len(got) != 0 {
		t.Errorf("Owners() of an empty store=%v, %v", got, err)
	}
	insert(t, s, memorytest.NewMemory("carol", "c"), memorytest.NewMemory("alice", "a"), memorytest.NewMemory("alice", "a2"),
		memorytest.NewMemory("dave", "d"))
	if _, err := s.Delete(ctx, memory.Filter{Owner: "dave", Hashes: []string{memory.ContentHash("d")}}, epoch, false); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Owners(ctx); err != nil || !slices.Equal(got, []string{"alice", "carol"}) {
		t.Errorf("Owners()=%v, %v; want [alice carol]", got, err)
	}
}

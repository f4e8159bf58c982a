package hybrid_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/cloudflare"
	"github.com/mcp-memory-go/memory/cloudflare/cfemu"
	"github.com/mcp-memory-go/memory/hybrid"
	"github.com/mcp-memory-go/memory/memorytest"
)

// The remote does not answer for a long stretch (every attempt fails, the
// backoff grows to its cap): local writes, reads and searches keep working,
// status and health say what is going on, and once the remote is back
// everything reaches it.
func TestRemoteDown(t *testing.T) {
	a := newAccount(t)
	ev := &events{}
	h := a.node(t, filepath.Join(t.TempDir(), "memory.db"), func(h *hybrid.Store) { h.OnEvent = ev.add })
	ctx := t.Context()
	up := a.emu.Inject(cfemu.Fault{Status: 503})
	svc := memory.NewService(h, fake)
	svc.SemanticDedup = false
	var hashes []string
	for i := range 40 {
		r, err := svc.Store(ctx, memory.StoreRequest{Content: fmt.Sprintf("written while the cloud is down %d", i), Tags: []string{"offline"}})
		if err != nil {
			t.Fatalf("Store() while the remote is down=%v", err)
		}
		hashes = append(hashes, r.Memories[0].Hash)
	}
	if _, err := svc.Delete(ctx, memory.DeleteRequest{Hash: hashes[0]}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Search(ctx, memory.SearchRequest{Query: "cloud down", Tags: []string{"offline"}, Limit: 100})
	if err != nil || res.Count != 39 {
		t.Fatalf("Search() while the remote is down=%d, %v; want 39", res.Count, err)
	}
	// Several failed attempts in a row: the backoff reaches its cap.
	eventually(t, "attempts fail and back off", func() string {
		st, err := h.SyncStatus(ctx)
		if err != nil || st.ConsecutiveFailures < 6 || st.State() != "error" || st.Pending != 40 || st.LastError == "" {
			return fmt.Sprintf("%+v, %v", st, err)
		}
		if wait := st.NextAttempt.Sub(st.LastAttempt); wait < 100*time.Millisecond {
			return fmt.Sprintf("backoff after %d failures is %v, want the 100ms cap", st.ConsecutiveFailures, wait)
		}
		return ""
	})
	health, err := svc.Health(ctx)
	if err != nil || health.Status != "degraded" || !strings.Contains(fmt.Sprint(health.Problems), "changes wait locally") {
		t.Errorf("Health() while the remote is down=%s %v, %v; want degraded, naming the waiting changes", health.Status, health.Problems, err)
	}
	if !ev.seen(memory.EventSyncFailed) {
		t.Error("no sync_failed event")
	}
	up()
	eventually(t, "sync catches up by itself", func() string {
		st, _ := h.SyncStatus(ctx)
		if st.Pending != 0 || st.ConsecutiveFailures != 0 {
			return fmt.Sprintf("%+v", st)
		}
		return ""
	})
	remote := a.remote(t)
	if d := diff(snapshot(t, h.Local()), snapshot(t, remote)); d != "" {
		t.Errorf("local and remote differ after recovery: %s", d)
	}
	if st, _ := remote.Stats(ctx, memory.LocalOwner); st.Memories != 39 || st.Tombstones != 1 {
		t.Errorf("remote Stats()=%+v, want 39 memories and 1 tombstone", st)
	}
}

// A storm of 429s: the syncer waits at least what Retry-After asks, and
// gets everything through once the storm passes.
func TestRateLimitStorm(t *testing.T) {
	a := newAccount(t)
	h := a.node(t, filepath.Join(t.TempDir(), "memory.db"))
	ctx := t.Context()
	calm := a.emu.Inject(cfemu.Fault{Status: 429, RetryAfter: 3 * time.Second})
	var ms []*memory.Memory
	for i := range 30 {
		ms = append(ms, memorytest.NewMemory("alice", fmt.Sprintf("storm %d", i)))
	}
	if err := h.Insert(ctx, ms); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the syncer backs off as asked", func() string {
		st, _ := h.SyncStatus(ctx)
		if st.ConsecutiveFailures < 1 {
			return "no failed attempt yet"
		}
		// MaxBackoff is 100ms: only Retry-After explains a longer wait.
		if wait := st.NextAttempt.Sub(st.LastAttempt); wait < 3*time.Second {
			return fmt.Sprintf("next attempt %v after the last, want at least the 3s of Retry-After", wait)
		}
		return ""
	})
	refusedBefore := a.emu.Refused()
	calm()
	mustSync(t, h)
	if d := diff(snapshot(t, h.Local()), snapshot(t, a.remote(t))); d != "" {
		t.Errorf("after the storm: %s", d)
	}
	if refusedBefore == 0 {
		t.Error("the emulator refused nothing; the test proves nothing")
	}
}

// Failures in the middle of batches — connections dropped, answers lost
// after the remote applied the change — leave no gap and no duplicate.
func TestFailuresMidBatch(t *testing.T) {
	a := newAccount(t)
	h := a.node(t, filepath.Join(t.TempDir(), "memory.db"), func(h *hybrid.Store) { h.BatchSize = 7 })
	ctx := t.Context()
	a.emu.Inject(cfemu.Fault{Service: "d1", Path: "/raw", AfterApply: true, Status: 502, Times: 3})
	a.emu.Inject(cfemu.Fault{Service: "vectorize", Drop: true, Times: 4})
	for i := range 50 {
		m := memorytest.NewMemory("alice", fmt.Sprintf("mid batch %d", i), memorytest.WithEmbedding(fake))
		if err := h.Insert(ctx, []*memory.Memory{m}); err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 {
			a.emu.Inject(cfemu.Fault{Service: "d1", Drop: true, Times: 1})
		}
	}
	eventually(t, "everything reaches the remote", func() string {
		st, _ := h.SyncStatus(ctx)
		if st.Pending != 0 {
			return fmt.Sprintf("%d pending", st.Pending)
		}
		return diff(snapshot(t, h.Local()), snapshot(t, a.remote(t)))
	})
	if st, _ := a.remote(t).Stats(ctx, ""); st.Memories != 50 {
		t.Errorf("remote holds %d memories, want 50", st.Memories)
	}
}

// A memory the remote refuses (too large for it) is held back, stays
// queued and is reported; the others go through.
func TestRefusedMemoryHeld(t *testing.T) {
	a := newAccount(t)
	a.cfg.R2Bucket, a.cfg.LargeContent = "", 200
	h := a.node(t, filepath.Join(t.TempDir(), "memory.db"))
	ctx := t.Context()
	big := memorytest.NewMemory("alice", strings.Repeat("a large memory ", 40))
	small := memorytest.NewMemory("alice", "a small memory")
	if err := h.Insert(ctx, []*memory.Memory{big, small}); err != nil {
		t.Fatal(err)
	}
	mustSync(t, h)
	st, err := h.SyncStatus(ctx)
	if err != nil || st.Pending != 1 || st.Held != 1 || !strings.Contains(st.HeldError, "R2") {
		t.Fatalf("SyncStatus()=%+v, %v; want the large memory held with the reason", st, err)
	}
	if _, err := a.remote(t).Get(ctx, "alice", small.Hash); err != nil {
		t.Errorf("remote Get(small)=%v, want it pushed", err)
	}
	if p := h.Problems(ctx); !strings.Contains(fmt.Sprint(p), "refused some memories") {
		t.Errorf("Problems()=%v, want the refusal reported", p)
	}
	if _, err := h.Get(ctx, "alice", big.Hash); err != nil {
		t.Errorf("local Get(big)=%v, want it kept", err)
	}
}

// Pause stops syncing in every process on the file until Resume.
func TestPauseResume(t *testing.T) {
	a := newAccount(t)
	path := filepath.Join(t.TempDir(), "memory.db")
	h := a.node(t, path)
	ctx := t.Context()
	// The command line's view: a store whose syncer does not run.
	cli := a.node(t, path, func(h *hybrid.Store) { h.Disabled = true })
	if err := cli.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	m := memorytest.NewMemory("alice", "written while paused")
	if err := h.Insert(ctx, []*memory.Memory{m}); err != nil {
		t.Fatal(err)
	}
	// Let the syncer run a few scheduled cycles; nothing may be pushed.
	for range 5 {
		time.Sleep(h.PollInterval)
	}
	st, _ := h.SyncStatus(ctx)
	if st.State() != "paused" || st.Pending != 1 {
		t.Fatalf("SyncStatus() while paused=%+v, want paused with 1 pending", st)
	}
	if _, err := a.remote(t).Get(ctx, "alice", m.Hash); memory.ErrorCode(err) != memory.ENotFound {
		t.Fatalf("remote Get() while paused=%v, want not found", err)
	}
	if err := cli.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "sync resumes", func() string {
		if _, err := a.remote(t).Get(ctx, "alice", m.Hash); err != nil {
			return err.Error()
		}
		return ""
	})
}

// Two processes on one file: one syncs, the other only queues, and a
// forced sync asked in the other is carried out by the one that syncs.
func TestOneSyncerPerFile(t *testing.T) {
	a := newAccount(t)
	path := filepath.Join(t.TempDir(), "memory.db")
	first := a.node(t, path)
	ctx := t.Context()
	eventually(t, "the first store takes the lease", func() string {
		if st, _ := first.SyncStatus(ctx); !st.ThisProcess {
			return fmt.Sprintf("%+v", st)
		}
		return ""
	})
	second := a.node(t, path)
	for range 5 {
		time.Sleep(second.PollInterval)
	}
	st, _ := second.SyncStatus(ctx)
	if !st.Running || st.ThisProcess {
		t.Fatalf("second SyncStatus()=%+v, want another process syncing", st)
	}
	m := memorytest.NewMemory("alice", "queued by the second, pushed by the first")
	if err := second.Insert(ctx, []*memory.Memory{m}); err != nil {
		t.Fatal(err)
	}
	r, err := second.SyncNow(ctx)
	if err != nil || r.Error != "" {
		t.Fatalf("SyncNow() from the second=%+v, %v", r, err)
	}
	if _, err := a.remote(t).Get(ctx, "alice", m.Hash); err != nil {
		t.Errorf("remote Get()=%v after a sync forced from the second store", err)
	}
	if st, _ := second.SyncStatus(ctx); st.ThisProcess {
		t.Error("the second store took the lease from a running syncer")
	}
	// The first stops: the second takes over.
	first.Close()
	eventually(t, "the second store takes over", func() string {
		if st, _ := second.SyncStatus(ctx); !st.ThisProcess {
			return fmt.Sprintf("%+v", st)
		}
		return ""
	})
}

// The drift check finds what the change feed cannot: a memory the remote
// lost (restored from an older backup) is pushed again, a change made on
// the remote behind the cursor is pulled.
func TestDriftRepair(t *testing.T) {
	a := newAccount(t)
	h := a.node(t, filepath.Join(t.TempDir(), "memory.db"))
	ctx := t.Context()
	ms := []*memory.Memory{memorytest.NewMemory("alice", "drift one"), memorytest.NewMemory("alice", "drift two")}
	if err := h.Insert(ctx, ms); err != nil {
		t.Fatal(err)
	}
	mustSync(t, h)
	// The remote loses one memory and another changes behind the cursor.
	if _, err := a.emu.D1Query(cfemu.TestDatabase, "DELETE FROM memories WHERE hash = ?", ms[0].Hash); err != nil {
		t.Fatal(err)
	}
	if _, err := a.emu.D1Query(cfemu.TestDatabase, `UPDATE memories SET tags = '["restored"]', revision = revision + 1000 WHERE hash = ?`, ms[1].Hash); err != nil {
		t.Fatal(err)
	}
	mustSync(t, h)
	remote := a.remote(t)
	if _, err := remote.Get(ctx, "alice", ms[0].Hash); err != nil {
		t.Errorf("remote Get(lost)=%v, want it pushed again", err)
	}
	if got, err := h.Get(ctx, "alice", ms[1].Hash); err != nil || fmt.Sprint(got.Tags) != "[restored]" {
		t.Errorf("local Get(changed remotely)=%v, %v; want the remote's newer tags", got, err)
	}
	st, _ := h.SyncStatus(ctx)
	if st.DriftQueued < 1 || st.DriftRepulls < 1 || st.LastDriftCheck.IsZero() {
		t.Errorf("SyncStatus()=%+v, want the drift repairs counted", st)
	}
}

// An invalid remote configuration never reaches the hybrid store: Open of
// the remote fails first, naming the setting.
func TestBadCredentialsNamed(t *testing.T) {
	a := newAccount(t)
	cfg := a.cfg
	cfg.APIToken = "wrong"
	err := cloudflare.New(cfg).Open(t.Context())
	if !strings.Contains(fmt.Sprint(err), string(cloudflare.SettingToken)) {
		t.Errorf("Open(wrong token)=%v, want it to name %s", err, cloudflare.SettingToken)
	}
}

// A hybrid store starts while Cloudflare does not answer (a laptop
// offline): it works locally, and syncs everything once Cloudflare answers.
func TestStartOffline(t *testing.T) {
	a := newAccount(t)
	ctx := t.Context()
	up := a.emu.Inject(cfemu.Fault{Drop: true})
	remote := cloudflare.New(a.cfg)
	if err := remote.Open(ctx); !cloudflare.Unreachable(err) {
		t.Fatalf("remote Open() offline=%v, want an unreachable error", err)
	}
	h := nodeOn(t, filepath.Join(t.TempDir(), "memory.db"), remote)
	m := memorytest.NewMemory("alice", "written offline")
	if err := h.Insert(ctx, []*memory.Memory{m}); err != nil {
		t.Fatalf("Insert() offline=%v", err)
	}
	up()
	eventually(t, "the store syncs once online", func() string {
		if _, err := a.remote(t).Get(ctx, "alice", m.Hash); err != nil {
			return err.Error()
		}
		return ""
	})
}

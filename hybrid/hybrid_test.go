package hybrid_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/cloudflare"
	"github.com/mcp-memory-go/memory/cloudflare/cfemu"
	"github.com/mcp-memory-go/memory/hybrid"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

var fake = memorytest.NewFakeEmbedder(64)

// account is one emulated Cloudflare account shared by the test's nodes.
type account struct {
	emu *cfemu.Server
	cfg cloudflare.Config
}

func newAccount(t testing.TB) *account {
	emu, cfg := cfemu.NewAccount(t, 64, fake.Model().Name)
	cfg.MaxRetryWait = 50 * time.Millisecond
	return &account{emu: emu, cfg: cfg}
}

// remote opens a Cloudflare store on the account.
func (a *account) remote(t testing.TB) *cloudflare.Store {
	t.Helper()
	r := cloudflare.New(a.cfg)
	if err := r.Open(t.Context()); err != nil {
		t.Fatalf("open remote: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func (a *account) replica(t testing.TB) memory.Replica { return a.remote(t) }

// events collects sync events.
type events struct {
	mu    sync.Mutex
	types []string
}

func (e *events) add(ev memory.Event) {
	e.mu.Lock()
	e.types = append(e.types, ev.Type)
	e.mu.Unlock()
}

func (e *events) seen(typ string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Contains(e.types, typ)
}

// node opens a hybrid store on the SQLite file path against the account,
// with short intervals; the drift check runs only when forced.
func (a *account) node(t testing.TB, path string, edit ...func(*hybrid.Store)) *hybrid.Store {
	t.Helper()
	remote := cloudflare.New(a.cfg)
	if err := remote.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	return nodeOn(t, path, remote, append([]func(*hybrid.Store){func(h *hybrid.Store) {
		h.RemoteName, h.RetryAfter = "cloudflare", cloudflare.RetryAfter
	}}, edit...)...)
}

// nodeOn opens a hybrid store on the SQLite file path against remote, with
// short intervals; the drift check runs only when forced.
func nodeOn(t testing.TB, path string, remote memory.Replica, edit ...func(*hybrid.Store)) *hybrid.Store {
	t.Helper()
	local := sqlite.New(path)
	local.Outbox = true
	if err := local.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	h := hybrid.New(local, remote)
	h.PushDelay, h.PollInterval, h.SyncInterval = 5*time.Millisecond, 20*time.Millisecond, 50*time.Millisecond
	h.BaseBackoff, h.MaxBackoff, h.LeaseTTL = 5*time.Millisecond, 100*time.Millisecond, 2*time.Second
	h.DriftInterval = 0
	for _, f := range edit {
		f(h)
	}
	if err := h.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// mustSync forces a sync and fails the test on an error.
func mustSync(t testing.TB, h *hybrid.Store) hybrid.Result {
	t.Helper()
	r, err := h.SyncNow(t.Context())
	if err != nil || r.Error != "" {
		t.Fatalf("SyncNow()=%+v, %v", r, err)
	}
	return r
}

// eventually retries check until it returns "" or the deadline passes.
func eventually(t testing.TB, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// snapshot is every memory of a replica, tombstones included, by key, as
// "version tags deleted" for comparison.
func snapshot(t testing.TB, r memory.Replica) map[memory.Key]string {
	t.Helper()
	out := map[memory.Key]string{}
	cursor := ""
	for {
		ms, next, err := r.Changes(context.WithoutCancel(t.Context()), cursor, 200)
		if err != nil {
			t.Fatalf("Changes()=%v", err)
		}
		if len(ms) == 0 {
			return out
		}
		for _, m := range ms {
			out[memory.KeyOf(m)] = fmt.Sprintf("%v %v deleted=%v", memory.VersionOf(m), m.Tags, !m.DeletedAt.IsZero())
		}
		cursor = next
	}
}

// diff describes how two snapshots differ ("" if they are equal).
func diff(a, b map[memory.Key]string) string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, fmt.Sprintf("%s/%.8s: %q vs %q", k.Owner, k.Hash, v, w))
		}
	}
	for k, w := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("%s/%.8s: missing vs %q", k.Owner, k.Hash, w))
		}
	}
	sort.Strings(out)
	if len(out) > 5 {
		out = append(out[:5], fmt.Sprintf("… %d differences", len(out)))
	}
	if len(out) == 0 {
		return ""
	}
	return fmt.Sprint(out)
}

func TestStoreContract(t *testing.T) {
	memorytest.RunStoreTests(t, func(t *testing.T) memory.Store {
		return newAccount(t).node(t, filepath.Join(t.TempDir(), "memory.db"))
	})
}

func TestOpenNeedsOutbox(t *testing.T) {
	local := sqlite.New(filepath.Join(t.TempDir(), "memory.db"))
	if err := local.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	a := newAccount(t)
	h := hybrid.New(local, a.remote(t))
	if err := h.Open(t.Context()); err == nil {
		t.Error("Open() without the outbox=nil, want an error")
	}
	local.Close()
}

// Writes reach the remote by themselves, without a forced sync, and the
// remote then holds exactly what the local store holds.
func TestWritesReachRemote(t *testing.T) {
	a := newAccount(t)
	ev := &events{}
	h := a.node(t, filepath.Join(t.TempDir(), "memory.db"), func(h *hybrid.Store) { h.OnEvent = ev.add })
	ctx := t.Context()
	var ms []*memory.Memory
	for i := range 25 {
		ms = append(ms, memorytest.NewMemory("alice", fmt.Sprintf("pushed by itself %d", i), memorytest.WithTags("auto"), memorytest.WithEmbedding(fake)))
	}
	if err := h.Insert(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Delete(ctx, memory.Filter{Owner: "alice", Hashes: []string{ms[0].Hash}}, memorytest.Epoch, false); err != nil {
		t.Fatal(err)
	}
	remote := a.remote(t)
	eventually(t, "the remote catches up", func() string {
		return diff(snapshot(t, h.Local()), snapshot(t, remote))
	})
	if _, err := remote.Get(ctx, "alice", ms[0].Hash); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("remote Get(deleted)=%v, want not found", err)
	}
	got, err := remote.Get(ctx, "alice", ms[1].Hash)
	if err != nil || got.EmbeddingModel != fake.Model().Name || len(got.Embedding) != 64 {
		t.Errorf("remote Get()=%v, %v; want the memory with its vector", got, err)
	}
	eventually(t, "the status says synced", func() string {
		st, err := h.SyncStatus(ctx)
		if err != nil || st.State() != "synced" || st.Pending != 0 || st.Pushed < 25 || st.LastSuccess.IsZero() || !st.ThisProcess {
			return fmt.Sprintf("%+v, %v", st, err)
		}
		return ""
	})
	if !ev.seen(memory.EventSyncCompleted) {
		t.Error("no sync_completed event")
	}
}

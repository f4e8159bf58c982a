package hybrid_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/cloudflare"
	"github.com/mcp-memory-go/memory/cloudflare/cfemu"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

// A real process writing through the hybrid store, its outbox full because
// the remote refuses every request, is killed with SIGKILL in the middle of
// its writes. Restarted on the same file with the remote back, the store
// pushes everything the killed process had acknowledged: the remote and the
// local file end up holding exactly the same memories, deletes included.
func TestKill9WithFullOutbox(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is a Unix signal")
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	a := newAccount(t)
	path := filepath.Join(t.TempDir(), "memory.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9Child$", "-test.v")
	cmd.Env = append(os.Environ(), "HYBRID_CHILD_DB="+path, "HYBRID_CHILD_URL="+a.cfg.BaseURL,
		"HYBRID_CHILD_TOKEN="+a.cfg.APIToken, "HYBRID_CHILD_ACCOUNT="+a.cfg.AccountID)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	acked, deleted := map[string]bool{}, map[string]bool{}
	var down func()
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		switch {
		case len(f) == 1 && f[0] == "open":
			// The child is up: from now on the remote refuses everything.
			down = a.emu.Inject(cfemu.Fault{Status: 503})
		case len(f) == 2 && f[0] == "acked":
			acked[f[1]] = true
		case len(f) == 2 && f[0] == "deleted":
			deleted[f[1]] = true
		}
		if len(acked) >= 300 {
			break
		}
	}
	if down == nil || len(acked) < 300 {
		t.Fatalf("the child acknowledged %d writes (err %v)", len(acked), lines.Err())
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no flush, no Close
		t.Fatal(err)
	}
	cmd.Wait()
	ctx := t.Context()
	// What the killed process left: a full outbox.
	look := sqlite.New(path)
	if err := look.Open(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := look.OutboxStats(ctx)
	if err != nil || st.Pending < 250 {
		t.Fatalf("outbox after the kill=%+v, %v; want at least 250 pending", st, err)
	}
	look.Close()
	down()

	h := a.node(t, path)
	remote := a.remote(t)
	eventually(t, "the restarted store pushes what the killed one acknowledged", func() string {
		st, _ := h.SyncStatus(ctx)
		if st.Pending != 0 {
			return fmt.Sprintf("%d pending", st.Pending)
		}
		return diff(snapshot(t, h.Local()), snapshot(t, remote))
	})
	for hash := range acked {
		_, err := remote.Get(ctx, "alice", hash)
		switch {
		case deleted[hash] && memory.ErrorCode(err) != memory.ENotFound:
			t.Errorf("remote Get(deleted %.8s)=%v, want not found", hash, err)
		case !deleted[hash] && err != nil:
			t.Errorf("remote Get(acknowledged %.8s)=%v, want it", hash, err)
		}
	}
	if len(deleted) == 0 {
		t.Error("the child deleted nothing; deletes went untested")
	}
}

// TestKill9Child is the process TestKill9WithFullOutbox kills.
func TestKill9Child(t *testing.T) {
	path := os.Getenv("HYBRID_CHILD_DB")
	if path == "" {
		t.Skip("run by TestKill9WithFullOutbox")
	}
	emuCfg := cloudflare.Config{
		APIToken: os.Getenv("HYBRID_CHILD_TOKEN"), AccountID: os.Getenv("HYBRID_CHILD_ACCOUNT"),
		D1Database: cfemu.TestDatabase, VectorizeIndex: cfemu.TestIndex, IndexModel: fake.Model().Name,
		R2Bucket: cfemu.TestBucket, BaseURL: os.Getenv("HYBRID_CHILD_URL"), RequestsPerSecond: -1,
		BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxRetries: 1,
	}
	a := &account{cfg: emuCfg}
	h := a.node(t, path)
	fmt.Println("open")
	ctx := t.Context()
	for i := 0; ; i++ {
		m := memorytest.NewMemory("alice", fmt.Sprintf("written before the kill %d", i), memorytest.WithEmbedding(fake))
		if err := h.Insert(ctx, []*memory.Memory{m}); err != nil {
			t.Fatal(err)
		}
		fmt.Println("acked", m.Hash)
		if i%7 == 3 {
			gone := memorytest.NewMemory("alice", fmt.Sprintf("written before the kill %d", i-2)).Hash
			if _, err := h.Delete(ctx, memory.Filter{Owner: "alice", Hashes: []string{gone}}, time.Now(), false); err != nil {
				t.Fatal(err)
			}
			fmt.Println("deleted", gone)
		}
	}
}

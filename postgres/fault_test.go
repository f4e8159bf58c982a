package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/postgres"
	"github.com/mcp-memory-go/memory/postgres/postgrestest"
)

// terminate ends every session of the test server with the application
// name, as a failover or an administrator does, and returns how many.
func terminate(t *testing.T, app string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFault_SessionsTerminated: after the server ends every session of
// the pool, the next calls succeed on new connections (the lost ones are
// retried, as nothing was committed on them), and every acknowledged write
// is there.
func TestFault_SessionsTerminated(t *testing.T) {
	app := "memtest-" + strings.ToLower(rand.Text()[:8])
	dsn := withParams(t, testDSN(t), map[string]string{"application_name": app})
	s := MustOpenDSN(t, dsn, NewSchema(t), func(s *postgres.Store) { s.MinConns = 3 })
	ctx := t.Context()
	fake := memorytest.NewFakeEmbedder(16)
	var acked []string
	for round := range 3 {
		// Use the pool's connections, then end them.
		for i := range 5 {
			m := memorytest.NewMemory("alice", fmt.Sprintf("round %d memory %d", round, i), memorytest.WithEmbedding(fake))
			if err := s.Insert(ctx, []*memory.Memory{m}); err != nil {
				t.Fatalf("Insert() in round %d=%v", round, err)
			}
			acked = append(acked, m.Hash)
		}
		if n := terminate(t, app); n == 0 {
			t.Fatalf("round %d: no session of %s to terminate", round, app)
		}
		// Every kind of call works at once.
		m := memorytest.NewMemory("alice", fmt.Sprintf("round %d after the failure", round), memorytest.WithEmbedding(fake))
		if err := s.Insert(ctx, []*memory.Memory{m}); err != nil {
			t.Fatalf("Insert() after the sessions ended=%v", err)
		}
		acked = append(acked, m.Hash)
		if _, err := s.Get(ctx, "alice", m.Hash); err != nil {
			t.Errorf("Get() after the sessions ended=%v", err)
		}
		if _, err := s.KeywordSearch(ctx, memory.Filter{Owner: "alice"}, []string{"round"}, 5); err != nil {
			t.Errorf("KeywordSearch() after the sessions ended=%v", err)
		}
		if _, err := s.VectorSearch(ctx, memory.Filter{Owner: "alice"}, fake.Model().Name, memorytest.FakeVector(16, "round"), 5); err != nil {
			t.Errorf("VectorSearch() after the sessions ended=%v", err)
		}
	}
	checkAcked(t, s, acked)
}

// checkAcked fails unless every acknowledged hash is stored, and nothing
// else.
func checkAcked(t *testing.T, s *postgres.Store, acked []string) {
	t.Helper()
	ms, total, err := s.Find(t.Context(), memory.Filter{Owner: "alice"}, memory.Page{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, m := range ms {
		stored[m.Hash] = true
	}
	for _, h := range acked {
		if !stored[h] {
			t.Errorf("acknowledged memory %.12s is lost", h)
		}
	}
	if total < len(acked) {
		t.Errorf("Find() total=%d, want at least the %d acknowledged", total, len(acked))
	}
}

// run runs a shell command of the test environment.
func run(t *testing.T, cmd string) {
	t.Helper()
	out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
}

// TestFault_ServerRestart stops the server (as a crash: pg_ctl -m
// immediate) while a writer keeps storing: while it is down every call
// fails with EUnavailable naming the server, and once it is back calls
// succeed again with every acknowledged write kept.
// serverCommands returns the commands that stop and start the test
// server, or skips the test.
func serverCommands(t *testing.T) (stop, start string) {
	stop, start = os.Getenv(postgrestest.StopVar), os.Getenv(postgrestest.StartVar)
	if stop == "" || start == "" {
		testDSN(t)
		t.Skipf("set %s and %s to commands that stop and start the test server (scripts/postgres.sh does)", postgrestest.StopVar, postgrestest.StartVar)
	}
	return stop, start
}

func TestFault_ServerRestart(t *testing.T) {
	stop, start := serverCommands(t)
	s := MustOpenStore(t)
	ctx := t.Context()
	var acked []string
	n := 0
	store := func() error {
		n++
		m := memorytest.NewMemory("alice", fmt.Sprintf("restart memory %d", n))
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		err := s.Insert(cctx, []*memory.Memory{m})
		if err == nil {
			acked = append(acked, m.Hash)
		}
		return err
	}
	for range 10 {
		if err := store(); err != nil {
			t.Fatal(err)
		}
	}

	started := false
	t.Cleanup(func() {
		if !started {
			run(t, start)
		}
	})
	run(t, stop)
	for i := range 3 {
		err := store()
		if memory.ErrorCode(err) != memory.EUnavailable || !strings.Contains(err.Error(), s.Addr()) || strings.Contains(memory.ErrorMessage(err), s.Addr()) {
			t.Errorf("Insert() #%d with the server down=%v (code %q), want EUnavailable naming %s to logs and not to clients", i, err, memory.ErrorCode(err), s.Addr())
		}
	}
	if _, err := s.Get(ctx, "alice", acked[0]); memory.ErrorCode(err) != memory.EUnavailable {
		t.Errorf("Get() with the server down=%v, want EUnavailable", err)
	}
	run(t, start) // pg_ctl -w: returns once the server accepts connections
	started = true

	// The first calls may meet the pool's dead connections; they are
	// retried, so each call either succeeds or says the server is
	// unavailable. Within a few calls every one succeeds.
	ok := 0
	for i := 0; ok < 10; i++ {
		err := store()
		switch {
		case err == nil:
			ok++
		case memory.ErrorCode(err) != memory.EUnavailable:
			t.Fatalf("Insert() after the restart=%v, want success or EUnavailable", err)
		case i > 50:
			t.Fatalf("Insert() still fails after the restart: %v", err)
		}
	}
	checkAcked(t, s, acked)
}

// A lazy store opened while the server is down connects, migrates and
// works once it is back.
func TestFault_LazyOpen(t *testing.T) {
	stop, start := serverCommands(t)
	schema := NewSchema(t)
	started := false
	t.Cleanup(func() {
		if !started {
			run(t, start)
		}
	})
	run(t, stop)
	s := postgres.New(testDSN(t))
	s.Schema, s.Lazy = schema, true
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open(lazy) with the server down=%v, want nil", err)
	}
	defer s.Close()
	m := memorytest.NewMemory("alice", "written once the server is back")
	if err := s.Insert(t.Context(), []*memory.Memory{m}); memory.ErrorCode(err) != memory.EUnavailable {
		t.Errorf("Insert() with the server down=%v, want EUnavailable", err)
	}
	run(t, start)
	started = true
	if err := s.Insert(t.Context(), []*memory.Memory{m}); err != nil {
		t.Fatalf("Insert() once the server is back=%v", err)
	}
	checkAcked(t, s, []string{m.Hash})
}

package main

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	memory "github.com/mcp-memory-go/memory"
)

// openTestApp opens the app as a command would with the environment env.
func openTestApp(t *testing.T, env map[string]string) *app {
	t.Helper()
	cfg, err := loadConfig(getenvOf(env))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.resolve(); err != nil {
		t.Fatal(err)
	}
	a, err := openApp(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestPostgresHybridRemote: two machines (two SQLite files) with the
// hybrid backend share one PostgreSQL database as their remote
// (MCP_HYBRID_REMOTE=postgres): a memory stored on one is found on the
// other after a sync, and so is its deletion.
func TestPostgresHybridRemote(t *testing.T) {
	p := newPGTest(t)
	machine := func(name string) map[string]string {
		env := map[string]string{}
		for _, kv := range p.env {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		env["MCP_MEMORY_STORAGE_BACKEND"], env["MCP_HYBRID_REMOTE"] = "hybrid", "postgres"
		env["MCP_MEMORY_SQLITE_PATH"] = filepath.Join(t.TempDir(), name+".db")
		env["MCP_SEMANTIC_DEDUP_ENABLED"] = "false"
		return env
	}
	a, b := machine("a"), machine("b")
	hash := strings.TrimSpace(runOK(t, a, "store", "-tags", "ops", "The", "VPN", "certificate", "expires", "in", "March"))
	if out := runOK(t, a, "sync", "now"); !strings.Contains(out, "pushed 1") {
		t.Errorf("sync now on a=%q, want 1 pushed", out)
	}
	if out := runOK(t, a, "status"); !strings.Contains(out, "synced with PostgreSQL") {
		t.Errorf("status on a=%q, want the PostgreSQL remote named", out)
	}
	noPassword(t, "status", runOK(t, a, "status"))
	runOK(t, b, "sync", "now")
	if out := runOK(t, b, "search", "-mode", "keyword", "VPN certificate"); !strings.Contains(out, "expires in March") {
		t.Errorf("search on b after sync=%q, want the memory stored on a", out)
	}
	ab := openTestApp(t, b)
	if _, err := ab.svc.Delete(memory.WithOwner(t.Context(), memory.LocalOwner), memory.DeleteRequest{Hash: hash}); err != nil {
		t.Fatal(err)
	}
	ab.Close()
	runOK(t, b, "sync", "now")
	runOK(t, a, "sync", "now")
	if out := runOK(t, a, "search", "-mode", "keyword", "VPN certificate"); strings.Contains(out, "expires in March") {
		t.Errorf("search on a after b deleted it=%q, want nothing", out)
	}
	// The remote without its URL is a configuration error naming it.
	delete(a, "MCP_MEMORY_POSTGRES_URL")
	if err := run(t.Context(), []string{"status"}, nil, &strings.Builder{}, &strings.Builder{}, getenvOf(a)); err == nil || !strings.Contains(err.Error(), "MCP_MEMORY_POSTGRES_URL") {
		t.Errorf("status without MCP_MEMORY_POSTGRES_URL=%v, want an error naming it", err)
	}
}

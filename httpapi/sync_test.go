package httpapi_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/cloudflare"
	"github.com/mcp-memory-go/memory/cloudflare/cfemu"
	"github.com/mcp-memory-go/memory/httpapi"
	"github.com/mcp-memory-go/memory/hybrid"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

// MustOpenHybridEnv is MustOpenEnv on the hybrid backend: a local SQLite
// file syncing with an emulated Cloudflare account.
func MustOpenHybridEnv(t *testing.T) (*env, *cfemu.Server) {
	t.Helper()
	fake := memorytest.NewFakeEmbedder(64)
	emu, cfg := cfemu.NewAccount(t, 64, fake.Model().Name)
	cfg.MaxRetries, cfg.MaxRetryWait = 1, 10*time.Millisecond
	path := filepath.Join(t.TempDir(), "m.db")
	local := sqlite.New(path)
	local.Outbox = true
	if err := local.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	remote := cloudflare.New(cfg)
	if err := remote.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := hybrid.New(local, remote)
	h.RemoteName = "cloudflare"
	h.PushDelay, h.BaseBackoff, h.MaxBackoff = time.Hour, time.Hour, time.Hour // syncs only when forced
	svc := memory.NewService(h, fake)
	svc.SemanticDedup = false
	svc.Backend, svc.Version = "hybrid", "test"
	logs := &memorytest.Buffer{}
	api := httpapi.New(svc)
	api.Now = time.Now
	api.Heartbeat = time.Hour
	api.Logger = slog.New(slog.NewTextHandler(logs, nil))
	api.Auth = &auth.Authenticator{Tickets: auth.NewTickets()}
	api.Sync = h
	svc.OnEvent = api.Publish
	h.OnEvent = api.Publish
	if err := h.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	t.Cleanup(api.Close)
	return &env{t: t, st: local, svc: svc, api: api, handler: withTestPrincipal(api.Handler()), dbPath: path, logs: logs}, emu
}

func TestSyncRoutesWithoutHybrid(t *testing.T) {
	e := MustOpenEnv(t)
	st := e.mustDo(200, "alice-read", "GET", "/api/sync/status", nil).JSON(t)
	if st["is_hybrid"] != false || st["status"] != "not_hybrid" {
		t.Errorf("GET /api/sync/status=%v, want not_hybrid", st)
	}
	for _, p := range []string{"/api/sync/force", "/api/sync/pause", "/api/sync/resume"} {
		e.wantError(e.do("alice-admin", "POST", p, nil), 404, memory.ENotFound)
	}
	if p := e.mustDo(200, "alice-read", "GET", "/api/health/sync-status", nil).JSON(t); p["sync_supported"] != false {
		t.Errorf("GET /api/health/sync-status=%v, want sync_supported false", p)
	}
}

func TestSyncRoutes(t *testing.T) {
	e, emu := MustOpenHybridEnv(t)
	srv := e.server()
	bobEvents, _ := openStream(t, srv, "bob-write")
	down := emu.Inject(cfemu.Fault{Status: 503})
	e.mustDo(200, "alice-write", "POST", "/api/memories", map[string]any{"content": "synced through the API", "tags": []string{"s"}})

	e.wantError(e.do("alice-read", "POST", "/api/sync/force", nil), 403, "insufficient_scope")
	f := e.mustDo(200, "alice-write", "POST", "/api/sync/force", nil).JSON(t)
	if f["success"] != false || f["message"] == "" {
		t.Errorf("POST /api/sync/force with the remote down=%v, want success false and a message", f)
	}
	st := e.mustDo(200, "alice-admin", "GET", "/api/sync/status", nil).JSON(t)
	if st["is_hybrid"] != true || st["status"] != "error" || st["operations_pending"] != 1.0 || st["scope"] != "all" ||
		st["consecutive_failures"].(float64) < 1 || !strings.Contains(st["last_error"].(string), "503") || st["remote"] != "cloudflare" {
		t.Errorf("GET /api/sync/status as admin with the remote down=%v", st)
	}
	// Another user sees the state, not alice's pending change nor the
	// error text.
	st = e.mustDo(200, "bob-write", "GET", "/api/sync/status", nil).JSON(t)
	if st["status"] != "error" || st["operations_pending"] != 0.0 || st["scope"] != "own" || strings.Contains(st["last_error"].(string), "503") {
		t.Errorf("GET /api/sync/status as bob=%v, want the state without alice's figures or the error", st)
	}
	if st := e.mustDo(200, "alice-read", "GET", "/api/sync/status", nil).JSON(t); st["operations_pending"] != 1.0 || st["scope"] != "own" {
		t.Errorf("GET /api/sync/status as alice (not admin)=%v, want her 1 pending change", st)
	}
	h := e.mustDo(200, "alice-read", "GET", "/api/health/detailed", nil).JSON(t)
	if ss, _ := h["storage"].(map[string]any)["sync_status"].(map[string]any); ss["operations_pending"] != 1.0 || h["status"] != "degraded" {
		t.Errorf("detailed health with the remote down: status %v, sync_status %v", h["status"], ss)
	}
	if ev := nextNamed(t, bobEvents, memory.EventSyncFailed); ev.Data["content_preview"] != nil {
		t.Errorf("sync_failed reached another owner with content: %v", ev.Data)
	}

	down()
	f = e.mustDo(200, "alice-write", "POST", "/api/sync/force", nil).JSON(t)
	if f["success"] != true || f["operations_synced"] != 1.0 {
		t.Errorf("POST /api/sync/force=%v, want success and 1 operation", f)
	}
	st = e.mustDo(200, "alice-admin", "GET", "/api/sync/status", nil).JSON(t)
	if st["status"] != "synced" || st["operations_pending"] != 0.0 || st["last_sync_time"] == nil || st["operations_processed"] != 1.0 {
		t.Errorf("GET /api/sync/status after recovery=%v", st)
	}
	nextNamed(t, bobEvents, memory.EventSyncCompleted)
	p := e.mustDo(200, "alice-read", "GET", "/api/health/sync-status", nil).JSON(t)
	if p["sync_supported"] != true || p["status"].(map[string]any)["progress_percentage"] != 100.0 {
		t.Errorf("GET /api/health/sync-status=%v", p)
	}

	e.wantError(e.do("alice-write", "POST", "/api/sync/pause", nil), 403, "insufficient_scope")
	if r := e.mustDo(200, "alice-admin", "POST", "/api/sync/pause", nil).JSON(t); r["is_paused"] != true || r["success"] != true {
		t.Errorf("POST /api/sync/pause=%v", r)
	}
	if st := e.mustDo(200, "alice-read", "GET", "/api/sync/status", nil).JSON(t); st["status"] != "paused" || st["is_paused"] != true {
		t.Errorf("status while paused=%v", st)
	}
	if r := e.mustDo(200, "alice-admin", "POST", "/api/sync/resume", nil).JSON(t); r["is_paused"] != false {
		t.Errorf("POST /api/sync/resume=%v", r)
	}
}

// nextNamed returns the next event called name, skipping others.
func nextNamed(t *testing.T, ch <-chan sseEvent, name string) sseEvent {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("the stream ended before %s", name)
			}
			if ev.Name == name {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s event", name)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/cloudflare"
	"github.com/mcp-memory-go/memory/cloudflare/cfemu"
)

// cloudEnv is an emulated Cloudflare account (a 768-dimensional index for
// Workers AI's bge-base) and the environment that points a command at it.
func cloudEnv(t *testing.T, backend string) (*cfemu.Server, map[string]string) {
	t.Helper()
	emu, cfg := cfemu.NewAccount(t, 768, cloudflare.DefaultEmbeddingModel)
	return emu, map[string]string{
		"MCP_MEMORY_STORAGE_BACKEND": backend,
		"MCP_MEMORY_SQLITE_PATH":     filepath.Join(t.TempDir(), "memory.db"),
		"MCP_SEMANTIC_DEDUP_ENABLED": "false",
		"CLOUDFLARE_API_TOKEN":       cfg.APIToken,
		"CLOUDFLARE_ACCOUNT_ID":      cfg.AccountID,
		"CLOUDFLARE_D1_DATABASE_ID":  cfg.D1Database,
		"CLOUDFLARE_VECTORIZE_INDEX": cfg.VectorizeIndex,
		"CLOUDFLARE_R2_BUCKET":       cfg.R2Bucket,
		"CLOUDFLARE_API_BASE_URL":    cfg.BaseURL,
		"CLOUDFLARE_BASE_DELAY":      "0.01",
	}
}

func getenvOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// runOK runs a command line and returns its output, failing the test on an
// error.
func runOK(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(t.Context(), args, nil, &out, &errOut, getenvOf(env)); err != nil {
		t.Fatalf("memory %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

func TestCloudflareBackendCommands(t *testing.T) {
	emu, env := cloudEnv(t, "cloudflare")
	runOK(t, env, "store", "-tags", "ops", "The staging cluster runs on three arm64 nodes")
	runOK(t, env, "store", "Lunch on Fridays is pizza")
	out := runOK(t, env, "search", "-mode", "semantic", "staging cluster")
	if !strings.Contains(strings.SplitN(out, "\n", 2)[0]+out, "arm64") {
		t.Errorf("search=%q, want the staging memory", out)
	}
	if n := len(emu.IndexVectors(cfemu.TestIndex)); n != 2 {
		t.Errorf("vectors in Vectorize=%d, want 2 (embedded by Workers AI)", n)
	}
	rows, err := emu.D1Query(cfemu.TestDatabase, "SELECT count(*) FROM memories WHERE deleted_at IS NULL")
	if err != nil || rows[0][0] != int64(2) {
		t.Errorf("memories in D1=%v, %v; want 2", rows, err)
	}
	if out := runOK(t, env, "status"); !strings.Contains(out, "Cloudflare D1") || !strings.Contains(out, "memories:  2") {
		t.Errorf("status=%q", out)
	}
}

func TestHybridBackendCommands(t *testing.T) {
	emu, env := cloudEnv(t, "hybrid")
	runOK(t, env, "store", "-tags", "ops", "Deploys go out on Tuesdays")
	var st map[string]any
	if err := json.Unmarshal([]byte(runOK(t, env, "sync", "status", "-json")), &st); err != nil {
		t.Fatal(err)
	}
	if st["pending"] != 1.0 || st["status"] != "pending" {
		t.Errorf("sync status after a store=%v, want 1 pending", st)
	}
	if out := runOK(t, env, "sync", "now"); !strings.Contains(out, "pushed 1") {
		t.Errorf("sync now=%q, want 1 pushed", out)
	}
	rows, err := emu.D1Query(cfemu.TestDatabase, "SELECT content FROM memories")
	if err != nil || len(rows) != 1 || rows[0][0] != "Deploys go out on Tuesdays" {
		t.Errorf("D1 after sync now=%v, %v", rows, err)
	}
	out := runOK(t, env, "sync", "status")
	if !strings.Contains(out, "sync:        synced with cloudflare") || !strings.Contains(out, "pending:     0 changes") {
		t.Errorf("sync status=%q", out)
	}
	runOK(t, env, "sync", "pause")
	if out := runOK(t, env, "status"); !strings.Contains(out, "sync:      paused") || !strings.Contains(out, "paused") {
		t.Errorf("status while paused=%q", out)
	}
	runOK(t, env, "sync", "resume")
	// Writes keep working while Cloudflare is down; sync now says why
	// it failed and that nothing is lost.
	emu.Inject(cfemu.Fault{Status: 503})
	runOK(t, env, "store", "Written while Cloudflare is down")
	var errOut bytes.Buffer
	err = run(t.Context(), []string{"sync", "now"}, nil, &bytes.Buffer{}, &errOut, getenvOf(env))
	if err == nil || !strings.Contains(err.Error(), "1 changes stay queued") {
		t.Errorf("sync now with Cloudflare down=%v, want the queued change named", err)
	}
	if out := runOK(t, env, "search", "-mode", "keyword", "Cloudflare down"); !strings.Contains(out, "Written while") {
		t.Errorf("search while Cloudflare is down=%q", out)
	}
}

func TestCloudSettingsNamed(t *testing.T) {
	for _, c := range []struct {
		name string
		edit map[string]string
		want string
	}{
		{"no account", map[string]string{"CLOUDFLARE_ACCOUNT_ID": ""}, "CLOUDFLARE_ACCOUNT_ID"},
		{"no index", map[string]string{"CLOUDFLARE_VECTORIZE_INDEX": ""}, "CLOUDFLARE_VECTORIZE_INDEX"},
		{"wrong token", map[string]string{"CLOUDFLARE_API_TOKEN": "wrong"}, "CLOUDFLARE_API_TOKEN"},
		{"unknown database", map[string]string{"CLOUDFLARE_D1_DATABASE_ID": "00000000-0000-0000-0000-000000000000"}, "CLOUDFLARE_D1_DATABASE_ID"},
		{"unknown bucket", map[string]string{"CLOUDFLARE_R2_BUCKET": "nope"}, "CLOUDFLARE_R2_BUCKET"},
		{"index of another model", map[string]string{"CLOUDFLARE_EMBEDDING_MODEL": "@cf/baai/bge-small-en-v1.5"}, "CLOUDFLARE_VECTORIZE_INDEX"},
		{"bad owner", map[string]string{"MCP_HYBRID_SYNC_OWNER": "everyone"}, "MCP_HYBRID_SYNC_OWNER"},
		{"bad batch", map[string]string{"MCP_HYBRID_BATCH_SIZE": "0"}, "MCP_HYBRID_BATCH_SIZE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, env := cloudEnv(t, "cloudflare")
			for k, v := range c.edit {
				env[k] = v
			}
			var errOut bytes.Buffer
			err := run(t.Context(), []string{"status"}, nil, &bytes.Buffer{}, &errOut, getenvOf(env))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("status=%v, want an error naming %s", err, c.want)
			}
			if err != nil && strings.Contains(err.Error()+errOut.String(), env["CLOUDFLARE_API_TOKEN"]) && env["CLOUDFLARE_API_TOKEN"] != "" {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

// The daemon syncs; `memory sync now` in another process asks it and gets
// its answer, and /api/sync/status reports it.
func TestHybridDaemonSyncs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a daemon process")
	}
	emu, env := cloudEnv(t, "hybrid")
	db := env["MCP_MEMORY_SQLITE_PATH"]
	key := createKey(t, db, "write")
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	base := startDaemon(t, db, envList...)
	req, _ := http.NewRequestWithContext(context.Background(), "POST", base+"/api/memories", strings.NewReader(`{"content":"stored through the daemon","tags":["d"]}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /api/memories: %v %v", resp, err)
	}
	resp.Body.Close()
	out := runOK(t, env, "sync", "now")
	if !strings.Contains(out, "synced") {
		t.Errorf("sync now=%q", out)
	}
	rows, err := emu.D1Query(cfemu.TestDatabase, "SELECT count(*) FROM memories WHERE content = 'stored through the daemon'")
	if err != nil || rows[0][0] != int64(1) {
		t.Errorf("D1 holds %v, %v; want the memory", rows, err)
	}
	req, _ = http.NewRequest("GET", base+"/api/sync/status", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st map[string]any
	json.NewDecoder(resp.Body).Decode(&st)
	if st["is_hybrid"] != true || st["operations_pending"] != 0.0 || st["this_process"] != true || st["status"] != "synced" {
		t.Errorf("GET /api/sync/status=%v", st)
	}
}

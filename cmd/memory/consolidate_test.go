package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
)

// TestCLIConsolidate: a dry run reports and changes nothing; a pass
// archives; status, history, pause and the archive commands work on what
// it did.
func TestCLIConsolidate(t *testing.T) {
	c := newCLI(t)
	db := filepath.Join(c.base, "memory.db")
	a := openTestApp(t, map[string]string{"MCP_MEMORY_BASE_DIR": c.base}) // its database is db
	storeErrands(t, a)
	a.Close()

	var dry consolidate.Report
	if err := json.Unmarshal([]byte(c.must("consolidate", "run", "-db", db, "-horizon", "monthly", "-dry-run", "-json")), &dry); err != nil {
		t.Fatal(err)
	}
	if !dry.DryRun || dry.Processed != 20 || dry.Forgetting.Count != 2 {
		t.Errorf("dry run: processed %d, would archive %d; want 20 and 2 (a tenth)", dry.Processed, dry.Forgetting.Count)
	}
	if n := c.count(db); n != "20" {
		t.Errorf("memories after a dry run: %s, want 20", n)
	}
	out := c.must("consolidate", "run", "-db", db, "-horizon", "monthly")
	if !strings.Contains(out, "Forgetting: 2 archived") {
		t.Errorf("run: %s", out)
	}
	if n := c.count(db); n != "18" {
		t.Errorf("memories after the pass: %s, want 18", n)
	}
	if out := c.must("consolidate", "status", "-db", db); !strings.Contains(out, "passes: 1 (0 failed); archived memories: 2") || !strings.Contains(out, "scheduled passes: off") {
		t.Errorf("status: %s", out)
	}
	if out := c.must("consolidate", "history", "-db", db); !strings.Contains(out, "monthly") || !strings.Contains(out, "completed") {
		t.Errorf("history: %s", out)
	}
	var list memory.ArchiveList
	if err := json.Unmarshal([]byte(c.must("consolidate", "archive", "list", "-db", db, "-json")), &list); err != nil {
		t.Fatal(err)
	}
	if list.Total != 2 || !strings.Contains(list.Memories[0].Reason, "monthly consolidation") {
		t.Fatalf("archive list: %+v", list)
	}
	if out := c.must("consolidate", "archive", "restore", "-db", db, list.Memories[0].Hash); !strings.Contains(out, "restored "+list.Memories[0].Hash) {
		t.Errorf("archive restore: %s", out)
	}
	if n := c.count(db); n != "19" {
		t.Errorf("memories after a restore: %s, want 19", n)
	}
	if out := c.must("consolidate", "pause", "-db", db, "-horizon", "daily"); !strings.Contains(out, "paused for daily") {
		t.Errorf("pause: %s", out)
	}
	if out := c.must("consolidate", "recommend", "-db", db, "-horizon", "weekly"); !strings.Contains(out, "weekly: ") {
		t.Errorf("recommend: %s", out)
	}
	for _, args := range [][]string{{"consolidate", "run", "-db", db, "-horizon", "hourly"}, {"consolidate"}, {"consolidate", "archive"}, {"consolidate", "archive", "restore", "-db", db}} {
		if _, _, err := c.run("", args...); err == nil {
			t.Errorf("memory %s succeeded, want an error", strings.Join(args, " "))
		}
	}
}

// storeErrands stores 20 errands of 14 months ago, with vectors, straight
// into the app's store: a monthly pass archives two of them.
func storeErrands(t *testing.T, a *app) {
	t.Helper()
	old := time.Now().AddDate(-1, -2, 0)
	var ms []*memory.Memory
	nouns := strings.Fields("apple river engine violin castle pepper harbor rocket garden mirror candle bridge planet forest island museum ticket butter window pillow")
	verbs := strings.Fields("repair paint sell visit clean borrow measure photograph insure return")
	for i := range 20 {
		text := fmt.Sprintf("%s the %s before the %s trip", verbs[i%len(verbs)], nouns[i], nouns[(i*7+3)%len(nouns)])
		vecs, err := a.svc.Embedder.Embed(context.Background(), []string{text})
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, &memory.Memory{Owner: memory.LocalOwner, Hash: memory.ContentHash(text), Content: text, Tags: []string{"errand"},
			Type: "note", Metadata: map[string]any{}, CreatedAt: memory.TimeMS(old), UpdatedAt: memory.TimeMS(old), Quality: 0.5,
			Embedding: vecs[0], EmbeddingModel: a.svc.Embedder.Model().Name})
	}
	if err := a.store.Insert(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
}

func TestCurationConfig(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cfg, err := loadConfig(env("MCP_CONSOLIDATION_ENABLED", "true", "MCP_SCHEDULE_DAILY", "02:00", "MCP_SCHEDULE_WEEKLY", "disabled",
		"MCP_CONSOLIDATION_BATCH_SIZE", "100", "MCP_ASSOCIATION_MIN_SIMILARITY", "0.4", "MCP_QUALITY_BOOST_ENABLED", "true",
		"MCP_GRAPH_STORAGE_MODE", "dual_write"))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Curation
	if !c.Enabled || c.Schedules[consolidate.Daily] == nil || c.Schedules[consolidate.Weekly] != nil || c.Pass.BatchSize != 100 ||
		c.Pass.AssociationMin != 0.4 || c.QualityBoost != 0.3 || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "MCP_GRAPH_STORAGE_MODE") {
		t.Errorf("curation config: %+v", c)
	}
	if cfg, _ := loadConfig(env("MCP_SCHEDULE_DAILY", "02:00")); len(cfg.Curation.Warnings) != 1 || !strings.Contains(cfg.Curation.Warnings[0], "MCP_CONSOLIDATION_ENABLED") {
		t.Errorf("a schedule without MCP_CONSOLIDATION_ENABLED: warnings %q, want one saying it stays off", cfg.Curation.Warnings)
	}
	for _, bad := range [][]string{
		{"MCP_SCHEDULE_DAILY", "25:00"}, {"MCP_SCHEDULE_WEEKLY", "03:00"}, {"MCP_CONSOLIDATION_BATCH_SIZE", "0"},
		{"MCP_ASSOCIATION_MIN_SIMILARITY", "0.8", "MCP_ASSOCIATION_MAX_SIMILARITY", "0.5"}, {"MCP_FORGETTING_MAX_SHARE", "2"},
	} {
		if _, err := loadConfig(env(bad...)); err == nil {
			t.Errorf("loadConfig(%q)=nil, want an error", bad)
		}
	}
}

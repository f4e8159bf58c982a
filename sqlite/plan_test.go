package sqlite_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

// seedPlans stores memories of two owners with tags, types, times and
// vectors, so the planner has something to choose between.
func seedPlans(t *testing.T, s *sqlite.Store) {
	t.Helper()
	e := memorytest.NewFakeEmbedder(8)
	var ms []*memory.Memory
	for i := range 1200 {
		ms = append(ms, memorytest.NewMemory([]string{"alice", "bob"}[i%2],
			fmt.Sprintf("apple pie %d doc about %s", i, []string{"cats", "dogs", "birds"}[i%3]),
			memorytest.WithTags(fmt.Sprint("t", i%10), fmt.Sprint("u", i%7)),
			memorytest.WithType([]string{"note", "decision", "task"}[i%3]),
			memorytest.At(memorytest.Epoch.Add(time.Duration(i)*time.Minute)),
			memorytest.WithEmbedding(e)))
	}
	if err := s.Insert(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(t.Context(), memory.Filter{Owner: "alice", Tags: []string{"t0"}}, memorytest.Epoch, false); err != nil {
		t.Fatal(err)
	}
}

// TestQueryPlans checks under the SQLite this binary ships that keyword
// search, plain and pruned, reads the FTS5 index first and looks memories
// up by row id (a plan that scans memories and evaluates MATCH per row took
// seconds at a few thousand rows in another Go server), and that no
// filtered query scans the memories table, with and without planner
// statistics.
func TestQueryPlans(t *testing.T) {
	s := MustOpenStore(t)
	seedPlans(t, s)
	filters := map[string]memory.Filter{
		"owner":      {Owner: "alice"},
		"superseded": {Owner: "alice", IncludeSuperseded: true},
		"tags any":   {Owner: "alice", Tags: []string{"t1", "t2"}},
		"tags all":   {Owner: "alice", Tags: []string{"t1", "u2"}, TagMatch: memory.TagAll},
		"tags many":  {Owner: "alice", Tags: manyStrings("t", 600)},
		"types":      {Owner: "alice", Types: []string{"note"}},
		"time":       {Owner: "alice", After: memorytest.Epoch, Before: memorytest.Epoch.Add(time.Hour)},
		"hashes":     {Owner: "alice", Hashes: []string{memory.ContentHash("x"), memory.ContentHash("y")}},
		"many":       {Owner: "alice", Hashes: manyStrings("h", 600)},
		"stale":      {Owner: "alice", StaleBefore: memorytest.Epoch},
		"contains":   {Owner: "alice", Contains: "Apple"},
		"combined":   {Owner: "alice", Tags: []string{"t3"}, Types: []string{"task"}, After: memorytest.Epoch},
	}
	for _, analyzed := range []bool{false, true} {
		if analyzed {
			if err := s.Exec(t.Context(), "ANALYZE"); err != nil {
				t.Fatal(err)
			}
		}
		for name, f := range filters {
			t.Run(fmt.Sprintf("analyzed=%v/%s", analyzed, name), func(t *testing.T) {
				terms := []string{"apple", "NEAR", `"pie`}
				for kind, build := range map[string]func(memory.Filter, []string, int) (string, []any, error){
					"keyword": sqlite.KeywordSQL, "pruned keyword": sqlite.PrunedSQL,
				} {
					q, args, err := build(f, terms, 10)
					if err != nil {
						t.Fatal(err)
					}
					keywordPlan(t, kind, mustPlan(t, s, q, args...))
				}

				q, args, err := sqlite.FindSQL(f)
				if err != nil {
					t.Fatal(err)
				}
				plan := mustPlan(t, s, q, args...)
				noScan(t, "find", plan)
				if len(f.Hashes) > 0 && !slices.ContainsFunc(plan, func(l string) bool { return strings.Contains(l, "memories_owner_hash") }) {
					t.Errorf("find plan=%q, want the (owner, hash) index for a hash filter", plan)
				}

				if f.Contains == "" && len(f.Tags)+len(f.Types)+len(f.Hashes) > 0 || !f.StaleBefore.IsZero() {
					q, args, err = sqlite.CandidateSQL(f)
					if err != nil {
						t.Fatal(err)
					}
					plan := mustPlan(t, s, q, args...)
					noScan(t, "vector candidates", plan)
					for _, line := range plan {
						if strings.HasPrefix(line, "SEARCH m USING INDEX") && !strings.Contains(line, "COVERING") {
							t.Errorf("vector candidates plan=%q, want covering indexes only", plan)
						}
					}
				}
			})
		}
		pq, pargs, err := sqlite.ConsolidationPendingSQL(memory.Filter{Owner: "alice", Before: memorytest.Epoch.Add(time.Hour)}, 10)
		if err != nil {
			t.Fatal(err)
		}
		eq, eargs := sqlite.GraphEdgesSQL(memory.EdgeFilter{Owner: "alice", Hashes: manyStrings("h", 20), Types: []string{memory.RelRelated}})
		for i, want := range []string{"memories_owner_created", "consolidation_marks_time"} {
			if plan := mustPlan(t, s, pq[i], pargs[i]...); !slices.ContainsFunc(plan, func(l string) bool { return strings.Contains(l, want) }) || slices.ContainsFunc(plan, func(l string) bool { return strings.Contains(l, "TEMP B-TREE FOR ORDER BY") }) {
				t.Errorf("pending query %d plan=%q, want %s walked in order, no sort", i, plan, want)
			}
		}
		if plan := mustPlan(t, s, eq, eargs...); slices.ContainsFunc(plan, func(l string) bool { return strings.HasPrefix(l, "SCAN") }) {
			t.Errorf("edges plan=%q, want no scan", plan)
		}
		for _, c := range []struct {
			name string
			q    string
			args []any
		}{
			{"pending", sqlite.PendingSQL, []any{"fake-8", 10}},
			{"slab load", sqlite.SlabLoadSQL, []any{"fake-8"}},
			{"slab delta", sqlite.SlabDeltaSQL, []any{"fake-8", 5}},
			{"get", "SELECT id FROM memories WHERE owner = ? AND hash = ? AND deleted_at IS NULL", []any{"alice", "x"}},
		} {
			noScan(t, c.name, mustPlan(t, s, c.q, c.args...))
		}
	}
}

// keywordPlan fails the test unless the plan reads the full-text index
// first, by MATCH alone (not by a list of row ids, which would make FTS5
// run the query once per id), and looks memories up by row id or, for a
// hash filter, by (owner, hash) only.
func keywordPlan(t *testing.T, name string, plan []string) {
	t.Helper()
	i := slices.IndexFunc(plan, func(l string) bool {
		return strings.HasPrefix(l, "SCAN ") || strings.HasPrefix(l, "SEARCH ")
	})
	if i < 0 || !strings.HasPrefix(plan[i], "SCAN memories_fts VIRTUAL TABLE INDEX") || strings.Contains(plan[i], "=") {
		t.Errorf("%s plan=%q, want the FTS index first, by MATCH alone", name, plan)
	}
	byRowid := false
	for _, line := range plan {
		switch {
		case line == "SEARCH m USING INTEGER PRIMARY KEY (rowid=?)":
			byRowid = true
		case strings.HasPrefix(line, "SEARCH m USING COVERING INDEX memories_owner_hash (owner=? AND hash=?)"):
		case line == "SCAN m" || strings.HasPrefix(line, "SCAN m ") || strings.HasPrefix(line, "SEARCH m "):
			t.Errorf("%s plan=%q, want memories looked up by row id", name, plan)
		}
	}
	if !byRowid {
		t.Errorf("%s plan=%q, want memories looked up by row id", name, plan)
	}
	noScan(t, name, plan)
}

// noScan fails the test if the plan reads the whole memories table.
func noScan(t *testing.T, name string, plan []string) {
	t.Helper()
	for _, line := range plan {
		if line == "SCAN m" || line == "SCAN memories" || strings.HasPrefix(line, "SCAN m ") || strings.HasPrefix(line, "SCAN memories ") {
			t.Errorf("%s plan=%q, want no scan of memories", name, plan)
		}
	}
}

func mustPlan(t *testing.T, s *sqlite.Store, q string, args ...any) []string {
	t.Helper()
	plan, err := s.QueryPlan(t.Context(), q, args...)
	if err != nil || len(plan) == 0 {
		t.Fatalf("QueryPlan()=%q, %v", plan, err)
	}
	return plan
}

func manyStrings(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(prefix, i)
	}
	return out
}

package consolidate_test

// Each phase of a pass run on a generated corpus, checked by its effect on
// the store: which memories decayed, which were linked, which clustered
// and were summarised, what was archived, and that a restore brings it
// back exactly.

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/memorytest"
)

// corpus is a generated store: two clusters of near-identical memories,
// pairs related in the association band, an error and its fix, two turns
// of one session, stale memories and protected ones.
type corpus struct {
	ms    map[string]*memory.Memory
	names map[string]string // hash → name
}

func (c *corpus) add(name string, m *memory.Memory) {
	c.ms[name], c.names[m.Hash] = m, name
}

func (c *corpus) hash(name string) string { return c.ms[name].Hash }

var clusterWords = map[string]string{
	"k8s":    "kubernetes staging cluster runs on arm64 nodes behind the gateway with",
	"ledger": "ledger database uses postgres streaming replication across zones with",
}

var fillers = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"}

// newCorpus inserts the corpus into e (clusters of size members each).
func newCorpus(tb testing.TB, e *env, size int) *corpus {
	tb.Helper()
	c := &corpus{ms: map[string]*memory.Memory{}, names: map[string]string{}}
	recent := func(h int) memorytest.Option { return memorytest.At(Now.Add(-time.Duration(h) * time.Hour)) }
	for _, topic := range []string{"k8s", "ledger"} {
		for i := range size {
			c.add(fmt.Sprintf("%s-%d", topic, i), mem(clusterWords[topic]+" "+fillers[i], recent(i+1), memorytest.WithTags(topic)))
		}
	}
	c.add("tomato-sun", mem("garden tomato seeds need full sun", recent(10), memorytest.WithTags("garden")))
	c.add("tomato-water", mem("garden tomato plants need daily water", recent(11), memorytest.WithTags("garden")))
	c.add("bug", mem("login page crashes with a nil session token", recent(30), memorytest.WithType("bug")))
	c.add("fix", mem("login crash fixed: check the session token before use", recent(20), memorytest.WithType("decision")))
	c.add("turn-1", mem("we discussed the quarterly roadmap draft", recent(5), memorytest.WithMetadata(map[string]any{"session_id": "s1"})))
	c.add("turn-2", mem("the quarterly roadmap needs a budget line", recent(4), memorytest.WithMetadata(map[string]any{"session_id": "s1"})))
	old := memorytest.At(Now.AddDate(-1, 0, 0))
	c.add("stale-1", mem("scratch idea about a llama farm", old, memorytest.WithQuality(0.3)))
	c.add("stale-2", mem("temporary parking spot number nineteen", old))
	c.add("stale-3", mem("an unread bookmark about fonts", old))
	c.add("critical", mem("the production root password lives in the vault", old, memorytest.WithTags("critical")))
	c.add("loved", mem("favourite keyboard shortcut list", old, memorytest.WithMetadata(map[string]any{"user_rating": 1.0}), memorytest.WithQuality(0.75)))
	c.add("mistake", mem("Pattern: flaky test\nContext: ci\nWrong: retry\nRight: fix the race", old, memorytest.WithType("mistake"),
		memorytest.WithMetadata(map[string]any{"failure_count": 3.0})))
	c.add("used", mem("the office wifi password is on the fridge", old, memorytest.Accessed(Now.AddDate(0, 0, -3), 12)))
	var all []*memory.Memory
	for _, name := range sortedNames(c.ms) {
		all = append(all, c.ms[name])
	}
	e.insert(tb, all...)
	return c
}

func sortedNames(m map[string]*memory.Memory) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// marks returns the relevance the last pass gave each named memory.
func (e *env) marks(tb testing.TB, c *corpus) map[string]float64 {
	tb.Helper()
	var hashes []string
	for _, m := range c.ms {
		hashes = append(hashes, m.Hash)
	}
	ms, err := e.store.Marks(context.Background(), memory.LocalOwner, hashes)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]float64{}
	for h, m := range ms {
		out[c.names[h]] = m.Relevance
	}
	return out
}

func TestCorpusFixture(t *testing.T) {
	// The phases' checks rest on these similarities of the fake embedder.
	for _, c := range []struct {
		a, b   string
		lo, hi float64
	}{
		{clusterWords["k8s"] + " alpha", clusterWords["k8s"] + " bravo", 0.8, 1},
		{"garden tomato seeds need full sun", "garden tomato plants need daily water", 0.3, 0.7},
		{"login page crashes with a nil session token", "login crash fixed: check the session token before use", 0.3, 0.7},
		{"we discussed the quarterly roadmap draft", "the quarterly roadmap needs a budget line", 0.3, 0.7},
		{clusterWords["k8s"] + " alpha", clusterWords["ledger"] + " alpha", 0, 0.3},
	} {
		if s := sim(c.a, c.b); s < c.lo || s > c.hi {
			t.Fatalf("fixture: sim(%q, %q)=%.3f, want within [%g, %g]", c.a, c.b, s, c.lo, c.hi)
		}
	}
}

func TestRelevance(t *testing.T) {
	cfg := consolidate.DefaultConfig()
	tests := []struct {
		name string
		m    *memory.Memory
		conn int
		want float64 // exact, or a bound with op
		op   string
	}{
		{"fresh note", mem("x", memorytest.At(Now)), 0, 1, "="},
		{"note 30 days old", mem("x", memorytest.At(Now.AddDate(0, 0, -30))), 0, round4(math.Exp(-1)), "="},
		{"decision 30 days old", mem("x", memorytest.At(Now.AddDate(0, 0, -30)), memorytest.WithType("decision")), 0, round4(math.Exp(-30.0 / 365)), "="},
		{"temporary 7 days old", mem("x", memorytest.At(Now.AddDate(0, 0, -7)), memorytest.WithTags("temporary")), 0, round4(0.7 * math.Exp(-1)), "="},
		{"critical a year old", mem("x", memorytest.At(Now.AddDate(-1, 0, 0)), memorytest.WithTags("critical")), 0, 0.5, ">="},
		{"fresh note, 3 edges", mem("x", memorytest.At(Now)), 3, 1.3, "="},
		{"fresh note, 5 edges", mem("x", memorytest.At(Now)), 5, round4(1.5 * 1.2), "="},
		{"old note read yesterday", mem("x", memorytest.At(Now.AddDate(-1, 0, 0)), memorytest.Accessed(Now.AddDate(0, 0, -1), 10)), 0, 0.9, ">"},
		{"rated down", mem("x", memorytest.At(Now), memorytest.WithQuality(0.1), memorytest.WithMetadata(map[string]any{"user_rating": -1.0})), 0, 0.6, "="},
	}
	for _, tt := range tests {
		got := cfg.Relevance(tt.m, tt.conn, Now)
		ok := false
		switch tt.op {
		case "=":
			ok = math.Abs(got-tt.want) < 1e-4
		case ">=":
			ok = got >= tt.want
		case ">":
			ok = got > tt.want
		}
		if !ok {
			t.Errorf("Relevance(%s)=%v, want %s %v", tt.name, got, tt.op, tt.want)
		}
	}
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func TestDecayPhase(t *testing.T) {
	e := newEnv(t, "")
	c := newCorpus(t, e, 5)
	e.c.Config.Associations, e.c.Config.Clustering, e.c.Config.Forgetting = false, false, false
	r := e.run(t, consolidate.Monthly, false)
	if r.Decay.Scored != len(c.ms) || r.Processed != len(c.ms) {
		t.Fatalf("Decay.Scored=%d, Processed=%d; want %d", r.Decay.Scored, r.Processed, len(c.ms))
	}
	rel := e.marks(t, c)
	// Old, unused memories decayed below the forgetting threshold; recent
	// ones did not; protected ones stay at 0.5 or more.
	for _, name := range []string{"stale-1", "stale-2", "stale-3"} {
		if rel[name] >= 0.1 {
			t.Errorf("relevance(%s)=%v, want below 0.1 (a year unused)", name, rel[name])
		}
	}
	for _, name := range []string{"k8s-0", "tomato-sun", "fix"} {
		if rel[name] < 0.5 {
			t.Errorf("relevance(%s)=%v, want 0.5 or more (recent)", name, rel[name])
		}
	}
	for _, name := range []string{"critical", "loved", "mistake"} {
		if rel[name] < 0.5 {
			t.Errorf("relevance(%s)=%v, want >= 0.5 (protected)", name, rel[name])
		}
	}
	if rel["used"] <= rel["stale-3"] {
		t.Errorf("relevance(used)=%v <= relevance(stale-3)=%v, want reading to keep a memory relevant", rel["used"], rel["stale-3"])
	}
	if rel["k8s-0"] <= rel["k8s-4"] {
		t.Errorf("relevance(k8s-0, 1h old)=%v <= relevance(k8s-4, 5h old)=%v, want the newer higher", rel["k8s-0"], rel["k8s-4"])
	}
	if r.Decay.Low != 3 || len(r.Decay.Lowest) == 0 || c.names[r.Decay.Lowest[0].Hash][:5] != "stale" {
		t.Errorf("Decay report: %d low, lowest %v; want the 3 stale ones first", r.Decay.Low, r.Decay.Lowest)
	}
}

func TestAssociationPhase(t *testing.T) {
	e := newEnv(t, "")
	c := newCorpus(t, e, 5)
	e.c.Config.Clustering, e.c.Config.Forgetting = false, false
	r := e.run(t, consolidate.Weekly, false)
	got := e.edgesOf(t, c.names)
	for _, want := range []string{"tomato-sun>tomato-water:related", "fix>bug:fixes", "turn-2>turn-1:follows"} {
		if !slices.Contains(got, want) {
			t.Errorf("edges=%v, want %s", got, want)
		}
	}
	for _, e := range got {
		// Near duplicates (a cluster) are above the band: never associated.
		if slices.Contains([]string{"k8s-0>k8s-1:related", "k8s-1>k8s-2:related", "ledger-0>ledger-1:related"}, e) {
			t.Errorf("edge %s links near duplicates, want only pairs within [0.3, 0.7]", e)
		}
	}
	if r.Associations.Stored != len(got) || r.Associations.ByType[memory.RelFixes] != 1 || r.Associations.ByType[memory.RelFollows] != 1 {
		t.Errorf("Associations report: stored %d, by type %v; want %d edges incl. 1 fixes and 1 follows", r.Associations.Stored, r.Associations.ByType, len(got))
	}
	// A second pass finds the same pairs linked and adds nothing.
	e.clock.t = e.clock.t.Add(time.Hour)
	r2 := e.run(t, consolidate.Weekly, false)
	if again := e.edgesOf(t, c.names); !slices.Equal(again, got) || r2.Associations.Stored != 0 || r2.Associations.Existing == 0 {
		t.Errorf("second pass: edges %v (stored %d, existing %d), want unchanged %v", again, r2.Associations.Stored, r2.Associations.Existing, got)
	}
	// MaxPairs bounds the new edges of a pass, most similar first.
	e2 := newEnv(t, "")
	c2 := newCorpus(t, e2, 5)
	e2.c.Config.Clustering, e2.c.Config.Forgetting, e2.c.Config.MaxPairs = false, false, 1
	if r := e2.run(t, consolidate.Weekly, false); r.Associations.Stored != 1 || len(e2.edgesOf(t, c2.names)) != 1 {
		t.Errorf("MaxPairs 1: stored %d, edges %v; want 1", r.Associations.Stored, e2.edgesOf(t, c2.names))
	}
}

func TestClusterAndCompressionPhases(t *testing.T) {
	e := newEnv(t, "")
	c := newCorpus(t, e, 5)
	e.c.Config.Forgetting = false
	before := map[string]*memory.Memory{}
	for name, m := range c.ms {
		got, err := e.store.Get(context.Background(), memory.LocalOwner, m.Hash)
		if err != nil {
			t.Fatal(err)
		}
		before[name] = got
	}
	r := e.run(t, consolidate.Weekly, false)
	if r.Clustering.Count != 2 {
		t.Fatalf("Clustering.Count=%d (%+v), want 2", r.Clustering.Count, r.Clustering.Clusters)
	}
	for _, cl := range r.Clustering.Clusters {
		var names []string
		for _, h := range cl.Members {
			names = append(names, c.names[h])
		}
		slices.Sort(names)
		topic := names[0][:len(names[0])-2]
		want := []string{topic + "-0", topic + "-1", topic + "-2", topic + "-3", topic + "-4"}
		if !slices.Equal(names, want) {
			t.Errorf("cluster %s members=%v, want %v", cl.ID, names, want)
		}
	}
	if r.Compression.Created != 2 {
		t.Fatalf("Compression.Created=%d, want 2", r.Compression.Created)
	}
	for _, s := range r.Compression.Summary {
		m, err := e.store.Get(context.Background(), memory.LocalOwner, s.Hash)
		if err != nil {
			t.Fatalf("summary %s: %v", s.Hash, err)
		}
		if !memory.IsSummary(m) || m.Type != consolidate.SummaryType || len(m.Content) > 500 || m.Metadata["cluster_id"] != s.ClusterID {
			t.Errorf("summary %s: type %q, tags %v, %d chars, cluster %v; want a pattern tagged %s, <= 500 chars", s.Hash, m.Type, m.Tags, len(m.Content), m.Metadata["cluster_id"], memory.SummaryTag)
		}
		es, err := e.store.Edges(context.Background(), memory.EdgeFilter{Owner: memory.LocalOwner, Hashes: []string{s.Hash}, Types: []string{memory.RelSummarizes}})
		if err != nil || len(es) != 5 {
			t.Errorf("summarizes edges of %s=%d, %v; want 5", s.Hash, len(es), err)
		}
	}
	// Originals are preserved exactly.
	for name, m := range before {
		got, err := e.store.Get(context.Background(), memory.LocalOwner, m.Hash)
		if err != nil {
			t.Errorf("member %s after compression: %v", name, err)
			continue
		}
		if got.Content != m.Content || !slices.Equal(got.Tags, m.Tags) || !got.UpdatedAt.Equal(m.UpdatedAt) || got.SupersededBy != "" {
			t.Errorf("member %s changed by compression", name)
		}
	}
	// Another pass leaves the summarised clusters alone.
	e.clock.t = e.clock.t.Add(time.Hour)
	r2 := e.run(t, consolidate.Weekly, false)
	if r2.Compression.Created != 0 || r2.Compression.Skipped != 2 {
		t.Errorf("second pass: %d summaries created, %d skipped; want 0 and 2", r2.Compression.Created, r2.Compression.Skipped)
	}
	// A cluster that grew gets a new summary, which supersedes the old.
	e.clock.t = e.clock.t.Add(time.Hour)
	grown := mem(clusterWords["k8s"]+" "+fillers[5], memorytest.At(e.clock.t), memorytest.WithTags("k8s"))
	e.insert(t, grown)
	e.c.Config.BatchSize = 1 // just the new memory: it was never consolidated
	r3 := e.run(t, consolidate.Weekly, false)
	if r3.Compression.Created != 1 || r3.Compression.Summary[0].Supersedes == "" || r3.Compression.Summary[0].Members != 6 {
		t.Fatalf("grown cluster: %+v, want one summary of 6 superseding the old one", r3.Compression)
	}
	old, err := e.store.Get(context.Background(), memory.LocalOwner, r3.Compression.Summary[0].Supersedes)
	if err != nil || old.SupersededBy != r3.Compression.Summary[0].Hash {
		t.Errorf("old summary superseded by %q (%v), want the new summary", old.SupersededBy, err)
	}
}

func TestForgettingPhaseAndRestore(t *testing.T) {
	e := newEnv(t, "")
	c := newCorpus(t, e, 5)
	e.c.Config.ForgetMaxShare = 0.5
	// Give a stale memory an edge, to check it comes back with it.
	if _, err := e.store.PutEdges(context.Background(), []memory.Edge{{Owner: memory.LocalOwner, Source: c.hash("stale-1"),
		Target: c.hash("critical"), Type: memory.RelSupports, CreatedAt: Now, UpdatedAt: Now, Metadata: map[string]any{}}}); err != nil {
		t.Fatal(err)
	}
	before, err := e.store.Get(context.Background(), memory.LocalOwner, c.hash("stale-1"))
	if err != nil {
		t.Fatal(err)
	}
	r := e.run(t, consolidate.Monthly, false)
	var archived []string
	for _, a := range r.Forgetting.Archived {
		archived = append(archived, c.names[a.Hash])
	}
	slices.Sort(archived)
	if want := []string{"stale-1", "stale-2", "stale-3"}; !slices.Equal(archived, want) || r.Forgetting.Count != 3 {
		t.Fatalf("archived=%v (count %d), want %v: critical, loved, mistake and used are protected or in use", archived, r.Forgetting.Count, want)
	}
	if r.Forgetting.Protected < 2 {
		t.Errorf("Forgetting.Protected=%d, want the protected old memories counted", r.Forgetting.Protected)
	}
	for _, name := range archived {
		if _, err := e.store.Get(context.Background(), memory.LocalOwner, c.hash(name)); memory.ErrorCode(err) != memory.ENotFound {
			t.Errorf("Get(%s) after forgetting=%v, want not found", name, err)
		}
	}
	list, err := e.svc.Archived(context.Background(), 1, 10)
	if err != nil || list.Total != 3 || list.Memories[0].Reason == "" {
		t.Fatalf("Archived()=%+v, %v; want 3 with reasons", list, err)
	}
	res, err := e.svc.Search(context.Background(), memory.SearchRequest{Query: "llama farm", Mode: memory.ModeKeyword})
	if err != nil || res.Count != 0 {
		t.Errorf("Search(llama farm) after forgetting=%d results, %v; want none", res.Count, err)
	}
	restored, err := e.svc.Restore(context.Background(), []string{c.hash("stale-1")})
	if err != nil || len(restored) != 1 {
		t.Fatalf("Restore(stale-1)=%v, %v", restored, err)
	}
	after, err := e.store.Get(context.Background(), memory.LocalOwner, c.hash("stale-1"))
	if err != nil {
		t.Fatal(err)
	}
	if after.Revision <= before.Revision {
		t.Errorf("restored revision %d, want above %d: a restore is a change to sync", after.Revision, before.Revision)
	}
	after.Revision = before.Revision
	if fmt.Sprintf("%+v", *after) != fmt.Sprintf("%+v", *before) {
		t.Errorf("restored memory differs:\n got %+v\nwant %+v", *after, *before)
	}
	if es := e.edgesOf(t, c.names, memory.RelSupports); !slices.Equal(es, []string{"stale-1>critical:supports"}) {
		t.Errorf("edges after restore=%v, want the stale-1 → critical edge back", es)
	}
	res, err = e.svc.Search(context.Background(), memory.SearchRequest{Query: "llama farm", Mode: memory.ModeKeyword})
	if err != nil || res.Count != 1 {
		t.Errorf("Search(llama farm) after restore=%d results, %v; want 1", res.Count, err)
	}
}

func TestForgettingCap(t *testing.T) {
	e := newEnv(t, "")
	var all []*memory.Memory
	for i := range 20 {
		all = append(all, mem(fmt.Sprintf("forgotten thing number %d of the pile", i), memorytest.At(Now.AddDate(-2, 0, 0))))
	}
	e.insert(t, all...)
	r := e.run(t, consolidate.Yearly, false)
	if r.Forgetting.Candidates != 20 || r.Forgetting.Count != 2 || r.Forgetting.Capped != 18 {
		t.Errorf("forgetting 20 stale of 20: %d candidates, %d archived, %d capped; want 20, 2 (10%%), 18", r.Forgetting.Candidates, r.Forgetting.Count, r.Forgetting.Capped)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	e := newEnv(t, "")
	newCorpus(t, e, 5)
	e.c.Config.ForgetMaxShare = 0.5
	before := dump(t, e.path)
	for _, h := range consolidate.Horizons() {
		r := e.run(t, h, true)
		if !r.DryRun || r.Status != consolidate.StatusDryRun {
			t.Errorf("dry run %s: status %q, want dry_run", h, r.Status)
		}
		if h == consolidate.Monthly && (len(r.Associations.Edges) == 0 || r.Compression.Created == 0 || r.Forgetting.Count == 0) {
			t.Errorf("monthly dry run reported %d edges, %d summaries, %d archived; want the work it would do", len(r.Associations.Edges), r.Compression.Created, r.Forgetting.Count)
		}
	}
	if d := diffDump(before, dump(t, e.path)); len(d) > 0 {
		t.Errorf("dry runs changed the database: %v", d)
	}
	// The same pass for real does change it.
	e.run(t, consolidate.Monthly, false)
	if d := diffDump(before, dump(t, e.path)); len(d) == 0 {
		t.Errorf("a real pass changed nothing; the comparison cannot see changes")
	}
}

func TestIncremental(t *testing.T) {
	e := newEnv(t, "")
	var all []*memory.Memory
	for i := range 10 {
		all = append(all, mem(fmt.Sprintf("incremental memory %d", i), memorytest.At(Now.Add(-time.Duration(10-i)*time.Hour))))
	}
	e.insert(t, all...)
	e.c.Config.BatchSize = 4
	order := func(r consolidate.Report) []string {
		var out []string
		for _, s := range r.Decay.Lowest {
			out = append(out, s.Hash)
		}
		slices.Sort(out)
		return out
	}
	hashes := func(ms ...*memory.Memory) []string { h := memorytest.Hashes(ms...); slices.Sort(h); return h }
	first := hashes(all[0:4]...) // consolidated together: ties go by hash
	third := append(hashes(all[8], all[9]), first[:2]...)
	slices.Sort(third)
	for i, want := range [][]string{first, hashes(all[4:8]...), third} {
		e.clock.t = e.clock.t.Add(time.Minute)
		r := e.run(t, consolidate.Daily, false)
		if got := order(r); r.Processed != 4 || !slices.Equal(got, want) {
			t.Errorf("pass %d processed %d: %v, want the 4 least recently consolidated %v", i+1, r.Processed, got, want)
		}
	}
	e.c.Config.Incremental = false
	if r := e.run(t, consolidate.Daily, false); r.Processed != 10 || r.Decay.Scored != 10 {
		t.Errorf("non-incremental pass processed %d (scored %d), want all 10 in batches of 4", r.Processed, r.Decay.Scored)
	}
}

func TestDeterministic(t *testing.T) {
	var dumps []map[string][]string
	for range 2 {
		e := newEnv(t, "")
		newCorpus(t, e, 5)
		e.c.Config.ForgetMaxShare = 0.5
		for _, h := range []consolidate.Horizon{consolidate.Weekly, consolidate.Monthly} {
			e.run(t, h, false)
		}
		dumps = append(dumps, dump(t, e.path))
	}
	if d := diffDump(dumps[0], dumps[1], "consolidation_runs"); len(d) > 0 {
		t.Errorf("two stores with the same data and clock differ after the same passes: %v", d)
	}
}

func TestPassesNeverOverlap(t *testing.T) {
	e := newEnv(t, "")
	newCorpus(t, e, 3)
	// Another process on the same file holds the lease.
	other := newEnv(t, e.path)
	other.clock = e.clock
	other.c.Now = e.clock.Now
	if _, ok, err := other.store.TryLock(context.Background(), consolidate.LeaseName, "other-process", e.clock.t, time.Minute); err != nil || !ok {
		t.Fatalf("TryLock(other)=%v, %v", ok, err)
	}
	_, err := e.c.Consolidate(context.Background(), consolidate.Weekly, consolidate.Options{})
	if memory.ErrorCode(err) != memory.EConflict {
		t.Fatalf("Consolidate() while another process holds the lease=%v, want conflict", err)
	}
	st, err := e.c.Status(context.Background())
	if err != nil || !st.Running || st.Lease == nil {
		t.Errorf("Status() while another process consolidates: running %v, lease %v, %v", st.Running, st.Lease, err)
	}
	// A dry run reads only, so it is allowed.
	if _, err := e.c.Consolidate(context.Background(), consolidate.Weekly, consolidate.Options{DryRun: true}); err != nil {
		t.Errorf("dry run during another pass=%v, want nil", err)
	}
	// A lease left by a crashed process expires.
	e.clock.t = e.clock.t.Add(2 * time.Minute)
	if _, err := e.c.Consolidate(context.Background(), consolidate.Weekly, consolidate.Options{}); err != nil {
		t.Errorf("Consolidate() after the lease expired=%v, want nil", err)
	}
	if l, ok, err := e.store.ReadLease(context.Background(), consolidate.LeaseName); err != nil || ok {
		t.Errorf("ReadLease() after a pass=%+v, %v, %v; want released", l, ok, err)
	}
	runs, err := e.c.History(context.Background(), 0)
	if err != nil || len(runs) != 1 || runs[0].Status != consolidate.StatusCompleted {
		t.Errorf("History()=%+v, %v; want the one pass, completed", runs, err)
	}
}

func TestClusterAndAssociationCaps(t *testing.T) {
	e := newEnv(t, "")
	newCorpus(t, e, 6)
	e.c.Config.ClusterMaxSize, e.c.Config.ClusterMinSize, e.c.Config.MaxAssociationsPerMemory = 4, 3, 1
	r := e.run(t, consolidate.Weekly, true)
	for _, c := range r.Clustering.Clusters {
		if c.Size > 4 {
			t.Errorf("cluster %s has %d members, want at most ClusterMaxSize 4", c.ID, c.Size)
		}
	}
	if r.Clustering.Count == 0 && !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, "could not be split") }) {
		t.Errorf("no clusters and no note (%v); want groups of 6 split or reported", r.Notes)
	}
	per := map[string]int{}
	for _, ed := range r.Associations.Edges {
		per[ed.Source]++
		per[ed.Target]++
	}
	for h, n := range per {
		if n > 1 {
			t.Errorf("memory %.8s got %d associations, want at most 1", h, n)
		}
	}
	if r.Associations.Capped == 0 {
		t.Errorf("Associations.Capped=0, want pairs left out by the cap")
	}
}

func TestHorizonNamesAsParsed(t *testing.T) {
	// Transports may pass a horizon as typed; the consolidator reads it as
	// ParseHorizon does, not as a different, unknown horizon.
	e := newEnv(t, "")
	newCorpus(t, e, 5)
	ctx := context.Background()
	r, err := e.c.Consolidate(ctx, " Weekly", consolidate.Options{})
	if err != nil || r.Horizon != consolidate.Weekly || !slices.ContainsFunc(r.Phases, func(p consolidate.PhaseTime) bool { return p.Name == consolidate.PhaseAssociations }) {
		t.Fatalf("Consolidate(\" Weekly\")=%s with phases %v, %v; want a weekly pass", r.Horizon, r.Phases, err)
	}
	rec, err := e.c.Recommend(ctx, "WEEKLY")
	if err != nil || rec.Horizon != consolidate.Weekly || rec.LastRun == nil || rec.LastRun.ID != r.RunID {
		t.Errorf("Recommend(\"WEEKLY\")=%s, last run %+v, %v; want the weekly pass just run", rec.Horizon, rec.LastRun, err)
	}
	sch, err := e.c.Pause(ctx, "Daily")
	if err != nil || sch[0].Horizon != consolidate.Daily || sch[0].Paused == nil {
		t.Errorf("Pause(\"Daily\")=%+v, %v; want daily paused", sch, err)
	}
}

func TestPauseAll(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	paused := func(sch []consolidate.ScheduleStatus) (n int) {
		for _, s := range sch {
			if s.Paused != nil {
				n++
			}
		}
		return n
	}
	if sch, err := e.c.Pause(ctx, ""); err != nil || len(sch) != len(consolidate.Horizons()) || paused(sch) != len(sch) {
		t.Errorf("Pause(\"\")=%+v, %v; want every horizon paused", sch, err)
	}
	st, err := e.c.Status(ctx)
	if err != nil || paused(st.Schedules) != len(consolidate.Horizons()) {
		t.Errorf("Status() after Pause(\"\")=%+v, %v; want every horizon paused", st.Schedules, err)
	}
	if sch, err := e.c.Resume(ctx, ""); err != nil || paused(sch) != 0 {
		t.Errorf("Resume(\"\")=%+v, %v; want nothing paused", sch, err)
	}
}

// MaxAssociationsPerMemory holds across batches: a neighbour outside the
// batch counts the associations it already has with any memory, not only
// with the batch's, and a dry run counts the ones it planned in earlier
// batches.
func TestAssociationCapAcrossBatches(t *testing.T) {
	for _, batch := range []int{1, 2, 3} {
		for _, dry := range []bool{true, false} {
			e := newEnv(t, "")
			newCorpus(t, e, 6)
			// A third and fourth tomato memory make the tomato pairs a
			// clique in the band, spread over several batches.
			e.insert(t, mem("garden tomato leaves need pruning", memorytest.At(Now.Add(-9*time.Hour)), memorytest.WithTags("garden")),
				mem("garden tomato stems need a stake", memorytest.At(Now.Add(-8*time.Hour)), memorytest.WithTags("garden")))
			e.c.Config.Clustering, e.c.Config.Forgetting = false, false
			// Not incremental: one pass takes every memory, batch after batch.
			e.c.Config.MaxAssociationsPerMemory, e.c.Config.BatchSize, e.c.Config.Incremental = 1, batch, false
			r := e.run(t, consolidate.Weekly, dry)
			per := map[string]int{}
			for _, ed := range r.Associations.Edges {
				per[ed.Source]++
				per[ed.Target]++
			}
			if !dry {
				es, err := e.store.Edges(context.Background(), memory.EdgeFilter{Owner: memory.LocalOwner, IncludeSuperseded: true})
				if err != nil || len(es) != len(r.Associations.Edges) {
					t.Fatalf("batch size %d: %d edges stored (%v), want the %d reported", batch, len(es), err, len(r.Associations.Edges))
				}
			}
			if r.Associations.Capped == 0 || len(per) == 0 {
				t.Errorf("batch size %d, dry %v: %d associations, %d capped; want some of each", batch, dry, len(r.Associations.Edges), r.Associations.Capped)
			}
			for h, n := range per {
				if n > 1 {
					t.Errorf("batch size %d, dry %v: memory %.8s has %d associations, want at most 1", batch, dry, h, n)
				}
			}
		}
	}
}

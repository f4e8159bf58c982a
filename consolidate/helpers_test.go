package consolidate_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3/driver"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// Now is the test clock's start: a year and a bit after memorytest.Epoch.
var Now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// env is a consolidator over a fresh SQLite file with the fake embedder.
type env struct {
	path  string
	store *sqlite.Store
	svc   *memory.Service
	c     *consolidate.Consolidator
	clock *clock
}

var fake = memorytest.NewFakeEmbedder(256)

// newEnv opens a store at path (a new temporary file if "") and builds
// the service and consolidator over it.
func newEnv(tb testing.TB, path string) *env {
	tb.Helper()
	if path == "" {
		path = filepath.Join(tb.TempDir(), "memory.db")
	}
	clk := &clock{t: Now}
	st := sqlite.New(path)
	st.Now = clk.Now // revisions too follow the test clock
	if err := st.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	svc := memory.NewService(st, fake)
	svc.Now = clk.Now
	svc.Graph, svc.Archive = st, st
	c := consolidate.New(svc, st)
	c.Now = clk.Now
	return &env{path: path, store: st, svc: svc, c: c, clock: clk}
}

// insert stores memories as given (times, access, quality) with vectors.
func (e *env) insert(tb testing.TB, ms ...*memory.Memory) {
	tb.Helper()
	for _, m := range ms {
		if m.Embedding == nil {
			memorytest.WithEmbedding(fake)(m)
		}
	}
	if err := e.store.Insert(context.Background(), ms); err != nil {
		tb.Fatal(err)
	}
}

// mem is a memory of the local owner.
func mem(content string, opts ...memorytest.Option) *memory.Memory {
	return memorytest.NewMemory(memory.LocalOwner, content, opts...)
}

// run runs a pass and fails the test on error.
func (e *env) run(tb testing.TB, h consolidate.Horizon, dry bool) consolidate.Report {
	tb.Helper()
	r, err := e.c.Consolidate(context.Background(), h, consolidate.Options{DryRun: dry})
	if err != nil {
		tb.Fatalf("Consolidate(%s, dry %v)=%v", h, dry, err)
	}
	return r
}

// sim is the fake embedder's cosine similarity of two texts.
func sim(a, b string) float64 {
	return memorytest.Cosine(memorytest.FakeVector(256, a), memorytest.FakeVector(256, b))
}

// dump reads every row of every table of the database file at path, as
// sorted lines per table: the whole content, to compare before and
// after.
func dump(tb testing.TB, path string) map[string][]string {
	tb.Helper()
	db, err := driver.Open("file:" + filepath.ToSlash(path))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name`)
	if err != nil {
		tb.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			tb.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, table := range tables {
		rs, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			tb.Fatal(err)
		}
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				tb.Fatal(err)
			}
			out[table] = append(out[table], fmt.Sprintf("%v", vals))
		}
		rs.Close()
		slices.Sort(out[table])
	}
	return out
}

// diffDump lists the tables whose rows differ, leaving out those named.
func diffDump(a, b map[string][]string, skip ...string) []string {
	var out []string
	for _, k := range sortedUnion(a, b) {
		if slices.Contains(skip, k) {
			continue
		}
		if !slices.Equal(a[k], b[k]) {
			out = append(out, fmt.Sprintf("%s: %d rows → %d rows", k, len(a[k]), len(b[k])))
		}
	}
	return out
}

func sortedUnion(a, b map[string][]string) []string {
	var ks []string
	for k := range a {
		ks = append(ks, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// edgesOf returns the local owner's edges as "a>b:type" with names from
// the fixture, names of symmetric edges ordered.
func (e *env) edgesOf(tb testing.TB, names map[string]string, types ...string) []string {
	tb.Helper()
	es, err := e.store.Edges(context.Background(), memory.EdgeFilter{Owner: memory.LocalOwner, Types: types, IncludeSuperseded: true})
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, ed := range es {
		a, b := nameOf(names, ed.Source), nameOf(names, ed.Target)
		if memory.SymmetricRelation(ed.Type) && b < a {
			a, b = b, a
		}
		out = append(out, a+">"+b+":"+ed.Type)
	}
	slices.Sort(out)
	return out
}

func nameOf(names map[string]string, h string) string {
	if n, ok := names[h]; ok {
		return n
	}
	return h[:8]
}

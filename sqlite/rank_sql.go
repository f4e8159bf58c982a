package sqlite

// The pruned keyword query and the FTS5 auxiliary functions it calls (see
// rank.go for the pruning itself).

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/ext/fts5"
)

// The auxiliary functions of the pruned query. Each takes the pruner,
// bound with sqlite3.Pointer, after the table.
const (
	// memory_may_rank(memories_fts, p, max id) reads the row's phrase
	// frequencies and answers pruneRow, rankRow or statsRow.
	mayRankFn = "memory_may_rank"
	// memory_stats(memories_fts, p, averages, count...) hands over the
	// statistics and returns true.
	statsFn = "memory_stats"
	// memory_ranked(memories_fts, p, bm25(memories_fts)) records the
	// score of a row that passed the filter and returns the bm25.
	rankedFn = "memory_ranked"
)

// errNoPruner reports a ranking function called without its state.
var errNoPruner = errors.New("keyword ranking function called without its state")

// registerRank registers the auxiliary functions of the pruned query.
func registerRank(api *fts5.API) error {
	fns := map[string]func(p *pruner, fts fts5.Context, ctx sqlite3.Context, arg []sqlite3.Value) error{
		mayRankFn: func(p *pruner, fts fts5.Context, ctx sqlite3.Context, arg []sqlite3.Value) error {
			if len(arg) != 1 {
				return errNoPruner
			}
			answer, err := p.mayRank(fts, arg[0].Int64())
			ctx.ResultInt(answer)
			return err
		},
		statsFn: func(p *pruner, _ fts5.Context, ctx sqlite3.Context, arg []sqlite3.Value) error {
			p.setStats(arg)
			ctx.ResultBool(true)
			return nil
		},
		rankedFn: func(p *pruner, fts fts5.Context, ctx sqlite3.Context, arg []sqlite3.Value) error {
			if len(arg) != 1 {
				return errNoPruner
			}
			bm25 := arg[0].Float()
			p.admit(fts, bm25)
			ctx.ResultFloat(bm25)
			return nil
		},
	}
	for name, fn := range fns {
		err := api.CreateFunction(name, func(fts fts5.Context, ctx sqlite3.Context, arg ...sqlite3.Value) {
			var p *pruner
			if len(arg) > 0 {
				p, _ = arg[0].Pointer().(*pruner)
			}
			if p == nil {
				ctx.ResultError(errNoPruner)
				return
			}
			if err := fn(p, fts, ctx, arg[1:]); err != nil {
				ctx.ResultError(err)
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// prunedSQL returns the pruned query of KeywordSearch for the phrases and
// its arguments. It ranks the rows of the plain query (keywordSQL), but
// checks the filter and computes bm25() only for the rows memory_may_rank
// lets through; memory_ranked records their scores as SQLite computes the
// result row, before it reads the next match. The CASEs fix the order of
// the checks, cheapest first: the prefilter (if any), the bound, then the
// rest of the filter. With a prefilter, only the rows that pass it reach
// memory_may_rank. (The prefilter is a WHEN, not a WHEN NOT: SQLite looks
// for NULLs in the list whenever a NOT IN misses.) The statistics are
// uncorrelated subqueries, run once, when memory_may_rank first asks for
// them, in the statement's snapshot. The limit is +? for the reason given
// at keywordSQL.
func prunedSQL(f filter, phrases []string, p *pruner, limit int) (string, []any) {
	ptr := sqlite3.Pointer(p)
	var pre sqlBuilder
	f, prefiltered := f.prefilter(&pre)
	p.everyRow = !prefiltered
	var exists sqlBuilder
	exists.add("EXISTS (SELECT 1 FROM memories m WHERE m.id = memories_fts.rowid AND ")
	f.where(&exists)
	exists.add(")")

	var b sqlBuilder
	b.add("SELECT "+memoryCols+", r.rank FROM (SELECT memories_fts.rowid AS id, "+
		rankedFn+"(memories_fts, ?, bm25(memories_fts)) AS rank FROM memories_fts WHERE memories_fts MATCH ? AND ",
		ptr, strings.Join(phrases, " OR "))
	if prefiltered {
		b.add("CASE WHEN "+pre.String()+" THEN ", pre.args...)
	}
	b.add("CASE "+mayRankFn+"(memories_fts, ?, (SELECT max(id) FROM memories))"+
		" WHEN "+strconv.Itoa(pruneRow)+" THEN 0 WHEN "+strconv.Itoa(rankRow)+" THEN ", ptr)
	b.add(exists.String(), exists.args...)
	b.add(" ELSE CASE WHEN "+statsFn+"(memories_fts, ?, (SELECT block FROM memories_fts_data WHERE id = 1)", ptr)
	for _, ph := range phrases {
		b.add(", (SELECT count(*) FROM memories_fts WHERE memories_fts MATCH ?)", ph)
	}
	b.add(") THEN ")
	b.add(exists.String(), exists.args...)
	b.add(" END END")
	if prefiltered {
		b.add(" END")
	}
	b.add(" ORDER BY rank, id LIMIT +?) AS r CROSS JOIN memories m ON m.id = r.id ORDER BY r.rank, r.id", limit)
	return b.String(), b.args
}

// parseAverages returns the row and token counts of FTS5's averages record
// of a one-column index (varints: the rows, then the tokens of each
// column), or ok false if it is not one. bm25() reads the same record
// (xRowCount, xColumnTotalSize).
func parseAverages(b []byte) (rows, tokens int64, ok bool) {
	if len(b) == 0 {
		return 0, 0, true // FTS5 creates the record empty; it is written with the first row
	}
	r, n := varint(b)
	if n == 0 {
		return 0, 0, false
	}
	t, m := varint(b[n:])
	if m == 0 || n+m != len(b) || r > math.MaxInt64 || t > math.MaxInt64 {
		return 0, 0, false
	}
	return int64(r), int64(t), true
}

// varint decodes an SQLite varint (big-endian groups of 7 bits, the ninth
// byte whole) and returns it with its length, or 0, 0 if b is too short.
func varint(b []byte) (uint64, int) {
	var v uint64
	for i := range min(len(b), 8) {
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	if len(b) < 9 {
		return 0, 0
	}
	return v<<8 | uint64(b[8]), 9
}

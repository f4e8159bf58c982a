package glove_test

// Helpers of the LoCoMo evaluation: BM25, cosine, the principal direction,
// and the variant sweep behind GLOVE_EVAL_VARIANTS.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/embed/glove"
	"github.com/mcp-memory-go/memory/embed/glove/internal/table"
)

// bm25Stop is the classic 127-word NLTK English stop list.
var bm25Stop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`i me my myself we our ours ourselves you your yours yourself
		yourselves he him his himself she her hers herself it its itself they them their theirs
		themselves what which who whom this that these those am is are was were be been being have
		has had having do does did doing a an the and but if or because as until while of at by for
		with about against between into through during before after above below to from up down in
		out on off over under again further then once here there when where why how all any both
		each few more most other some such no nor not only own same so than too very s t can will
		just don should now`) {
		m[w] = true
	}
	return m
}()

// bm25Tokens lower-cases and splits on anything but [a-z0-9], dropping stop words.
func bm25Tokens(s string) []string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	})
	out := f[:0]
	for _, w := range f {
		if !bm25Stop[w] {
			out = append(out, w)
		}
	}
	return out
}

type bm25 struct {
	tf    []map[string]int
	dl    []float64
	avgdl float64
	df    map[string]int
}

func newBM25(turns []locomoTurn) *bm25 {
	b := &bm25{df: map[string]int{}}
	total := 0.0
	for _, tu := range turns {
		tf := map[string]int{}
		toks := bm25Tokens(tu.lexicalText())
		for _, w := range toks {
			tf[w]++
		}
		for w := range tf {
			b.df[w]++
		}
		b.tf = append(b.tf, tf)
		b.dl = append(b.dl, float64(len(toks)))
		total += float64(len(toks))
	}
	b.avgdl = total / float64(len(turns))
	return b
}

// scores uses k1 = 1.2, b = 0.75, idf = ln(1 + (N − n + 0.5)/(n + 0.5)) and
// deduplicated query terms.
func (b *bm25) scores(q string) []float64 {
	const k1, bb = 1.2, 0.75
	out := make([]float64, len(b.tf))
	n := float64(len(b.tf))
	seen := map[string]bool{}
	for _, w := range bm25Tokens(q) {
		if seen[w] {
			continue
		}
		seen[w] = true
		df := float64(b.df[w])
		if df == 0 {
			continue
		}
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for i, tf := range b.tf {
			if f := float64(tf[w]); f > 0 {
				out[i] += idf * f * (k1 + 1) / (f + k1*(1-bb+bb*b.dl[i]/b.avgdl))
			}
		}
	}
	return out
}

func cosine(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func principal(cov, start []float64) []float64 {
	return table.PrincipalDirection(cov, glove.Dim, start)
}

// bareTurns returns the conversations with documents cut down to the turn
// text (no speaker, no caption): the form of a stored memory (study §3.6).
// BM25 keeps indexing the protocol text, as in the study.
func bareTurns(convs []locomoConv) []locomoConv {
	out := make([]locomoConv, len(convs))
	for i, c := range convs {
		out[i] = c
		out[i].turns = make([]locomoTurn, len(c.turns))
		for j, tu := range c.turns {
			d := tu.doc[strings.Index(tu.doc, ": ")+2:]
			if k := strings.Index(d, " [image: "); k >= 0 {
				d = d[:k]
			}
			out[i].turns[j] = locomoTurn{id: tu.id, doc: d, lexical: tu.doc}
		}
	}
	return out
}

// pairedCI is a 95% paired-bootstrap interval (2,000 resamples of QAs,
// fixed seed) of mean(a) − mean(b).
func pairedCI(a, b []float64) string {
	rng := rand.New(rand.NewPCG(1, 2))
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	means := make([]float64, 2000)
	for k := range means {
		t := 0.0
		for range d {
			t += d[rng.IntN(len(d))]
		}
		means[k] = t / float64(len(d))
	}
	slices.Sort(means)
	return fmt.Sprintf("%+.3f [%+.3f, %+.3f]", mean(d), means[50], means[1949])
}

// oovRate is the share of tokens of the protocol documents and questions
// that a table does not know.
func oovRate(t *testing.T, data string, convs []locomoConv) float64 {
	e := glove.NewFromTable(data, glove.Variant{Name: "oov"})
	for _, c := range convs {
		withEmbedder(t, e)(c)
	}
	return e.Report()["oov_rate"].(float64)
}

// sweepVariants compares tables (GLOVE_EVAL_TABLES, comma-separated paths,
// plus the embedded one), post-processing and values of a.
func sweepVariants(t *testing.T, convs []locomoConv) {
	bare := bareTurns(convs)
	row := func(name string, score denseScorer) evalResult {
		r, rb := evaluate(convs, score), evaluate(bare, score)
		t.Logf("| %s | %s | %s | %s | %s |", name, r.dense, r.fused, rb.dense, rb.fused)
		return r
	}
	header := func(title string) {
		t.Logf("%s\n| variant | dense R@5 / R@10 / MRR | W0.5 fused | text-only dense | text-only fused |\n|---|---|---|---|---|", title)
	}

	header("Tables (each with the reference direction its generator run stored)")
	tables := map[string]string{"table.bin (embedded)": glove.EmbeddedTable()}
	names := []string{"table.bin (embedded)"}
	if env := os.Getenv("GLOVE_EVAL_TABLES"); env != "" {
		for _, p := range strings.Split(env, ",") {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			tables[filepath.Base(p)] = string(b)
			names = append(names, filepath.Base(p))
		}
	}
	for _, name := range names {
		tb, err := table.Decode(tables[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		e := glove.NewFromTable(tables[name], glove.Variant{Name: name})
		q := map[int]string{table.QuantInt8: "int8", table.QuantFloat16: "f16"}[tb.Quant]
		row(fmt.Sprintf("%s: %d words, %s, %.1f MB, OOV %.1f%%", name, len(tb.Words), q,
			float64(len(tables[name]))/1e6, 100*oovRate(t, tables[name], convs)), withEmbedder(t, e))
	}

	data := glove.EmbeddedTable()
	tb, err := table.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	header("Post-processing, embedded table, a = 1e-3")
	none := glove.NewFromTable(data, glove.Variant{Name: "x", NoRef: true})
	noneR := row("no removal", withEmbedder(t, none))
	row("per-conversation PC, full removal (study; needs the user's data)", perConversationPC(t, none))
	ref := func(a, l float64) []float32 {
		r, err := table.Reference(tb, a, l)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, l := range []float64{1, 10, 0} {
		for _, f := range []float64{0.25, 0.5, 0.75, 1} {
			e := glove.NewFromTable(data, glove.Variant{Name: "x", Ref: ref(tb.A, l), Frac: f})
			row(fmt.Sprintf("fixed Zipf PC, L=%g (0 = mean direction), remove %g", l, f), withEmbedder(t, e))
		}
	}
	shipped := evaluate(convs, withEmbedder(t, glove.New()))
	t.Logf("shipped − no removal (95%% paired bootstrap): dense ΔR@10 %s, ΔMRR %s; fused ΔR@10 %s, ΔMRR %s",
		pairedCI(shipped.dense.r10, noneR.dense.r10), pairedCI(shipped.dense.rr, noneR.dense.rr),
		pairedCI(shipped.fused.r10, noneR.fused.r10), pairedCI(shipped.fused.rr, noneR.fused.rr))

	header("SIF parameter a (reference recomputed for each a: Zipf PC L=10, remove 0.5)")
	for _, a := range []float64{1e-4, 3e-4, 1e-3, 3e-3, 1e-2} {
		e := glove.NewFromTable(data, glove.Variant{Name: "x", A: a, Ref: ref(a, 10), Frac: 0.5})
		row(fmt.Sprintf("a=%g", a), withEmbedder(t, e))
	}
}

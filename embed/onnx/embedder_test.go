//go:build onnx

package onnx_test

// embedder_test.go runs the embedder on generated random-weight BERT graphs
// (testdata/gen_model.py). scripts/test-onnx.sh sets the environment up:
//
//	ONNXRUNTIME_LIB             the ONNX Runtime shared library
//	ONNX_TEST_MODEL_DIR         MiniLM-shaped model.onnx + tokenizer.json
//	ONNX_TEST_POOLED_MODEL_DIR  (optional) small graph that also outputs
//	                            sentence_embedding

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mcp-memory-go/memory/embed/onnx"
)

// Environment variables naming the test assets.
const (
	modelDirEnv  = "ONNX_TEST_MODEL_DIR"
	pooledDirEnv = "ONNX_TEST_POOLED_MODEL_DIR"
)

// testModel returns the library and model directory, or skips.
func testModel(tb testing.TB) (lib, dir string) {
	tb.Helper()
	lib, dir = os.Getenv(onnx.LibraryEnv), os.Getenv(modelDirEnv)
	if lib == "" || dir == "" {
		tb.Skipf("set %s (ONNX Runtime library) and %s (model dir) to run; scripts/test-onnx.sh does", onnx.LibraryEnv, modelDirEnv)
	}
	return lib, dir
}

// open makes an embedder and closes it when the test ends.
func open(tb testing.TB, cfg onnx.Config) *onnx.Embedder {
	tb.Helper()
	e, err := onnx.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := e.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return e
}

// texts is a mix of lengths, scripts and edge cases.
var texts = []string{
	"Alice's birthday is on March 3rd.",
	"",
	"The quarterly planning meeting moved to Thursday at 10am; bring the budget spreadsheet and the hiring plan.",
	"naïve café 北京 🥰",
	"ok",
	strings.Repeat("Long memories are truncated to the model's maximum number of tokens. ", 60),
	"Remember: the staging database password rotates every 90 days.",
}

// maxDiff is the largest absolute difference between two vectors.
func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// checkUnit fails unless v has length dim and unit norm.
func checkUnit(t *testing.T, v []float32, dim int) {
	t.Helper()
	if len(v) != dim {
		t.Fatalf("dimension %d, want %d", len(v), dim)
	}
	var ss float64
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			t.Fatalf("non-finite component %v", x)
		}
		ss += float64(x) * float64(x)
	}
	if math.Abs(math.Sqrt(ss)-1) > 1e-5 {
		t.Fatalf("norm %v, want 1", math.Sqrt(ss))
	}
}

func TestEmbedDimAndNorm(t *testing.T) {
	lib, dir := testModel(t)
	e := open(t, onnx.Config{ModelDir: dir, Library: lib})
	if got := e.Model(); got.Dim != 0 || got.Name != "onnx:"+filepath.Base(dir) {
		t.Errorf("Model() before loading = %+v, want name onnx:%s and dim 0", got, filepath.Base(dir))
	}
	if r := e.Report(); r["loaded"] != false {
		t.Errorf("Report before loading says loaded: %v", r)
	}
	vecs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if e.Model().Dim != 384 {
		t.Fatalf("Model().Dim = %d after loading, want 384", e.Model().Dim)
	}
	for i, v := range vecs {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkUnit(t, v, 384) })
	}
	if maxDiff(vecs[0], vecs[2]) < 1e-3 {
		t.Error("different texts gave the same vector")
	}
	r := e.Report()
	if r["loaded"] != true || r["dim"] != 384 || r["texts"] != int64(len(texts)) || r["batches"] != int64(1) {
		t.Errorf("Report after one Embed = %v", r)
	}
	if v, _ := r["library_version"].(string); v == "" {
		t.Errorf("Report has no library_version: %v", r)
	}
	t.Logf("loaded in %v ms, ONNX Runtime %v", r["load_ms"], r["library_version"])
	if tok, pad := r["tokens"].(int64), r["padded_tokens"].(int64); tok < int64(2*len(texts)) || pad < tok {
		t.Errorf("Report tokens = %d, padded_tokens = %d", tok, pad)
	}
	if r["last_error"] != "" || r["model_dir"] != dir {
		t.Errorf("Report last_error / model_dir = %q / %q", r["last_error"], r["model_dir"])
	}
}

func TestBatchEqualsSingle(t *testing.T) {
	lib, dir := testModel(t)
	// Batches of 3 force several batches, sorted by length and padded.
	e := open(t, onnx.Config{ModelDir: dir, Library: lib, BatchSize: 3, Name: "test-minilm"})
	if e.Model().Name != "test-minilm" {
		t.Errorf("Model().Name = %q, want the configured name", e.Model().Name)
	}
	ctx := context.Background()
	batch, err := e.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, txt := range texts {
		single, err := e.Embed(ctx, []string{txt})
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(batch[i], single[0]); d > 1e-5 {
			t.Errorf("text %d: batched vector differs from single by %g (padding leaked into the vector)", i, d)
		}
	}
	if r := e.Report(); r["batches"] != int64(3+len(texts)) {
		t.Errorf("batches = %v, want %d", r["batches"], 3+len(texts))
	}
}

func TestDeterministic(t *testing.T) {
	lib, dir := testModel(t)
	ctx := context.Background()
	a, err := open(t, onnx.Config{ModelDir: dir, Library: lib}).Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := open(t, onnx.Config{ModelDir: dir, Library: lib, Threads: 1}).Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range texts {
		if d := maxDiff(a[i], b[i]); d > 1e-5 {
			t.Errorf("text %d differs by %g between two embedders", i, d)
		}
	}
}

func TestConcurrentEmbed(t *testing.T) {
	lib, dir := testModel(t)
	e := open(t, onnx.Config{ModelDir: dir, Library: lib, BatchSize: 4})
	ctx := context.Background()
	want, err := e.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := range 3 {
				k := (g + i) % len(texts)
				got, err := e.Embed(ctx, []string{texts[k], texts[(k+1)%len(texts)]})
				if err != nil {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
				if d := max(maxDiff(got[0], want[k]), maxDiff(got[1], want[(k+1)%len(texts)])); d > 1e-5 {
					t.Errorf("goroutine %d: vectors differ by %g", g, d)
				}
				_ = e.Report()
				_ = e.Model()
			}
		})
	}
	wg.Wait()
}

func TestEmptyInput(t *testing.T) {
	lib, dir := testModel(t)
	e := open(t, onnx.Config{ModelDir: dir, Library: lib})
	vecs, err := e.Embed(context.Background(), nil)
	if err != nil || len(vecs) != 0 {
		t.Fatalf("Embed(nil) = %d vectors, %v", len(vecs), err)
	}
	if e.Report()["loaded"] != false {
		t.Error("Embed(nil) loaded the model")
	}
	vecs, err = e.Embed(context.Background(), []string{"", "   ", "\x00\x01"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vecs {
		checkUnit(t, v, 384)
	}
}

func TestLongTextTruncated(t *testing.T) {
	lib, dir := testModel(t)
	e := open(t, onnx.Config{ModelDir: dir, Library: lib, MaxTokens: 16})
	head := "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
	vecs, err := e.Embed(context.Background(), []string{
		head,
		head + " and a tail past the limit",
		head + strings.Repeat(" lots more words", 5000),
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		if d := maxDiff(vecs[0], vecs[i]); d > 1e-5 {
			t.Errorf("text %d: words past MaxTokens changed the vector by %g", i, d)
		}
	}
	if r := e.Report(); r["max_tokens"] != 16 {
		t.Errorf("Report max_tokens = %v, want 16", r["max_tokens"])
	}
}

func TestPooledOutput(t *testing.T) {
	lib, _ := testModel(t)
	dir := os.Getenv(pooledDirEnv)
	if dir == "" {
		t.Skipf("set %s to a graph with a sentence_embedding output; scripts/test-onnx.sh does", pooledDirEnv)
	}
	ctx := context.Background()
	graph := open(t, onnx.Config{ModelDir: dir, Library: lib, BatchSize: 4})
	goPool := open(t, onnx.Config{ModelDir: dir, Library: lib, BatchSize: 4, Output: "last_hidden_state"})
	a, err := graph.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := goPool.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	if graph.Report()["output"] != "sentence_embedding" || goPool.Report()["output"] != "last_hidden_state" {
		t.Fatalf("outputs used: %v and %v", graph.Report()["output"], goPool.Report()["output"])
	}
	dim := graph.Model().Dim
	for i := range texts {
		checkUnit(t, a[i], dim)
		if d := maxDiff(a[i], b[i]); d > 1e-5 {
			t.Errorf("text %d: Go mean pooling differs from the graph's by %g", i, d)
		}
	}
}

func TestCloseAndContext(t *testing.T) {
	lib, dir := testModel(t)
	e, err := onnx.New(onnx.Config{ModelDir: dir, Library: lib})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.Preload(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Preload(cancelled) = %v, want context.Canceled", err)
	}
	if err := e.Preload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(ctx, texts); !errors.Is(err, context.Canceled) {
		t.Errorf("Embed(cancelled) = %v, want context.Canceled", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := e.Embed(context.Background(), texts); !errors.Is(err, onnx.ErrClosed) {
		t.Errorf("Embed after Close = %v, want ErrClosed", err)
	}
	if r := e.Report(); r["loaded"] != false || r["closed"] != true {
		t.Errorf("Report after Close = %v", r)
	}

	never, err := onnx.New(onnx.Config{ModelDir: dir, Library: lib})
	if err != nil {
		t.Fatal(err)
	}
	if err := never.Close(); err != nil {
		t.Fatal(err)
	}
	if err := never.Preload(context.Background()); !errors.Is(err, onnx.ErrClosed) {
		t.Errorf("Preload after Close = %v, want ErrClosed", err)
	}
}

func TestLoadErrors(t *testing.T) {
	lib, dir := testModel(t)
	tokenizer, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	withFiles := func(files map[string][]byte) string {
		d := t.TempDir()
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(d, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	linkModel := func(d string) string {
		if err := os.Symlink(filepath.Join(dir, "model.onnx"), filepath.Join(d, "model.onnx")); err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		name string
		cfg  onnx.Config
		want []string // substrings of the error
		is   error
	}{
		{"missing dir", onnx.Config{ModelDir: filepath.Join(t.TempDir(), "nope"), Library: lib}, []string{"model directory"}, fs.ErrNotExist},
		{"no model.onnx", onnx.Config{ModelDir: withFiles(map[string][]byte{"tokenizer.json": tokenizer}), Library: lib}, []string{"no model.onnx"}, fs.ErrNotExist},
		{"no tokenizer", onnx.Config{ModelDir: linkModel(t.TempDir()), Library: lib}, []string{"no tokenizer.json"}, fs.ErrNotExist},
		{"corrupt model", onnx.Config{ModelDir: withFiles(map[string][]byte{"tokenizer.json": tokenizer, "model.onnx": []byte("not a protobuf at all")}), Library: lib}, []string{"read model", "model.onnx"}, nil},
		{"corrupt tokenizer", onnx.Config{ModelDir: linkModel(withFiles(map[string][]byte{"tokenizer.json": []byte(`{"model":{"type":"BPE"}}`)})), Library: lib}, []string{"tokenizer", "BPE"}, nil},
		{"wrong dim", onnx.Config{ModelDir: dir, Library: lib, Dim: 768}, []string{"dimension 384", "768"}, nil},
		{"no such output", onnx.Config{ModelDir: dir, Library: lib, Output: "pooler_output"}, []string{`no output "pooler_output"`, "last_hidden_state"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := open(t, tc.cfg)
			_, err := e.Embed(context.Background(), []string{"hello"})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			if err2 := e.Preload(context.Background()); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("second call got %v, want the same load error", err2)
			}
			if r := e.Report(); r["loaded"] != false || r["last_error"] != err.Error() {
				t.Errorf("Report = %v", r)
			}
		})
	}
}

// TestMissingLibrary must run while no other embedder holds the runtime:
// the library is loaded once per process.
func TestMissingLibrary(t *testing.T) {
	_, dir := testModel(t)
	e := open(t, onnx.Config{ModelDir: dir, Library: filepath.Join(t.TempDir(), "libonnxruntime.so.1")})
	_, err := e.Embed(context.Background(), []string{"hello"})
	if err == nil || !strings.Contains(err.Error(), "load runtime library") || !strings.Contains(err.Error(), onnx.LibraryEnv) {
		t.Fatalf("Embed with a missing library = %v, want a load runtime library error naming %s", err, onnx.LibraryEnv)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []onnx.Config{{}, {ModelDir: "x", BatchSize: -1}, {ModelDir: "x", Threads: -2}} {
		if _, err := onnx.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func BenchmarkEmbed(b *testing.B) {
	lib, dir := testModel(b)
	e := open(b, onnx.Config{ModelDir: dir, Library: lib})
	ctx := context.Background()
	if err := e.Preload(ctx); err != nil {
		b.Fatal(err)
	}
	sentence := "Remember that the quarterly planning meeting moved to Thursday at 10am in room 4."
	batch := make([]string, 32)
	for i := range batch {
		batch[i] = texts[i%len(texts)]
		if i%len(texts) == 5 { // keep the batch to everyday lengths
			batch[i] = sentence
		}
	}
	for _, bc := range []struct {
		name  string
		texts []string
	}{{"1-sentence", []string{sentence}}, {"batch-32", batch}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := e.Embed(ctx, bc.texts); err != nil {
					b.Fatal(err)
				}
			}
			ms := float64(b.Elapsed().Microseconds()) / 1000 / float64(b.N)
			b.ReportMetric(ms, "ms/op")
			b.ReportMetric(ms/float64(len(bc.texts)), "ms/text")
		})
	}
}

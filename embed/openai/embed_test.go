package openai_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/embed/openai"
)

func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("memory number %d", i)
	}
	return out
}

// checkVectors asserts that got holds unit(text) for each text, in order.
func checkVectors(t *testing.T, got [][]float32, in []string, dim int) {
	t.Helper()
	if len(got) != len(in) {
		t.Fatalf("got %d vectors for %d texts", len(got), len(in))
	}
	for i, v := range got {
		want := unit(in[i], dim)
		if len(v) != dim {
			t.Fatalf("vector %d has %d dims, want %d", i, len(v), dim)
		}
		var norm float64
		for j := range v {
			norm += float64(v[j]) * float64(v[j])
			if math.Abs(float64(v[j]-want[j])) > 1e-6 {
				t.Fatalf("vector %d element %d = %v, want %v (order or normalisation wrong)", i, j, v[j], want[j])
			}
		}
		if math.Abs(norm-1) > 1e-5 {
			t.Fatalf("vector %d has squared norm %v, want 1", i, norm)
		}
	}
}

func TestEmbedBatchesInOrder(t *testing.T) {
	f := newFake(t, 16)
	f.set(func(sw *switches) { sw.reorder = true })
	e, _ := newEmbedder(t, f, func(c *openai.Config) { c.BatchSize = 4 })

	in := texts(10)
	got, err := e.Embed(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, got, in, 16)

	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	next := 0
	for i, r := range reqs {
		want := []int{4, 4, 2}[i]
		if len(r.Body.Input) != want {
			t.Errorf("request %d has %d inputs, want %d", i, len(r.Body.Input), want)
		}
		for _, s := range r.Body.Input {
			if s != in[next] {
				t.Errorf("request %d sent %q, want %q", i, s, in[next])
			}
			next++
		}
		if r.Body.Model != "nomic-embed-text" || r.Body.EncodingFormat != "float" || r.Body.Dimensions != 0 {
			t.Errorf("request %d body = %+v", i, r.Body)
		}
		if r.Path != "/v1/embeddings" {
			t.Errorf("request %d path = %q", i, r.Path)
		}
	}
	if m := e.Model(); m != (memory.ModelInfo{Name: "openai:nomic-embed-text", Dim: 16}) {
		t.Errorf("Model() = %+v", m)
	}
	rep := e.Report()
	if rep["requests"] != int64(3) || rep["texts"] != int64(10) || rep["tokens"] != int64(30) || rep["retries"] != int64(0) {
		t.Errorf("Report() = %v", rep)
	}
}

func TestEmbedEmptyInputMakesNoRequest(t *testing.T) {
	f := newFake(t, 8)
	e, _ := newEmbedder(t, f, nil)
	for _, in := range [][]string{nil, {}} {
		got, err := e.Embed(context.Background(), in)
		if got != nil || err != nil {
			t.Errorf("Embed(%v) = %v, %v; want nil, nil", in, got, err)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests, want 0", n)
	}
}

func TestEmbedEmptyTextSentAsSpace(t *testing.T) {
	f := newFake(t, 8)
	e, _ := newEmbedder(t, f, nil)
	got, err := e.Embed(context.Background(), []string{"a", ""})
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, got, []string{"a", " "}, 8)
	if in := f.requests()[0].Body.Input; in[1] != " " {
		t.Errorf("empty text sent as %q, want a single space", in[1])
	}
}

func TestAuthorizationHeader(t *testing.T) {
	f := newFake(t, 4)
	plain, _ := newEmbedder(t, f, nil)
	keyed, _ := newEmbedder(t, f, func(c *openai.Config) { c.APIKey = "sk-test-123" })
	for _, e := range []*openai.Embedder{plain, keyed} {
		if _, err := e.Embed(context.Background(), []string{"x"}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := f.requests()
	if reqs[0].hasKey {
		t.Errorf("Authorization sent without a key: %q", reqs[0].Auth)
	}
	if reqs[1].Auth != "Bearer sk-test-123" {
		t.Errorf("Authorization = %q, want Bearer sk-test-123", reqs[1].Auth)
	}
}

func TestSendDimensions(t *testing.T) {
	f := newFake(t, 4)
	e, _ := newEmbedder(t, f, func(c *openai.Config) { c.Dim, c.SendDimensions = 4, true })
	if _, err := e.Embed(context.Background(), []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if d := f.requests()[0].Body.Dimensions; d != 4 {
		t.Errorf("dimensions = %d, want 4", d)
	}
}

func TestResponseVariants(t *testing.T) {
	for name, sw := range map[string]func(*switches){
		"without index": func(sw *switches) { sw.omitIndex = true },
		"base64":        func(sw *switches) { sw.base64 = true },
		"base64 reordered": func(sw *switches) {
			sw.base64, sw.reorder = true, true
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, 12)
			f.set(sw)
			e, _ := newEmbedder(t, f, nil)
			in := texts(5)
			got, err := e.Embed(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			checkVectors(t, got, in, 12)
		})
	}
}

func TestInvalidResponses(t *testing.T) {
	for _, tc := range []struct {
		name string
		sw   func(*switches)
		want error
		msg  string
	}{
		{"wrong count", func(sw *switches) { sw.wrongCount = true }, openai.ErrInvalidResponse, "got 2 embeddings for 3 inputs"},
		{"nan literal", func(sw *switches) { sw.nanLiteral = true }, openai.ErrInvalidResponse, "non-finite"},
		{"nan base64", func(sw *switches) { sw.nanBase64 = true }, openai.ErrInvalidResponse, "non-finite"},
		{"float32 overflow", func(sw *switches) { sw.hugeNumber = true }, openai.ErrInvalidResponse, "non-finite"},
		{"mixed dims", func(sw *switches) { sw.mixedDims = true }, openai.ErrDimensionMismatch, "mixes 6-dimensional"},
		{"empty vectors", func(sw *switches) { sw.dim = 0 }, openai.ErrInvalidResponse, "is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 6)
			f.set(tc.sw)
			e, s := newEmbedder(t, f, nil)
			got, err := e.Embed(context.Background(), texts(3))
			if got != nil || !errors.Is(err, tc.want) {
				t.Fatalf("Embed = %v, %v; want error wrapping %v", got, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
			if n := len(f.requests()); n != 1 || len(s.got()) != 0 {
				t.Errorf("%d requests and %d waits; invalid responses must not be retried", n, len(s.got()))
			}
			if rep := e.Report(); rep["errors"] != int64(1) || rep["last_error"] != err.Error() {
				t.Errorf("Report() = %v", rep)
			}
		})
	}
}

func TestStatus200WithErrorBody(t *testing.T) {
	f := newFake(t, 4)
	f.reply(fakeReply{status: 200, body: `{"error":{"message":"upstream exploded"}}`})
	e, _ := newEmbedder(t, f, nil)
	_, err := e.Embed(context.Background(), []string{"x"})
	if !errors.Is(err, openai.ErrInvalidResponse) || !strings.Contains(err.Error(), "upstream exploded") {
		t.Fatalf("err = %v", err)
	}
}

func TestNotJSON(t *testing.T) {
	f := newFake(t, 4)
	f.reply(fakeReply{status: 200, body: "<html>proxy login</html>"})
	e, _ := newEmbedder(t, f, nil)
	_, err := e.Embed(context.Background(), []string{"x"})
	if !errors.Is(err, openai.ErrInvalidResponse) || !strings.Contains(err.Error(), "proxy login") {
		t.Fatalf("err = %v", err)
	}
}

func TestDimensionChangeIsAnError(t *testing.T) {
	f := newFake(t, 8)
	f.set(func(sw *switches) { sw.dimAfter, sw.dim2 = 2, 12 })
	e, _ := newEmbedder(t, f, nil)
	if e.Model().Dim != 0 {
		t.Fatalf("Dim before first call = %d, want 0", e.Model().Dim)
	}
	if _, err := e.Embed(context.Background(), []string{"a"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.Embed(context.Background(), []string{"b"})
	if !errors.Is(err, openai.ErrDimensionMismatch) {
		t.Fatalf("err = %v, want ErrDimensionMismatch", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "12-dimensional") || !strings.Contains(msg, "were 8-dimensional") {
		t.Errorf("error %q should name both dimensions", msg)
	}
	if d := e.Model().Dim; d != 8 {
		t.Errorf("Dim = %d after mismatch, want 8", d)
	}
}

func TestConfiguredDimMismatch(t *testing.T) {
	f := newFake(t, 8)
	e, _ := newEmbedder(t, f, func(c *openai.Config) { c.Dim = 768 })
	if d := e.Model().Dim; d != 768 {
		t.Fatalf("Dim = %d, want 768 before any call", d)
	}
	err := e.Preload(context.Background())
	if !errors.Is(err, openai.ErrDimensionMismatch) || !strings.Contains(err.Error(), "8-dimensional") ||
		!strings.Contains(err.Error(), "768") {
		t.Fatalf("err = %v", err)
	}
	if e.Report()["preloaded"] != false {
		t.Error("preloaded after a failed probe")
	}
}

func TestPreloadLearnsDim(t *testing.T) {
	f := newFake(t, 24)
	e, _ := newEmbedder(t, f, nil)
	if err := e.Preload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := e.Model().Dim; d != 24 {
		t.Errorf("Dim = %d, want 24", d)
	}
	rep := e.Report()
	if rep["preloaded"] != true || rep["dim"] != 24 || rep["server_model"] != "nomic-embed-text" ||
		rep["last_success_at"] == "" || rep["last_error"] != "" {
		t.Errorf("Report() = %v", rep)
	}
	if ms, ok := rep["last_latency_ms"].(float64); !ok || ms <= 0 {
		t.Errorf("last_latency_ms = %v", rep["last_latency_ms"])
	}
}

func TestConcurrentEmbed(t *testing.T) {
	f := newFake(t, 8)
	e, _ := newEmbedder(t, f, func(c *openai.Config) { c.BatchSize = 3 })
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			in := texts(7 + g)
			got, err := e.Embed(context.Background(), in)
			if err != nil {
				errs <- err
				return
			}
			for i := range got {
				if got[i][0] != unit(in[i], 8)[0] {
					errs <- fmt.Errorf("goroutine %d vector %d out of order", g, i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

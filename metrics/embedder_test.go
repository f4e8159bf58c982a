package metrics_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/metrics"
)

// Embedders with each combination of the optional interfaces.
type (
	plain     struct{ memory.Embedder }
	preloader struct {
		memory.Embedder
		preloaded *bool
	}
	reporter struct{ memory.Embedder }
	both     struct{ preloader }
	failing  struct{ memory.Embedder }
)

func (p preloader) Preload(ctx context.Context) error { *p.preloaded = true; return nil }
func (reporter) Report() map[string]any               { return map[string]any{"loaded": true} }
func (both) Report() map[string]any                   { return map[string]any{"loaded": true} }
func (failing) Embed(context.Context, []string) ([][]float32, error) {
	return nil, errors.New("model gone")
}

func TestEmbedderKeepsInterfaces(t *testing.T) {
	m := metrics.New(nil)
	fake := memorytest.NewFakeEmbedder(8)
	var loaded bool
	for _, tt := range []struct {
		name             string
		e                memory.Embedder
		preload, reports bool
	}{
		{"plain", plain{fake}, false, false},
		{"preloader", preloader{fake, &loaded}, true, false},
		{"reporter", reporter{fake}, false, true},
		{"both", both{preloader{fake, &loaded}}, true, true},
	} {
		w := m.Embedder(tt.e)
		p, isP := w.(memory.Preloader)
		r, isR := w.(memory.EmbedderReporter)
		if isP != tt.preload || isR != tt.reports {
			t.Errorf("%s: Preloader=%v EmbedderReporter=%v, want %v %v", tt.name, isP, isR, tt.preload, tt.reports)
			continue
		}
		if isP {
			loaded = false
			if err := p.Preload(context.Background()); err != nil || !loaded {
				t.Errorf("%s: Preload=%v, loaded=%v: not passed on", tt.name, err, loaded)
			}
		}
		if isR && r.Report()["loaded"] != true {
			t.Errorf("%s: Report=%v: not passed on", tt.name, r.Report())
		}
		if w.Model() != fake.Model() {
			t.Errorf("%s: Model=%v, want %v", tt.name, w.Model(), fake.Model())
		}
		vs, err := w.Embed(context.Background(), []string{"a b", "c"})
		if err != nil || len(vs) != 2 {
			t.Errorf("%s: Embed=%d vectors, %v", tt.name, len(vs), err)
		}
		if u, ok := w.(interface{ Unwrap() memory.Embedder }); !ok || u.Unwrap() != tt.e {
			t.Errorf("%s: Unwrap does not return the wrapped embedder", tt.name)
		}
	}
	if m.Embedder(nil) != nil {
		t.Error("Embedder(nil) != nil")
	}
}

func TestEmbedderCounts(t *testing.T) {
	m := metrics.New(nil)
	ok := m.Embedder(memorytest.NewFakeEmbedder(8))
	bad := m.Embedder(failing{memorytest.NewFakeEmbedder(8)})
	ok.Embed(context.Background(), []string{"a", "b", "c"})
	if _, err := bad.Embed(context.Background(), []string{"d"}); err == nil {
		t.Fatal("error not passed on")
	}
	text := scrape(t, m)
	for prefix, want := range map[string]string{
		"memory_embed_duration_seconds_count": "2",
		"memory_embedded_texts_total":         "4",
		"memory_embed_errors_total":           "1",
	} {
		if got := sample(text, prefix); got != prefix+" "+want {
			t.Errorf("%q, want %s %s", got, prefix, want)
		}
	}
}

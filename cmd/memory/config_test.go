package main

import (
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

func TestConfigRerank(t *testing.T) {
	tests := []struct {
		env     map[string]string
		want    memory.Rerank
		wantErr bool
	}{
		{env: nil, want: memory.DefaultRerank()},
		{env: map[string]string{"MCP_SEARCH_RERANK": "false"}, want: memory.Rerank{}},
		{env: map[string]string{"MCP_SEARCH_CONTEXT_WINDOW_MINUTES": "5"}, want: func() memory.Rerank {
			r := memory.DefaultRerank()
			r.ContextWindow = 5 * time.Minute
			return r
		}()},
		{env: map[string]string{"MCP_SEARCH_RERANK": "maybe"}, wantErr: true},
		{env: map[string]string{"MCP_SEARCH_CONTEXT_WINDOW_MINUTES": "-1"}, wantErr: true},
	}
	for _, tt := range tests {
		c, err := loadConfig(func(k string) string { return tt.env[k] })
		if (err != nil) != tt.wantErr {
			t.Errorf("loadConfig(%v)=%v, want error: %v", tt.env, err, tt.wantErr)
			continue
		}
		if err == nil && c.Rerank != tt.want {
			t.Errorf("loadConfig(%v).Rerank=%+v, want %+v", tt.env, c.Rerank, tt.want)
		}
	}
}

func TestParseLocomoConfig(t *testing.T) {
	def := memory.DefaultRerank()
	tests := []struct {
		spec    string
		name    string
		weight  float64
		rerank  memory.Rerank
		wantErr bool
	}{
		{spec: "hybrid", name: "hybrid@0.3", weight: 0.3, rerank: def},
		{spec: "fusion@0.4", name: "fusion@0.4", weight: 0.4, rerank: memory.Rerank{ContextSources: def.ContextSources, ContextWindow: def.ContextWindow}},
		{spec: "fusion+context", name: "fusion+context", weight: 0.3, rerank: memory.Rerank{Context: def.Context, ContextSources: def.ContextSources, ContextWindow: def.ContextWindow}},
		{spec: "fusion+answer+context=0.2", name: "fusion+answer+context=0.2", weight: 0.3, rerank: memory.Rerank{Answer: def.Answer, Context: 0.2, ContextSources: def.ContextSources, ContextWindow: def.ContextWindow}},
		{spec: "hybrid+answer=0+sources=3", name: "hybrid@0.3+answer=0+sources=3", weight: 0.3, rerank: func() memory.Rerank { r := def; r.Answer, r.ContextSources = 0, 3; return r }()},
		{spec: "hybrid+sources=0", wantErr: true},
		{spec: "hybrid+time=0", name: "hybrid@0.3+time=0", weight: 0.3, rerank: func() memory.Rerank { r := def; r.Time = 0; return r }()},
		{spec: "hybrid+speed", wantErr: true},
		{spec: "keyword+context", wantErr: true},
		{spec: "hybrid@2", wantErr: true},
		{spec: "fusion+entity=x", wantErr: true},
		{spec: "bm25", wantErr: true},
	}
	for _, tt := range tests {
		c, err := parseLocomoConfig(tt.spec, 0.3)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseLocomoConfig(%q)=%v, want error: %v", tt.spec, err, tt.wantErr)
			continue
		}
		if err == nil && (c.Name != tt.name || c.Weight != tt.weight || c.Rerank != tt.rerank || c.Mode != memory.ModeHybrid) {
			t.Errorf("parseLocomoConfig(%q)=%+v, want name %q, weight %v, rerank %+v", tt.spec, c, tt.name, tt.weight, tt.rerank)
		}
	}
}

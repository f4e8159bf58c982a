package wordpiece_test

// golden_test.go compares the tokenizer with HuggingFace's Rust tokenizers
// through testdata/wordpiece_golden.json (see testdata/README.md).

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/embed/wordpiece"
)

// golden is the layout of testdata/wordpiece_golden.json.
type golden struct {
	Generator string `json:"generator"`
	Reference string `json:"reference"`
	Tokenizer string `json:"tokenizer"`
	Variants  []struct {
		Name      string                     `json:"name"`
		Note      string                     `json:"note"`
		Overrides map[string]json.RawMessage `json:"overrides"`
		Cases     []struct {
			Label   string   `json:"label"`
			Text    string   `json:"text"`
			IDs     []int32  `json:"ids"`
			TypeIDs []int32  `json:"type_ids"`
			Tokens  []string `json:"tokens"`
		} `json:"cases"`
	} `json:"variants"`
}

// baseTokenizerJSON returns the bytes of the committed bert-base-uncased
// tokenizer.json.
func baseTokenizerJSON(tb testing.TB) []byte {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", "bert-base-uncased-tokenizer.json.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// withOverrides replaces top-level keys of a tokenizer.json, merging "model"
// key by key, as ref_tokenize.mjs does.
func withOverrides(tb testing.TB, base []byte, over map[string]json.RawMessage) []byte {
	tb.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(base, &doc); err != nil {
		tb.Fatal(err)
	}
	for k, v := range over {
		if k != "model" {
			doc[k] = v
			continue
		}
		var model, patch map[string]json.RawMessage
		if err := json.Unmarshal(doc["model"], &model); err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal(v, &patch); err != nil {
			tb.Fatal(err)
		}
		for mk, mv := range patch {
			model[mk] = mv
		}
		b, err := json.Marshal(model)
		if err != nil {
			tb.Fatal(err)
		}
		doc["model"] = b
	}
	out, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestGolden(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "wordpiece_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		t.Fatalf("decode golden: %v", err)
	}
	if len(g.Variants) == 0 {
		t.Fatal("golden file has no variants")
	}
	base := baseTokenizerJSON(t)
	total := 0
	for _, v := range g.Variants {
		t.Run(v.Name, func(t *testing.T) {
			tk, err := wordpiece.Parse(withOverrides(t, base, v.Overrides), wordpiece.Options{})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			for i, c := range v.Cases {
				total++
				enc := tk.Encode(c.Text)
				name := c.Label
				if name == "" {
					name = fmt.Sprintf("case %d %.40q", i, c.Text)
				}
				if !slices.Equal(enc.IDs, c.IDs) {
					at := 0
					for at < min(len(enc.IDs), len(c.IDs)) && enc.IDs[at] == c.IDs[at] {
						at++
					}
					t.Errorf("%s: ids differ from position %d (got %d ids, want %d)\n got tokens %q\nwant tokens %q",
						name, at, len(enc.IDs), len(c.IDs), tk.Tokens(c.Text), c.Tokens)
					continue
				}
				wantTypes := c.TypeIDs
				if wantTypes == nil {
					wantTypes = make([]int32, len(c.IDs))
				}
				if !slices.Equal(enc.TypeIDs, wantTypes) {
					t.Errorf("%s: type ids %v, want %v", name, enc.TypeIDs, wantTypes)
				}
				// HF reports an added token with the text it matched (padded
				// by lstrip/rstrip, normalized); Tokens gives its content.
				if c.Tokens != nil && !slices.EqualFunc(tk.Tokens(c.Text), c.Tokens, func(got, want string) bool {
					return strings.EqualFold(got, strings.TrimSpace(want))
				}) {
					t.Errorf("%s: tokens %q, want %q", name, tk.Tokens(c.Text), c.Tokens)
				}
			}
		})
	}
	t.Logf("%d cases checked against %s", total, g.Reference)
}

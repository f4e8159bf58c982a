package wordpiece_test

// tokenizer_test.go covers loading, truncation, batching, errors,
// concurrency and allocations; golden_test.go covers the ids themselves.

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mcp-memory-go/memory/embed/wordpiece"
)

// miniLM loads the committed bert-base-uncased tokenizer.json as is.
func miniLM(tb testing.TB, opts wordpiece.Options) *wordpiece.Tokenizer {
	tb.Helper()
	tk, err := wordpiece.Parse(baseTokenizerJSON(tb), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return tk
}

// override returns the base tokenizer.json with top-level keys replaced.
func override(tb testing.TB, kv map[string]any) []byte {
	tb.Helper()
	over := map[string]json.RawMessage{}
	for k, v := range kv {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		over[k] = b
	}
	return withOverrides(tb, baseTokenizerJSON(tb), over)
}

func TestLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokenizer.json")
	if err := os.WriteFile(path, baseTokenizerJSON(t), 0o644); err != nil {
		t.Fatal(err)
	}
	tk, err := wordpiece.Load(path, wordpiece.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tk.VocabSize() != 30522 {
		t.Errorf("VocabSize = %d, want 30522", tk.VocabSize())
	}
	if tk.MaxLength() != 128 {
		t.Errorf("MaxLength = %d, want the file's 128", tk.MaxLength())
	}
	for tok, want := range map[string]int32{"[CLS]": 101, "[SEP]": 102, "[PAD]": 0, "the": 1996, "##s": 2015} {
		if id, ok := tk.ID(tok); !ok || id != want {
			t.Errorf("ID(%q) = %d, %v; want %d", tok, id, ok, want)
		}
	}
	if _, ok := tk.ID("no-such-token"); ok {
		t.Error("ID of an unknown token reported ok")
	}
	_, err = wordpiece.Load(filepath.Join(t.TempDir(), "missing.json"), wordpiece.Options{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) error = %v, want fs.ErrNotExist", err)
	}
}

func TestMaxLength(t *testing.T) {
	long := strings.Repeat("memory ", 1000)
	noTrunc := override(t, map[string]any{"truncation": nil})
	for _, tc := range []struct {
		name string
		data []byte
		opts wordpiece.Options
		want int
	}{
		{"file", baseTokenizerJSON(t), wordpiece.Options{}, 128},
		{"option beats file", baseTokenizerJSON(t), wordpiece.Options{MaxLength: 256}, 256},
		{"no truncation in file", noTrunc, wordpiece.Options{}, wordpiece.DefaultMaxLength},
		{"small", noTrunc, wordpiece.Options{MaxLength: 3}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk, err := wordpiece.Parse(tc.data, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			enc := tk.Encode(long)
			if len(enc.IDs) != tc.want || tk.MaxLength() != tc.want {
				t.Fatalf("len = %d, MaxLength = %d; want %d", len(enc.IDs), tk.MaxLength(), tc.want)
			}
			if enc.IDs[0] != 101 || enc.IDs[len(enc.IDs)-1] != 102 {
				t.Errorf("truncated encoding not wrapped in [CLS] … [SEP]: %v", enc.IDs[:3])
			}
		})
	}
	if _, err := wordpiece.Parse(baseTokenizerJSON(t), wordpiece.Options{MaxLength: 2}); err == nil {
		t.Error("MaxLength 2 (no room beside [CLS] and [SEP]) accepted")
	}
}

func TestEncodeBasics(t *testing.T) {
	tk := miniLM(t, wordpiece.Options{})
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"", []string{"[CLS]", "[SEP]"}},
		{" \t\n ", []string{"[CLS]", "[SEP]"}},
		{"Hello, World", []string{"[CLS]", "hello", ",", "world", "[SEP]"}},
		{"unaffable", []string{"[CLS]", "una", "##ffa", "##ble", "[SEP]"}},
		{"bad\xffutf8\xc3", []string{"[CLS]", "bad", "##ut", "##f", "##8", "[SEP]"}},
		{strings.Repeat("x", 101), []string{"[CLS]", "[UNK]", "[SEP]"}},
	} {
		got := tk.Tokens(tc.text)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tc.text, got, tc.want)
		}
		enc := tk.Encode(tc.text)
		if len(enc.TypeIDs) != len(enc.IDs) {
			t.Errorf("Encode(%q): %d type ids for %d ids", tc.text, len(enc.TypeIDs), len(enc.IDs))
		}
	}
}

func TestEncodeBatchPadsToLongest(t *testing.T) {
	tk := miniLM(t, wordpiece.Options{})
	texts := []string{"short", "", "a somewhat longer sentence about memories"}
	b := tk.EncodeBatch(texts)
	var want int
	for _, txt := range texts {
		want = max(want, len(tk.Encode(txt).IDs))
	}
	if b.Size != 3 || b.SeqLen != want {
		t.Fatalf("batch %d x %d, want 3 x %d (the file's Fixed 128 padding must be ignored)", b.Size, b.SeqLen, want)
	}
	for i, txt := range texts {
		enc := tk.Encode(txt)
		row := b.InputIDs[i*b.SeqLen : (i+1)*b.SeqLen]
		mask := b.AttentionMask[i*b.SeqLen : (i+1)*b.SeqLen]
		types := b.TokenTypeIDs[i*b.SeqLen : (i+1)*b.SeqLen]
		if b.Lengths[i] != len(enc.IDs) {
			t.Errorf("row %d length %d, want %d", i, b.Lengths[i], len(enc.IDs))
		}
		for j := range b.SeqLen {
			real := j < len(enc.IDs)
			switch {
			case real && (row[j] != int64(enc.IDs[j]) || mask[j] != 1):
				t.Errorf("row %d col %d = %d mask %d, want %d mask 1", i, j, row[j], mask[j], enc.IDs[j])
			case !real && (row[j] != 0 || mask[j] != 0):
				t.Errorf("row %d col %d = %d mask %d, want pad 0 mask 0", i, j, row[j], mask[j])
			}
			if types[j] != 0 {
				t.Errorf("row %d col %d type %d, want 0", i, j, types[j])
			}
		}
	}
	if empty := tk.EncodeBatch(nil); empty.Size != 0 || len(empty.InputIDs) != 0 {
		t.Errorf("empty batch = %+v", empty)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name        string
		data        []byte
		unsupported bool
	}{
		{"not json", []byte("{"), false},
		{"bpe model", override(t, map[string]any{"model": map[string]any{"type": "BPE", "vocab": map[string]int{"a": 0}, "merges": []string{}}}), true},
		{"empty vocab", override(t, map[string]any{"model": map[string]any{"type": "WordPiece", "vocab": map[string]int{}}}), false},
		{"unk not in vocab", override(t, map[string]any{"model": map[string]any{"type": "WordPiece", "unk_token": "<unk>", "vocab": map[string]int{"a": 0}}}), false},
		{"normalizer", override(t, map[string]any{"normalizer": map[string]any{"type": "Precompiled"}}), true},
		{"pre_tokenizer", override(t, map[string]any{"pre_tokenizer": map[string]any{"type": "ByteLevel"}}), true},
		{"post_processor", override(t, map[string]any{"post_processor": map[string]any{"type": "ByteLevel"}}), true},
		{"template without ids", override(t, map[string]any{"post_processor": map[string]any{
			"type":   "TemplateProcessing",
			"single": []any{map[string]any{"SpecialToken": map[string]any{"id": "[X]", "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}},
		}}), false},
		{"truncation direction", override(t, map[string]any{"truncation": map[string]any{"max_length": 8, "direction": "Middle"}}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := wordpiece.Parse(tc.data, wordpiece.Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, wordpiece.ErrUnsupported); got != tc.unsupported {
				t.Errorf("errors.Is(%v, ErrUnsupported) = %v, want %v", err, got, tc.unsupported)
			}
			if !strings.HasPrefix(err.Error(), "wordpiece: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestNormalizerSequence(t *testing.T) {
	// NFD + Lowercase + StripAccents is how some BERT exports spell
	// BertNormalizer's accent stripping, minus clean_text.
	data := override(t, map[string]any{"normalizer": map[string]any{"type": "Sequence", "normalizers": []any{
		map[string]any{"type": "NFD"}, map[string]any{"type": "Lowercase"}, map[string]any{"type": "StripAccents"},
	}}})
	tk, err := wordpiece.Parse(data, wordpiece.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := miniLM(t, wordpiece.Options{}).Tokens("Café NAÏVE Ångström")
	if got := tk.Tokens("Café NAÏVE Ångström"); !slices.Equal(got, want) {
		t.Errorf("Tokens = %q, want %q", got, want)
	}
}

func TestConcurrentEncode(t *testing.T) {
	tk := miniLM(t, wordpiece.Options{})
	texts := []string{"Hello, world!", "naïve café 北京", strings.Repeat("long text ", 300), "", "[CLS] x [SEP]"}
	want := make([][]int32, len(texts))
	for i, txt := range texts {
		want[i] = tk.Encode(txt).IDs
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := (g + i) % len(texts)
				if got := tk.Encode(texts[k]).IDs; !slices.Equal(got, want[k]) {
					t.Errorf("goroutine %d: Encode(%.20q) differs", g, texts[k])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestEncodeAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	tk := miniLM(t, wordpiece.Options{})
	text := "Remember that Alice's birthday party is on March 3rd at the café downtown."
	tk.Encode(text) // warm the scratch pool
	if n := testing.AllocsPerRun(200, func() { tk.Encode(text) }); n > 1 {
		t.Errorf("Encode allocates %.1f times per call, want 1 (its result)", n)
	}
}

func BenchmarkEncode(b *testing.B) {
	tk := miniLM(b, wordpiece.Options{MaxLength: 256})
	for _, bc := range []struct{ name, text string }{
		{"sentence", "Remember that Alice's birthday party is on March 3rd at the café downtown."},
		{"long-truncated", strings.Repeat("The memory service stores notes about meetings and decisions. ", 100)},
		{"cjk-accents", "naïve café résumé 北京欢迎你 日本語のテキスト Ångström"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				tk.Encode(bc.text)
			}
		})
	}
}

func TestLongTextChunksMatchWhole(t *testing.T) {
	// Truncation stops a long text early; the ids must be those of
	// encoding the whole text with a large enough limit, then truncating.
	short := miniLM(t, wordpiece.Options{MaxLength: 2000})
	huge := miniLM(t, wordpiece.Options{MaxLength: 100000})
	var sb strings.Builder
	for i := range 3000 {
		sb.WriteString([]string{"Café ", "naïve\u0301 ", "北京 ", "[SEP] ", "x\u00a0y ", "don't "}[i%6])
	}
	text := sb.String()
	got := short.Encode(text).IDs
	all := huge.Encode(text).IDs
	want := append(slices.Clone(all[:1999]), 102)
	if !slices.Equal(got, want) {
		t.Fatalf("chunked encoding differs from whole-text encoding (len %d vs %d)", len(got), len(want))
	}
}

func FuzzEncode(f *testing.F) {
	tk := miniLM(f, wordpiece.Options{MaxLength: 64})
	for _, s := range []string{"", "Hello, world!", "naïve café 北京 🥰", "[CLS][SEP]", "a\u0301\u0302\u0303", "\xff\xfe\x00", strings.Repeat("ab ", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := tk.Encode(s)
		n := len(enc.IDs)
		if n < 2 || n > 64 || len(enc.TypeIDs) != n || enc.IDs[0] != 101 || enc.IDs[n-1] != 102 {
			t.Fatalf("Encode(%q) = %v", s, enc.IDs)
		}
		for _, id := range enc.IDs {
			if id < 0 || int(id) >= tk.VocabSize() {
				t.Fatalf("Encode(%q): id %d out of range", s, id)
			}
		}
	})
}

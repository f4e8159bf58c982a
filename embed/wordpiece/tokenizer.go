// Package wordpiece is a pure-Go BERT WordPiece tokenizer that reads a
// HuggingFace tokenizer.json (the file that ships with sentence-transformer
// models such as all-MiniLM-L6-v2) and turns text into the input_ids,
// attention_mask and token_type_ids a BERT encoder takes.
//
// It implements the pieces those files use: BertNormalizer (clean_text,
// handle_chinese_chars, strip_accents, lowercase) and the plain Unicode
// normalizers, BertPreTokenizer and WhitespaceSplit, added tokens matched
// before normalization, the WordPiece model (greedy longest match with a
// continuing-subword prefix and max_input_chars_per_word), the
// TemplateProcessing / BertProcessing post-processor and truncation.
// Anything else in the file is an error, not a silent difference. Its
// output is checked against HuggingFace's Rust tokenizers (see testdata).
//
// Batches are padded to their longest member, never to a fixed length: a
// tokenizer.json may ask for padding to 128, which would make every short
// text cost as much as a long one.
//
// A Tokenizer is immutable after loading and safe for concurrent use.
package wordpiece

import (
	"errors"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// DefaultMaxLength is the truncation length, special tokens included, used
// when neither Options nor tokenizer.json set one. It is the
// max_seq_length of all-MiniLM-L6-v2.
const DefaultMaxLength = 256

// ErrUnsupported marks a tokenizer.json component this package does not
// implement.
var ErrUnsupported = errors.New("not supported")

// Options adjusts a tokenizer at load time.
type Options struct {
	// MaxLength caps every encoding, special tokens included. Zero means
	// tokenizer.json's truncation.max_length, or DefaultMaxLength if the
	// file has no truncation.
	MaxLength int
}

// Encoding is one encoded text, special tokens included. Its attention
// mask is all ones.
type Encoding struct {
	// IDs are the token ids.
	IDs []int32
	// TypeIDs are the segment (token type) ids, one per token.
	TypeIDs []int32
}

// Batch holds encodings padded to a common length, flattened row by row
// into the int64 layout ONNX BERT graphs take ([Size, SeqLen]).
type Batch struct {
	// Size is the number of rows, SeqLen the padded length of each.
	Size, SeqLen int
	// InputIDs, AttentionMask and TokenTypeIDs have Size*SeqLen entries.
	InputIDs, AttentionMask, TokenTypeIDs []int64
	// Lengths are the unpadded lengths of the rows.
	Lengths []int
}

// preTokenizer is how normalized text is split into words.
type preTokenizer uint8

const (
	preNone       preTokenizer = iota // the whole text is one word
	preBert                           // split on whitespace, isolate punctuation
	preWhitespace                     // split on whitespace
)

// piece is one element of the post-processing template: special token ids,
// or the sequence itself.
type piece struct {
	ids    []int32
	seq    bool
	typeID int32
}

// Tokenizer encodes text with a WordPiece vocabulary.
type Tokenizer struct {
	vocab         map[string]int32
	tokens        []string // id -> token, for Tokens
	unkID         int32
	prefix        string // continuing-subword prefix, "##"
	maxChars      int    // longer words become the unknown token
	maxPieceBytes int    // longest vocabulary entry, bounds the greedy search

	norm      []normStep
	pre       preTokenizer
	addedRaw  addedSet // matched in the raw input
	addedNorm addedSet // matched in normalized segments

	template  []piece
	nSpecial  int
	maxLen    int
	truncLeft bool
	padID     int32
	padTypeID int32
}

// scratch holds per-call buffers, pooled so encoding does not allocate
// beyond its result.
type scratch struct {
	iter     norm.Iter
	in, a, b []byte
	key      []byte
	ids      []int32
	limit    int // stop after this many content tokens (0: no limit)
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	const keep = 1 << 20 // do not pin buffers grown by one huge text
	if cap(s.in) > keep || cap(s.a) > keep || cap(s.b) > keep || cap(s.ids) > keep/4 {
		return
	}
	scratchPool.Put(s)
}

// MaxLength is the longest encoding Encode returns, special tokens included.
func (t *Tokenizer) MaxLength() int { return t.maxLen }

// VocabSize is one more than the largest token id.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// ID returns the id of a vocabulary or added token.
func (t *Tokenizer) ID(token string) (int32, bool) {
	if id, ok := t.vocab[token]; ok {
		return id, true
	}
	for _, set := range []*addedSet{&t.addedRaw, &t.addedNorm} {
		for _, a := range set.toks {
			if a.content == token {
				return a.id, true
			}
		}
	}
	return 0, false
}

// Encode tokenizes text, truncates it to MaxLength and adds the special
// tokens of the post-processor.
func (t *Tokenizer) Encode(text string) Encoding {
	s := getScratch()
	defer putScratch(s)
	content := t.content(s, text)
	n := len(content) + t.nSpecial
	buf := make([]int32, 2*n) // one allocation for both slices
	e := Encoding{IDs: buf[:0:n], TypeIDs: buf[n:n]}
	for _, p := range t.template {
		if p.seq {
			e.IDs = append(e.IDs, content...)
			for range content {
				e.TypeIDs = append(e.TypeIDs, p.typeID)
			}
			continue
		}
		e.IDs = append(e.IDs, p.ids...)
		for range p.ids {
			e.TypeIDs = append(e.TypeIDs, p.typeID)
		}
	}
	return e
}

// Tokens returns the token strings Encode would produce ids for.
func (t *Tokenizer) Tokens(text string) []string {
	ids := t.Encode(text).IDs
	out := make([]string, len(ids))
	for i, id := range ids {
		if int(id) < len(t.tokens) {
			out[i] = t.tokens[id]
		}
	}
	return out
}

// EncodeBatch encodes texts and pads them to the longest one.
func (t *Tokenizer) EncodeBatch(texts []string) Batch {
	encs := make([]Encoding, len(texts))
	for i, txt := range texts {
		encs[i] = t.Encode(txt)
	}
	return t.Pad(encs)
}

// Pad lays encodings out as a batch padded to the longest of them, with the
// tokenizer's pad id, pad type id and a zero attention mask on padding.
func (t *Tokenizer) Pad(encs []Encoding) Batch {
	b := Batch{Size: len(encs), Lengths: make([]int, len(encs))}
	for i, e := range encs {
		b.Lengths[i] = len(e.IDs)
		b.SeqLen = max(b.SeqLen, len(e.IDs))
	}
	n := b.Size * b.SeqLen
	b.InputIDs = make([]int64, n)
	b.AttentionMask = make([]int64, n)
	b.TokenTypeIDs = make([]int64, n)
	for i, e := range encs {
		row := i * b.SeqLen
		for j := range b.SeqLen {
			if j < len(e.IDs) {
				b.InputIDs[row+j] = int64(e.IDs[j])
				b.AttentionMask[row+j] = 1
				b.TokenTypeIDs[row+j] = int64(e.TypeIDs[j])
				continue
			}
			b.InputIDs[row+j] = int64(t.padID)
			b.TokenTypeIDs[row+j] = int64(t.padTypeID)
		}
	}
	return b
}

// content returns the truncated ids of text without special tokens. The
// slice lives in s.
func (t *Tokenizer) content(s *scratch, text string) []int32 {
	s.ids = s.ids[:0]
	room := t.maxLen - t.nSpecial
	s.limit = room
	if t.truncLeft {
		s.limit = 0
	}
	for pos := 0; pos < len(text) && !s.full(); {
		start, end, id, ok := next(&t.addedRaw, text, pos)
		if !ok {
			t.segment(s, text[pos:])
			break
		}
		t.segment(s, text[pos:start])
		s.ids = append(s.ids, id)
		pos = end
	}
	ids := s.ids
	if len(ids) > room {
		if t.truncLeft {
			ids = ids[len(ids)-room:]
		} else {
			ids = ids[:room]
		}
	}
	return ids
}

// full reports whether enough tokens were made to fill the truncation room.
func (s *scratch) full() bool { return s.limit > 0 && len(s.ids) >= s.limit }

// segment normalizes, pre-tokenizes and word-pieces a stretch of input that
// holds no raw added token.
func (t *Tokenizer) segment(s *scratch, seg string) {
	// A long text is normalized a chunk at a time so that truncation stops
	// the work early. Chunks end before an ASCII space, where no
	// normalization, split or word can straddle, unless a normalized added
	// token (which may contain spaces) could.
	const chunk = 4 << 10
	for s.limit > 0 && len(seg) > 2*chunk && len(t.addedNorm.toks) == 0 && !s.full() {
		cut := strings.IndexByte(seg[chunk:], ' ')
		if cut < 0 {
			break
		}
		t.segment(s, seg[:chunk+cut])
		seg = seg[chunk+cut:]
	}
	if seg == "" || s.full() {
		return
	}
	s.in = append(s.in[:0], seg...)
	n := t.normalize(s, s.in)
	for pos := 0; pos < len(n) && !s.full(); {
		start, end, id, ok := next(&t.addedNorm, n, pos)
		if !ok {
			t.words(s, n[pos:])
			break
		}
		t.words(s, n[pos:start])
		s.ids = append(s.ids, id)
		pos = end
	}
}

// words splits normalized text into words and word-pieces each.
func (t *Tokenizer) words(s *scratch, n []byte) {
	if t.pre == preNone {
		if len(n) > 0 {
			t.wordPiece(s, n)
		}
		return
	}
	start := -1
	for i := 0; i < len(n) && !s.full(); {
		r, size := rune(n[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(n[i:])
		}
		switch {
		case isSpace(r):
			if start >= 0 {
				t.wordPiece(s, n[start:i])
				start = -1
			}
		case t.pre == preBert && isPunct(r):
			if start >= 0 {
				t.wordPiece(s, n[start:i])
				start = -1
			}
			t.wordPiece(s, n[i:i+size])
		default:
			if start < 0 {
				start = i
			}
		}
		i += size
	}
	if start >= 0 && !s.full() {
		t.wordPiece(s, n[start:])
	}
}

// wordPiece splits one word greedily into the longest vocabulary pieces,
// continuation pieces carrying the prefix. A word that cannot be split
// completely, or that is longer than maxChars characters, becomes the
// unknown token.
func (t *Tokenizer) wordPiece(s *scratch, w []byte) {
	if utf8.RuneCount(w) > t.maxChars {
		s.ids = append(s.ids, t.unkID)
		return
	}
	mark := len(s.ids)
	for start := 0; start < len(w); {
		end := len(w)
		if end-start > t.maxPieceBytes {
			end = start + t.maxPieceBytes
			for end > start && !utf8.RuneStart(w[end]) {
				end--
			}
		}
		found := false
		for end > start {
			var id int32
			var ok bool
			if start == 0 {
				id, ok = t.vocab[string(w[:end])]
			} else {
				s.key = append(append(s.key[:0], t.prefix...), w[start:end]...)
				id, ok = t.vocab[string(s.key)]
			}
			if ok {
				s.ids = append(s.ids, id)
				found = true
				break
			}
			end--
			for end > start && !utf8.RuneStart(w[end]) {
				end--
			}
		}
		if !found {
			s.ids = append(s.ids[:mark], t.unkID)
			return
		}
		start = end
	}
}

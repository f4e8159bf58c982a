package wordpiece

// load.go parses a HuggingFace tokenizer.json into a Tokenizer.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"unicode/utf8"
)

// fileJSON is the subset of tokenizer.json that a BERT WordPiece tokenizer uses.
type fileJSON struct {
	Truncation *struct {
		MaxLength int    `json:"max_length"`
		Direction string `json:"direction"`
	} `json:"truncation"`
	Padding *struct {
		PadID     *int32 `json:"pad_id"`
		PadTypeID int32  `json:"pad_type_id"`
	} `json:"padding"`
	AddedTokens   []addedJSON     `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Model         struct {
		Type     string           `json:"type"`
		UnkToken string           `json:"unk_token"`
		Prefix   *string          `json:"continuing_subword_prefix"`
		MaxChars *int             `json:"max_input_chars_per_word"`
		Vocab    map[string]int32 `json:"vocab"`
	} `json:"model"`
}

type addedJSON struct {
	ID         int32  `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// typed reads the "type" tag of a tokenizer.json component.
type typed struct {
	Type string `json:"type"`
}

// Load reads a tokenizer.json file; see Parse.
func Load(path string, opts Options) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("wordpiece: read tokenizer: %w", err)
	}
	t, err := Parse(data, opts)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return t, nil
}

// Parse builds a Tokenizer from the bytes of a HuggingFace tokenizer.json
// whose model is WordPiece. Components it does not implement are reported
// as errors rather than ignored, so that a tokenizer that would silently
// produce different ids is never used. The file's padding strategy is
// ignored (batches are padded to their longest member); its pad_id is used.
func Parse(data []byte, opts Options) (*Tokenizer, error) {
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("wordpiece: decode tokenizer.json: %w", err)
	}
	if f.Model.Type != "WordPiece" && f.Model.Type != "" {
		return nil, fmt.Errorf("wordpiece: model type %q is not supported: %w", f.Model.Type, ErrUnsupported)
	}
	if len(f.Model.Vocab) == 0 {
		return nil, errors.New("wordpiece: tokenizer.json has an empty model.vocab")
	}
	t := &Tokenizer{
		vocab:    f.Model.Vocab,
		prefix:   "##",
		maxChars: 100,
	}
	if f.Model.Prefix != nil {
		t.prefix = *f.Model.Prefix
	}
	if f.Model.MaxChars != nil {
		t.maxChars = *f.Model.MaxChars
	}
	unk := f.Model.UnkToken
	if unk == "" {
		unk = "[UNK]"
	}
	id, ok := t.vocab[unk]
	if !ok {
		return nil, fmt.Errorf("wordpiece: unk_token %q is not in the vocabulary", unk)
	}
	t.unkID = id
	var maxID int32
	for tok, id := range t.vocab {
		if id < 0 {
			return nil, fmt.Errorf("wordpiece: token %q has negative id %d", tok, id)
		}
		maxID = max(maxID, id)
		t.maxPieceBytes = max(t.maxPieceBytes, len(tok))
	}
	for _, a := range f.AddedTokens {
		maxID = max(maxID, a.ID)
	}
	t.tokens = make([]string, maxID+1)
	for tok, id := range t.vocab {
		t.tokens[id] = tok
	}

	var err error
	if t.norm, err = parseNormalizer(f.Normalizer); err != nil {
		return nil, err
	}
	if t.pre, err = parsePreTokenizer(f.PreTokenizer); err != nil {
		return nil, err
	}
	if err = t.parseAdded(f.AddedTokens); err != nil {
		return nil, err
	}
	if err = t.parsePostProcessor(f.PostProcessor); err != nil {
		return nil, err
	}

	t.maxLen = DefaultMaxLength
	if f.Truncation != nil {
		if f.Truncation.MaxLength > 0 {
			t.maxLen = f.Truncation.MaxLength
		}
		switch f.Truncation.Direction {
		case "", "Right":
		case "Left":
			t.truncLeft = true
		default:
			return nil, fmt.Errorf("wordpiece: truncation direction %q: %w", f.Truncation.Direction, ErrUnsupported)
		}
	}
	if opts.MaxLength > 0 {
		t.maxLen = opts.MaxLength
	}
	if t.maxLen <= t.nSpecial {
		return nil, fmt.Errorf("wordpiece: max length %d leaves no room beside %d special tokens", t.maxLen, t.nSpecial)
	}

	if id, ok := t.vocab["[PAD]"]; ok {
		t.padID = id
	}
	if f.Padding != nil {
		if f.Padding.PadID != nil {
			t.padID = *f.Padding.PadID
		}
		t.padTypeID = f.Padding.PadTypeID
	}
	return t, nil
}

// parseNormalizer turns the normalizer component into a list of steps.
func parseNormalizer(raw json.RawMessage) ([]normStep, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var tag typed
	if err := json.Unmarshal(raw, &tag); err != nil {
		return nil, fmt.Errorf("wordpiece: decode normalizer: %w", err)
	}
	switch tag.Type {
	case "BertNormalizer":
		var b struct {
			CleanText    *bool `json:"clean_text"`
			HandleCJK    *bool `json:"handle_chinese_chars"`
			StripAccents *bool `json:"strip_accents"`
			Lowercase    *bool `json:"lowercase"`
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("wordpiece: decode BertNormalizer: %w", err)
		}
		orTrue := func(p *bool) bool { return p == nil || *p }
		lower := orTrue(b.Lowercase)
		strip := lower // strip_accents: null follows lowercase
		if b.StripAccents != nil {
			strip = *b.StripAccents
		}
		return bertSteps(orTrue(b.CleanText), orTrue(b.HandleCJK), strip, lower), nil
	case "Sequence":
		var seq struct {
			Normalizers []json.RawMessage `json:"normalizers"`
		}
		if err := json.Unmarshal(raw, &seq); err != nil {
			return nil, fmt.Errorf("wordpiece: decode normalizer sequence: %w", err)
		}
		var steps []normStep
		for _, r := range seq.Normalizers {
			s, err := parseNormalizer(r)
			if err != nil {
				return nil, err
			}
			steps = append(steps, s...)
		}
		return steps, nil
	case "Lowercase":
		return []normStep{{kind: stepLowercase}}, nil
	case "StripAccents":
		return []normStep{{kind: stepStripMarks}}, nil
	case "NFD":
		return []normStep{{kind: stepNFD}}, nil
	case "NFKD":
		return []normStep{{kind: stepNFKD}}, nil
	case "NFC":
		return []normStep{{kind: stepNFC}}, nil
	case "NFKC":
		return []normStep{{kind: stepNFKC}}, nil
	}
	return nil, fmt.Errorf("wordpiece: normalizer %q: %w", tag.Type, ErrUnsupported)
}

// parsePreTokenizer maps the pre_tokenizer component to a splitting mode.
func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return preNone, nil
	}
	var tag typed
	if err := json.Unmarshal(raw, &tag); err != nil {
		return 0, fmt.Errorf("wordpiece: decode pre_tokenizer: %w", err)
	}
	switch tag.Type {
	case "BertPreTokenizer":
		return preBert, nil
	case "WhitespaceSplit":
		return preWhitespace, nil
	}
	return 0, fmt.Errorf("wordpiece: pre_tokenizer %q: %w", tag.Type, ErrUnsupported)
}

// parsePostProcessor reads which special tokens wrap a single sequence.
func (t *Tokenizer) parsePostProcessor(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		t.template = []piece{{seq: true}}
		return nil
	}
	var tag typed
	if err := json.Unmarshal(raw, &tag); err != nil {
		return fmt.Errorf("wordpiece: decode post_processor: %w", err)
	}
	switch tag.Type {
	case "BertProcessing", "RobertaProcessing":
		// "cls": ["[CLS]", 101], "sep": ["[SEP]", 102]
		var p struct {
			Cls [2]json.RawMessage `json:"cls"`
			Sep [2]json.RawMessage `json:"sep"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("wordpiece: decode %s: %w", tag.Type, err)
		}
		var cls, sep int32
		if err := json.Unmarshal(p.Cls[1], &cls); err != nil {
			return fmt.Errorf("wordpiece: decode %s cls id: %w", tag.Type, err)
		}
		if err := json.Unmarshal(p.Sep[1], &sep); err != nil {
			return fmt.Errorf("wordpiece: decode %s sep id: %w", tag.Type, err)
		}
		t.template = []piece{{ids: []int32{cls}}, {seq: true}, {ids: []int32{sep}}}
	case "TemplateProcessing":
		var p struct {
			Single []struct {
				SpecialToken *struct {
					ID     string `json:"id"`
					TypeID int32  `json:"type_id"`
				} `json:"SpecialToken"`
				Sequence *struct {
					ID     string `json:"id"`
					TypeID int32  `json:"type_id"`
				} `json:"Sequence"`
			} `json:"single"`
			SpecialTokens map[string]struct {
				IDs []int32 `json:"ids"`
			} `json:"special_tokens"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("wordpiece: decode TemplateProcessing: %w", err)
		}
		for _, s := range p.Single {
			switch {
			case s.Sequence != nil:
				t.template = append(t.template, piece{seq: true, typeID: s.Sequence.TypeID})
			case s.SpecialToken != nil:
				st, ok := p.SpecialTokens[s.SpecialToken.ID]
				if !ok || len(st.IDs) == 0 {
					return fmt.Errorf("wordpiece: template names special token %q without ids", s.SpecialToken.ID)
				}
				t.template = append(t.template, piece{ids: st.IDs, typeID: s.SpecialToken.TypeID})
			default:
				return errors.New("wordpiece: template piece is neither SpecialToken nor Sequence")
			}
		}
	default:
		return fmt.Errorf("wordpiece: post_processor %q: %w", tag.Type, ErrUnsupported)
	}
	seqs := 0
	for _, p := range t.template {
		if p.seq {
			seqs++
		}
		t.nSpecial += len(p.ids)
	}
	if seqs != 1 {
		return fmt.Errorf("wordpiece: single-sequence template has %d sequences, want 1", seqs)
	}
	return nil
}

// parseAdded records the added tokens that are matched in the input before
// normalization (or, for normalized ones, in each normalized segment).
func (t *Tokenizer) parseAdded(list []addedJSON) error {
	for _, a := range list {
		if a.Content == "" || !utf8.ValidString(a.Content) {
			return fmt.Errorf("wordpiece: added token %d has empty or invalid content", a.ID)
		}
		if a.ID < 0 || int(a.ID) >= len(t.tokens) {
			return fmt.Errorf("wordpiece: added token %q has id %d out of range", a.Content, a.ID)
		}
		if t.tokens[a.ID] == "" {
			t.tokens[a.ID] = a.Content
		}
		at := addedToken{content: a.Content, id: a.ID, lstrip: a.LStrip, rstrip: a.RStrip, singleWord: a.SingleWord}
		if a.Normalized {
			// HF matches normalized tokens against normalized text, so the
			// pattern is normalized too.
			s := getScratch()
			at.content = string(t.normalize(s, []byte(a.Content)))
			putScratch(s)
			if at.content != "" {
				t.addedNorm.add(at)
			}
			continue
		}
		t.addedRaw.add(at)
	}
	return nil
}

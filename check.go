package memory

import (
	"encoding/json"
	"strings"
)

// Checks every Store applies to its arguments the same way.

// CheckInsert returns an EInvalid error naming what m lacks for
// Store.Insert: owner, hash, content, type, creation and update times, and a
// model for a vector.
func CheckInsert(m *Memory) error {
	if m == nil {
		return Errorf(EInvalid, "nil memory")
	}
	var missing []string
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"owner", m.Owner != ""},
		{"hash", m.Hash != ""},
		{"content", m.Content != ""},
		{"type", m.Type != ""},
		{"created_at", !m.CreatedAt.IsZero()},
		{"updated_at", !m.UpdatedAt.IsZero()},
	} {
		if !f.ok {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return Errorf(EInvalid, "memory %s has no %s", Clip(m.Hash, 16), strings.Join(missing, ", "))
	}
	if len(m.Embedding) > 0 && m.EmbeddingModel == "" {
		return Errorf(EInvalid, "memory %s has a vector but no embedding model", m.Hash)
	}
	return nil
}

// Check returns EInvalid for a filter without owner or with an unknown
// TagMatch.
func (f Filter) Check() error {
	if f.Owner == "" {
		return Errorf(EInvalid, "filter has no owner")
	}
	switch f.TagMatch {
	case "", TagAny, TagAll:
		return nil
	}
	return Errorf(EInvalid, "tag match %q is neither %q nor %q", f.TagMatch, TagAny, TagAll)
}

// NormalTags returns the filter's tags normalised and deduplicated. An
// empty tag is kept: it matches nothing, so that a filter made of empty
// tags never widens into "everything".
func (f Filter) NormalTags() []string {
	var out []string
	seen := make(map[string]bool, len(f.Tags))
	for _, t := range f.Tags {
		t = NormalizeTag(t)
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// CleanTags normalises tags, drops empty ones and duplicates and keeps the
// first occurrence order, without NormalizeTags's limits: what a store
// keeps of the tags it is given.
func CleanTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		t = NormalizeTag(t)
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// MetadataJSON returns m's metadata as a JSON object ("{}" if empty), or
// EInvalid if it cannot be encoded.
func MetadataJSON(m *Memory) (string, error) {
	if len(m.Metadata) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m.Metadata)
	if err != nil {
		return "", Errorf(EInvalid, "metadata of memory %s is not JSON: %v", m.Hash, err)
	}
	return string(b), nil
}

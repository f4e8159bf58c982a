package memory

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on tags, applied by NormalizeTags.
const (
	MaxTags      = 100
	MaxTagLength = 100
)

// Memory is one stored piece of knowledge.
type Memory struct {
	// Hash is the hex SHA-256 of the normalised content (see ContentHash). It
	// identifies the memory within its owner's store.
	Hash string `json:"content_hash"`
	// Content is the text as stored (trimmed of surrounding white space).
	Content string `json:"content"`
	// Owner is the user the memory belongs to; LocalOwner in single-user mode.
	Owner string `json:"owner,omitempty"`
	// Tags are lower-cased, trimmed and deduplicated (see NormalizeTags).
	Tags []string `json:"tags"`
	// Type is a memory type of the ontology (see MemoryTypes).
	Type string `json:"memory_type"`
	// Metadata is free-form JSON-compatible data; never nil after a read.
	Metadata map[string]any `json:"metadata"`
	// CreatedAt and UpdatedAt are UTC with millisecond precision.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// LastAccessedAt is zero until the memory is returned by a search.
	LastAccessedAt time.Time `json:"last_accessed_at,omitzero"`
	AccessCount    int64     `json:"access_count"`
	// Quality is a score in [0,1]; 0.5 when nothing is known.
	Quality float64 `json:"quality_score"`
	// SupersededBy is the hash of the memory that replaced this one, if any;
	// superseded memories are hidden from search unless asked for.
	SupersededBy string `json:"superseded_by,omitempty"`
	// DeletedAt is set on tombstones, which only sync and purge see.
	DeletedAt time.Time `json:"deleted_at,omitzero"`
	// Embedding is the vector of Content made by EmbeddingModel. It is nil
	// when the memory was never embedded (EmbeddingModel "") or when the model
	// found no word it knows in the content (EmbeddingModel set).
	Embedding      []float32 `json:"-"`
	EmbeddingModel string    `json:"embedding_model,omitempty"`
	// Revision orders the versions of a memory for sync (see Replica): the
	// time of its last change in unix milliseconds, kept strictly increasing
	// per memory by the stores that sync (SQLite, Cloudflare). Stores set it
	// on every write; callers leave it zero, except Replica.Put, which keeps
	// the revision of the copy it is given. Zero on stores that do not sync.
	Revision int64 `json:"-"`
}

// DefaultQuality is the quality score of a memory nobody has rated.
const DefaultQuality = 0.5

// NormalizeContent trims surrounding white space and replaces invalid UTF-8.
func NormalizeContent(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.TrimSpace(s)
}

// ContentHash is the identity of a content: the hex SHA-256 of the content
// trimmed and lower-cased, as upstream computes it, so that hashes match
// memories imported from upstream.
func ContentHash(content string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(NormalizeContent(content))))
	return hex.EncodeToString(sum[:])
}

// NormalizeTag lower-cases and trims a tag and replaces commas (the upstream
// separator) with hyphens. It returns "" for a tag that is empty afterwards.
func NormalizeTag(t string) string {
	t = strings.ToLower(strings.TrimSpace(NormalizeContent(t)))
	return strings.ReplaceAll(t, ",", "-")
}

// NormalizeTags normalises each tag, drops empty ones and duplicates, and
// keeps the first occurrence order. It reports an EInvalid error when there are
// more than MaxTags tags or one is longer than MaxTagLength characters.
func NormalizeTags(tags []string) ([]string, error) {
	out := CleanTags(tags)
	for _, t := range out {
		if n := utf8.RuneCountInString(t); n > MaxTagLength {
			return nil, Errorf(EInvalid, "tag %q is %d characters long; the limit is %d", Clip(t, 40), n, MaxTagLength)
		}
	}
	if len(out) > MaxTags {
		return nil, Errorf(EInvalid, "%d tags given; the limit is %d", len(out), MaxTags)
	}
	return out, nil
}

// SplitTagList splits a comma-separated tag string, the form upstream accepts
// besides an array.
func SplitTagList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// TimeMS truncates t to millisecond precision in UTC, the precision memories
// are stored with.
func TimeMS(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}

// Clip shortens s to at most n runes, marking a cut with "…".
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

package memory

import (
	"context"
	"time"
)

// TagMatch says how a list of tags filters memories.
type TagMatch string

// Tag match modes; the zero value means TagAny.
const (
	TagAny TagMatch = "any" // at least one of the tags
	TagAll TagMatch = "all" // every tag
)

// Filter selects live memories of one owner. Every backend applies all of its
// fields inside the query, before ranking and before any limit, so that a
// filtered search never misses a match that a larger k would have found.
// Zero fields do not filter.
type Filter struct {
	// Owner is required: every query is confined to one owner.
	Owner string
	// Hashes restricts to these content hashes.
	Hashes []string
	// Tags with TagMatch: memories with any (or all) of the tags. Tags are
	// compared exactly, after NormalizeTag.
	Tags     []string
	TagMatch TagMatch
	// Types restricts to these memory types.
	Types []string
	// After and Before bound CreatedAt: After <= CreatedAt < Before.
	After, Before time.Time
	// StaleBefore keeps memories last accessed (or, never accessed, created)
	// before this time.
	StaleBefore time.Time
	// Contains keeps memories whose content contains this text, compared
	// case-insensitively (Unicode simple folding).
	Contains string
	// IncludeSuperseded also returns memories replaced by a newer version.
	IncludeSuperseded bool
}

// Order of a listing.
type Order string

// Listing orders; the zero value means NewestFirst.
const (
	NewestFirst Order = "newest"
	OldestFirst Order = "oldest"
)

// Page is a window of a listing: Offset rows skipped, at most Limit returned
// (0 means no limit).
type Page struct {
	Offset, Limit int
	Order         Order
}

// Hit is a memory found by a ranked search with the backend's raw score:
// BM25 relevance (higher is better, >= 0) for keyword search, cosine
// similarity in [-1,1] for vector search.
type Hit struct {
	Memory *Memory
	Score  float64
}

// Adjacency is what Store.Adjacent finds around one memory: the memories
// created just before and just after it, nearest first.
type Adjacency struct {
	Before, After []*Memory
}

// CheckAdjacent returns the EInvalid error of Store.Adjacent for n < 1 or a
// negative window, or nil.
func CheckAdjacent(n int, window time.Duration) error {
	if n < 1 || window < 0 {
		return Errorf(EInvalid, "adjacent memories need n >= 1 and a window >= 0, got %d and %s", n, window)
	}
	return nil
}

// EmbeddingUpdate sets the vector of one memory (re-embedding).
type EmbeddingUpdate struct {
	Owner, Hash string
	Model       string
	Vector      []float32
}

// StoreStats describes what a backend holds for one owner ("" = all owners).
type StoreStats struct {
	Memories   int64            `json:"total_memories"`
	Tombstones int64            `json:"tombstones"`
	Superseded int64            `json:"superseded"`
	UniqueTags int64            `json:"unique_tags"`
	Types      map[string]int64 `json:"memory_types"`
	// Models counts live memories by EmbeddingModel; "" counts those never
	// embedded.
	Models    map[string]int64 `json:"embedding_models"`
	Oldest    time.Time        `json:"oldest,omitzero"`
	Newest    time.Time        `json:"newest,omitzero"`
	SizeBytes int64            `json:"size_bytes"`
}

// TagCount is a tag and the number of live memories carrying it.
type TagCount struct {
	Tag   string `json:"tag"`
	Count int64  `json:"count"`
}

// Store is the narrow contract every storage backend implements. All logic
// (validation, hashing, dedup, ranking, fusion) lives in Service above it;
// a Store persists and retrieves. Every method is safe for concurrent use,
// and every read sees every write acknowledged before it began, including
// writes made by other processes sharing the same storage.
//
// Methods return *Error values with ENotFound, EConflict or EInvalid codes
// for the conditions documented; anything else is an internal error. A
// missing required field, an owner-only Delete, a limit below 1 or a query
// vector whose length differs from its model's stored vectors is EInvalid.
//
// What reads return: Tags in insertion order, Tags and Metadata never nil;
// NewestFirst breaks CreatedAt ties by the later insertion and OldestFirst
// is its exact reverse; superseded memories are live (they count in Stats
// and Tags) but are hidden from Find and searches unless asked for.
// memorytest.RunStoreTests checks all of this for every backend.
type Store interface {
	// Insert adds memories atomically: all of them or none. Each must have
	// Owner, Hash, Content, Type, CreatedAt and UpdatedAt set. If a live
	// memory with the same (Owner, Hash) exists, Insert returns an EConflict
	// error naming the hash and writes nothing. A tombstone with that hash
	// is replaced.
	Insert(ctx context.Context, ms []*Memory) error

	// Get returns the live memory (superseded or not) or ENotFound.
	Get(ctx context.Context, owner, hash string) (*Memory, error)

	// Update replaces the mutable fields of the live memory (Owner, Hash):
	// Tags, Type, Metadata, UpdatedAt, CreatedAt, Quality, SupersededBy,
	// AccessCount, LastAccessedAt. Content, and so the embedding, never
	// change. ENotFound if there is no such live memory.
	Update(ctx context.Context, m *Memory) error

	// Delete turns every memory matching f into a tombstone (DeletedAt =
	// at) and returns their hashes, newest first. With dryRun it only
	// returns the hashes. f must select something (a filter with no field
	// set but Owner is refused with EInvalid, so nobody wipes a store by
	// mistake).
	Delete(ctx context.Context, f Filter, at time.Time, dryRun bool) ([]string, error)

	// Find lists memories matching f in the page's order of CreatedAt
	// (ties broken by insertion order), and the total number matching.
	Find(ctx context.Context, f Filter, p Page) ([]*Memory, int, error)

	// KeywordSearch ranks memories matching f by BM25 over their content
	// for the given terms (lower-case words; a memory matches if it has any
	// of them) and returns at most limit hits, best first.
	KeywordSearch(ctx context.Context, f Filter, terms []string, limit int) ([]Hit, error)

	// VectorSearch ranks memories matching f that have a vector of the
	// given model by cosine similarity to vec and returns at most limit
	// hits, best first. Memories without a vector of that model are
	// skipped.
	VectorSearch(ctx context.Context, f Filter, model string, vec []float32, limit int) ([]Hit, error)

	// Adjacent returns, for each live memory of f.Owner named in hashes
	// (whether or not it matches f), the memories matching f created just
	// before and just after it, in the
	// order Find lists them (CreatedAt, ties broken by insertion order): at
	// most n on each side, nearest first, none further than window from it
	// in time (0: no bound). Hashes naming no such memory are absent from
	// the map. Search uses it to score a memory with its context. It returns
	// EInvalid for an invalid filter, n < 1 or a negative window.
	Adjacent(ctx context.Context, f Filter, hashes []string, n int, window time.Duration) (map[string]Adjacency, error)

	// Touch records that memories were returned to a reader: AccessCount
	// incremented and LastAccessedAt set to at. Unknown hashes are ignored.
	Touch(ctx context.Context, owner string, hashes []string, at time.Time) error

	// PendingEmbeddings returns up to limit live memories (of any owner)
	// whose EmbeddingModel is not model: never embedded, or embedded by
	// another model.
	PendingEmbeddings(ctx context.Context, model string, limit int) ([]*Memory, error)

	// SetEmbeddings replaces vectors and their model. A nil Vector records
	// that the model gave the content no vector (it has no words the model
	// knows): the memory is no longer pending but has no vector to search.
	// Unknown memories are ignored.
	SetEmbeddings(ctx context.Context, us []EmbeddingUpdate) error

	// Tags returns the tags of owner's live memories with their counts,
	// most used first.
	Tags(ctx context.Context, owner string) ([]TagCount, error)

	// Stats describes the store for one owner, or all owners if "".
	Stats(ctx context.Context, owner string) (StoreStats, error)

	// Check verifies the storage (for SQLite, PRAGMA quick_check) and
	// returns a description of the problem, or nil if healthy.
	Check(ctx context.Context) error

	// Close releases the storage. Methods must not be called after it.
	Close() error
}

// BatchVectorSearcher is an optional Store capability: VectorSearch for
// many query vectors at once, cheaper than one call each (a backend that
// scans its vectors reads them once). Results are exactly those of
// VectorSearch for each vector, in order; memories may be shared between
// the lists and must not be modified. Consolidation uses it when the
// store has it.
type BatchVectorSearcher interface {
	VectorSearchMany(ctx context.Context, f Filter, model string, vecs [][]float32, limit int) ([][]Hit, error)
}

// HybridSearcher is an optional Store capability: KeywordSearch and
// VectorSearch for one query at once, cheaper than one call each (a
// memory found by both is read once). Results are exactly those of the
// two calls except that the memories' Embedding is nil: ranking never
// reads it, and reading the vectors of every candidate doubled the pages a
// search touched. Memories may be shared between the lists and must not be
// modified. Hybrid search uses it when the store has it.
type HybridSearcher interface {
	HybridSearch(ctx context.Context, f Filter, terms []string, model string, vec []float32, limit int) (keyword, vector []Hit, err error)
}

package memory

// Typed relations between memories (the associations graph) and the
// optional storage contract that keeps them.

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"time"
)

// Relation types of edges between memories. Related and Contradicts read
// the same both ways; the others point from Source to Target.
const (
	RelRelated     = "related"     // linked by meaning (consolidation's associations)
	RelCauses      = "causes"      // Source led to Target
	RelFixes       = "fixes"       // Source (a solution) fixes Target (an error)
	RelContradicts = "contradicts" // near-identical meaning, divergent content: a conflict
	RelSupports    = "supports"    // Source backs Target up
	RelFollows     = "follows"     // Source comes after Target in one conversation or document
	RelSummarizes  = "summarizes"  // Source is a consolidation summary of Target (a cluster member)
)

// RelationTypes returns every relation type, sorted.
func RelationTypes() []string {
	return []string{RelCauses, RelContradicts, RelFixes, RelFollows, RelRelated, RelSummarizes, RelSupports}
}

// ValidRelation reports whether r is a relation type.
func ValidRelation(r string) bool {
	switch r {
	case RelRelated, RelCauses, RelFixes, RelContradicts, RelSupports, RelFollows, RelSummarizes:
		return true
	}
	return false
}

// SymmetricRelation reports whether relation r reads the same both ways.
// Backends keep one edge per symmetric pair, with Source < Target.
func SymmetricRelation(r string) bool { return r == RelRelated || r == RelContradicts }

// SummaryTag marks the summary memories consolidation makes of clusters
// of similar memories; each links its members by summarizes edges.
const SummaryTag = "consolidation:summary"

// IsSummary reports whether m is a consolidation summary.
func IsSummary(m *Memory) bool { return slices.Contains(m.Tags, SummaryTag) }

// Edge is a typed, directed relation between two memories of one owner.
type Edge struct {
	Owner  string `json:"-"`
	Source string `json:"source"`
	Target string `json:"target"`
	Type   string `json:"relationship_type"`
	// Similarity is the cosine similarity of the two memories when the
	// edge was found (0 if unknown).
	Similarity float64 `json:"similarity"`
	// Metadata describes how the edge was found (origin, horizon, shared
	// tags, divergence of a conflict, …); never nil after a read.
	Metadata  map[string]any `json:"metadata"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// Canonical returns e with the endpoints of a symmetric relation ordered
// (Source < Target), the form backends store.
func (e Edge) Canonical() Edge {
	if SymmetricRelation(e.Type) && e.Target < e.Source {
		e.Source, e.Target = e.Target, e.Source
	}
	return e
}

// Check returns the EInvalid error Graph.PutEdges gives for e, or nil: an
// edge needs an owner, two different memories, a known relation type and
// its creation and update times.
func (e Edge) Check() error {
	switch {
	case e.Owner == "" || e.Source == "" || e.Target == "":
		return Errorf(EInvalid, "an edge needs an owner and two memories")
	case e.Source == e.Target:
		return Errorf(EInvalid, "an edge cannot link memory %s to itself", e.Source)
	case !ValidRelation(e.Type):
		return Errorf(EInvalid, "unknown relation type %q", e.Type)
	case e.CreatedAt.IsZero() || e.UpdatedAt.IsZero():
		return Errorf(EInvalid, "an edge needs its creation and update times")
	}
	return nil
}

// MetadataJSON returns the JSON a store keeps of e's metadata: "{}" when
// there is none, EInvalid when it does not encode.
func (e Edge) MetadataJSON() (string, error) {
	if len(e.Metadata) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(e.Metadata)
	if err != nil {
		return "", Errorf(EInvalid, "edge metadata is not JSON: %v", err)
	}
	return string(b), nil
}

// Other returns the endpoint of e that is not hash.
func (e Edge) Other(hash string) string {
	if e.Source == hash {
		return e.Target
	}
	return e.Source
}

// EdgeFilter selects edges of one owner. Zero fields do not filter.
type EdgeFilter struct {
	// Owner is required.
	Owner string
	// Hashes keeps edges touching any of these memories (as source or
	// target).
	Hashes []string
	// Types keeps edges of these relation types.
	Types []string
	// IncludeSuperseded also keeps edges touching a superseded memory.
	// Edges touching a memory that is not live (deleted or archived) are
	// never returned: they come back with an archived memory's restore.
	IncludeSuperseded bool
	// Limit bounds the number returned (0: no limit).
	Limit int
}

// NodeDegree is a memory and the number of edges touching it.
type NodeDegree struct {
	Hash   string `json:"content_hash"`
	Degree int    `json:"degree"`
}

// Graph is the optional storage contract of the associations graph. A
// backend that implements it gets associations, conflicts, summaries'
// member links and graph queries; Service.Graph nil turns them off.
// memorytest.RunGraphTests checks every backend.
//
// Edges live beside memories: deleting a memory removes its edges;
// archiving one hides them until it is restored.
type Graph interface {
	// PutEdges inserts edges, or replaces the edge with the same owner,
	// endpoints (in canonical form, see Edge.Canonical) and type, keeping
	// its CreatedAt. An edge whose endpoints are not both live memories of
	// the owner is skipped. It returns the number written. EInvalid for
	// an edge without owner or endpoints, a self-edge, or an unknown type.
	PutEdges(ctx context.Context, edges []Edge) (int, error)

	// Edges returns the edges matching f ordered by source, target and
	// type.
	Edges(ctx context.Context, f EdgeFilter) ([]Edge, error)

	// DeleteEdges removes the edges matching f (with Hashes or Types set;
	// an owner-only filter is EInvalid) and returns how many. Limit is
	// ignored.
	DeleteEdges(ctx context.Context, f EdgeFilter) (int, error)

	// EdgeCounts returns the number of edges of each type between live,
	// non-superseded memories of owner.
	EdgeCounts(ctx context.Context, owner string) (map[string]int64, error)

	// Hubs returns owner's live, non-superseded memories with at least
	// minDegree such edges (below 1 counts as 1), most connected first
	// (then by hash), at most limit (0: all).
	Hubs(ctx context.Context, owner string, minDegree, limit int) ([]NodeDegree, error)
}

// ArchivedMemory is a memory moved to the archive by forgetting (or by
// hand), with its vector, ready to be restored exactly as it was.
type ArchivedMemory struct {
	*Memory
	ArchivedAt time.Time `json:"archived_at"`
	// Reason says why it was archived, for the person deciding whether
	// to restore it.
	Reason string `json:"reason"`
}

// Archive is the optional storage contract of forgetting: archived
// memories disappear from every read (Get, Find, searches, Tags, Stats'
// live counts) like deleted ones, but can be listed and restored exactly.
// memorytest.RunGraphTests checks every backend.
type Archive interface {
	// Archive moves owner's live memories with these hashes (superseded
	// or not) to the archive in one transaction, with their tags,
	// metadata, times, access statistics, quality, version link and
	// vector. Hashes that name no live memory are skipped. It returns the
	// archived hashes. EInvalid for an empty owner, a zero time or an
	// empty reason.
	Archive(ctx context.Context, owner string, hashes []string, at time.Time, reason string) ([]string, error)

	// Restore brings archived memories back in one transaction, all or
	// none, every field as it was when archived (edges included), and
	// removes them from the archive. ENotFound if one is not archived;
	// EConflict if a live memory with its hash was stored since.
	Restore(ctx context.Context, owner string, hashes []string) ([]*Memory, error)

	// Archived lists owner's archived memories, most recently archived
	// first (then by hash), and how many there are. Page.Order is
	// ignored.
	Archived(ctx context.Context, owner string, p Page) ([]ArchivedMemory, int, error)
}

// CheckArchiveArgs checks the arguments of Archive.Archive as every
// backend must: EInvalid for an empty owner, a zero time or an empty
// reason.
func CheckArchiveArgs(owner string, at time.Time, reason string) error {
	switch {
	case owner == "":
		return Errorf(EInvalid, "archiving needs an owner")
	case at.IsZero():
		return Errorf(EInvalid, "archiving needs a time")
	case reason == "":
		return Errorf(EInvalid, "archiving needs a reason")
	}
	return nil
}

// sortedKeys returns the keys of a map of counts, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

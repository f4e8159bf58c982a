package consolidate

// Nearest neighbours of each memory of a batch, and the associations among
// them: typed edges between memories in the similarity band.

import (
	"context"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	memory "github.com/mcp-memory-go/memory"
)

// neighbour is a memory near another, with their cosine similarity and
// that similarity calibrated for the embedding model (memory.Calibrated),
// which the thresholds apply to.
type neighbour struct {
	m   *memory.Memory
	raw float64
	sim float64
}

// findNeighbours searches, for every memory of the batch with a vector,
// its nearest memories among all of the owner's (exact search by the
// store, batched when it can), leaving out the memory itself and
// summaries.
func (p *pass) findNeighbours(ctx context.Context) error {
	k := max(p.c.Config.Neighbours, 2*p.c.Config.ClusterMinSize)
	p.nbrs = make(map[string][]neighbour, len(p.batch))
	byModel := map[string][]*memory.Memory{}
	for _, m := range p.batch {
		if len(m.Embedding) > 0 && !memory.IsSummary(m) {
			byModel[m.EmbeddingModel] = append(byModel[m.EmbeddingModel], m)
		}
	}
	for _, model := range slices.Sorted(maps.Keys(byModel)) {
		ms := byModel[model]
		b, err := p.baseline(ctx, model)
		if err != nil {
			return err
		}
		hits, err := p.search(ctx, model, ms, k+1)
		if err != nil {
			return err
		}
		for i, m := range ms {
			var ns []neighbour
			for _, h := range hits[i] {
				if h.Memory.Hash == m.Hash || memory.IsSummary(h.Memory) {
					continue
				}
				ns = append(ns, neighbour{m: h.Memory, raw: h.Score, sim: memory.Calibrated(h.Score, b)})
				if _, ok := p.known[h.Memory.Hash]; !ok {
					p.known[h.Memory.Hash] = h.Memory
				}
			}
			p.nbrs[m.Hash] = ns
		}
	}
	return nil
}

// search returns the k nearest memories of each of ms, by their vectors
// of model: in one call when the store searches in batches, else one call
// each.
func (p *pass) search(ctx context.Context, model string, ms []*memory.Memory, k int) ([][]memory.Hit, error) {
	f := memory.Filter{Owner: p.owner}
	vecs := make([][]float32, len(ms))
	for i, m := range ms {
		vecs[i] = m.Embedding
	}
	if bs, ok := p.svc().Storage.(memory.BatchVectorSearcher); ok {
		return bs.VectorSearchMany(ctx, f, model, vecs, k)
	}
	out := make([][]memory.Hit, len(vecs))
	for i, v := range vecs {
		hits, err := p.svc().Storage.VectorSearch(ctx, f, model, v, k)
		if err != nil {
			return nil, err
		}
		out[i] = hits
	}
	return out, nil
}

// pairKey is an unordered pair of hashes, smaller first.
type pairKey [2]string

func pairOf(a, b string) pairKey {
	if b < a {
		a, b = b, a
	}
	return pairKey{a, b}
}

// associate links pairs of the batch's neighbourhoods whose similarity is
// in the band and that no edge links yet, most similar first, at most
// MaxPairs.
func (p *pass) associate(ctx context.Context) error {
	cfg := p.c.Config
	rep := &p.report.Associations
	linked, err := p.linkedPairs(ctx)
	if err != nil {
		return err
	}
	type cand struct {
		k        pairKey
		raw, sim float64
	}
	seen := map[pairKey]bool{}
	var cands []cand
	for _, m := range p.batch {
		for _, n := range p.nbrs[m.Hash] {
			k := pairOf(m.Hash, n.m.Hash)
			if seen[k] {
				continue
			}
			seen[k] = true
			rep.Compared++
			if n.sim < cfg.AssociationMin || n.sim > cfg.AssociationMax {
				continue
			}
			rep.Found++
			if linked[k] {
				rep.Existing++
				continue
			}
			cands = append(cands, cand{k, n.raw, n.sim})
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].sim != cands[j].sim {
			return cands[i].sim > cands[j].sim
		}
		return cands[i].k[0] < cands[j].k[0] || (cands[i].k[0] == cands[j].k[0] && cands[i].k[1] < cands[j].k[1])
	})
	budget := cfg.MaxPairs - p.pairsMade
	var edges []memory.Edge
	for _, c := range cands {
		if len(edges) >= budget {
			break
		}
		if p.links[c.k[0]] >= cfg.MaxAssociationsPerMemory || p.links[c.k[1]] >= cfg.MaxAssociationsPerMemory {
			rep.Capped++
			continue
		}
		p.links[c.k[0]]++
		p.links[c.k[1]]++
		a, b := p.known[c.k[0]], p.known[c.k[1]]
		src, dst, typ := a.Hash, b.Hash, memory.RelRelated
		if cfg.TypedEdges {
			src, dst, typ = relationOf(a, b)
		}
		meta := map[string]any{"origin": "consolidation", "horizon": string(p.h), "calibrated_similarity": round3(c.sim)}
		if shared := sharedTags(a, b); len(shared) > 0 {
			meta["shared_tags"] = shared
		}
		meta["time_gap_days"] = round2(math.Abs(a.CreatedAt.Sub(b.CreatedAt).Hours()) / 24)
		e := memory.Edge{Owner: p.owner, Source: src, Target: dst, Type: typ, Similarity: round3(c.raw), Metadata: meta, CreatedAt: p.now, UpdatedAt: p.now}
		edges = append(edges, e.Canonical())
	}
	p.pairsMade += len(edges)
	if p.dry {
		p.planned = append(p.planned, edges...)
	}
	for _, e := range edges {
		rep.ByType[e.Type]++
		p.degree[e.Source]++
		p.degree[e.Target]++
		if len(rep.Edges) < maxListed {
			rep.Edges = append(rep.Edges, EdgeInfo{Source: e.Source, Target: e.Target, Type: e.Type, Similarity: e.Similarity})
		}
	}
	if p.dry || len(edges) == 0 {
		return nil
	}
	n, err := p.c.graph().PutEdges(ctx, edges)
	rep.Stored += n
	return err
}

// linkedPairs returns the pairs that an edge of any type links already
// among the batch and its neighbours, and counts the associations of each
// of those memories: all of them, so that MaxAssociationsPerMemory holds
// for a neighbour outside the batch too. A dry run's planned edges count
// as stored.
func (p *pass) linkedPairs(ctx context.Context) (map[pairKey]bool, error) {
	out := map[pairKey]bool{}
	p.links = map[string]int{}
	count := func(e memory.Edge) {
		out[pairOf(e.Source, e.Target)] = true
		if e.Type != memory.RelSummarizes && e.Type != memory.RelContradicts {
			p.links[e.Source]++
			p.links[e.Target]++
		}
	}
	for _, e := range p.planned {
		count(e)
	}
	if p.c.graph() == nil {
		return out, nil
	}
	hashes := p.hashes()
	in := make(map[string]bool, len(hashes))
	for _, h := range hashes {
		in[h] = true
	}
	for _, m := range p.batch {
		for _, n := range p.nbrs[m.Hash] {
			if !in[n.m.Hash] {
				in[n.m.Hash] = true
				hashes = append(hashes, n.m.Hash)
			}
		}
	}
	edges, err := p.c.graph().Edges(ctx, memory.EdgeFilter{Owner: p.owner, Hashes: hashes, IncludeSuperseded: true})
	if err != nil {
		return nil, err
	}
	for _, e := range edges {
		count(e)
	}
	return out, nil
}

// fixWords mark content that reports a solution.
var fixWords = []string{"fix", "fixed", "fixes", "resolved", "resolves", "solution", "solved", "workaround"}

// relationOf types the relation between two associated memories: the
// newer follows the older in one conversation, session or document; a
// newer solution (a decision or learning, or text saying it fixed
// something) fixes an older error; related otherwise.
func relationOf(a, b *memory.Memory) (src, dst, typ string) {
	older, newer := a, b
	if b.CreatedAt.Before(a.CreatedAt) || (b.CreatedAt.Equal(a.CreatedAt) && b.Hash < a.Hash) {
		older, newer = b, a
	}
	switch {
	case sameThread(older, newer):
		return newer.Hash, older.Hash, memory.RelFollows
	case isError(older) && !isError(newer) && solves(newer):
		return newer.Hash, older.Hash, memory.RelFixes
	}
	return a.Hash, b.Hash, memory.RelRelated
}

// sameThread reports whether two memories come from one conversation,
// session, upload or split content.
func sameThread(a, b *memory.Memory) bool {
	for _, k := range []string{"session_id", "conversation_id", "upload_id", "original_hash"} {
		if v, ok := a.Metadata[k].(string); ok && v != "" && v == b.Metadata[k] {
			return true
		}
	}
	return false
}

func isError(m *memory.Memory) bool {
	base, _ := memory.BaseType(m.Type)
	return base == "error"
}

func solves(m *memory.Memory) bool {
	if base, _ := memory.BaseType(m.Type); base == "decision" || base == "learning" {
		return true
	}
	for _, w := range memory.Words(m.Content) {
		if slices.Contains(fixWords, w) {
			return true
		}
	}
	return false
}

// sharedTags returns the tags two memories share, sorted, without the
// consolidation's own.
func sharedTags(a, b *memory.Memory) []string {
	var out []string
	for _, t := range a.Tags {
		if slices.Contains(b.Tags, t) && !strings.HasPrefix(t, "consolidation:") {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

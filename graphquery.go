package memory

// Graph queries over the typed relations between memories: neighbours
// within some hops, shortest paths, subgraphs, inferred relations,
// suggested links and the data of the dashboard's graph view.

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"
)

// Bounds of graph queries: deep or wide walks are cut, not slow.
const (
	maxGraphHops  = 6
	maxGraphNodes = 500
)

// Linked is a memory reached from another through the graph.
type Linked struct {
	Hash     string `json:"hash"`
	Distance int    `json:"distance"`
}

// GraphNode is a memory in a subgraph or the graph view.
type GraphNode struct {
	ID        string    `json:"id"`
	Label     string    `json:"label"`
	Type      string    `json:"memory_type"`
	Tags      []string  `json:"tags"`
	Quality   float64   `json:"quality_score" jsonschema:"effective quality (see memory_quality get)"`
	CreatedAt time.Time `json:"created_at"`
	// Degree is the number of edges touching the memory.
	Degree int `json:"degree"`
}

// Subgraph is a set of memories and the edges between them.
type Subgraph struct {
	Nodes []GraphNode `json:"nodes"`
	Edges []Edge      `json:"edges"`
	// Truncated is true when the walk stopped at the node limit.
	Truncated bool `json:"truncated,omitempty"`
}

// Inferred is a relation implied by a chain of edges of one type but not
// stored.
type Inferred struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	Type     string `json:"relationship_type"`
	Distance int    `json:"distance"`
}

// Suggestion is a memory worth linking to another: similar in meaning,
// not yet related.
type Suggestion struct {
	Hash       string  `json:"hash"`
	Similarity float64 `json:"similarity"`
	Preview    string  `json:"content_preview"`
	Type       string  `json:"memory_type"`
}

// hops checks a hop count: 0 means def; 1..maxGraphHops otherwise.
func hops(name string, n, def int) (int, error) {
	switch {
	case n == 0:
		return def, nil
	case n < 1 || n > maxGraphHops:
		return 0, Errorf(EInvalid, "%s must be between 1 and %d, got %d", name, maxGraphHops, n)
	}
	return n, nil
}

// graphStart checks the graph is available and the memory exists.
func (s *Service) graphStart(ctx context.Context, hash string) (*Memory, error) {
	if s.Graph == nil {
		return nil, errNoGraph
	}
	return s.Get(ctx, hash)
}

// walk runs a breadth-first search from start over edges of the given
// types (all if none), calling visit for every edge seen, and returns the
// distance of each memory reached (start at 0). It stops after maxHops or
// maxGraphNodes memories.
func (s *Service) walk(ctx context.Context, start string, maxHops int, types []string, visit func(Edge)) (map[string]int, bool, error) {
	owner := OwnerFrom(ctx)
	dist := map[string]int{start: 0}
	frontier := []string{start}
	truncated := false
	for d := 1; d <= maxHops && len(frontier) > 0 && !truncated; d++ {
		edges, err := s.Graph.Edges(ctx, EdgeFilter{Owner: owner, Hashes: frontier, Types: types})
		if err != nil {
			return nil, false, err
		}
		var next []string
		for _, e := range edges {
			if visit != nil {
				visit(e)
			}
			for _, pair := range [][2]string{{e.Source, e.Target}, {e.Target, e.Source}} {
				from, to := pair[0], pair[1]
				if df, ok := dist[from]; !ok || df != d-1 { // not in the frontier
					continue
				}
				if _, seen := dist[to]; seen {
					continue
				}
				if len(dist) >= maxGraphNodes {
					truncated = true
					break
				}
				dist[to] = d
				next = append(next, to)
			}
		}
		sort.Strings(next)
		frontier = next
	}
	return dist, truncated, nil
}

// Connected returns the memories linked to hash within maxHops edges of
// any type (0 means 2), nearest first, then by hash. Errors: ENotFound,
// EInvalid, EUnavailable without a graph.
func (s *Service) Connected(ctx context.Context, hash string, maxHops int) ([]Linked, error) {
	maxHops, err := hops("max_hops", maxHops, 2)
	if err != nil {
		return nil, err
	}
	m, err := s.graphStart(ctx, hash)
	if err != nil {
		return nil, err
	}
	dist, _, err := s.walk(ctx, m.Hash, maxHops, nil, nil)
	if err != nil {
		return nil, err
	}
	return linkedList(dist, m.Hash), nil
}

func linkedList(dist map[string]int, except string) []Linked {
	out := []Linked{}
	for h, d := range dist {
		if h != except {
			out = append(out, Linked{Hash: h, Distance: d})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Distance != out[j].Distance {
			return out[i].Distance < out[j].Distance
		}
		return out[i].Hash < out[j].Hash
	})
	return out
}

// Path returns a shortest chain of edges from one memory to another, as
// the hashes along it (both ends included), or nil when none is within
// maxDepth edges (0 means 5). Among shortest paths it picks the one whose
// hashes sort first. Errors: ENotFound, EInvalid, EUnavailable.
func (s *Service) Path(ctx context.Context, from, to string, maxDepth int) ([]string, error) {
	maxDepth, err := hops("max_depth", maxDepth, 5)
	if err != nil {
		return nil, err
	}
	a, err := s.graphStart(ctx, from)
	if err != nil {
		return nil, err
	}
	b, err := s.Get(ctx, to)
	if err != nil {
		return nil, err
	}
	if a.Hash == b.Hash {
		return []string{a.Hash}, nil
	}
	adj := map[string][]string{}
	dist, _, err := s.walk(ctx, a.Hash, maxDepth, nil, func(e Edge) {
		adj[e.Source] = append(adj[e.Source], e.Target)
		adj[e.Target] = append(adj[e.Target], e.Source)
	})
	if err != nil {
		return nil, err
	}
	d, ok := dist[b.Hash]
	if !ok {
		return nil, nil
	}
	// Walk back from b through neighbours one step nearer to a.
	path := []string{b.Hash}
	cur := b.Hash
	for step := d - 1; step >= 0; step-- {
		var prev []string
		for _, n := range adj[cur] {
			if dn, ok := dist[n]; ok && dn == step {
				prev = append(prev, n)
			}
		}
		slices.Sort(prev)
		cur = prev[0]
		path = append(path, cur)
	}
	slices.Reverse(path)
	return path, nil
}

// Subgraph returns the memories within radius edges of hash (0 means 2)
// and every edge between them, at most maxGraphNodes memories. Errors:
// ENotFound, EInvalid, EUnavailable.
func (s *Service) Subgraph(ctx context.Context, hash string, radius int) (Subgraph, error) {
	radius, err := hops("radius", radius, 2)
	if err != nil {
		return Subgraph{}, err
	}
	m, err := s.graphStart(ctx, hash)
	if err != nil {
		return Subgraph{}, err
	}
	var seen []Edge
	dist, truncated, err := s.walk(ctx, m.Hash, radius, nil, func(e Edge) { seen = append(seen, e) })
	if err != nil {
		return Subgraph{}, err
	}
	g, err := s.subgraphOf(ctx, dist, seen)
	g.Truncated = truncated
	return g, err
}

// subgraphOf builds the subgraph of the nodes in set from the edges seen.
func (s *Service) subgraphOf(ctx context.Context, set map[string]int, edges []Edge) (Subgraph, error) {
	g := Subgraph{Nodes: []GraphNode{}, Edges: []Edge{}}
	degree := map[string]int{}
	dup := map[[3]string]bool{}
	for _, e := range edges {
		k := [3]string{e.Source, e.Target, e.Type}
		_, okS := set[e.Source]
		_, okT := set[e.Target]
		if !okS || !okT || dup[k] {
			continue
		}
		dup[k] = true
		g.Edges = append(g.Edges, e)
		degree[e.Source]++
		degree[e.Target]++
	}
	byHash, err := s.byHash(ctx, OwnerFrom(ctx), sortedKeys(set))
	if err != nil {
		return g, err
	}
	now := s.now()
	for _, h := range sortedKeys(set) {
		if m := byHash[h]; m != nil {
			g.Nodes = append(g.Nodes, nodeOf(m, degree[h], now))
		}
	}
	sort.Slice(g.Edges, func(i, j int) bool { return edgeLess(g.Edges[i], g.Edges[j]) })
	return g, nil
}

// nodeOf describes a memory as a graph node, with its effective quality.
func nodeOf(m *Memory, degree int, now time.Time) GraphNode {
	return GraphNode{ID: m.Hash, Label: Clip(m.Content, 80), Type: m.Type, Tags: m.Tags, Quality: round3(EffectiveQuality(m, now)),
		CreatedAt: m.CreatedAt, Degree: degree}
}

func edgeLess(a, b Edge) bool {
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	if a.Target != b.Target {
		return a.Target < b.Target
	}
	return a.Type < b.Type
}

// maxInferred bounds the relations Infer returns.
const maxInferred = 200

// Infer finds relations implied by chains of edges of one type (""
// means related) that are not stored: from hash when given, memories 2
// to maxHops (0 means 2) such edges away; otherwise, across the caller's
// graph, pairs two such edges apart. Directed types follow their
// direction (a causes b causes c implies a causes c). At most 200,
// nearest first. Errors: EInvalid (unknown type), ENotFound,
// EUnavailable.
func (s *Service) Infer(ctx context.Context, hash, relType string, maxHops int) ([]Inferred, error) {
	relType = strings.ToLower(strings.TrimSpace(relType))
	if relType == "" {
		relType = RelRelated
	}
	if !ValidRelation(relType) {
		return nil, Errorf(EInvalid, "rel_type must be one of %s, got %q", strings.Join(RelationTypes(), ", "), relType)
	}
	maxHops, err := hops("max_hops", maxHops, 2)
	if err != nil {
		return nil, err
	}
	if s.Graph == nil {
		return nil, errNoGraph
	}
	owner := OwnerFrom(ctx)
	var edges []Edge
	if hash = strings.TrimSpace(hash); hash != "" {
		m, err := s.Get(ctx, hash)
		if err != nil {
			return nil, err
		}
		hash = m.Hash
		if _, _, err := s.walk(ctx, m.Hash, maxHops, []string{relType}, func(e Edge) { edges = append(edges, e) }); err != nil {
			return nil, err
		}
	} else {
		if edges, err = s.Graph.Edges(ctx, EdgeFilter{Owner: owner, Types: []string{relType}, Limit: 20000}); err != nil {
			return nil, err
		}
		maxHops = 2
	}
	out := inferFrom(edges, relType, hash, maxHops)
	return out, nil
}

// inferFrom computes the implied relations of edges (see Infer).
func inferFrom(edges []Edge, relType, from string, maxHops int) []Inferred {
	sym := SymmetricRelation(relType)
	adj := map[string][]string{}
	direct := map[[2]string]bool{}
	for _, e := range edges {
		adj[e.Source] = append(adj[e.Source], e.Target)
		direct[[2]string{e.Source, e.Target}] = true
		if sym {
			adj[e.Target] = append(adj[e.Target], e.Source)
			direct[[2]string{e.Target, e.Source}] = true
		}
	}
	for k := range adj {
		slices.Sort(adj[k])
		adj[k] = slices.Compact(adj[k])
	}
	starts := []string{from}
	if from == "" {
		starts = sortedKeys(adj)
	}
	var out []Inferred
	seen := map[[2]string]bool{}
	for _, st := range starts {
		dist := map[string]int{st: 0}
		frontier := []string{st}
		for d := 1; d <= maxHops && len(frontier) > 0; d++ {
			var next []string
			for _, n := range frontier {
				for _, t := range adj[n] {
					if _, ok := dist[t]; ok {
						continue
					}
					dist[t] = d
					next = append(next, t)
					if d < 2 || direct[[2]string{st, t}] {
						continue
					}
					k := [2]string{st, t}
					if sym && t < st {
						k = [2]string{t, st}
					}
					if seen[k] {
						continue
					}
					seen[k] = true
					out = append(out, Inferred{Source: k[0], Target: k[1], Type: relType, Distance: d})
				}
			}
			slices.Sort(next)
			frontier = next
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Distance != out[j].Distance {
			return out[i].Distance < out[j].Distance
		}
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].Target < out[j].Target
	})
	return out[:min(len(out), maxInferred)]
}

// Suggest returns memories similar in meaning to hash (by its vector, or
// its words without one) that no edge links to it yet: candidates for a
// relation. Limit is 1..100 (0 means 10). Errors: ENotFound, EInvalid,
// EUnavailable.
func (s *Service) Suggest(ctx context.Context, hash string, limit int) ([]Suggestion, error) {
	switch {
	case limit == 0:
		limit = 10
	case limit < 0 || limit > 100:
		return nil, Errorf(EInvalid, "limit must be between 1 and 100, got %d", limit)
	}
	m, err := s.graphStart(ctx, hash)
	if err != nil {
		return nil, err
	}
	edges, err := s.Graph.Edges(ctx, EdgeFilter{Owner: m.Owner, Hashes: []string{m.Hash}, IncludeSuperseded: true})
	if err != nil {
		return nil, err
	}
	linked := map[string]bool{}
	for _, e := range edges {
		linked[e.Other(m.Hash)] = true
	}
	sim, err := s.Similar(ctx, m.Hash, min(100, limit+len(linked)))
	if err != nil {
		return nil, err
	}
	out := []Suggestion{}
	for _, r := range sim.Results {
		if linked[r.Hash] || len(out) == limit {
			continue
		}
		out = append(out, Suggestion{Hash: r.Hash, Similarity: round3(r.Score), Preview: Clip(r.Content, 100), Type: r.Type})
	}
	return out, nil
}

// GraphView is the data of the dashboard's graph: the most connected
// memories and the edges between them (D3's nodes and links).
type GraphView struct {
	Nodes []GraphNode `json:"nodes"`
	Edges []Edge      `json:"edges"`
	Meta  GraphMeta   `json:"meta"`
}

// GraphMeta describes a GraphView.
type GraphMeta struct {
	NodeCount         int              `json:"node_count"`
	EdgeCount         int              `json:"edge_count"`
	TotalEdges        int64            `json:"total_edges"`
	RelationshipTypes map[string]int64 `json:"relationship_types"`
	Limit             int              `json:"limit"`
	MinConnections    int              `json:"min_connections"`
}

// GraphView returns the caller's limit most connected memories (1..500)
// having at least minConnections edges (0 means 1), and the edges between
// them. Errors: EInvalid, EUnavailable.
func (s *Service) GraphView(ctx context.Context, limit, minConnections int) (GraphView, error) {
	v := GraphView{Nodes: []GraphNode{}, Edges: []Edge{}, Meta: GraphMeta{Limit: limit, MinConnections: max(minConnections, 1)}}
	switch {
	case s.Graph == nil:
		return v, errNoGraph
	case limit < 1 || limit > maxGraphNodes:
		return v, Errorf(EInvalid, "limit must be between 1 and %d, got %d", maxGraphNodes, limit)
	case minConnections < 0:
		return v, Errorf(EInvalid, "min_connections must be 0 or more, got %d", minConnections)
	}
	owner := OwnerFrom(ctx)
	counts, err := s.Graph.EdgeCounts(ctx, owner)
	if err != nil {
		return v, err
	}
	v.Meta.RelationshipTypes = counts
	for _, n := range counts {
		v.Meta.TotalEdges += n
	}
	hubs, err := s.Graph.Hubs(ctx, owner, v.Meta.MinConnections, limit)
	if err != nil {
		return v, err
	}
	set := make(map[string]int, len(hubs))
	hashes := make([]string, len(hubs))
	for i, h := range hubs {
		set[h.Hash], hashes[i] = h.Degree, h.Hash
	}
	var edges []Edge
	if len(hashes) > 0 {
		if edges, err = s.Graph.Edges(ctx, EdgeFilter{Owner: owner, Hashes: hashes}); err != nil {
			return v, err
		}
	}
	g, err := s.subgraphOf(ctx, set, edges)
	if err != nil {
		return v, err
	}
	for i := range g.Nodes {
		g.Nodes[i].Degree = set[g.Nodes[i].ID] // degree in the whole graph, not the view
	}
	v.Nodes, v.Edges = g.Nodes, g.Edges
	v.Meta.NodeCount, v.Meta.EdgeCount = len(v.Nodes), len(v.Edges)
	return v, nil
}

// RelationshipCounts returns the number of the caller's edges of each
// relation type. EUnavailable without a graph.
func (s *Service) RelationshipCounts(ctx context.Context) (map[string]int64, error) {
	if s.Graph == nil {
		return nil, errNoGraph
	}
	return s.Graph.EdgeCounts(ctx, OwnerFrom(ctx))
}

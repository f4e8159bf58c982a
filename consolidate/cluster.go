package consolidate

// Clustering: DBSCAN over the batch's neighbourhoods. A batch memory with
// at least minPts−1 neighbours at ClusterSimilarity or more (calibrated)
// is a core; cores that are such neighbours of each other share a
// cluster; other neighbours of a core join its cluster as border members.
// Clusters smaller than ClusterMinSize are dropped; larger than
// ClusterMaxSize, they are split at a higher similarity.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	memory "github.com/mcp-memory-go/memory"
)

// cluster is a group of similar memories.
type cluster struct {
	id       string
	members  []string // sorted hashes
	centroid []float32
	meanSim  float64 // mean similarity of the members to the centroid
	keywords []string
}

// minPts is DBSCAN's density threshold: upstream's max(2, size/2).
func (c Config) minPts() int { return max(2, c.ClusterMinSize/2) }

// cluster groups the batch's memories (see the file comment), splits
// clusters above ClusterMaxSize, and reports them.
func (p *pass) cluster() {
	cfg := p.c.Config
	var groups [][]string
	for _, g := range p.dbscan(nil, cfg.ClusterSimilarity) {
		parts := p.split(g, cfg.ClusterSimilarity, 0)
		if len(g) > cfg.ClusterMaxSize && len(parts) == 0 {
			p.report.Notes = append(p.report.Notes, fmt.Sprintf("a group of %d similar memories could not be split into clusters of at most %d; left unclustered", len(g), cfg.ClusterMaxSize))
		}
		groups = append(groups, parts...)
	}
	for _, ms := range groups {
		p.clusters = append(p.clusters, p.describe(ms))
	}
	rep := &p.report.Clustering
	for _, c := range p.clusters {
		rep.Count++
		if len(rep.Clusters) < maxListed {
			rep.Clusters = append(rep.Clusters, ClusterInfo{ID: c.id, Size: len(c.members), Members: c.members,
				Keywords: c.keywords, MeanSimilarity: round3(c.meanSim)})
		}
	}
}

// split returns a group as it is when it is small enough, else its
// clusters at a higher similarity, recursively; groups that cannot be
// split below ClusterMaxSize are dropped.
func (p *pass) split(g []string, t float64, depth int) [][]string {
	cfg := p.c.Config
	switch {
	case len(g) < cfg.ClusterMinSize:
		return nil
	case len(g) <= cfg.ClusterMaxSize:
		return [][]string{g}
	case depth >= 8:
		return nil
	}
	within := make(map[string]bool, len(g))
	for _, h := range g {
		within[h] = true
	}
	t += (1 - t) / 3
	var out [][]string
	for _, sub := range p.dbscan(within, t) {
		out = append(out, p.split(sub, t, depth+1)...)
	}
	return out
}

// dbscan returns the clusters of the batch's memories at calibrated
// similarity t, among the memories of within (nil: any), each sorted, in
// the order of their smallest hash.
func (p *pass) dbscan(within map[string]bool, t float64) [][]string {
	cfg := p.c.Config
	eps := func(h string) []neighbour {
		var out []neighbour
		for _, n := range p.nbrs[h] {
			if n.sim >= t && n.m.EmbeddingModel == p.known[h].EmbeddingModel && (within == nil || within[n.m.Hash]) {
				out = append(out, n)
			}
		}
		return out
	}
	core := map[string]bool{}
	for _, m := range p.batch {
		if (within == nil || within[m.Hash]) && len(eps(m.Hash))+1 >= cfg.minPts() {
			core[m.Hash] = true
		}
	}
	// Union-find over cores; the root of a set is its smallest hash.
	parent := map[string]string{}
	var find func(string) string
	find = func(h string) string {
		if parent[h] == h {
			return h
		}
		parent[h] = find(parent[h])
		return parent[h]
	}
	cores := slices.Sorted(maps.Keys(core))
	for _, h := range cores {
		parent[h] = h
	}
	for _, h := range cores {
		for _, n := range eps(h) {
			if core[n.m.Hash] {
				ra, rb := find(h), find(n.m.Hash)
				if rb < ra {
					ra, rb = rb, ra
				}
				parent[rb] = ra
			}
		}
	}
	// Border members join the cluster of their most similar core.
	owner := map[string]string{}
	best := map[string]float64{}
	for _, h := range cores {
		owner[h] = find(h)
	}
	for _, h := range cores {
		for _, n := range eps(h) {
			b := n.m.Hash
			if core[b] {
				continue
			}
			if s, ok := best[b]; !ok || n.sim > s || (n.sim == s && find(h) < owner[b]) {
				best[b], owner[b] = n.sim, find(h)
			}
		}
	}
	groups := map[string][]string{}
	for h, root := range owner {
		groups[root] = append(groups[root], h)
	}
	var out [][]string
	for _, root := range slices.Sorted(maps.Keys(groups)) {
		g := groups[root]
		slices.Sort(g)
		out = append(out, g)
	}
	return out
}

// describe makes a cluster of sorted member hashes: its id (from the
// members), centroid, cohesion and keywords.
func (p *pass) describe(members []string) cluster {
	sum := sha256.Sum256([]byte(strings.Join(members, ",")))
	c := cluster{id: hex.EncodeToString(sum[:6]), members: members}
	dim := len(p.known[members[0]].Embedding)
	c.centroid = make([]float32, dim)
	for _, h := range members {
		for i, x := range p.known[h].Embedding {
			c.centroid[i] += x
		}
	}
	unit(c.centroid)
	for _, h := range members {
		c.meanSim += memory.Cosine(c.centroid, p.known[h].Embedding)
	}
	c.meanSim /= float64(len(members))
	c.keywords = p.keywords(members)
	return c
}

// keywords names a cluster's theme: tags most members share, then its
// most frequent content words, at most five.
func (p *pass) keywords(members []string) []string {
	tagN, wordN := map[string]int{}, map[string]int{}
	for _, h := range members {
		m := p.known[h]
		for _, t := range m.Tags {
			if !strings.HasPrefix(t, "consolidation:") {
				tagN[t]++
			}
		}
		seen := map[string]bool{}
		for _, w := range memory.QueryTerms(m.Content) {
			if len(w) > 2 && !seen[w] {
				seen[w] = true
				wordN[w]++
			}
		}
	}
	var out []string
	for _, counts := range []map[string]int{tagN, wordN} {
		keys := slices.Sorted(maps.Keys(counts))
		sort.SliceStable(keys, func(i, j int) bool { return counts[keys[i]] > counts[keys[j]] })
		for _, k := range keys {
			if len(out) == 5 || counts[k]*2 < len(members) {
				break
			}
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// unit scales v to unit length in place.
func unit(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range v {
		v[i] *= inv
	}
}

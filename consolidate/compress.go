package consolidate

// Compression: one extractive summary memory per cluster, linked to its
// members by summarizes edges. The members stay as they are.

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	memory "github.com/mcp-memory-go/memory"
)

// SummaryType is the memory type of summaries (upstream's).
const SummaryType = "pattern"

// compress writes a summary for each cluster that no current summary
// covers already. A summary covering at least half of a cluster that has
// grown is superseded by the new one.
func (p *pass) compress(ctx context.Context) error {
	rep := &p.report.Compression
	for _, c := range p.clusters {
		covered, err := p.summariesOf(ctx, c)
		if err != nil {
			return err
		}
		best, n := "", 0
		for _, s := range slices.Sorted(maps.Keys(covered)) {
			if covered[s] > n {
				best, n = s, covered[s]
			}
		}
		if n == len(c.members) {
			rep.Skipped++
			continue
		}
		supersede := ""
		if 2*n >= len(c.members) {
			supersede = best
		}
		content := p.summaryText(c)
		info := SummaryInfo{Hash: memory.ContentHash(content), ClusterID: c.id, Members: len(c.members), Supersedes: supersede, Preview: memory.Clip(content, 100)}
		p.summarized(c)
		if p.dry {
			rep.Created++
			rep.Summary = appendCapped(rep.Summary, info)
			continue
		}
		res, err := p.svc().Store(p.ownerCtx(ctx), memory.StoreRequest{Content: content, Type: SummaryType, Tags: p.summaryTags(c),
			SkipSemanticDedup: true, Metadata: map[string]any{
				"origin": "consolidation", "cluster_id": c.id, "members": c.members, "member_count": len(c.members),
				"keywords": c.keywords, "horizon": string(p.h), "mean_similarity": round3(c.meanSim)}})
		if memory.ErrorCode(err) == memory.EConflict {
			rep.Skipped++ // the same summary exists (a superseded one, or stored meanwhile)
			continue
		}
		if err != nil {
			return fmt.Errorf("storing the summary of cluster %s: %w", c.id, err)
		}
		sum := res.Memories[0]
		info.Hash = sum.Hash
		edges := make([]memory.Edge, 0, len(c.members))
		for _, h := range c.members {
			edges = append(edges, memory.Edge{Owner: p.owner, Source: sum.Hash, Target: h, Type: memory.RelSummarizes,
				Similarity: round3(memory.Cosine(c.centroid, p.known[h].Embedding)), CreatedAt: p.now, UpdatedAt: p.now,
				Metadata: map[string]any{"origin": "consolidation", "cluster_id": c.id}})
		}
		if _, err := p.c.graph().PutEdges(ctx, edges); err != nil {
			return err
		}
		if supersede != "" {
			if err := p.svc().Supersede(p.ownerCtx(ctx), supersede, sum.Hash); err != nil && memory.ErrorCode(err) == memory.EInternal {
				return err
			}
		}
		rep.Created++
		rep.Summary = appendCapped(rep.Summary, info)
	}
	return nil
}

// summarized keeps a cluster's members out of this pass's forgetting:
// nobody should find a summary whose members vanished the same night.
// Later passes may archive them like any other memory.
func (p *pass) summarized(c cluster) {
	for _, h := range c.members {
		p.justSummarized[h] = true
	}
}

// summariesOf counts, for each current summary, how many of the
// cluster's members it covers.
func (p *pass) summariesOf(ctx context.Context, c cluster) (map[string]int, error) {
	edges, err := p.c.graph().Edges(ctx, memory.EdgeFilter{Owner: p.owner, Hashes: c.members, Types: []string{memory.RelSummarizes}})
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, e := range edges {
		if slices.Contains(c.members, e.Target) {
			out[e.Source]++
		}
	}
	return out, nil
}

// summaryText is the extractive summary of a cluster: a header naming its
// theme, then the first sentence of each member, the most central first,
// as many as fit in SummaryMaxLength.
func (p *pass) summaryText(c cluster) string {
	limit := p.c.Config.SummaryMaxLength
	if m := p.svc().MaxContentLength; m > 0 && m < limit {
		limit = m
	}
	type line struct {
		hash string
		sim  float64
		text string
	}
	lines := make([]line, 0, len(c.members))
	for _, h := range c.members {
		m := p.known[h]
		lines = append(lines, line{h, memory.Cosine(c.centroid, m.Embedding), memory.Clip(firstSentence(m.Content), 160)})
	}
	sort.Slice(lines, func(i, j int) bool {
		if lines[i].sim != lines[j].sim {
			return lines[i].sim > lines[j].sim
		}
		return lines[i].hash < lines[j].hash
	})
	var b strings.Builder
	fmt.Fprintf(&b, "Summary of %d related memories", len(c.members))
	if len(c.keywords) > 0 {
		fmt.Fprintf(&b, " (theme: %s)", strings.Join(c.keywords, ", "))
	}
	b.WriteString(":")
	seen := map[string]bool{}
	for i, l := range lines {
		if seen[strings.ToLower(l.text)] {
			continue
		}
		entry := "\n- " + l.text
		if i > 0 && utf8.RuneCountInString(b.String())+utf8.RuneCountInString(entry) > limit {
			break
		}
		seen[strings.ToLower(l.text)] = true
		b.WriteString(entry)
	}
	return memory.Clip(b.String(), limit-1)
}

// firstSentence returns the text up to the end of its first sentence or
// line.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	for i := 0; i+1 < len(s); i++ {
		if (s[i] == '.' || s[i] == '!' || s[i] == '?') && s[i+1] == ' ' {
			return s[:i+1]
		}
	}
	return s
}

// summaryTags are the summary tag and the tags most members share.
func (p *pass) summaryTags(c cluster) []string {
	n := map[string]int{}
	for _, h := range c.members {
		for _, t := range p.known[h].Tags {
			n[t]++
		}
	}
	tags := []string{memory.SummaryTag}
	for _, t := range slices.Sorted(maps.Keys(n)) {
		if 2*n[t] >= len(c.members) && len(tags) < 10 && !strings.HasPrefix(t, "consolidation:") {
			tags = append(tags, t)
		}
	}
	return tags
}

func appendCapped[T any](s []T, v T) []T {
	if len(s) >= maxListed {
		return s
	}
	return append(s, v)
}

package consolidate

// Forgetting: memories that no longer matter move to the archive, listed
// and restorable; nothing is deleted.

import (
	"context"
	"fmt"
	"math"
	"sort"

	memory "github.com/mcp-memory-go/memory"
)

// qualityRetention is how many days of disuse a memory of effective
// quality q is kept for: high 365, medium 180, low 30..90 rising with q.
func (c Config) qualityRetention(q float64) float64 {
	switch {
	case q >= memory.HighQuality:
		return float64(c.QualityRetentionHigh)
	case q >= memory.MediumQuality:
		return float64(c.QualityRetentionMed)
	}
	lo, hi := float64(c.QualityRetentionLowMin), float64(c.QualityRetentionLowMax)
	return lo + (hi-lo)*math.Max(0, q)/memory.MediumQuality
}

// forget archives the batch's memories that decayed and went unused (see
// Config), least relevant first, at most ForgetMaxShare of the batch.
// Protected memories, members of a cluster summarised in this pass and
// superseded versions are kept.
func (p *pass) forget(ctx context.Context) error {
	cfg := p.c.Config
	rep := &p.report.Forgetting
	type cand struct {
		m      *memory.Memory
		rel    float64
		reason string
	}
	var cands []cand
	for _, m := range p.batch {
		if m.SupersededBy != "" {
			continue
		}
		rel, ok := p.relevance[m.Hash]
		if !ok {
			rel = cfg.Relevance(m, p.degree[m.Hash], p.now)
		}
		idle := days(lastUse(m), p.now)
		if protected(m) || p.justSummarized[m.Hash] {
			if idle >= float64(cfg.ForgetAccessDays) {
				rep.Protected++ // unused long enough, kept regardless
			}
			continue
		}
		var reason string
		switch q := memory.EffectiveQuality(m, p.now); {
		case temporary(m) && idle > float64(cfg.RetentionTemporary):
			reason = fmt.Sprintf("temporary memory unused for %.0f days", idle)
		case rel < cfg.ForgetRelevance && idle >= math.Max(float64(cfg.ForgetAccessDays), cfg.qualityRetention(q)):
			reason = fmt.Sprintf("relevance %.3f below %.2g; unused for %.0f days (quality %.2f keeps %.0f)",
				rel, cfg.ForgetRelevance, idle, q, cfg.qualityRetention(q))
		default:
			continue
		}
		cands = append(cands, cand{m, rel, reason})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].rel != cands[j].rel {
			return cands[i].rel < cands[j].rel
		}
		return cands[i].m.Hash < cands[j].m.Hash
	})
	rep.Candidates += len(cands)
	limit := 0
	if cfg.ForgetMaxShare > 0 {
		limit = max(1, int(cfg.ForgetMaxShare*float64(len(p.batch))))
	}
	if len(cands) > limit {
		rep.Capped += len(cands) - limit
		cands = cands[:limit]
	}
	for _, c := range cands {
		reason := fmt.Sprintf("%s consolidation: %s", p.h, c.reason)
		if !p.dry {
			done, err := p.svc().ArchiveMemories(p.ownerCtx(ctx), []string{c.m.Hash}, reason)
			if err != nil {
				return err
			}
			if len(done) == 0 {
				continue // deleted or archived meanwhile
			}
		}
		rep.Count++
		if len(rep.Archived) < maxListed {
			rep.Archived = append(rep.Archived, Archived{Hash: c.m.Hash, Relevance: c.rel, Reason: reason, Preview: memory.Clip(c.m.Content, 100)})
		}
		p.archived[c.m.Hash] = true
	}
	return nil
}

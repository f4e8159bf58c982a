package main

// Configuration of consolidation, conflicts, quality and mistake notes:
// upstream's MCP_CONSOLIDATION_*, MCP_SCHEDULE_*, MCP_QUALITY_* names and
// ours for the knobs upstream lacks.

import (
	"fmt"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
)

// CurationConfig is what the environment says about consolidation,
// conflicts, quality and mistake notes.
type CurationConfig struct {
	// Enabled (MCP_CONSOLIDATION_ENABLED, false) runs the scheduler; manual
	// passes (memory_consolidate, /api/consolidation/trigger, `memory
	// consolidate run`) work either way.
	Enabled   bool
	Pass      consolidate.Config
	Schedules map[consolidate.Horizon]*consolidate.Schedule

	QualityBoost       float64
	ConflictDetection  bool
	ConflictSimilarity float64
	ConflictDivergence float64
	MistakeThreshold   float64
	// Warnings are settings accepted but without effect here.
	Warnings []string
}

// loadCuration reads the curation settings, adding errors to p.
func loadCuration(getenv func(string) string, p envParser) CurationConfig {
	c := CurationConfig{Pass: consolidate.DefaultConfig(), Schedules: map[consolidate.Horizon]*consolidate.Schedule{},
		ConflictDetection: true, ConflictSimilarity: 0.95, ConflictDivergence: 0.2, MistakeThreshold: 0.85}
	cfg := &c.Pass
	boolVar := func(name string, dst *bool) {
		if v, ok := p.bool(name); ok {
			*dst = v
		}
	}
	intVar := func(name string, dst *int, lo, hi int) {
		if v, ok := p.int(name, lo, hi); ok {
			*dst = v
		}
	}
	floatVar := func(name string, dst *float64, lo, hi float64) {
		if v, ok := p.float(name, lo, hi); ok {
			*dst = v
		}
	}
	boolVar("MCP_CONSOLIDATION_ENABLED", &c.Enabled)
	intVar("MCP_CONSOLIDATION_BATCH_SIZE", &cfg.BatchSize, 1, 1_000_000)
	boolVar("MCP_CONSOLIDATION_INCREMENTAL", &cfg.Incremental)
	boolVar("MCP_DECAY_ENABLED", &cfg.Decay)
	intVar("MCP_RETENTION_CRITICAL", &cfg.RetentionCritical, 1, 36500)
	intVar("MCP_RETENTION_REFERENCE", &cfg.RetentionReference, 1, 36500)
	intVar("MCP_RETENTION_STANDARD", &cfg.RetentionStandard, 1, 36500)
	intVar("MCP_RETENTION_TEMPORARY", &cfg.RetentionTemporary, 1, 36500)
	boost := true
	boolVar("MCP_CONSOLIDATION_QUALITY_BOOST_ENABLED", &boost)
	intVar("MCP_CONSOLIDATION_MIN_CONNECTIONS_FOR_BOOST", &cfg.MinConnectionsForBoost, 1, 1000)
	floatVar("MCP_CONSOLIDATION_QUALITY_BOOST_FACTOR", &cfg.ConnectionBoost, 1, 2)
	if !boost {
		cfg.ConnectionBoost = 1
	}
	boolVar("MCP_ASSOCIATIONS_ENABLED", &cfg.Associations)
	floatVar("MCP_ASSOCIATION_MIN_SIMILARITY", &cfg.AssociationMin, 0, 1)
	floatVar("MCP_ASSOCIATION_MAX_SIMILARITY", &cfg.AssociationMax, 0, 1)
	intVar("MCP_ASSOCIATION_MAX_PAIRS", &cfg.MaxPairs, 1, 1_000_000)
	boolVar("MCP_TYPED_EDGES_ENABLED", &cfg.TypedEdges)
	intVar("MCP_ASSOCIATION_MAX_PER_MEMORY", &cfg.MaxAssociationsPerMemory, 1, 1000)
	boolVar("MCP_CLUSTERING_ENABLED", &cfg.Clustering)
	intVar("MCP_CLUSTERING_MIN_SIZE", &cfg.ClusterMinSize, 2, 1000)
	floatVar("MCP_CLUSTERING_MIN_SIMILARITY", &cfg.ClusterSimilarity, 0.01, 1)
	intVar("MCP_CLUSTERING_MAX_SIZE", &cfg.ClusterMaxSize, 2, 100_000)
	boolVar("MCP_COMPRESSION_ENABLED", &cfg.Compression)
	intVar("MCP_COMPRESSION_MAX_LENGTH", &cfg.SummaryMaxLength, 100, 100_000)
	boolVar("MCP_FORGETTING_ENABLED", &cfg.Forgetting)
	floatVar("MCP_FORGETTING_RELEVANCE_THRESHOLD", &cfg.ForgetRelevance, 0, 10)
	intVar("MCP_FORGETTING_ACCESS_THRESHOLD", &cfg.ForgetAccessDays, 0, 36500)
	floatVar("MCP_FORGETTING_MAX_SHARE", &cfg.ForgetMaxShare, 0, 1)
	intVar("MCP_QUALITY_RETENTION_HIGH", &cfg.QualityRetentionHigh, 1, 36500)
	intVar("MCP_QUALITY_RETENTION_MEDIUM", &cfg.QualityRetentionMed, 1, 36500)
	intVar("MCP_QUALITY_RETENTION_LOW_MIN", &cfg.QualityRetentionLowMin, 1, 36500)
	intVar("MCP_QUALITY_RETENTION_LOW_MAX", &cfg.QualityRetentionLowMax, 1, 36500)
	if err := cfg.Validate(); err != nil {
		*p.errs = append(*p.errs, err.Error())
	}

	for _, h := range consolidate.Horizons() {
		name := "MCP_SCHEDULE_" + strings.ToUpper(string(h))
		s, err := consolidate.ParseSchedule(h, p.getenv(name), time.Local)
		if err != nil {
			*p.errs = append(*p.errs, memory.ErrorMessage(err))
			continue
		}
		if s != nil {
			c.Schedules[h] = s
		}
	}
	if len(c.Schedules) > 0 && !c.Enabled {
		c.Warnings = append(c.Warnings, "MCP_SCHEDULE_* is set but MCP_CONSOLIDATION_ENABLED is not true: scheduled consolidation stays off")
	}
	if c.Enabled && len(c.Schedules) == 0 {
		c.Warnings = append(c.Warnings, "MCP_CONSOLIDATION_ENABLED is true but every MCP_SCHEDULE_* is disabled: nothing is scheduled")
	}

	quality := false
	boolVar("MCP_QUALITY_BOOST_ENABLED", &quality)
	weight := 0.3
	floatVar("MCP_QUALITY_BOOST_WEIGHT", &weight, 0, 1)
	if quality {
		c.QualityBoost = weight
	}
	boolVar("MCP_CONFLICT_DETECTION_ENABLED", &c.ConflictDetection)
	floatVar("MCP_CONFLICT_SIMILARITY_THRESHOLD", &c.ConflictSimilarity, 0, 1)
	floatVar("MCP_CONFLICT_DIVERGENCE_THRESHOLD", &c.ConflictDivergence, 0, 1)
	floatVar("MCP_MISTAKE_NOTE_DEDUP_THRESHOLD", &c.MistakeThreshold, 0, 1)

	for name, why := range map[string]string{
		"MCP_CONSOLIDATION_ARCHIVE_PATH":       "archived memories stay in the database (memory consolidate archive list)",
		"MCP_MEMORY_ARCHIVE_PATH":              "archived memories stay in the database (memory consolidate archive list)",
		"MCP_GRAPH_STORAGE_MODE":               "associations are always graph edges, never memories",
		"MCP_CONSOLIDATION_STORE_ASSOCIATIONS": "associations are always graph edges, never memories",
	} {
		if p.getenv(name) != "" {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s is ignored: %s", name, why))
		}
	}
	if v := strings.ToLower(strings.TrimSpace(p.getenv("MCP_CLUSTERING_ALGORITHM"))); v != "" && v != "dbscan" {
		c.Warnings = append(c.Warnings, fmt.Sprintf("MCP_CLUSTERING_ALGORITHM=%s is not available: clustering uses dbscan", v))
	}
	if v, ok := p.bool("MCP_COMPRESSION_PRESERVE_ORIGINALS"); ok && !v {
		c.Warnings = append(c.Warnings, "MCP_COMPRESSION_PRESERVE_ORIGINALS=false is ignored: summaries never replace their members")
	}
	return c
}

// apply sets the service's curation settings.
func (c CurationConfig) apply(svc *memory.Service) {
	svc.QualityBoost = c.QualityBoost
	svc.ConflictDetection = c.ConflictDetection
	svc.ConflictSimilarity = c.ConflictSimilarity
	svc.ConflictDivergence = c.ConflictDivergence
	svc.MistakeDedupThreshold = c.MistakeThreshold
}

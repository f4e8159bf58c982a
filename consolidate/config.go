package consolidate

import (
	"fmt"
	"strings"
)

// Config holds the knobs of a pass, with upstream's names in the comments
// (MCP_…). DefaultConfig has upstream's defaults.
type Config struct {
	// BatchSize is how many memories a pass processes (…_BATCH_SIZE,
	// 500). With Incremental (…_INCREMENTAL, true) a pass takes the
	// memories least recently consolidated; without, it processes every
	// memory of the horizon's window, BatchSize at a time.
	BatchSize   int
	Incremental bool

	// Decay scores relevance (MCP_DECAY_ENABLED). Retention is the number
	// of days over which relevance decays by a factor e, by class
	// (MCP_RETENTION_CRITICAL 365, _REFERENCE 180, _STANDARD 30,
	// _TEMPORARY 7); memory types have their own (decision 365, learning
	// 180, pattern 90), never above RetentionCritical.
	Decay              bool
	RetentionCritical  int
	RetentionReference int
	RetentionStandard  int
	RetentionTemporary int
	// A memory with at least MinConnectionsForBoost edges
	// (MCP_CONSOLIDATION_MIN_CONNECTIONS_FOR_BOOST, 5) has its relevance
	// multiplied by ConnectionBoost (…_QUALITY_BOOST_FACTOR, 1.2).
	MinConnectionsForBoost int
	ConnectionBoost        float64

	// Similarities are calibrated for the embedding model first (see
	// memory.Calibrated), so these thresholds mean the same for GloVe-SIF,
	// where unrelated sentences score about 0.8, as for MiniLM.
	//
	// Associations links pairs whose similarity lies in [AssociationMin,
	// AssociationMax] (MCP_ASSOCIATIONS_ENABLED, MCP_ASSOCIATION_MIN/
	// MAX_SIMILARITY 0.3, 0.7): related, not duplicates. At most MaxPairs
	// (MCP_ASSOCIATION_MAX_PAIRS, 1000) new edges a pass, found among the
	// Neighbours (16) nearest memories of each one. TypedEdges
	// (MCP_TYPED_EDGES_ENABLED) labels edges fixes or follows when the
	// evidence is clear, related otherwise.
	Associations   bool
	AssociationMin float64
	AssociationMax float64
	MaxPairs       int
	Neighbours     int
	TypedEdges     bool
	// MaxAssociationsPerMemory (MCP_ASSOCIATION_MAX_PER_MEMORY, 5) keeps
	// the graph sparse: a memory gets no more associations past it.
	MaxAssociationsPerMemory int

	// Clustering groups memories at least ClusterSimilarity alike
	// (MCP_CLUSTERING_MIN_SIMILARITY, 0.75) into clusters of at least
	// ClusterMinSize (MCP_CLUSTERING_MIN_SIZE, 5), DBSCAN-style.
	Clustering        bool
	ClusterMinSize    int
	ClusterSimilarity float64
	// ClusterMaxSize (MCP_CLUSTERING_MAX_SIZE, 50) splits larger clusters
	// by raising the similarity they need, so that a chain of near
	// memories never becomes one cluster of everything.
	ClusterMaxSize int

	// Compression writes a summary memory of at most SummaryMaxLength
	// characters (MCP_COMPRESSION_MAX_LENGTH, 500) per cluster; the
	// members stay.
	Compression      bool
	SummaryMaxLength int

	// Forgetting archives memories whose relevance is below
	// ForgetRelevance (MCP_FORGETTING_RELEVANCE_THRESHOLD, 0.1) and that
	// were not used for ForgetAccessDays (MCP_FORGETTING_ACCESS_THRESHOLD,
	// 90) nor for their quality's retention (MCP_QUALITY_RETENTION_HIGH
	// 365 for quality >= 0.7, _MEDIUM 180 for >= 0.5, _LOW_MIN.._LOW_MAX
	// 30..90 below), and expired temporary memories; at most
	// ForgetMaxShare of a batch (MCP_FORGETTING_MAX_SHARE, 0.1), so that a
	// mistake never empties a store.
	Forgetting             bool
	ForgetRelevance        float64
	ForgetAccessDays       int
	ForgetMaxShare         float64
	QualityRetentionHigh   int
	QualityRetentionMed    int
	QualityRetentionLowMin int
	QualityRetentionLowMax int
}

// DefaultConfig returns upstream's defaults, plus ours for the knobs it
// lacks (Neighbours, MaxAssociationsPerMemory, ClusterSimilarity,
// ClusterMaxSize, ForgetMaxShare).
func DefaultConfig() Config {
	return Config{
		BatchSize: 500, Incremental: true,
		Decay: true, RetentionCritical: 365, RetentionReference: 180, RetentionStandard: 30, RetentionTemporary: 7,
		MinConnectionsForBoost: 5, ConnectionBoost: 1.2,
		Associations: true, AssociationMin: 0.3, AssociationMax: 0.7, MaxPairs: 1000, Neighbours: 16, TypedEdges: true,
		MaxAssociationsPerMemory: 5,
		Clustering:               true, ClusterMinSize: 5, ClusterSimilarity: 0.75, ClusterMaxSize: 50,
		Compression: true, SummaryMaxLength: 500,
		Forgetting: true, ForgetRelevance: 0.1, ForgetAccessDays: 90, ForgetMaxShare: 0.1,
		QualityRetentionHigh: 365, QualityRetentionMed: 180, QualityRetentionLowMin: 30, QualityRetentionLowMax: 90,
	}
}

// Validate reports the first setting out of range.
func (c Config) Validate() error {
	var bad []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	check(c.BatchSize >= 1, "batch size %d is below 1", c.BatchSize)
	check(c.RetentionCritical > 0 && c.RetentionReference > 0 && c.RetentionStandard > 0 && c.RetentionTemporary > 0, "retention days must be positive")
	check(c.AssociationMin >= 0 && c.AssociationMin <= c.AssociationMax && c.AssociationMax <= 1,
		"association similarity band [%g, %g] is not within [0, 1]", c.AssociationMin, c.AssociationMax)
	check(c.MaxPairs >= 1, "association max pairs %d is below 1", c.MaxPairs)
	check(c.Neighbours >= 1 && c.Neighbours <= 100, "neighbours %d is not between 1 and 100", c.Neighbours)
	check(c.ClusterMinSize >= 2, "cluster minimum size %d is below 2", c.ClusterMinSize)
	check(c.ClusterMaxSize >= c.ClusterMinSize, "cluster maximum size %d is below the minimum %d", c.ClusterMaxSize, c.ClusterMinSize)
	check(c.MaxAssociationsPerMemory >= 1, "associations per memory %d is below 1", c.MaxAssociationsPerMemory)
	check(c.ClusterSimilarity > 0 && c.ClusterSimilarity <= 1, "cluster similarity %g is not in (0, 1]", c.ClusterSimilarity)
	check(c.SummaryMaxLength >= 100, "summary length %d is below 100", c.SummaryMaxLength)
	check(c.ForgetRelevance >= 0, "forgetting threshold %g is negative", c.ForgetRelevance)
	check(c.ForgetAccessDays >= 0, "forgetting access days %d is negative", c.ForgetAccessDays)
	check(c.ForgetMaxShare >= 0 && c.ForgetMaxShare <= 1, "forgetting share %g is not within [0, 1]", c.ForgetMaxShare)
	check(c.ConnectionBoost >= 1 && c.ConnectionBoost <= 2, "connection boost %g is not within [1, 2]", c.ConnectionBoost)
	check(c.QualityRetentionLowMin > 0 && c.QualityRetentionLowMin <= c.QualityRetentionLowMax &&
		c.QualityRetentionLowMax <= c.QualityRetentionMed && c.QualityRetentionMed <= c.QualityRetentionHigh,
		"quality retention days must rise: low min %d <= low max %d <= medium %d <= high %d",
		c.QualityRetentionLowMin, c.QualityRetentionLowMax, c.QualityRetentionMed, c.QualityRetentionHigh)
	if len(bad) > 0 {
		return fmt.Errorf("consolidation settings: %s", strings.Join(bad, "; "))
	}
	return nil
}

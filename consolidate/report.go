package consolidate

// The report of a pass: what each phase did, with the memories it touched
// (lists capped, counts exact), and its text form.

import (
	"fmt"
	"strings"
	"time"
)

// maxListed caps the memories a report lists per phase.
const maxListed = 50

// Report says what a pass did, phase by phase.
type Report struct {
	RunID      string    `json:"run_id,omitempty"`
	Horizon    Horizon   `json:"time_horizon"`
	DryRun     bool      `json:"dry_run"`
	Trigger    string    `json:"trigger"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	DurationMS float64   `json:"duration_ms"`
	// Processed is the number of memories the pass looked at; Selected
	// how many the horizon's window held for it.
	Processed int `json:"memories_processed"`
	// Phases lists the phases run, in order, with their durations.
	Phases []PhaseTime `json:"phases"`
	// Baselines are the similarity baselines of the embedding models met
	// (memory.SimilarityBaseline): thresholds apply to similarities
	// calibrated by them.
	Baselines map[string]float64 `json:"similarity_baselines,omitempty"`

	Decay        DecayReport       `json:"decay"`
	Associations AssociationReport `json:"associations"`
	Clustering   ClusterReport     `json:"clustering"`
	Compression  CompressionReport `json:"compression"`
	Forgetting   ForgettingReport  `json:"forgetting"`
	Notes        []string          `json:"notes,omitempty"`
}

// PhaseTime is how long a phase took.
type PhaseTime struct {
	Name       string  `json:"name"`
	DurationMS float64 `json:"duration_ms"`
}

// Scored is a memory and its relevance.
type Scored struct {
	Hash      string  `json:"content_hash"`
	Relevance float64 `json:"relevance"`
	Preview   string  `json:"content_preview"`
}

// DecayReport describes the decay phase.
type DecayReport struct {
	Scored  int     `json:"scored"`
	Average float64 `json:"average_relevance"`
	// Low counts memories below the forgetting threshold; Lowest lists
	// the least relevant, lowest first.
	Low    int      `json:"below_forgetting_threshold"`
	Lowest []Scored `json:"lowest"`
}

// EdgeInfo is an edge a pass found.
type EdgeInfo struct {
	Source     string  `json:"source"`
	Target     string  `json:"target"`
	Type       string  `json:"relationship_type"`
	Similarity float64 `json:"similarity"`
}

// AssociationReport describes the association phase.
type AssociationReport struct {
	// Compared counts the pairs examined, Found those in the band,
	// Existing those already linked, Stored the new edges written (0 in a
	// dry run).
	Compared int `json:"pairs_compared"`
	Found    int `json:"found"`
	Existing int `json:"already_linked"`
	// Capped counts pairs left out because a memory had
	// MaxAssociationsPerMemory associations already.
	Capped int            `json:"capped"`
	Stored int            `json:"stored"`
	ByType map[string]int `json:"by_type"`
	Edges  []EdgeInfo     `json:"edges"`
}

// ClusterInfo describes a cluster.
type ClusterInfo struct {
	ID             string   `json:"cluster_id"`
	Size           int      `json:"size"`
	Members        []string `json:"members"`
	Keywords       []string `json:"keywords"`
	MeanSimilarity float64  `json:"mean_similarity"`
}

// ClusterReport describes the clustering phase.
type ClusterReport struct {
	Count    int           `json:"count"`
	Clusters []ClusterInfo `json:"clusters"`
}

// SummaryInfo describes a summary memory written (or, in a dry run,
// that would be).
type SummaryInfo struct {
	Hash       string `json:"content_hash"`
	ClusterID  string `json:"cluster_id"`
	Members    int    `json:"members"`
	Supersedes string `json:"supersedes,omitempty"`
	Preview    string `json:"content_preview"`
}

// CompressionReport describes the compression phase.
type CompressionReport struct {
	Created int           `json:"created"`
	Skipped int           `json:"skipped_already_summarized"`
	Summary []SummaryInfo `json:"summaries"`
}

// Archived is a memory the forgetting phase archived.
type Archived struct {
	Hash      string  `json:"content_hash"`
	Relevance float64 `json:"relevance"`
	Reason    string  `json:"reason"`
	Preview   string  `json:"content_preview"`
}

// ForgettingReport describes the forgetting phase.
type ForgettingReport struct {
	Candidates int `json:"candidates"`
	// Capped counts candidates left for later passes by ForgetMaxShare;
	// Protected, memories unused for ForgetAccessDays but kept (protected
	// tags, ratings, repeated mistakes, members of a cluster summarised in
	// this pass).
	Capped    int        `json:"capped"`
	Protected int        `json:"protected"`
	Archived  []Archived `json:"archived"`
	Count     int        `json:"archived_count"`
}

// Text renders the report for a person or a model to read.
func (r Report) Text() string {
	var b strings.Builder
	verb := "Consolidation completed"
	switch {
	case r.Status == StatusFailed:
		verb = "Consolidation failed"
	case r.DryRun:
		verb = "Consolidation dry run (nothing was changed)"
	}
	fmt.Fprintf(&b, "%s: %s horizon, %d memories processed in %.0f ms", verb, r.Horizon, r.Processed, r.DurationMS)
	if r.Error != "" {
		fmt.Fprintf(&b, "\nError: %s", r.Error)
	}
	would := ""
	if r.DryRun {
		would = "would be "
	}
	for _, p := range r.Phases {
		switch p.Name {
		case PhaseDecay:
			fmt.Fprintf(&b, "\n- Decay: %d scored, average relevance %.3f, %d below the forgetting threshold", r.Decay.Scored, r.Decay.Average, r.Decay.Low)
		case PhaseAssociations:
			a := r.Associations
			fmt.Fprintf(&b, "\n- Associations: %d pairs compared, %d in the similarity band (%d already linked), %d new %sstored", a.Compared, a.Found, a.Existing, len(a.Edges), would)
			if len(a.ByType) > 0 {
				fmt.Fprintf(&b, " %v", a.ByType)
			}
		case PhaseClustering:
			fmt.Fprintf(&b, "\n- Clustering: %d clusters", r.Clustering.Count)
		case PhaseCompression:
			fmt.Fprintf(&b, "\n- Compression: %d summaries %screated, %d clusters already summarised", r.Compression.Created, would, r.Compression.Skipped)
		case PhaseForgetting:
			f := r.Forgetting
			fmt.Fprintf(&b, "\n- Forgetting: %d %sarchived of %d candidates (%d left for later passes, %d protected); restore with memory consolidate archive restore",
				f.Count, would, f.Candidates, f.Capped, f.Protected)
		}
	}
	for _, n := range r.Notes {
		b.WriteString("\nNote: " + n)
	}
	return b.String()
}

// Run statuses.
const (
	StatusCompleted = "completed"
	StatusFailed    = "failed"
	StatusDryRun    = "dry_run"
)

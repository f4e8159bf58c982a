package memory

import "context"

// ModelInfo identifies an embedding model. It is stored with every vector so
// that vectors made by different models are never compared with each other.
type ModelInfo struct {
	// Name is a stable identifier such as "glove-sif-100d-v1" or
	// "openai:nomic-embed-text". Changing what a model computes means changing
	// its name.
	Name string `json:"name"`
	// Dim is the vector length. Zero means the model does not know it until
	// its first Embed call (for example a remote API).
	Dim int `json:"dim"`
	// Baseline is how alike the model finds unrelated texts: a typical
	// cosine similarity of two of them, measured on reference text (see
	// SimilarityBaseline). Zero means unknown. The service calibrates the
	// thresholds that keep memories apart (near-duplicates, conflicts,
	// mistake notes) with it (see Calibrated), so that 0.85 means "nearly
	// the same" for a model whose unrelated sentences already score 0.8.
	Baseline float64 `json:"baseline,omitempty"`
}

// Embedder turns texts into vectors for semantic search.
//
// Implementations must be safe for concurrent use. Model must be cheap: it is
// called before anything is loaded, so an embedder that needs to load weights
// does so lazily on the first Embed (or Preload) call.
type Embedder interface {
	// Model names the model and its dimension.
	Model() ModelInfo
	// Embed returns one L2-normalised vector per text, in order. Texts may be
	// empty or contain only unknown words; the result is then a defined
	// vector (possibly all zeros), never NaN. An error means no vector was
	// made for any of the texts.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Preloader is implemented by embedders that load something slow (a table,
// weights, a network probe). The service calls Preload in the background
// after start-up so that the first search does not pay for it.
type Preloader interface {
	Preload(ctx context.Context) error
}

// EmbedderReporter is implemented by embedders that can describe their state
// for health reports: whether they are loaded, token and out-of-vocabulary
// counts, the endpoint in use, the last error. Keys are snake_case.
type EmbedderReporter interface {
	Report() map[string]any
}

package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcp-memory-go/memory"
)

var (
	_ memory.Embedder         = (*Embedder)(nil)
	_ memory.Preloader        = (*Embedder)(nil)
	_ memory.EmbedderReporter = (*Embedder)(nil)
)

// probeText is embedded by Preload.
const probeText = "dimension probe"

// Embedder calls an OpenAI-compatible embeddings endpoint. It is safe for
// concurrent use. Create it with New; the zero value is not usable.
type Embedder struct {
	cfg     Config
	url     *url.URL // endpoint, with user info and query
	display string   // endpoint for logs, errors and Report
	name    string   // "openai:" + model

	dim atomic.Int64 // configured or learned; 0 until known

	mu    sync.Mutex
	stats stats
}

// stats is what Report shows besides the configuration.
type stats struct {
	requests    int64 // HTTP attempts
	retries     int64 // attempts after the first
	errors      int64 // failed Embed and Preload calls, cancellations excluded
	texts       int64 // texts embedded
	tokens      int64 // usage.prompt_tokens summed
	serverModel string
	lastError   string
	lastErrorAt time.Time
	lastLatency time.Duration
	lastSuccess time.Time
	preloaded   bool
}

// New validates cfg and returns an Embedder. It makes no request; call
// Preload to check that the server answers. Errors name the bad field: an
// empty or malformed URL, a scheme other than http or https, an empty model,
// or a negative size or duration.
func New(cfg Config) (*Embedder, error) {
	c, u, display, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("openai embedder config: %w", err)
	}
	e := &Embedder{cfg: c, url: u, display: display, name: "openai:" + c.Model}
	e.dim.Store(int64(c.Dim))
	return e, nil
}

// Model returns "openai:" + Config.Model and the dimension: Config.Dim if
// set, else the one learned from the first response, else zero.
func (e *Embedder) Model() memory.ModelInfo {
	return memory.ModelInfo{Name: e.name, Dim: int(e.dim.Load())}
}

// URL returns the endpoint in use, without user info or query.
func (e *Embedder) URL() string { return e.display }

// Embed returns one L2-normalised vector per text, in order, sending at most
// Config.BatchSize texts per request. An empty slice returns nil, nil without
// a request; an empty text is sent as a single space. On error no vectors are
// returned. Errors wrap ctx.Err() on cancellation, *StatusError for HTTP
// failures, ErrInvalidResponse or ErrDimensionMismatch for unusable
// responses, or the network error after the last retry.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	out := make([][]float32, 0, len(texts))
	n := e.cfg.BatchSize
	batches := (len(texts) + n - 1) / n
	for start := 0; start < len(texts); start += n {
		end := min(start+n, len(texts))
		vecs, err := e.embedBatch(ctx, texts[start:end])
		if err != nil {
			if batches > 1 {
				err = fmt.Errorf("batch %d/%d (texts %d-%d): %w", start/n+1, batches, start, end-1, err)
			}
			return nil, e.fail(ctx, err)
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// Preload embeds one probe text to check that the server answers and to
// learn the dimension. It returns the same errors as Embed; a dimension that
// differs from Config.Dim is an ErrDimensionMismatch. It may be called again
// as a health check.
func (e *Embedder) Preload(ctx context.Context) error {
	if _, err := e.embedBatch(ctx, []string{probeText}); err != nil {
		return e.fail(ctx, fmt.Errorf("probe: %w", err))
	}
	e.mu.Lock()
	e.stats.preloaded = true
	e.mu.Unlock()
	return nil
}

// Report describes the embedder for health reports: url (no credentials or
// query), model, name, dim, preloaded, requests (HTTP attempts), retries,
// errors (failed Embed or Preload calls, not counting cancellations),
// texts, tokens, server_model, last_error, last_error_at, last_success_at
// and last_latency_ms (the last successful HTTP attempt). Times are RFC 3339,
// empty when there was none.
func (e *Embedder) Report() map[string]any {
	e.mu.Lock()
	s := e.stats
	e.mu.Unlock()
	return map[string]any{
		"url":             e.display,
		"model":           e.cfg.Model,
		"name":            e.name,
		"dim":             int(e.dim.Load()),
		"batch_size":      e.cfg.BatchSize,
		"preloaded":       s.preloaded,
		"requests":        s.requests,
		"retries":         s.retries,
		"errors":          s.errors,
		"texts":           s.texts,
		"tokens":          s.tokens,
		"server_model":    s.serverModel,
		"last_error":      s.lastError,
		"last_error_at":   rfc3339(s.lastErrorAt),
		"last_success_at": rfc3339(s.lastSuccess),
		"last_latency_ms": float64(s.lastLatency.Microseconds()) / 1000,
	}
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// request is the body of POST /v1/embeddings.
type request struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	EncodingFormat string   `json:"encoding_format"`
	Dimensions     int      `json:"dimensions,omitempty"`
}

// embedBatch sends one request for texts and returns their normalised
// vectors in order.
func (e *Embedder) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	input := make([]string, len(texts))
	for i, t := range texts {
		if t == "" {
			t = " "
		}
		input[i] = t
	}
	req := request{Model: e.cfg.Model, Input: input, EncodingFormat: "float"}
	if e.cfg.SendDimensions {
		req.Dimensions = e.cfg.Dim
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	body, err := e.post(ctx, payload)
	if err != nil {
		return nil, err
	}
	res, err := decodeResponse(body, len(texts), e.redact)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.display, err)
	}
	if err := e.checkDim(len(res.vectors[0])); err != nil {
		return nil, err
	}
	for _, v := range res.vectors {
		normalize(v)
	}
	e.mu.Lock()
	e.stats.texts += int64(len(texts))
	e.stats.tokens += res.promptTokens
	if res.model != "" {
		e.stats.serverModel = res.model
	}
	e.stats.lastSuccess = e.cfg.Now()
	e.mu.Unlock()
	return res.vectors, nil
}

// checkDim accepts a response's vector length, or learns it if none is known
// yet, or reports a mismatch naming both lengths.
func (e *Embedder) checkDim(got int) error {
	if want := e.cfg.Dim; want > 0 && got != want {
		return fmt.Errorf("%w: %s returned %d-dimensional vectors for model %q but dim is configured as %d",
			ErrDimensionMismatch, e.display, got, e.cfg.Model, want)
	}
	for {
		cur := e.dim.Load()
		if cur == 0 {
			if !e.dim.CompareAndSwap(0, int64(got)) {
				continue
			}
			e.cfg.Logger.Info("learned embedding dimension", "url", e.display, "model", e.cfg.Model, "dim", got)
			return nil
		}
		if cur != int64(got) {
			return fmt.Errorf("%w: %s returned %d-dimensional vectors for model %q, earlier responses were %d-dimensional; "+
				"the model behind the endpoint changed and its vectors cannot be mixed with stored ones",
				ErrDimensionMismatch, e.display, got, e.cfg.Model, cur)
		}
		return nil
	}
}

// fail records err for Report unless the caller cancelled, and returns it
// with the package prefix and the API key redacted.
func (e *Embedder) fail(ctx context.Context, err error) error {
	err = &redactedError{msg: e.redact("openai embed: " + err.Error()), err: err}
	if ctx.Err() != nil {
		return err
	}
	e.mu.Lock()
	e.stats.errors++
	e.stats.lastError = err.Error()
	e.stats.lastErrorAt = e.cfg.Now()
	e.mu.Unlock()
	return err
}

// minRedactLen is the shortest API key that redact hides. Shorter "keys"
// are placeholders (Ollama ignores the key; people set "ollama" or "x"), and
// replacing them would mangle ordinary words in messages.
const minRedactLen = 8

// redact removes the API key from s, in case a server echoes it back. This
// package itself never puts the key in a message.
func (e *Embedder) redact(s string) string {
	if len(e.cfg.APIKey) < minRedactLen {
		return s
	}
	return strings.ReplaceAll(s, e.cfg.APIKey, "[redacted]")
}

// redactedError carries a message with secrets removed while keeping the
// original chain for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.err }

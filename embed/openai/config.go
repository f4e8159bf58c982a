package openai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults applied by New to zero fields of Config.
const (
	// DefaultModel is the model the upstream service uses when
	// MCP_EXTERNAL_EMBEDDING_MODEL is unset. New does not apply it: an empty
	// Config.Model is an error, so the caller decides.
	DefaultModel = "nomic-embed-text"
	// DefaultBatchSize is the number of texts per request.
	DefaultBatchSize = 64
	// DefaultTimeout bounds one HTTP request, response body included.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxRetries is the number of retries after the first attempt.
	DefaultMaxRetries = 3
	// DefaultMinBackoff is the wait before the first retry, before jitter.
	DefaultMinBackoff = 500 * time.Millisecond
	// DefaultMaxBackoff caps the wait before any retry, Retry-After included.
	DefaultMaxBackoff = 30 * time.Second
)

// maxResponseBytes bounds a response body; a larger one is an error rather
// than an out-of-memory condition.
const maxResponseBytes = 256 << 20

// Config configures an Embedder. Only URL and Model are required; every
// other zero value means the documented default.
type Config struct {
	// URL is the endpoint, http or https. A full URL ending in "/embeddings"
	// is used as is; otherwise "/embeddings" is appended to a path ending in
	// "/v1" and "/v1/embeddings" to any other path, so
	// "http://localhost:11434" and "http://localhost:11434/v1" both mean
	// "http://localhost:11434/v1/embeddings". User info in the URL is sent as
	// HTTP basic authentication and, like the query, never reported.
	URL string
	// Model is sent as "model" in every request. Required.
	Model string
	// APIKey, when not empty, is sent as "Authorization: Bearer <APIKey>".
	// This package never puts it in logs, errors or Report, and a key of 8
	// or more bytes echoed back by a server is redacted from them.
	APIKey string
	// Dim is the expected vector length. Zero means learn it from the first
	// response; after that every response must keep it. Negative is an error.
	Dim int
	// SendDimensions adds "dimensions": Dim to requests, for models that can
	// shorten their output (OpenAI's text-embedding-3-*). It needs Dim > 0.
	// Off by default because some servers reject unknown fields.
	SendDimensions bool
	// BatchSize is the maximum number of texts per request. Zero means
	// DefaultBatchSize; negative is an error.
	BatchSize int
	// Timeout bounds one HTTP attempt, reading the body included. Zero means
	// DefaultTimeout; negative is an error. A timed-out attempt is retried.
	Timeout time.Duration
	// MaxRetries is the number of retries after the first attempt. Zero means
	// DefaultMaxRetries; negative means no retries.
	MaxRetries int
	// MinBackoff is the wait before the first retry; it doubles with each
	// retry and gets up to 50% jitter. Zero means DefaultMinBackoff; negative
	// is an error.
	MinBackoff time.Duration
	// MaxBackoff caps every wait between attempts, including one asked for by
	// a Retry-After header. Zero means DefaultMaxBackoff; negative is an
	// error.
	MaxBackoff time.Duration
	// HTTPClient sends the requests. Nil means a client with a clone of
	// http.DefaultTransport (proxy settings from the environment included)
	// that keeps up to 16 idle connections. Its Timeout, if any, applies on
	// top of Timeout.
	HTTPClient *http.Client
	// Logger receives retries (Warn) and the learned dimension (Info). Nil
	// means discard.
	Logger *slog.Logger
	// Sleep waits d or until ctx is done, returning ctx.Err() in that case.
	// Nil means a real timer. Tests set it to avoid waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to turn a Retry-After date into a wait. Nil means
	// time.Now.
	Now func() time.Time
}

// withDefaults validates c and returns a copy with defaults filled in, the
// normalised endpoint URL and its reportable form.
func (c Config) withDefaults() (Config, *url.URL, string, error) {
	if strings.TrimSpace(c.Model) == "" {
		return c, nil, "", errors.New("model is empty (set MCP_EXTERNAL_EMBEDDING_MODEL, e.g. " + DefaultModel + ")")
	}
	u, err := endpointURL(c.URL)
	if err != nil {
		return c, nil, "", err
	}
	switch {
	case c.Dim < 0:
		return c, nil, "", fmt.Errorf("dim %d is negative", c.Dim)
	case c.SendDimensions && c.Dim == 0:
		return c, nil, "", errors.New("send dimensions needs dim > 0")
	case c.BatchSize < 0:
		return c, nil, "", fmt.Errorf("batch size %d is negative", c.BatchSize)
	case c.Timeout < 0:
		return c, nil, "", fmt.Errorf("timeout %s is negative", c.Timeout)
	case c.MinBackoff < 0:
		return c, nil, "", fmt.Errorf("min backoff %s is negative", c.MinBackoff)
	case c.MaxBackoff < 0:
		return c, nil, "", fmt.Errorf("max backoff %s is negative", c.MaxBackoff)
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.MinBackoff > c.MaxBackoff {
		c.MinBackoff = c.MaxBackoff
	}
	if c.HTTPClient == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 16 // concurrent Embed calls reuse connections
		c.HTTPClient = &http.Client{Transport: t}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, u, displayURL(u), nil
}

// endpointURL parses raw and completes its path to the embeddings endpoint.
func endpointURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("url is empty (set MCP_EXTERNAL_EMBEDDING_URL, e.g. http://localhost:11434/v1/embeddings)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, which may hold credentials.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("url is not valid: %w", err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return nil, errors.New("url has no scheme; want http:// or https://, e.g. http://localhost:11434/v1/embeddings")
	default:
		if u.Opaque != "" { // "localhost:11434/v1" parses as scheme "localhost"
			return nil, errors.New("url has no scheme; want http:// or https://, e.g. http://localhost:11434/v1/embeddings")
		}
		return nil, fmt.Errorf("url scheme %q is not supported; want http or https", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("url has no host")
	}
	u.Fragment, u.RawFragment = "", ""
	p := strings.TrimRight(u.Path, "/")
	switch {
	case strings.HasSuffix(p, "/api/embed"), strings.HasSuffix(p, "/api/embeddings"):
		return nil, fmt.Errorf("url path %q is Ollama's native API, which speaks another protocol; use %s://%s%s/v1/embeddings",
			u.Path, u.Scheme, u.Host, strings.TrimSuffix(strings.TrimSuffix(p, "/api/embeddings"), "/api/embed"))
	case strings.HasSuffix(p, "/embeddings"):
	case strings.HasSuffix(p, "/v1"):
		p += "/embeddings"
	default:
		p += "/v1/embeddings"
	}
	u.Path, u.RawPath = p, ""
	return u, nil
}

// displayURL is u without user info, query or fragment: safe to log and
// report.
func displayURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery, c.ForceQuery = "", false
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

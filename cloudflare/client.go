package cloudflare

// The HTTP side: one client for D1, Vectorize, Workers AI and R2 that sends
// the API token, decodes Cloudflare's result envelope, paces itself under
// the account's rate limit and retries what can be retried, honouring
// Retry-After.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/mcp-memory-go/memory"
)

// Defaults of the client, applied where a Config field is zero.
const (
	DefaultBaseURL    = "https://api.cloudflare.com/client/v4"
	DefaultMaxRetries = 3
	DefaultBaseDelay  = time.Second
	DefaultMaxDelay   = 30 * time.Second
	DefaultTimeout    = 30 * time.Second
	// DefaultRequestsPerSecond keeps a client under the API's global limit
	// of 1,200 requests per five minutes per token.
	DefaultRequestsPerSecond = 4
	// DefaultMaxRetryWait is the longest Retry-After a request sleeps
	// through; a longer one is returned to the caller (a syncer schedules
	// its next attempt instead of holding a request open).
	DefaultMaxRetryWait = time.Minute
)

// Message is one entry of the errors or messages of an API answer.
type Message struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// envelope is the body of every JSON answer of the v4 API.
type envelope struct {
	Success  bool            `json:"success"`
	Errors   []Message       `json:"errors"`
	Messages []Message       `json:"messages"`
	Result   json.RawMessage `json:"result"`
}

// APIError is a failed call: an error answer of the API, or no answer.
type APIError struct {
	// Service is "d1", "vectorize", "ai" or "r2"; Op what was asked.
	Service, Op string
	// Status is the HTTP status, 0 when no answer came (network error).
	Status int
	// Errors are the API's error entries.
	Errors []Message
	// RetryAfter is the wait the API asked for (429), if any.
	RetryAfter time.Duration
	// Err is the transport error when no answer came.
	Err error
}

// Error describes the failure without credentials.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cloudflare %s %s: ", e.Service, e.Op)
	if e.Status == 0 {
		b.WriteString("no answer: ")
		b.WriteString(e.Err.Error())
		return b.String()
	}
	fmt.Fprintf(&b, "HTTP %d", e.Status)
	for _, m := range e.Errors {
		fmt.Fprintf(&b, "; %d %s", m.Code, m.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns the transport error.
func (e *APIError) Unwrap() error { return e.Err }

// Temporary reports whether trying again later may succeed: no answer, a
// rate limit or a server error.
func (e *APIError) Temporary() bool {
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Auth reports whether the token was refused.
func (e *APIError) Auth() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// has reports whether one of the error messages contains s.
func (e *APIError) has(s string) bool {
	for _, m := range e.Errors {
		if strings.Contains(m.Message, s) {
			return true
		}
	}
	return false
}

// RetryAfter returns the wait a failed call asked for (a 429's Retry-After),
// or 0.
func RetryAfter(err error) time.Duration {
	var e *APIError
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// classify adds the domain code to a failed call: unavailable for what may
// pass, internal otherwise.
func classify(e *APIError) error {
	if e.Temporary() {
		what := "is not answering"
		if e.Status == http.StatusTooManyRequests {
			what = "is rate limiting this account"
		}
		return fmt.Errorf("%w: %w", memory.Errorf(memory.EUnavailable, "Cloudflare %s %s; try again later", serviceName(e.Service), what), e)
	}
	return e
}

func serviceName(s string) string {
	switch s {
	case "d1":
		return "D1"
	case "vectorize":
		return "Vectorize"
	case "ai":
		return "Workers AI"
	case "r2":
		return "R2"
	}
	return s
}

// client calls the Cloudflare API for one account.
type client struct {
	base, account, token string
	http                 *http.Client
	maxRetries           int
	baseDelay, maxDelay  time.Duration
	maxRetryWait         time.Duration
	timeout              time.Duration
	limiter              *rate.Limiter
	log                  *slog.Logger
	sleep                func(ctx context.Context, d time.Duration) error
}

// request is one call: method, path under the account, body.
type request struct {
	service, op string
	method      string
	path        string // after /accounts/{id}
	body        []byte
	contentType string
	raw         bool // the answer is not an envelope (R2 object reads)
}

// call sends r, retrying temporary failures, and returns the envelope's
// result (or the raw body for raw requests). A missing object (404) is an
// *APIError like any other failure.
func (c *client) call(ctx context.Context, r request) (json.RawMessage, error) {
	for attempt := 0; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				return nil, err
			}
		}
		res, err := c.once(ctx, r)
		if err == nil {
			return res, nil
		}
		var ae *APIError
		if !errors.As(err, &ae) || !ae.Temporary() || attempt >= c.maxRetries || ctx.Err() != nil {
			if ae != nil {
				return nil, classify(ae)
			}
			return nil, err
		}
		wait := c.backoff(attempt)
		if ae.RetryAfter > 0 {
			if ae.RetryAfter > c.maxRetryWait {
				return nil, classify(ae)
			}
			wait = max(wait, ae.RetryAfter)
		}
		c.log.Debug("cloudflare call failed; retrying", "service", r.service, "op", r.op, "status", ae.Status, "wait", wait, "attempt", attempt+1)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, classify(ae)
		}
	}
}

// backoff is the wait before retry attempt+1: exponential with full jitter
// over its upper half.
func (c *client) backoff(attempt int) time.Duration {
	d := c.baseDelay << min(attempt, 20)
	if d <= 0 || d > c.maxDelay {
		d = c.maxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// once sends r one time.
func (c *client) once(ctx context.Context, r request) (json.RawMessage, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base+"/accounts/"+c.account+r.path, bytes.NewReader(r.body))
	if err != nil {
		return nil, fmt.Errorf("cloudflare %s %s: %w", r.service, r.op, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if r.body != nil {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, ctx.Err()
		}
		return nil, &APIError{Service: r.service, Op: r.op, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, &APIError{Service: r.service, Op: r.op, Err: err}
	}
	if resp.StatusCode/100 == 2 && r.raw {
		return body, nil
	}
	var env envelope
	jsonErr := json.Unmarshal(body, &env)
	if resp.StatusCode/100 == 2 && jsonErr == nil && env.Success {
		return env.Result, nil
	}
	ae := &APIError{Service: r.service, Op: r.op, Status: resp.StatusCode, Errors: env.Errors}
	if resp.StatusCode/100 == 2 {
		// A 2xx answer that is not a successful envelope.
		ae.Status = http.StatusBadGateway
		if jsonErr != nil {
			ae.Errors = []Message{{Message: "the answer is not JSON"}}
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		ae.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if ae.RetryAfter == 0 {
			ae.RetryAfter = c.baseDelay
		}
	}
	return nil, ae
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// postJSON sends v as JSON and decodes the result into out (if not nil).
func (c *client) postJSON(ctx context.Context, service, op, path string, v, out any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cloudflare %s %s: %w", service, op, err)
	}
	res, err := c.call(ctx, request{service: service, op: op, method: http.MethodPost, path: path, body: body})
	if err != nil {
		return err
	}
	return decodeResult(service, op, res, out)
}

// getJSON reads path and decodes the result into out.
func (c *client) getJSON(ctx context.Context, service, op, path string, out any) error {
	res, err := c.call(ctx, request{service: service, op: op, method: http.MethodGet, path: path})
	if err != nil {
		return err
	}
	return decodeResult(service, op, res, out)
}

func decodeResult(service, op string, res json.RawMessage, out any) error {
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(res))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("cloudflare %s %s: unexpected answer: %w", service, op, err)
	}
	return nil
}

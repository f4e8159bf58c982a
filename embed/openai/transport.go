package openai

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxErrorBodyBytes bounds how much of an error response is read.
const maxErrorBodyBytes = 64 << 10

// attemptError is the outcome of one failed HTTP attempt.
type attemptError struct {
	err        error
	retryable  bool
	retryAfter time.Duration // server-requested wait
	hasAfter   bool          // the server sent Retry-After
}

// post sends payload, retrying as configured, and returns the body of the
// first 2xx response.
func (e *Embedder) post(ctx context.Context, payload []byte) ([]byte, error) {
	attempts := e.cfg.MaxRetries + 1
	for attempt := 0; ; attempt++ {
		body, ae := e.attempt(ctx, payload)
		if ae == nil {
			return body, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("post %s: %w", e.display, err)
		}
		if !ae.retryable {
			return nil, ae.err
		}
		if attempt+1 >= attempts {
			if attempts == 1 {
				return nil, ae.err
			}
			return nil, fmt.Errorf("giving up after %d attempts: %w", attempts, ae.err)
		}
		wait := e.backoff(attempt)
		if ae.hasAfter {
			wait = min(ae.retryAfter, e.cfg.MaxBackoff)
		}
		e.cfg.Logger.Warn("embedding request failed, retrying",
			"url", e.display, "attempt", attempt+1, "of", attempts, "wait", wait, "err", e.redact(ae.err.Error()))
		if err := e.cfg.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%v; stopped waiting to retry: %w", ae.err, err)
		}
		e.mu.Lock()
		e.stats.retries++
		e.mu.Unlock()
	}
}

// backoff is the wait before retry number attempt+1: MinBackoff doubled per
// attempt, capped at MaxBackoff, minus up to 50% jitter.
func (e *Embedder) backoff(attempt int) time.Duration {
	d := e.cfg.MaxBackoff
	if attempt < 32 {
		d = min(e.cfg.MinBackoff<<attempt, e.cfg.MaxBackoff)
	}
	if half := d / 2; half > 0 {
		d = half + rand.N(half+1)
	}
	return d
}

// attempt makes one HTTP request bounded by Config.Timeout.
func (e *Embedder) attempt(ctx context.Context, payload []byte) ([]byte, *attemptError) {
	actx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, e.url.String(), bytes.NewReader(payload))
	if err != nil {
		return nil, &attemptError{err: fmt.Errorf("build request for %s: %w", e.display, err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if e.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+e.cfg.APIKey)
	}

	e.mu.Lock()
	e.stats.requests++
	e.mu.Unlock()
	start := time.Now()
	resp, err := e.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, e.transportError(ctx, actx, err)
	}
	defer resp.Body.Close()
	limit := int64(maxResponseBytes)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		limit = maxErrorBodyBytes // only a message is wanted
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, e.transportError(ctx, actx, fmt.Errorf("read response: %w", err))
	}
	latency := time.Since(start)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{
			StatusCode: resp.StatusCode,
			Message:    e.redact(errorMessage(body)),
			Hint:       statusHint(resp.StatusCode, e.cfg.APIKey != "", e.display, e.cfg.Model),
		}
		var ok bool
		se.RetryAfter, ok = retryAfter(resp.Header, e.cfg.Now())
		return nil, &attemptError{
			err:        fmt.Errorf("post %s: %w", e.display, se),
			retryable:  se.Retryable(),
			retryAfter: se.RetryAfter,
			hasAfter:   ok,
		}
	}
	if len(body) > maxResponseBytes {
		return nil, &attemptError{err: fmt.Errorf("%w: %s sent more than %d MiB", ErrInvalidResponse, e.display, maxResponseBytes>>20)}
	}
	e.mu.Lock()
	e.stats.lastLatency = latency
	e.mu.Unlock()
	return body, nil
}

// transportError classifies an error from sending the request or reading
// the response. The returned error names the endpoint without credentials.
func (e *Embedder) transportError(ctx, actx context.Context, err error) *attemptError {
	// url.Error repeats the request URL, query included; drop it.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case ctx.Err() != nil:
		return &attemptError{err: fmt.Errorf("post %s: %w", e.display, ctx.Err())}
	case errors.Is(actx.Err(), context.DeadlineExceeded):
		return &attemptError{
			err:       fmt.Errorf("post %s: request timed out after %s: %w", e.display, e.cfg.Timeout, context.DeadlineExceeded),
			retryable: true,
		}
	}
	return &attemptError{err: fmt.Errorf("post %s: %w", e.display, err), retryable: retryableNetError(err)}
}

// retryableNetError reports whether a transport error may go away by itself:
// not certificate problems or a host name that does not exist.
func retryableNetError(err error) bool {
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		recordHdr tls.RecordHeaderError
		dnsErr    *net.DNSError
	)
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid),
		errors.As(err, &verify), errors.As(err, &recordHdr):
		return false
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return false
	}
	return true
}

// retryAfter parses retry-after-ms (OpenAI) or Retry-After (seconds or an
// HTTP date). A date in the past means no wait.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && ms < 1e12 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || s > 1e9 {
			return 0, false
		}
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

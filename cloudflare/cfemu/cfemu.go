// Package cfemu emulates the Cloudflare API endpoints the cloudflare
// package uses, for tests: D1 (/query and /raw, on a real SQLite database
// through github.com/ncruces/go-sqlite3, with D1's limits), Vectorize v2
// (indexes, NDJSON insert and upsert, query with metadata filters and exact
// scores, get and delete by id, metadata indexes, asynchronous mutations
// with an optional processing lag), Workers AI text embeddings, and R2
// objects. It listens on 127.0.0.1 through net/http/httptest.
//
// It answers as the public API documentation describes: the result envelope
// {success, errors, messages, result}, HTTP 400 with code 7500 for a SQL
// error, 403 with code 10000 for a refused token, 429 with Retry-After past
// the rate limit, and R2's 10006/10007 for a missing bucket or object. Where
// the documentation gives no error code, the emulator picks one and says so
// in its comment.
//
// Workers AI is a deterministic stand-in: it returns vectors of the model's
// dimension made by hashing words and character trigrams, so that texts
// sharing words are similar, not the real model's vectors.
//
// Tests shape the service's behaviour with Inject (failures, rate-limit
// storms, dropped connections, failures after the change was applied),
// Options.Latency and SetVectorizeLag.
package cfemu

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Server; zero fields take the defaults noted.
type Options struct {
	// Token is the API token requests must carry ("emu-token").
	Token string
	// Account is the account id in the paths ("0123456789abcdef0123456789abcdef").
	Account string
	// RateLimit is the number of requests allowed per RateWindow per
	// token; zero means unlimited. The real API allows 1,200 per five
	// minutes.
	RateLimit  int
	RateWindow time.Duration
	// Latency delays every answer.
	Latency time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API root to configure clients with (…/client/v4).
	URL string

	opts Options
	srv  *httptest.Server

	mu      sync.Mutex
	dbs     map[string]*d1DB
	indexes map[string]*index
	buckets map[string]*bucket
	faults  []*fault
	window  []time.Time // request times within the rate window
	counts  map[string]int
	lag     time.Duration
	calls   []Call
}

// Call is one request the emulator answered.
type Call struct {
	At      time.Time
	Service string // d1, vectorize, ai, r2, or other
	Method  string
	Path    string // after the account
	Status  int    // 0 when the connection was dropped
}

// Calls returns the requests answered so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.ResponseWriter.(http.Hijacker).Hijack()
}

// New starts an emulator on 127.0.0.1 with no database, index or bucket;
// add them with AddD1, AddIndex and AddBucket. Close stops it.
func New(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = "emu-token"
	}
	if opts.Account == "" {
		opts.Account = "0123456789abcdef0123456789abcdef"
	}
	if opts.RateWindow == 0 {
		opts.RateWindow = 5 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, dbs: map[string]*d1DB{}, indexes: map[string]*index{}, buckets: map[string]*bucket{}, counts: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/client/v4"
	return s
}

// Token returns the API token the emulator accepts.
func (s *Server) Token() string { return s.opts.Token }

// Account returns the account id of the emulator.
func (s *Server) Account() string { return s.opts.Account }

// Close stops the server and closes its databases.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, db := range s.dbs {
		db.close()
	}
}

// Requests returns how many requests reached a service ("d1", "vectorize",
// "ai", "r2"), counting those refused by faults or the rate limit.
func (s *Server) Requests(service string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[service]
}

// Refused returns how many requests were answered 429 by the rate limit
// or an injected storm.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts["429"]
}

// Fault is an injected failure. It hits requests whose service matches
// (empty: any) and whose path after the account contains Path (empty:
// any), Times times (0: until removed).
type Fault struct {
	Service string
	Path    string
	// Status is the answer (503 if 0). With 429, RetryAfter sets the
	// Retry-After header.
	Status     int
	RetryAfter time.Duration
	// Drop closes the connection without answering, as a network failure.
	Drop bool
	// AfterApply carries out the request, then fails its answer: the
	// client cannot tell whether the change happened.
	AfterApply bool
	Times      int
}

type fault struct {
	Fault
	left int
}

// Inject adds a fault; the returned function removes it.
func (s *Server) Inject(f Fault) (remove func()) {
	if f.Status == 0 {
		f.Status = http.StatusServiceUnavailable
	}
	ff := &fault{Fault: f, left: f.Times}
	s.mu.Lock()
	s.faults = append(s.faults, ff)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, x := range s.faults {
			if x == ff {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
				return
			}
		}
	}
}

// matchFault returns the fault hitting this request, consuming one use.
func (s *Server) matchFault(service, path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.Service != "" && f.Service != service) || !strings.Contains(path, f.Path) {
			continue
		}
		out := f.Fault
		if f.Times > 0 {
			f.left--
			if f.left <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return &out
	}
	return nil
}

// Message is an entry of an answer's errors or messages.
type Message struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// apiError is an error answer.
type apiError struct {
	status int
	msgs   []Message
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d %v", e.status, e.msgs) }

func errorf(status, code int, format string, args ...any) *apiError {
	return &apiError{status: status, msgs: []Message{{Code: code, Message: fmt.Sprintf(format, args...)}}}
}

// writeResult answers with the success envelope.
func writeResult(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "errors": []Message{}, "messages": []Message{}, "result": result})
}

// writeError answers with the failure envelope.
func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, map[string]any{"success": false, "errors": e.msgs, "messages": []Message{}, "result": nil})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// serve authenticates, rate limits, injects faults and routes.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/client/v4")
	if !ok {
		writeError(w, errorf(http.StatusNotFound, 7000, "No route for that URI"))
		return
	}
	if e := s.authenticate(r); e != nil {
		writeError(w, e)
		return
	}
	if rest == "/user/tokens/verify" {
		writeResult(w, map[string]any{"id": "emu-token-id", "status": "active"})
		return
	}
	sub, ok := strings.CutPrefix(rest, "/accounts/"+s.opts.Account)
	if !ok {
		// The token is not valid for another account.
		writeError(w, errorf(http.StatusForbidden, 10000, "Authentication error"))
		return
	}
	service := serviceOf(sub)
	s.mu.Lock()
	s.counts[service]++
	s.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w}
	w = sw
	defer func() {
		s.mu.Lock()
		s.calls = append(s.calls, Call{At: s.opts.Now(), Service: service, Method: r.Method, Path: sub, Status: sw.status})
		s.mu.Unlock()
	}()
	if wait := s.rateLimited(); wait > 0 {
		s.refuse(w, wait)
		return
	}
	f := s.matchFault(service, sub)
	if f != nil && !f.AfterApply {
		s.fail(w, f)
		return
	}
	var out response
	switch service {
	case "d1":
		out = s.serveD1(r, sub)
	case "vectorize":
		out = s.serveVectorize(r, sub)
	case "ai":
		out = s.serveAI(r, sub)
	case "r2":
		out = s.serveR2(r, sub)
	default:
		out = response{err: errorf(http.StatusNotFound, 7003, "Could not route to %s, perhaps your object identifier is invalid?", sub)}
	}
	if f != nil {
		s.fail(w, f)
		return
	}
	out.write(w)
}

// response is what a route answers: a result in the envelope, raw bytes,
// or an error.
type response struct {
	result      any
	raw         []byte
	contentType string
	err         *apiError
}

func (o response) write(w http.ResponseWriter) {
	switch {
	case o.err != nil:
		writeError(w, o.err)
	case o.raw != nil:
		w.Header().Set("Content-Type", o.contentType)
		w.WriteHeader(http.StatusOK)
		w.Write(o.raw)
	default:
		writeResult(w, o.result)
	}
}

// fail answers with an injected fault.
func (s *Server) fail(w http.ResponseWriter, f *Fault) {
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	if f.Status == http.StatusTooManyRequests {
		s.refuse(w, f.RetryAfter)
		return
	}
	writeError(w, errorf(f.Status, 10013, "%s (injected)", http.StatusText(f.Status)))
}

// refuse answers 429 asking the client to wait (rounded up to seconds).
func (s *Server) refuse(w http.ResponseWriter, wait time.Duration) {
	s.mu.Lock()
	s.counts["429"]++
	s.mu.Unlock()
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 0)))
	// 971 is the code the API uses for "Please wait and consider
	// throttling your request speed".
	writeError(w, errorf(http.StatusTooManyRequests, 971, "Please wait and consider throttling your request speed"))
}

// rateLimited records a request and returns how long to wait if it is
// over the limit.
func (s *Server) rateLimited() time.Duration {
	if s.opts.RateLimit <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	cut := now.Add(-s.opts.RateWindow)
	i := 0
	for i < len(s.window) && !s.window[i].After(cut) {
		i++
	}
	s.window = s.window[i:]
	if len(s.window) >= s.opts.RateLimit {
		return s.window[0].Add(s.opts.RateWindow).Sub(now)
	}
	s.window = append(s.window, now)
	return 0
}

// authenticate checks the bearer token as the API does: a malformed header
// is 400 (6003/6111), a wrong token 403 (10000).
func (s *Server) authenticate(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return &apiError{status: http.StatusBadRequest, msgs: []Message{{Code: 6003, Message: "Invalid request headers"}, {Code: 6111, Message: "Invalid format for Authorization header"}}}
	}
	if tok != s.opts.Token {
		return errorf(http.StatusForbidden, 10000, "Authentication error")
	}
	return nil
}

// serviceOf names the service of a path under the account.
func serviceOf(sub string) string {
	switch {
	case strings.HasPrefix(sub, "/d1/"):
		return "d1"
	case strings.HasPrefix(sub, "/vectorize/"):
		return "vectorize"
	case strings.HasPrefix(sub, "/ai/"):
		return "ai"
	case strings.HasPrefix(sub, "/r2/"):
		return "r2"
	}
	return "other"
}

// readBody reads a request body of at most limit bytes.
func readBody(r *http.Request, limit int64) ([]byte, *apiError) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, 10001, "cannot read the request body: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, errorf(http.StatusRequestEntityTooLarge, 10005, "request body is larger than %d bytes", limit)
	}
	return b, nil
}

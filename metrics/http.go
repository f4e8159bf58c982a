package metrics

import (
	"net/http"
	"strconv"
	"time"
)

// Unmatched is the route label of requests no pattern matched.
const Unmatched = "unmatched"

// Middleware returns middleware counting requests
// (http_requests_total{route,method,code}) and timing them
// (http_request_duration_seconds{route,method}). route names the route
// after the handler has run; it must return few distinct values, never
// raw paths. nil means the ServeMux pattern (r.Pattern, "GET
// /api/memories/{hash}") or Unmatched: for it to be seen, wrap the
// ServeMux (or each handler) directly, with no middleware in between that
// replaces the request (r.WithContext). Methods other than the standard
// ones are counted as "OTHER". Streaming responses work through it: the
// writer passes on Flush and unwraps for http.ResponseController.
func (m *Metrics) Middleware(route func(*http.Request) string) func(http.Handler) http.Handler {
	if route == nil {
		route = patternRoute
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &recorder{ResponseWriter: w}
			completed := false
			defer func() {
				code := rec.status
				if code == 0 {
					code = http.StatusOK
					if !completed { // the handler panicked
						code = http.StatusInternalServerError
					}
				}
				rt, method := route(r), methodLabel(r.Method)
				m.requests.WithLabelValues(rt, method, strconv.Itoa(code)).Inc()
				m.duration.WithLabelValues(rt, method).Observe(time.Since(start).Seconds())
			}()
			next.ServeHTTP(rec, r)
			completed = true
		})
	}
}

func patternRoute(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return Unmatched
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// recorder remembers the status of a response, passing Flush on and
// unwrapping for http.ResponseController.
type recorder struct {
	http.ResponseWriter
	status int
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher; it does nothing if the wrapped writer
// cannot flush.
func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the wrapped writer for http.ResponseController.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

package guard

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/mcp-memory-go/memory/httperror"
)

// Recover returns middleware that turns a panic in a handler into a 500
// answer with httperror's generic body (no panic text, no stack) and logs
// it, with the stack, to logger (nil: slog.Default()). If the response had
// already begun, the connection is aborted instead so the client cannot
// mistake a truncated answer for a whole one. http.ErrAbortHandler is
// passed on untouched.
func Recover(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &recorder{ResponseWriter: w}
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log := logger
				if log == nil {
					log = slog.Default()
				}
				log.Error("panic serving request", "method", r.Method, "path", httperror.Sanitize(r.URL.Path),
					"panic", httperror.Sanitize(fmt.Sprint(v)), "stack", string(debug.Stack()))
				if rec.status != 0 {
					panic(http.ErrAbortHandler)
				}
				httperror.Write(w, r, nil, errors.New("panic"))
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

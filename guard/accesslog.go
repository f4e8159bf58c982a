package guard

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/httperror"
)

type clientKey struct{}

// SetClient names the client of the request whose context is ctx for the
// access log: authentication, which usually runs inside AccessLog on a
// derived request, calls it with the principal's ID. Without AccessLog
// around the request it does nothing.
func SetClient(ctx context.Context, id string) {
	if p, ok := ctx.Value(clientKey{}).(*string); ok {
		*p = id
	}
}

// AccessLog returns middleware that logs one line per request to logger
// (nil: slog.Default()): method, path (sanitised, without the query
// string, which may carry a ticket), status, duration, bytes written and
// client: the ID given to SetClient, else the principal on the request,
// else the remote IP. Headers are never logged. A request whose handler
// panicked is logged with aborted=true.
func AccessLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			log := logger
			if log == nil {
				log = slog.Default()
			}
			start := time.Now()
			client := new(string)
			rec := &recorder{ResponseWriter: w}
			r = r.WithContext(context.WithValue(r.Context(), clientKey{}, client))
			completed := false
			defer func() {
				id := *client
				if id == "" {
					if p := auth.FromContext(r.Context()); p != nil {
						id = p.ID()
					} else {
						id = ClientIP(r, false)
					}
				}
				status := rec.status
				if status == 0 && completed {
					status = http.StatusOK
				}
				attrs := []slog.Attr{
					slog.String("method", httperror.Sanitize(r.Method)),
					slog.String("path", httperror.Sanitize(r.URL.Path)),
					slog.Int("status", status),
					slog.Duration("duration", time.Since(start)),
					slog.Int64("bytes", rec.bytes),
					slog.String("client", httperror.Sanitize(id)),
				}
				if !completed {
					attrs = append(attrs, slog.Bool("aborted", true))
				}
				log.LogAttrs(r.Context(), slog.LevelInfo, "http request", attrs...)
			}()
			next.ServeHTTP(rec, r)
			completed = true
		})
	}
}

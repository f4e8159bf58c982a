package guard

import (
	"errors"
	"net/http"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/httperror"
)

// DefaultMaxBody is a body limit for JSON API requests: 4 MiB.
const DefaultMaxBody = 4 << 20

// BodyLimit returns middleware that caps request bodies at n bytes: a
// request declaring a longer Content-Length is answered 413 at once, and
// every other body is wrapped in http.MaxBytesReader, so a handler reading
// past n gets an *http.MaxBytesError (see IsTooLarge) and the connection
// is closed after the response. n < 1 means DefaultMaxBody. Routes that
// accept larger bodies (uploads) need their own, outer, limit: nested
// limits only ever shrink.
func BodyLimit(n int64) func(http.Handler) http.Handler {
	if n < 1 {
		n = DefaultMaxBody
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				httperror.Write(w, r, nil, TooLarge(n))
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// IsTooLarge reports whether err comes from reading a body past the limit
// BodyLimit set (an *http.MaxBytesError in its chain). Handlers answer it
// with TooLarge.
func IsTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// TooLarge returns the 413 error of a body over limit bytes, for
// httperror.Write.
func TooLarge(limit int64) *httperror.Error {
	return httperror.New(http.StatusRequestEntityTooLarge, memory.ETooLarge,
		"request body is larger than the limit of %d bytes", limit)
}

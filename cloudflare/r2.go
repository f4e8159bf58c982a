package cloudflare

// R2 objects over the REST API: the content of large memories.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// R2 error codes the API uses for a missing bucket and a missing object.
const (
	r2NoSuchBucket = 10006
	r2NoSuchKey    = 10007
)

func (s *Store) r2Path(key string) string {
	return "/r2/buckets/" + url.PathEscape(s.cfg.R2Bucket) + "/objects/" + url.PathEscape(key)
}

// openBucket checks that the bucket exists and the token may read it, by
// reading an object that does not exist.
func (s *Store) openBucket(ctx context.Context) error {
	_, err := s.c.call(ctx, request{service: "r2", op: "check bucket", method: http.MethodGet, path: s.r2Path("memories/.probe"), raw: true})
	var ae *APIError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound && !hasCode(ae, r2NoSuchBucket):
		return nil // the bucket answers: the object is missing, as expected
	}
	return setupError(err, SettingBucket, "the R2 bucket "+s.cfg.R2Bucket)
}

func hasCode(e *APIError, code int) bool {
	for _, m := range e.Errors {
		if m.Code == code {
			return true
		}
	}
	return false
}

// r2Put stores content under key.
func (s *Store) r2Put(ctx context.Context, key, content string) error {
	_, err := s.c.call(ctx, request{service: "r2", op: "put object", method: http.MethodPut, path: s.r2Path(key),
		body: []byte(content), contentType: "text/plain; charset=utf-8"})
	return err
}

// r2Get reads the object at key.
func (s *Store) r2Get(ctx context.Context, key string) (string, error) {
	b, err := s.c.call(ctx, request{service: "r2", op: "get object", method: http.MethodGet, path: s.r2Path(key), raw: true})
	if err != nil {
		return "", err
	}
	return string(b), nil
}

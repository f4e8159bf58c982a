package cfemu

// R2 objects: PUT, GET and DELETE /r2/buckets/{bucket}/objects/{key}.

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// R2's error codes for a missing bucket and a missing object.
const (
	r2NoSuchBucket = 10006
	r2NoSuchKey    = 10007
)

// bucket is an emulated R2 bucket.
type bucket struct {
	objects map[string]object
}

type object struct {
	data        []byte
	contentType string
	uploaded    time.Time
}

// AddBucket creates an empty bucket.
func (s *Server) AddBucket(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buckets[name] = &bucket{objects: map[string]object{}}
}

// Objects returns the number of objects in a bucket.
func (s *Server) Objects(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.buckets[name]; b != nil {
		return len(b.objects)
	}
	return 0
}

// serveR2 answers object requests.
func (s *Server) serveR2(r *http.Request, sub string) response {
	rest, _ := strings.CutPrefix(sub, "/r2/buckets/")
	name, keyPath, ok := strings.Cut(rest, "/objects/")
	if !ok {
		return response{err: errorf(http.StatusNotFound, 7003, "Could not route to %s", sub)}
	}
	name, _ = url.PathUnescape(name)
	key, err := url.PathUnescape(keyPath)
	if err != nil || key == "" {
		return response{err: errorf(http.StatusBadRequest, 10020, "The object key is not valid")}
	}
	var body []byte
	if r.Method == http.MethodPut {
		var e *apiError
		if body, e = readBody(r, 300<<20); e != nil {
			return response{err: e}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[name]
	if b == nil {
		return response{err: errorf(http.StatusNotFound, r2NoSuchBucket, "The specified bucket does not exist.")}
	}
	switch r.Method {
	case http.MethodPut:
		ct := r.Header.Get("Content-Type")
		if ct == "" {
			ct = "application/octet-stream"
		}
		now := s.opts.Now().UTC()
		b.objects[key] = object{data: body, contentType: ct, uploaded: now}
		sum := md5.Sum(body)
		return response{result: map[string]any{"key": key, "size": len(body), "etag": hex.EncodeToString(sum[:]),
			"uploaded": now.Format(time.RFC3339Nano), "storage_class": "Standard", "http_metadata": map[string]string{"contentType": ct}}}
	case http.MethodGet:
		o, ok := b.objects[key]
		if !ok {
			return response{err: errorf(http.StatusNotFound, r2NoSuchKey, "The specified key does not exist.")}
		}
		return response{raw: append([]byte{}, o.data...), contentType: o.contentType}
	case http.MethodDelete:
		delete(b.objects, key)
		return response{result: map[string]any{}}
	}
	return response{err: errorf(http.StatusMethodNotAllowed, 10000, "Method not allowed")}
}

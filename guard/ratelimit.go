package guard

import (
	"container/list"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/mcp-memory-go/memory/httperror"
	"golang.org/x/time/rate"
)

// DefaultMaxClients is how many clients a RateLimiter tracks at most.
const DefaultMaxClients = 10000

// RateLimiter keeps a token bucket per client key: perSecond tokens are
// added each second up to burst, and each request takes one. The daemon
// uses one instance for requests per client and a stricter one for failed
// authentication attempts per address. Safe for concurrent use; it starts
// no goroutines.
//
// Memory is bounded: a bucket left alone long enough to refill is
// forgotten (a new one is the same), and at most MaxClients are tracked;
// a new client beyond that evicts the one seen least recently, which then
// starts again with a full bucket.
type RateLimiter struct {
	// MaxClients caps the clients tracked; < 1 means DefaultMaxClients.
	// Set it before first use.
	MaxClients int
	// Now is the clock; tests replace it. Set it before first use.
	Now func() time.Time

	limit rate.Limit
	burst int
	idle  time.Duration // time to refill an empty bucket

	mu      sync.Mutex
	clients map[string]*list.Element
	lru     list.List // of *bucket, most recently seen first
}

type bucket struct {
	key  string
	lim  *rate.Limiter
	seen time.Time
}

// NewRateLimiter returns a limiter of perSecond requests per second with
// bursts of burst (at least 1). perSecond <= 0 or +Inf means unlimited:
// Allow always succeeds. For "5 per minute" pass 5.0/60.
func NewRateLimiter(perSecond float64, burst int) *RateLimiter {
	l := &RateLimiter{Now: time.Now, burst: max(burst, 1), clients: map[string]*list.Element{}}
	if perSecond <= 0 || math.IsInf(perSecond, 1) || math.IsNaN(perSecond) {
		l.limit = rate.Inf
		return l
	}
	l.limit = rate.Limit(perSecond)
	l.idle = time.Duration(min(float64(l.burst)/perSecond, 1e9) * float64(time.Second))
	return l
}

// Allow takes a token from key's bucket. If there is none it returns false
// and how long until there will be one.
func (l *RateLimiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l.limit == rate.Inf {
		return true, 0
	}
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	need := 1 - b.lim.TokensAt(now)
	return false, time.Duration(math.Ceil(need / float64(l.limit) * float64(time.Second)))
}

// bucket returns key's bucket, creating it and forgetting idle or excess
// ones. l.mu is held.
func (l *RateLimiter) bucket(key string, now time.Time) *bucket {
	for e := l.lru.Back(); e != nil; e = l.lru.Back() {
		b := e.Value.(*bucket)
		if now.Sub(b.seen) < l.idle {
			break
		}
		l.drop(e)
	}
	if e, ok := l.clients[key]; ok {
		b := e.Value.(*bucket)
		b.seen = now
		l.lru.MoveToFront(e)
		return b
	}
	maxClients := l.MaxClients
	if maxClients < 1 {
		maxClients = DefaultMaxClients
	}
	for l.lru.Len() >= maxClients {
		l.drop(l.lru.Back())
	}
	b := &bucket{key: key, lim: rate.NewLimiter(l.limit, l.burst), seen: now}
	l.clients[key] = l.lru.PushFront(b)
	return b
}

func (l *RateLimiter) drop(e *list.Element) {
	delete(l.clients, e.Value.(*bucket).key)
	l.lru.Remove(e)
}

// Len returns the number of clients tracked.
func (l *RateLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// Middleware returns middleware that answers 429, with Retry-After, to a
// request whose client has no token left. key names the client; nil means
// ClientKey(r, false): the authenticated principal, else the remote
// address. Place it inside authentication so the principal is known.
func (l *RateLimiter) Middleware(key func(*http.Request) string) func(http.Handler) http.Handler {
	if key == nil {
		key = func(r *http.Request) string { return ClientKey(r, false) }
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ok, wait := l.Allow(key(r)); !ok {
				httperror.Write(w, r, nil, TooManyRequests(wait))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// TooManyRequests returns the 429 error for httperror.Write, with a
// Retry-After header of retryAfter in whole seconds, at least 1.
func TooManyRequests(retryAfter time.Duration) *httperror.Error {
	secs := max(int64(math.Ceil(retryAfter.Seconds())), 1)
	e := httperror.New(http.StatusTooManyRequests, httperror.ERateLimited,
		"too many requests; retry in %d seconds", secs)
	e.Header = http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}}
	return e
}

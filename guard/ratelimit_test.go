package guard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/guard"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time      { return c.t }
func (c *fakeClock) Add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }
func newLimiter(c *fakeClock, perSecond float64, burst int) *guard.RateLimiter {
	l := guard.NewRateLimiter(perSecond, burst)
	l.Now = c.Now
	return l
}

func TestRateLimiterAllow(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 1, 2)
	for i := range 2 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d within burst refused", i)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("over burst: Allow=%v, %v, want false and (0, 1s]", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("another key shares a's bucket")
	}
	c.Add(time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Error("after a second: refused")
	}
}

func TestRateLimiterSlow(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 5.0/60, 1) // 5 a minute
	l.Allow("ip:1.2.3.4")
	ok, wait := l.Allow("ip:1.2.3.4")
	if ok || wait != 12*time.Second {
		t.Errorf("Allow=%v, %v, want false, 12s", ok, wait)
	}
}

func TestRateLimiterUnlimited(t *testing.T) {
	l := guard.NewRateLimiter(0, 0)
	for range 100 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatal("unlimited limiter refused")
		}
	}
	if l.Len() != 0 {
		t.Errorf("unlimited: Len()=%d, want 0", l.Len())
	}
}

func TestRateLimiterEvictsIdle(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 10, 10) // refills in 1s
	for i := range 50 {
		l.Allow(fmt.Sprint("k", i))
	}
	if l.Len() != 50 {
		t.Fatalf("Len()=%d, want 50", l.Len())
	}
	c.Add(time.Second)
	l.Allow("new")
	if l.Len() != 1 {
		t.Errorf("after the refill time: Len()=%d, want 1", l.Len())
	}
}

func TestRateLimiterMaxClients(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 1, 1)
	l.MaxClients = 3
	for i := range 1000 {
		l.Allow(fmt.Sprint("k", i))
		if l.Len() > 3 {
			t.Fatalf("Len()=%d after %d keys, want <= 3", l.Len(), i+1)
		}
	}
	// "a" is exhausted, then pushed out by three newer clients: it comes
	// back with a full bucket. "b", seen recently, keeps its empty one.
	l.Allow("a")
	if ok, _ := l.Allow("a"); ok {
		t.Fatal("a not exhausted")
	}
	l.Allow("b")
	l.Allow("b")
	l.Allow("c")
	l.Allow("d")
	if ok, _ := l.Allow("b"); ok {
		t.Error("b, recently seen, was evicted")
	}
	l.Allow("e") // evicts the least recent: c
	if ok, _ := l.Allow("a"); !ok {
		t.Error("a, evicted, still limited")
	}
}

func TestRateLimiterMiddleware(t *testing.T) {
	l := guard.NewRateLimiter(1.0/3600, 2)
	h := l.Middleware(nil)(ok)
	get := func(remote string, p *auth.Principal) *http.Response {
		r := httptest.NewRequest("GET", "/api/memories", nil)
		r.RemoteAddr = remote
		if p != nil {
			r = r.WithContext(auth.WithPrincipal(context.Background(), p))
		}
		return serve(h, r)
	}
	for range 2 {
		if resp := get("10.0.0.1:1000", nil); resp.StatusCode != 200 {
			t.Fatalf("within burst: status=%d", resp.StatusCode)
		}
	}
	resp := get("10.0.0.1:2000", nil) // same IP, other port
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("over burst: status=%d, want 429", resp.StatusCode)
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Errorf("Retry-After=%q, want an integer >= 1", resp.Header.Get("Retry-After"))
	}
	if b := errorBody(t, resp); b.Error != "rate_limited" {
		t.Errorf("error=%q, want rate_limited", b.Error)
	}
	// Other clients have their own budget: another IP, and a key holder on
	// the same IP.
	if resp := get("10.0.0.2:1000", nil); resp.StatusCode != 200 {
		t.Errorf("other IP: status=%d, want 200", resp.StatusCode)
	}
	if resp := get("10.0.0.1:1000", &auth.Principal{KeyID: "k1", Scope: auth.ScopeRead}); resp.StatusCode != 200 {
		t.Errorf("key holder on a limited IP: status=%d, want 200", resp.StatusCode)
	}
	// The anonymous principal shares its IP's budget.
	if resp := get("10.0.0.1:1000", &auth.Principal{Anonymous: true, Scope: auth.ScopeRead}); resp.StatusCode != 429 {
		t.Errorf("anonymous on a limited IP: status=%d, want 429", resp.StatusCode)
	}
}

func TestTooManyRequests(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "1", time.Millisecond: "1", 1500 * time.Millisecond: "2", time.Minute: "60"} {
		if got := guard.TooManyRequests(d).Header.Get("Retry-After"); got != want {
			t.Errorf("TooManyRequests(%v) Retry-After=%q, want %q", d, got, want)
		}
	}
}

package auth

import (
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
)

// ticketClock is a settable clock for the ticket book's unexported now.
type ticketClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *ticketClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *ticketClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func TestTicketExpiry(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := &ticketClock{t: start}
	tk := NewTickets()
	tk.now = clk.now
	p := &Principal{Owner: "alice", Scope: ScopeRead, KeyID: "abc"}

	// Valid up to and including TicketTTL after issue.
	a := tk.Issue(p)
	clk.set(start.Add(TicketTTL))
	if got := tk.Redeem(a); got != p {
		t.Fatalf("Redeem at exactly TicketTTL = %+v, want %+v", got, p)
	}

	clk.set(start)
	b := tk.Issue(p)
	clk.set(start.Add(TicketTTL + time.Millisecond))
	if got := tk.Redeem(b); got != nil {
		t.Fatalf("Redeem after TicketTTL = %+v, want nil", got)
	}
	// A failed redemption of an expired ticket still removes it.
	if _, ok := tk.tickets[b]; ok {
		t.Error("expired ticket kept after a failed redemption")
	}

	// Through Authenticate: an expired ticket is an EUnauthorized error,
	// even with anonymous access on.
	clk.set(start)
	c := tk.Issue(p)
	clk.set(start.Add(2 * TicketTTL))
	au := &Authenticator{Tickets: tk, Anonymous: true}
	got, err := au.Authenticate(httptest.NewRequest("GET", "/events?ticket="+c, nil), true)
	if got != nil || memory.ErrorCode(err) != memory.EUnauthorized {
		t.Fatalf("Authenticate(expired ticket) = %+v, %v; want EUnauthorized", got, err)
	}
}

func TestTicketIssueDropsExpired(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := &ticketClock{t: start}
	tk := NewTickets()
	tk.now = clk.now
	p := &Principal{Owner: "alice", Scope: ScopeRead}
	for range 5 {
		tk.Issue(p)
	}
	clk.set(start.Add(TicketTTL / 2))
	fresh := tk.Issue(p)
	if n := len(tk.tickets); n != 6 {
		t.Fatalf("%d tickets before expiry, want 6", n)
	}
	clk.set(start.Add(TicketTTL + time.Second))
	newest := tk.Issue(p)
	if n := len(tk.tickets); n != 2 {
		t.Fatalf("%d tickets after the first five expired, want 2 (the unexpired and the new one)", n)
	}
	if tk.Redeem(fresh) != p || tk.Redeem(newest) != p {
		t.Fatal("unexpired tickets were dropped")
	}
}

func TestParseKeyID(t *testing.T) {
	secret := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"[:43]
	for s, want := range map[string]string{
		"mms_0123456789ab_" + secret:     "0123456789ab",
		"mms_0123456789AB_" + secret:     "0123456789AB", // hex accepts upper case; the lookup then fails
		"mms_0123456789a_" + secret:      "",
		"mms_0123456789abc_" + secret:    "",
		"mms_0123456789ag_" + secret:     "",
		"mms_0123456789ab" + secret:      "",
		"mms_0123456789ab_" + secret[1:]: "",
		"xyz_0123456789ab_" + secret:     "",
		"":                               "",
	} {
		id, ok := parseKeyID(s)
		if id != want || ok != (want != "") {
			t.Errorf("parseKeyID(%q) = %q, %v; want %q", s, id, ok, want)
		}
	}
}

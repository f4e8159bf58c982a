package auth

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// TicketTTL is how long an event-stream ticket stays valid.
const TicketTTL = 60 * time.Second

// Tickets are one-use, short-lived stand-ins for credentials where a client
// cannot send headers: a browser's EventSource. An authenticated request
// asks for a ticket; the event stream URL carries it (?ticket=…) and it is
// spent on first use, so a leaked URL is worthless.
type Tickets struct {
	mu      sync.Mutex
	tickets map[string]ticket
	now     func() time.Time
}

type ticket struct {
	p       *Principal
	expires time.Time
}

// NewTickets returns an empty ticket book.
func NewTickets() *Tickets {
	return &Tickets{tickets: map[string]ticket{}, now: time.Now}
}

// Issue returns a new ticket for p.
func (t *Tickets) Issue(p *Principal) string {
	b := make([]byte, 24)
	rand.Read(b)
	s := base64.RawURLEncoding.EncodeToString(b)
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, v := range t.tickets { // drop expired ones; the book stays small
		if now.After(v.expires) {
			delete(t.tickets, k)
		}
	}
	t.tickets[s] = ticket{p: p, expires: now.Add(TicketTTL)}
	return s
}

// Redeem spends a ticket and returns its principal, or nil when the ticket
// is unknown, spent or expired.
func (t *Tickets) Redeem(s string) *Principal {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.tickets[s]
	delete(t.tickets, s)
	if !ok || t.now().After(v.expires) {
		return nil
	}
	return v.p
}

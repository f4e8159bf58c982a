package auth

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// RandomToken returns 256 random bits, base64url-encoded: session ids,
// CSRF tokens, tickets, OAuth state.
func RandomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// maxTickets bounds a ticket book; beyond it an arbitrary ticket goes.
const maxTickets = 10000

// OneTime is a book of one-use, expiring tickets, each standing for a
// value: spent on first use, worthless after its time to live.
type OneTime[T any] struct {
	ttl     time.Duration
	mu      sync.Mutex
	tickets map[string]ticket[T]
	now     func() time.Time
}

type ticket[T any] struct {
	v       T
	expires time.Time
}

// NewOneTime returns an empty book whose tickets live for ttl.
func NewOneTime[T any](ttl time.Duration) *OneTime[T] {
	return &OneTime[T]{ttl: ttl, tickets: map[string]ticket[T]{}, now: time.Now}
}

// Issue returns a new ticket for v.
func (o *OneTime[T]) Issue(v T) string {
	s := RandomToken()
	now := o.now()
	o.mu.Lock()
	defer o.mu.Unlock()
	for k, t := range o.tickets { // drop expired ones; the book stays small
		if now.After(t.expires) || len(o.tickets) >= maxTickets {
			delete(o.tickets, k)
		}
	}
	o.tickets[s] = ticket[T]{v: v, expires: now.Add(o.ttl)}
	return s
}

// Redeem spends a ticket and returns its value, or the zero value when the
// ticket is unknown, spent or expired.
func (o *OneTime[T]) Redeem(s string) T {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.tickets[s]
	delete(o.tickets, s)
	if !ok || o.now().After(t.expires) {
		var zero T
		return zero
	}
	return t.v
}

// TicketTTL is how long an event-stream ticket stays valid.
const TicketTTL = 60 * time.Second

// Tickets are one-use, short-lived stand-ins for credentials where a client
// cannot send headers: a browser's EventSource. An authenticated request
// asks for a ticket; the event stream URL carries it (?ticket=…) and it is
// spent on first use, so a leaked URL is worthless.
type Tickets = OneTime[*Principal]

// NewTickets returns an empty ticket book.
func NewTickets() *Tickets { return NewOneTime[*Principal](TicketTTL) }

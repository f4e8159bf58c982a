package httpapi

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
)

// subscriberBuffer is how many events a stream may lag behind before new
// ones are dropped for it.
const subscriberBuffer = 64

// streamWriteTimeout bounds each write to an event stream.
const streamWriteTimeout = 10 * time.Second

// hub fans events out to the event streams.
type hub struct {
	mu      sync.RWMutex
	subs    map[string]*subscriber
	closed  bool
	done    chan struct{}
	streams sync.WaitGroup
	dropped atomic.Int64
}

// subscriber is one open event stream.
type subscriber struct {
	id, owner         string
	clientIP, agent   string
	connected         time.Time
	lastBeat          atomic.Int64 // unix nanoseconds
	ch                chan memory.Event
	dropped           atomic.Int64
	heartbeatInterval time.Duration
}

func newHub() *hub { return &hub{subs: map[string]*subscriber{}, done: make(chan struct{})} }

// Publish hands e to every event stream of e.Owner, and drops the owner's
// cached analytics. It never blocks: a stream that lags more than 64
// events behind loses the newer ones (counted in GET /api/events/stats).
// Wire it as memory.Service.OnEvent so that changes made through any
// transport are published.
func (a *API) Publish(e memory.Event) {
	a.init()
	system := isSystemEvent(e)
	if system {
		a.snapshots.invalidateAll() // a sync may have changed anyone's memories
	} else {
		a.snapshots.invalidate(e.Owner)
	}
	h := a.events
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, s := range h.subs {
		if s.owner != e.Owner && !system {
			continue
		}
		select {
		case s.ch <- e:
		default:
			s.dropped.Add(1)
			h.dropped.Add(1)
		}
	}
}

// Close ends every event stream and refuses new ones (503), then waits for
// the stream handlers to return. Call it before http.Server.Shutdown,
// which would otherwise wait for the streams, or register it with
// http.Server.RegisterOnShutdown. It is safe to call more than once.
func (a *API) Close() {
	a.init()
	h := a.events
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
	h.mu.Unlock()
	h.streams.Wait()
}

// subscribe registers a stream, or fails when the API is closed.
func (h *hub) subscribe(s *subscriber) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return memory.Errorf(memory.EUnavailable, "the server is shutting down")
	}
	h.subs[s.id] = s
	h.streams.Add(1)
	return nil
}

func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s.id)
	h.mu.Unlock()
	h.streams.Done()
}

// count returns the number of streams of owner.
func (h *hub) count(owner string) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, s := range h.subs {
		if s.owner == owner {
			n++
		}
	}
	return n
}

// eventMessages are the human-readable messages upstream's events carry.
var eventMessages = map[string]string{
	memory.EventStored:        "Memory stored successfully",
	memory.EventUpdated:       "Memory updated successfully",
	memory.EventDeleted:       "Memory deleted successfully",
	memory.EventSyncProgress:  "Sync in progress",
	memory.EventSyncCompleted: "Sync completed",
	memory.EventSyncFailed:    "Sync failed; changes stay queued locally",
}

// isSystemEvent reports whether e concerns the server rather than one
// owner's memories (sync progress: counts, no content): every stream gets
// it.
func isSystemEvent(e memory.Event) bool {
	switch e.Type {
	case memory.EventSyncProgress, memory.EventSyncCompleted, memory.EventSyncFailed:
		return e.Owner == ""
	}
	return false
}

// streamEvents serves GET /api/events: a text/event-stream that starts with
// connection_established, sends a heartbeat every Heartbeat and every event
// published for the caller's owner, until the client goes or Close.
func (a *API) streamEvents(w http.ResponseWriter, r *http.Request) error {
	a.init()
	p := auth.FromContext(r.Context())
	owner := memory.OwnerFrom(r.Context())
	if p != nil {
		owner = p.Owner
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	now := a.now()
	s := &subscriber{id: randomID(), owner: owner, clientIP: ip, agent: memory.Clip(r.UserAgent(), 200),
		connected: now, ch: make(chan memory.Event, subscriberBuffer), heartbeatInterval: a.heartbeat()}
	s.lastBeat.Store(now.UnixNano())
	h := a.events
	if err := h.subscribe(s); err != nil {
		return err
	}
	defer h.unsubscribe(s)

	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	send := func(name string, data any) bool {
		b, err := json.Marshal(data)
		if err != nil {
			return false
		}
		// Each write gets its own deadline: the stream outlives the
		// server's write timeout, but a stuck client cannot hold Close.
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := fmt.Fprintf(w, "event: %s\nid: %s\ndata: %s\n\n", name, randomID(), b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("connection_established", map[string]any{
		"connection_id": s.id, "message": "Connected to memory events", "heartbeat_interval": s.heartbeatInterval.Seconds(),
		"timestamp": iso(now),
	}) {
		return nil
	}
	tick := time.NewTicker(s.heartbeatInterval)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-h.done:
			send("connection_closed", map[string]any{"connection_id": s.id, "message": "The server is shutting down", "timestamp": iso(a.now())})
			return nil
		case <-tick.C:
			t := a.now()
			s.lastBeat.Store(t.UnixNano())
			if !send("heartbeat", map[string]any{"timestamp": iso(t), "active_connections": h.count(owner), "server_status": "healthy"}) {
				return nil
			}
		case e := <-s.ch:
			if e.At.IsZero() {
				e.At = a.now()
			}
			if !send(e.Type, struct {
				memory.Event
				Message string `json:"message,omitempty"`
			}{e, eventMessages[e.Type]}) {
				return nil
			}
		}
	}
}

// TicketResponse answers POST /api/events/ticket.
type TicketResponse struct {
	Ticket    string `json:"ticket" jsonschema:"pass as ?ticket= to GET /api/events; valid once"`
	ExpiresIn int    `json:"expires_in" jsonschema:"seconds the ticket stays valid"`
}

func (a *API) issueTicket(r *http.Request) (*TicketResponse, error) {
	p := auth.FromContext(r.Context())
	if a.Auth == nil || a.Auth.Tickets == nil {
		return nil, memory.Errorf(memory.EUnavailable, "event-stream tickets are not enabled on this server")
	}
	return &TicketResponse{Ticket: a.Auth.Tickets.Issue(p), ExpiresIn: int(auth.TicketTTL.Seconds())}, nil
}

// EventStatsResponse answers GET /api/events/stats.
type EventStatsResponse struct {
	TotalConnections  int               `json:"total_connections"`
	HeartbeatInterval float64           `json:"heartbeat_interval" jsonschema:"seconds"`
	DroppedEvents     int64             `json:"dropped_events" jsonschema:"events dropped for these connections because they lagged"`
	Connections       []EventConnection `json:"connections"`
}

// EventConnection describes one open event stream.
type EventConnection struct {
	ConnectionID             string  `json:"connection_id"`
	ClientIP                 string  `json:"client_ip"`
	UserAgent                string  `json:"user_agent"`
	ConnectedDurationSeconds float64 `json:"connected_duration_seconds"`
	LastHeartbeatSecondsAgo  float64 `json:"last_heartbeat_seconds_ago"`
	DroppedEvents            int64   `json:"dropped_events"`
}

// eventStats lists the caller's owner's streams, or every stream for an
// admin.
func (a *API) eventStats(r *http.Request) (*EventStatsResponse, error) {
	a.init()
	p := auth.FromContext(r.Context())
	all := p.Has(auth.ScopeAdmin)
	owner := memory.OwnerFrom(r.Context())
	if p != nil {
		owner = p.Owner
	}
	now := a.now()
	out := &EventStatsResponse{HeartbeatInterval: a.heartbeat().Seconds(), Connections: []EventConnection{}}
	h := a.events
	h.mu.RLock()
	for _, s := range h.subs {
		if !all && s.owner != owner {
			continue
		}
		d := s.dropped.Load()
		out.DroppedEvents += d
		out.Connections = append(out.Connections, EventConnection{ConnectionID: s.id, ClientIP: s.clientIP, UserAgent: s.agent,
			ConnectedDurationSeconds: round(now.Sub(s.connected).Seconds(), 1),
			LastHeartbeatSecondsAgo:  round(now.Sub(time.Unix(0, s.lastBeat.Load())).Seconds(), 1), DroppedEvents: d})
	}
	h.mu.RUnlock()
	sort.Slice(out.Connections, func(i, j int) bool { return out.Connections[i].ConnectionID < out.Connections[j].ConnectionID })
	out.TotalConnections = len(out.Connections)
	return out, nil
}

// randomID returns a random UUID (version 4).
func randomID() string {
	var b [16]byte
	_, _ = io.ReadFull(rand.Reader, b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

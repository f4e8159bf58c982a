package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/httpapi"
)

// sseEvent is one received server-sent event.
type sseEvent struct {
	Name, ID string
	Data     map[string]any
}

// server starts an HTTP server for the env's handler, closed after the
// test (after every stream, since those are stopped first).
func (e *env) server() *httptest.Server {
	e.t.Helper()
	srv := httptest.NewServer(e.handler)
	e.t.Cleanup(srv.Close)
	return srv
}

// openStream connects to GET /api/events as who and returns the events
// received (closed at the end of the stream) after checking that the first
// one is connection_established. stop disconnects.
func openStream(t *testing.T, srv *httptest.Server, who string) (<-chan sseEvent, func()) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/events", nil)
	req.Header.Set("X-Test-Principal", who)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /api/events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ch := make(chan sseEvent, 1000)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				ch <- ev
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.Name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "id: "):
				ev.ID = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.Data); err != nil {
					ev.Name = "bad data: " + err.Error()
				}
			}
		}
	}()
	first := next(t, ch)
	if first.Name != "connection_established" || first.Data["connection_id"] == "" || first.ID == "" {
		t.Fatalf("first event = %+v, want connection_established", first)
	}
	return ch, stop
}

// next returns the next event other than a heartbeat.
func next(t *testing.T, ch <-chan sseEvent) sseEvent {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatal("the event stream ended")
			}
			if ev.Name != "heartbeat" {
				return ev
			}
		case <-timeout:
			t.Fatal("no event within 5 s")
		}
	}
}

func TestEventsReachTheirOwnerOnly(t *testing.T) {
	e := MustOpenEnv(t)
	srv := e.server()
	alice, _ := openStream(t, srv, "alice-read")
	bob, _ := openStream(t, srv, "bob-write")

	// Stored through REST.
	e.mustDo(200, "alice-write", "POST", "/api/memories", `{"content": "Alice's secret plan", "tags": ["plan"]}`)
	ev := next(t, alice)
	if ev.Name != memory.EventStored || ev.Data["content_hash"] != memory.ContentHash("Alice's secret plan") ||
		ev.Data["content_preview"] != "Alice's secret plan" || ev.Data["timestamp"] == nil || ev.Data["message"] == nil {
		t.Errorf("event = %+v, want memory_stored of alice's memory", ev)
	}
	// Stored directly through the service (as MCP does).
	m := e.store("alice", "Stored over MCP", time.Time{}, "")
	ev2 := next(t, alice)
	if ev2.Name != memory.EventStored || ev2.Data["content_hash"] != m.Hash {
		t.Errorf("event = %+v, want memory_stored of %s", ev2, m.Hash)
	}
	if ev2.ID == ev.ID {
		t.Errorf("two events share the id %s", ev.ID)
	}
	e.mustDo(200, "alice-write", "PUT", "/api/memories/"+m.Hash, `{"tags": ["x"]}`)
	if ev := next(t, alice); ev.Name != memory.EventUpdated || ev.Data["content_hash"] != m.Hash {
		t.Errorf("event = %+v, want memory_updated", ev)
	}
	e.mustDo(200, "alice-write", "DELETE", "/api/memories/"+m.Hash, nil)
	if ev := next(t, alice); ev.Name != memory.EventDeleted || ev.Data["content_hash"] != m.Hash {
		t.Errorf("event = %+v, want memory_deleted", ev)
	}

	// Bob's first event is his own: none of alice's reached him before.
	e.mustDo(200, "bob-write", "POST", "/api/memories", `{"content": "Bob's note"}`)
	if ev := next(t, bob); ev.Name != memory.EventStored || ev.Data["content_hash"] != memory.ContentHash("Bob's note") {
		t.Errorf("bob's first event = %+v, want his own memory_stored", ev)
	}
}

func TestEventsHeartbeat(t *testing.T) {
	e := MustOpenEnv(t)
	e.api.Heartbeat = 10 * time.Millisecond
	ch, _ := openStream(t, e.server(), "alice-read")
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ev.Name == "heartbeat" {
				if ev.Data["server_status"] != "healthy" || ev.Data["timestamp"] == nil || ev.Data["active_connections"] != 1.0 {
					t.Errorf("heartbeat = %+v", ev)
				}
				return
			}
		case <-timeout:
			t.Fatal("no heartbeat within 5 s")
		}
	}
}

func TestEventStats(t *testing.T) {
	e := MustOpenEnv(t)
	srv := e.server()
	openStream(t, srv, "alice-read")
	openStream(t, srv, "bob-write")
	openStream(t, srv, "carol-admin")
	var s httpapi.EventStatsResponse
	e.mustDo(200, "alice-read", "GET", "/api/events/stats", nil).Decode(t, &s)
	if s.TotalConnections != 1 || len(s.Connections) != 1 || s.HeartbeatInterval != 3600 || s.Connections[0].ConnectionID == "" {
		t.Errorf("alice's stats = %+v, want her one connection", s)
	}
	e.mustDo(200, "carol-admin", "GET", "/api/events/stats", nil).Decode(t, &s)
	if s.TotalConnections != 3 {
		t.Errorf("admin's stats = %+v, want all 3 connections", s)
	}
}

func TestPublishNeverBlocks(t *testing.T) {
	e := MustOpenEnv(t)
	srv := e.server()
	// A client that reads nothing after connecting.
	req, _ := http.NewRequest("GET", srv.URL+"/api/events", nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req = req.WithContext(ctx)
	req.Header.Set("X-Test-Principal", "alice-read")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	ev := memory.Event{Type: memory.EventStored, Owner: "alice", Preview: strings.Repeat("x", 1000), Hash: strings.Repeat("a", 64)}
	done := make(chan struct{})
	go func() {
		for range 50_000 {
			e.api.Publish(ev)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked on a stalled client")
	}
	var s httpapi.EventStatsResponse
	e.mustDo(200, "alice-read", "GET", "/api/events/stats", nil).Decode(t, &s)
	if s.DroppedEvents == 0 {
		t.Errorf("dropped_events = 0 after 50,000 events to a stalled client")
	}
}

func TestCloseEndsStreams(t *testing.T) {
	e := MustOpenEnv(t)
	ch, _ := openStream(t, e.server(), "alice-read")
	closed := make(chan struct{})
	go func() { e.api.Close(); close(closed) }()
	if ev := next(t, ch); ev.Name != "connection_closed" {
		t.Errorf("event = %+v, want connection_closed", ev)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	for range ch { // the stream ends
	}
	e.wantError(e.do("alice-read", "GET", "/api/events", nil), http.StatusServiceUnavailable, memory.EUnavailable)
}

func TestEventTicket(t *testing.T) {
	e := MustOpenEnv(t)
	var tk httpapi.TicketResponse
	e.mustDo(200, "alice-read", "POST", "/api/events/ticket", nil).Decode(t, &tk)
	if tk.Ticket == "" || tk.ExpiresIn != 60 {
		t.Fatalf("ticket = %+v", tk)
	}
	if p := e.api.Auth.Tickets.Redeem(tk.Ticket); p == nil || p.Owner != "alice" {
		t.Errorf("Redeem = %+v, want alice", p)
	}
	e.api.Auth = nil
	e.wantError(e.do("alice-read", "POST", "/api/events/ticket", nil), http.StatusServiceUnavailable, memory.EUnavailable)
}

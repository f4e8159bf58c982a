package mdns_test

import (
	"context"
	"crypto/rand"
	"net"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/mdns"
)

// TestMulticast_Loopback runs the responder on the real mDNS groups and
// browses for it through multicast looped back to this host. Machines
// without a multicast-capable interface, or whose network drops the
// looped-back datagrams, skip it (many CI sandboxes); what is found must
// be right.
func TestMulticast_Loopback(t *testing.T) {
	if testing.Short() {
		t.Skip("multicast: listens for 2 s")
	}
	name := "Test Memory " + rand.Text()[:8] // tests of other checkouts may run at once
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	r := &mdns.Responder{Service: mdns.Service{Instance: name, Port: 18123, TXT: map[string]string{"api_path": "/api"}}}
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	got, err := mdns.Browse(t.Context(), mdns.BrowseOptions{Timeout: 2 * time.Second})
	if err != nil {
		t.Skipf("multicast is not usable here: %v", err)
	}
	select {
	case err := <-done:
		t.Skipf("the responder could not join the mDNS groups: %v", err)
	default:
	}
	var mine []mdns.Entry
	for _, e := range got {
		if e.Instance == name {
			mine = append(mine, e)
		}
	}
	if len(mine) == 0 {
		t.Skipf("multicast loopback delivered nothing here (%d other servers seen)", len(got))
	}
	e := mine[0]
	if len(mine) != 1 || e.Port != 18123 || e.TXT["api_path"] != "/api" || len(e.IPs) == 0 {
		t.Fatalf("Browse() found %+v, want one entry on port 18123 with its properties and addresses", mine)
	}
	for _, ip := range e.IPs {
		if ip.IsLoopback() || (ip.To4() == nil && ip.IsLinkLocalUnicast()) {
			t.Errorf("advertised address %v is loopback or IPv6 link-local", ip)
		}
	}
	if _, _, err := net.SplitHostPort(e.URL()[len("http://"):]); err != nil {
		t.Errorf("URL()=%q: %v", e.URL(), err)
	}
}

package mdns_test

import (
	"context"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/mdns"
)

// TestBrowse_Loopback runs a real exchange over UDP on loopback: a
// responder on its own socket (not the multicast group, which these
// machines cannot use) answers Browse's legacy unicast queries, and the
// entry carries the service's name, port, address and properties.
func TestBrowse_Loopback(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	txt := map[string]string{"api_version": "1", "https": "false", "auth_required": "true", "api_path": "/api"}
	r := &mdns.Responder{Service: mdns.Service{Instance: "Loopback Memory", Host: "testbox", Port: 8123, TXT: txt},
		BindIP: net.IPv4(127, 0, 0, 1), Conn: pc}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run()=%v, want nil", err)
		}
	}()

	got, err := mdns.Browse(t.Context(), mdns.BrowseOptions{Addr: pc.LocalAddr().(*net.UDPAddr), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("Browse()=%v", err)
	}
	if len(got) != 1 {
		t.Fatalf("Browse() found %d servers, want 1: %+v", len(got), got)
	}
	e := got[0]
	if e.Instance != "Loopback Memory" || e.Host != "testbox.local." || e.Port != 8123 || !reflect.DeepEqual(e.TXT, txt) {
		t.Errorf("Browse()[0]=%+v, want Loopback Memory on testbox.local.:8123 with its properties", e)
	}
	if len(e.IPs) != 1 || !e.IPs[0].Equal(net.IPv4(127, 0, 0, 1)) || e.URL() != "http://127.0.0.1:8123" {
		t.Errorf("Browse()[0] addresses %v, URL %s; want 127.0.0.1 and http://127.0.0.1:8123", e.IPs, e.URL())
	}
}

func TestResponder_BadService(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	r := &mdns.Responder{Service: mdns.Service{Port: 0}, Conn: pc}
	if err := r.Run(t.Context()); err == nil {
		t.Errorf("Run(port 0)=nil, want an error")
	}
}

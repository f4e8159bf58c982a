package daemon

// Work the daemon runs while it serves: the backup scheduler and the mDNS
// responder.

import (
	"context"
	"net"
	"strconv"

	"github.com/mcp-memory-go/memory/guard"
	"github.com/mcp-memory-go/memory/mdns"
)

// runBackground runs fn until the returned stop is called, which cancels
// it and waits for it to return.
func (d *Daemon) runBackground(what string, fn func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := fn(ctx); err != nil {
			d.cfg.Logger.Error(what+" stopped", "err", err)
		}
	}()
	return func() { cancel(); <-done }
}

// responder returns the mDNS responder advertising the listener, or nil
// when the daemon listens on loopback only: nobody else on the network
// could reach it.
func (d *Daemon) responder(addr net.Addr, scheme string) *mdns.Responder {
	if guard.IsLoopback(addr.String()) {
		d.cfg.Logger.Info("not advertising on mDNS: the server listens on loopback only (set MCP_HTTP_HOST to a network address)")
		return nil
	}
	svc := *d.cfg.MDNS
	tcp, _ := addr.(*net.TCPAddr)
	if tcp != nil {
		svc.Port = tcp.Port
	}
	props := map[string]string{
		"api_version":   "1",
		"version":       d.cfg.Version,
		"https":         strconv.FormatBool(scheme == "https"),
		"auth_required": strconv.FormatBool(!d.auth.Anonymous),
		"oauth":         strconv.FormatBool(d.cfg.OAuth != nil),
		"api_path":      "/api",
		"mcp_path":      "/mcp",
		"sse_path":      "/api/events",
		"docs_path":     "/api/docs",
	}
	for k, v := range svc.TXT {
		props[k] = v
	}
	svc.TXT = props
	r := &mdns.Responder{Service: svc, Logger: d.cfg.Logger}
	if tcp != nil {
		r.BindIP = tcp.IP
	}
	return r
}

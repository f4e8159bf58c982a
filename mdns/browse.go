package mdns

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// DefaultTimeout is how long Browse listens (upstream's
// MCP_MDNS_DISCOVERY_TIMEOUT).
const DefaultTimeout = 5 * time.Second

// BrowseOptions configures Browse. Zero fields take the defaults.
type BrowseOptions struct {
	// Type and Domain name the service (DefaultType, DefaultDomain).
	Type, Domain string
	// Timeout is how long to listen for answers.
	Timeout time.Duration
	// Addr, if set, receives the queries instead of the mDNS groups: tests
	// ask a responder on a loopback socket.
	Addr *net.UDPAddr
}

// Browse asks the local network which servers offer the service and
// returns those that answered within the timeout, sorted by name. It asks
// from its own port, so responders answer it directly (RFC 6762 §6.7);
// after a second it asks again, and for the records an answer lacked.
// When ctx ends first it returns what it found with ctx's error.
func Browse(ctx context.Context, opts BrowseOptions) ([]Entry, error) {
	svc, err := Service{Type: opts.Type, Domain: opts.Domain, Host: "querier", Port: 1}.normalize()
	if err != nil {
		return nil, err
	}
	n, err := svc.names()
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var conns []packetConn
	if opts.Addr != nil {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: opts.Addr.IP, Port: 0})
		if err != nil {
			return nil, err
		}
		conns = []packetConn{plainConn{c}}
	} else if conns, err = listenQuerier(); err != nil {
		return nil, err
	}
	col := newCollector(n.service)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 9000)
			for {
				k, _, _, err := c.readFrom(buf)
				if errors.Is(err, net.ErrClosed) {
					return
				}
				if err == nil {
					mu.Lock()
					col.add(buf[:k], time.Now())
					mu.Unlock()
				}
			}
		}()
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	}()

	send := func(msg []byte) {
		for _, c := range conns {
			if opts.Addr != nil {
				c.writeTo(msg, 0, opts.Addr)
				continue
			}
			for _, ifi := range multicastInterfaces() {
				c.writeTo(msg, ifi.Index, c.group())
			}
		}
	}
	ptrQuery, err := query(dnsmessage.TypePTR, n.service.String())
	if err != nil {
		return nil, err
	}
	send(ptrQuery)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	again := time.NewTimer(min(time.Second, timeout/2))
	defer again.Stop()
	for {
		select {
		case <-ctx.Done():
			mu.Lock()
			defer mu.Unlock()
			return col.result(), ctx.Err()
		case <-again.C:
			mu.Lock()
			instances, hosts := col.incomplete()
			mu.Unlock()
			send(ptrQuery)
			if len(instances) > 0 {
				if q, err := query(dnsmessage.TypeSRV, instances...); err == nil {
					send(q)
				}
				if q, err := query(dnsmessage.TypeTXT, instances...); err == nil {
					send(q)
				}
			}
			for _, h := range hosts {
				if !strings.HasSuffix(h, ".") {
					continue
				}
				if q, err := query(dnsmessage.TypeA, h); err == nil {
					send(q)
				}
			}
		case <-deadline.C:
			mu.Lock()
			defer mu.Unlock()
			return col.result(), nil
		}
	}
}

package mdns

// Sockets: the mDNS multicast groups on every interface, or a plain
// socket (tests, and the querier's own port).

import (
	"errors"
	"fmt"
	"net"
	"sync"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

var (
	groupV4 = &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: Port}
	groupV6 = &net.UDPAddr{IP: net.ParseIP("ff02::fb"), Port: Port}
)

// packetConn reads and writes datagrams with the interface they use.
type packetConn interface {
	// readFrom returns a datagram and the index of the interface it came
	// in on (0 when unknown).
	readFrom(b []byte) (n, ifIndex int, src net.Addr, err error)
	// writeTo sends b to dst, out of interface ifIndex if it is not 0.
	writeTo(b []byte, ifIndex int, dst net.Addr) error
	// group is the multicast group to send to, nil for a plain socket.
	group() net.Addr
	Close() error
}

// plainConn is a unicast socket.
type plainConn struct{ net.PacketConn }

func (c plainConn) readFrom(b []byte) (int, int, net.Addr, error) {
	n, src, err := c.ReadFrom(b)
	return n, 0, src, err
}

func (c plainConn) writeTo(b []byte, _ int, dst net.Addr) error {
	_, err := c.WriteTo(b, dst)
	return err
}

func (c plainConn) group() net.Addr { return nil }

// groupConn is an IPv4 or IPv6 socket that learns the interface of each
// datagram and sends out of a chosen one: an mDNS group socket, or the
// querier's.
type groupConn struct {
	c     net.PacketConn
	grp   net.Addr
	read  func(b []byte) (n, ifIndex int, src net.Addr, err error)
	setIf func(*net.Interface) error
	mu    sync.Mutex // the outgoing interface is socket state
}

func newConn4(c net.PacketConn) *groupConn {
	p := ipv4.NewPacketConn(c)
	p.SetMulticastTTL(255) // RFC 6762 §11
	p.SetMulticastLoopback(true)
	p.SetControlMessage(ipv4.FlagInterface, true) // not on Windows: answers then carry every address
	return &groupConn{c: c, grp: groupV4, setIf: p.SetMulticastInterface,
		read: func(b []byte) (int, int, net.Addr, error) {
			n, cm, src, err := p.ReadFrom(b)
			if cm == nil {
				return n, 0, src, err
			}
			return n, cm.IfIndex, src, err
		}}
}

func newConn6(c net.PacketConn) *groupConn {
	p := ipv6.NewPacketConn(c)
	p.SetMulticastHopLimit(255)
	p.SetMulticastLoopback(true)
	p.SetControlMessage(ipv6.FlagInterface, true)
	return &groupConn{c: c, grp: groupV6, setIf: p.SetMulticastInterface,
		read: func(b []byte) (int, int, net.Addr, error) {
			n, cm, src, err := p.ReadFrom(b)
			if cm == nil {
				return n, 0, src, err
			}
			return n, cm.IfIndex, src, err
		}}
}

func (c *groupConn) readFrom(b []byte) (int, int, net.Addr, error) { return c.read(b) }

func (c *groupConn) writeTo(b []byte, ifIndex int, dst net.Addr) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ifIndex > 0 {
		if ifi, err := net.InterfaceByIndex(ifIndex); err == nil {
			c.setIf(ifi)
		}
	}
	_, err := c.c.WriteTo(b, dst)
	return err
}

func (c *groupConn) group() net.Addr { return c.grp }
func (c *groupConn) Close() error    { return c.c.Close() }

// multicastInterfaces returns the interfaces that are up, multicast-capable
// and not loopback.
func multicastInterfaces() []net.Interface {
	all, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []net.Interface
	for _, ifi := range all {
		if ifi.Flags&net.FlagUp != 0 && ifi.Flags&net.FlagMulticast != 0 && ifi.Flags&net.FlagLoopback == 0 {
			out = append(out, ifi)
		}
	}
	return out
}

// listenGroups joins the mDNS groups on port 5353 (shared with other
// responders such as Avahi or Bonjour: the standard library sets
// SO_REUSEADDR) on every interface. It returns the sockets it could open,
// or an error if none.
func listenGroups(ifaces []net.Interface) ([]packetConn, error) {
	if len(ifaces) == 0 {
		return nil, errors.New("no network interface is up with multicast")
	}
	var conns []packetConn
	var errs []error
	// ListenMulticastUDP joins on the first interface; the others are
	// joined here (one without IPv4 or IPv6 refuses, which is fine).
	if c, err := net.ListenMulticastUDP("udp4", &ifaces[0], groupV4); err != nil {
		errs = append(errs, fmt.Errorf("ipv4: %w", err))
	} else {
		p := ipv4.NewPacketConn(c)
		for i := range ifaces[1:] {
			p.JoinGroup(&ifaces[i+1], groupV4)
		}
		conns = append(conns, newConn4(c))
	}
	if c, err := net.ListenMulticastUDP("udp6", &ifaces[0], groupV6); err != nil {
		errs = append(errs, fmt.Errorf("ipv6: %w", err))
	} else {
		p := ipv6.NewPacketConn(c)
		for i := range ifaces[1:] {
			p.JoinGroup(&ifaces[i+1], groupV6)
		}
		conns = append(conns, newConn6(c))
	}
	if len(conns) == 0 {
		return nil, fmt.Errorf("join the mDNS groups: %w", errors.Join(errs...))
	}
	return conns, nil
}

// listenQuerier opens the querier's sockets on ephemeral ports, so that
// responders answer it by unicast (RFC 6762 §6.7).
func listenQuerier() ([]packetConn, error) {
	var conns []packetConn
	var errs []error
	if c, err := net.ListenUDP("udp4", &net.UDPAddr{}); err != nil {
		errs = append(errs, err)
	} else {
		conns = append(conns, newConn4(c))
	}
	if c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6unspecified}); err == nil {
		conns = append(conns, newConn6(c))
	}
	if len(conns) == 0 {
		return nil, fmt.Errorf("open a UDP socket: %w", errors.Join(errs...))
	}
	return conns, nil
}

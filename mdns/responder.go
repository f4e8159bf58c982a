package mdns

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// Responder advertises one service until its Run returns.
type Responder struct {
	Service Service
	// BindIP is the address the service listens on and limits the
	// addresses advertised: nil or :: means every address of the
	// interface a query came in on, 0.0.0.0 its IPv4 addresses, anything
	// else that address alone.
	BindIP net.IP
	// Conn, if set, is the only socket served, instead of the mDNS
	// multicast groups on every interface: tests answer queries sent to a
	// loopback socket with it.
	Conn   net.PacketConn
	Logger *slog.Logger

	svc   Service
	names names
}

// Run joins the mDNS groups, announces the service, answers queries until
// ctx is done, then says goodbye and closes its sockets. It returns an
// error only when it cannot start (no usable interface, a bad service).
func (r *Responder) Run(ctx context.Context) error {
	var err error
	if r.svc, err = r.Service.normalize(); err != nil {
		return err
	}
	if r.names, err = r.svc.names(); err != nil {
		return err
	}
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var conns []packetConn
	if r.Conn != nil {
		conns = []packetConn{plainConn{r.Conn}}
	} else if conns, err = listenGroups(multicastInterfaces()); err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.serve(c, log)
		}()
	}
	log.Info("advertising on mDNS", "instance", r.names.instance.String(), "port", r.svc.Port)
	// Announce twice, a second apart (RFC 6762 §8.3).
	for i := 0; i < 2 && ctx.Err() == nil; i++ {
		r.announce(conns, -1)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	<-ctx.Done()
	r.announce(conns, 0) // goodbye
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	return nil
}

// announce sends the service's records to the group on every interface,
// with ttl 0 to withdraw them (-1 keeps their TTLs).
func (r *Responder) announce(conns []packetConn, ttl int) {
	for _, c := range conns {
		if c.group() == nil {
			continue
		}
		ifaces := multicastInterfaces()
		for _, ifi := range ifaces {
			rep := reply{answers: []dnsmessage.Resource{r.svc.ptr(r.names)},
				extras: append([]dnsmessage.Resource{r.svc.srv(r.names), r.svc.txtRecord(r.names)}, r.svc.addrs(r.names, r.addresses(ifi.Index))...)}
			if b, err := pack(rep, nil, false, ttl); err == nil {
				c.writeTo(b, ifi.Index, c.group())
			}
		}
	}
}

// serve answers the queries read from c until it is closed.
func (r *Responder) serve(c packetConn, log *slog.Logger) {
	buf := make([]byte, 9000)
	for {
		n, ifIndex, src, err := c.readFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			log.Debug("mDNS read", "err", err)
			continue
		}
		out, dst := r.handle(buf[:n], ifIndex, src)
		if out == nil {
			continue
		}
		if dst == nil {
			dst = c.group()
		}
		if err := c.writeTo(out, ifIndex, dst); err != nil {
			log.Debug("mDNS write", "err", err)
		}
	}
}

// handle answers one datagram: the reply and where to send it (nil: the
// group), or nil when there is nothing to say.
func (r *Responder) handle(msg []byte, ifIndex int, src net.Addr) ([]byte, net.Addr) {
	var q dnsmessage.Message
	if err := q.Unpack(msg); err != nil || q.Response || q.OpCode != 0 || len(q.Questions) == 0 {
		return nil, nil
	}
	rep := r.svc.answer(r.names, &q, r.addresses(ifIndex))
	if len(rep.answers) == 0 {
		return nil, nil
	}
	ua, _ := src.(*net.UDPAddr)
	legacy := ua != nil && ua.Port != Port
	unicast := legacy
	for _, qq := range q.Questions {
		if qq.Class&unicastResponse != 0 {
			unicast = true
		}
	}
	out, err := pack(rep, &q, legacy, -1)
	if err != nil {
		return nil, nil
	}
	if unicast {
		return out, src
	}
	return out, nil
}

// addresses returns the addresses to advertise on interface ifIndex (0:
// every interface).
func (r *Responder) addresses(ifIndex int) []net.IP {
	specific := r.BindIP != nil && !r.BindIP.IsUnspecified()
	v4only := r.BindIP != nil && r.BindIP.IsUnspecified() && r.BindIP.To4() != nil
	var ifaces []net.Interface
	if ifIndex > 0 {
		if ifi, err := net.InterfaceByIndex(ifIndex); err == nil {
			ifaces = []net.Interface{*ifi}
		}
	} else {
		ifaces = multicastInterfaces()
	}
	var out []net.IP
	for _, ifi := range ifaces {
		addrs, err := ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if !ok || n.IP.IsLoopback() || (v4only && n.IP.To4() == nil) || (n.IP.To4() == nil && n.IP.IsLinkLocalUnicast()) {
				continue
			}
			if specific && !n.IP.Equal(r.BindIP) {
				continue
			}
			out = append(out, n.IP)
		}
	}
	if specific && ifIndex == 0 && len(out) == 0 {
		out = []net.IP{r.BindIP} // a socket of our own (Conn): trust the caller
	}
	return out
}

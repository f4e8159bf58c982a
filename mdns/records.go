// Package mdns advertises the HTTP daemon on the local network with
// multicast DNS service discovery (RFC 6762, RFC 6763) and finds the
// servers that advertise themselves: a small responder and querier on
// golang.org/x/net/dns/dnsmessage, instead of a full mDNS stack.
//
// The responder answers PTR queries for the service type (default
// _mcp-memory._tcp.local., upstream's), the DNS-SD meta-query, SRV and TXT
// queries for its instance and A/AAAA queries for its host name, with the
// records of the interface the query came in on; it announces itself when
// it starts and says goodbye (TTL 0) when it stops. Queries from a port
// other than 5353 get a unicast reply ("legacy unicast", RFC 6762 §6.7),
// which is how Browse asks. Not implemented: probing for and resolving
// instance-name conflicts (RFC 6762 §8-9), so two servers with the same
// MCP_MDNS_SERVICE_NAME on one network must be named apart by hand.
package mdns

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// Defaults, as upstream's (MCP_MDNS_SERVICE_NAME, MCP_MDNS_SERVICE_TYPE).
const (
	DefaultInstance = "MCP Memory Service"
	DefaultType     = "_mcp-memory._tcp"
	DefaultDomain   = "local"
	// Port is the mDNS port.
	Port = 5353
)

// TTLs of RFC 6762 §10: records naming a host 120 s, the others 75 min;
// legacy unicast answers at most 10 s.
const (
	hostTTL   = 120
	otherTTL  = 4500
	legacyTTL = 10
)

// cacheFlush marks records only this responder owns (RFC 6762 §10.2).
const cacheFlush = 1 << 15

// unicastResponse is the QU bit of a question's class (RFC 6762 §5.4).
const unicastResponse = 1 << 15

// metaQuery lists every service type on the link (RFC 6763 §9).
const metaQuery = "_services._dns-sd._udp."

// Service is what a Responder advertises.
type Service struct {
	// Instance is the human-readable name ("MCP Memory Service"); dots
	// are replaced, and it is cut to 63 bytes.
	Instance string
	// Type is the service type, default DefaultType; Domain the domain,
	// default DefaultDomain.
	Type, Domain string
	// Host is this machine's name without domain, default the first label
	// of os.Hostname.
	Host string
	// Port is the TCP port of the service.
	Port int
	// TXT holds the key=value properties.
	TXT map[string]string
}

// names are the DNS names of a service, lower-cased for comparison
// except where noted.
type names struct {
	service  dnsmessage.Name // _mcp-memory._tcp.local.
	instance dnsmessage.Name // MCP Memory Service._mcp-memory._tcp.local.
	host     dnsmessage.Name // myhost.local.
	meta     dnsmessage.Name // _services._dns-sd._udp.local.
}

// normalize fills defaults and checks the service.
func (s Service) normalize() (Service, error) {
	if s.Type == "" {
		s.Type = DefaultType
	}
	s.Type = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s.Type, "."), "local"), ".")
	if s.Domain == "" {
		s.Domain = DefaultDomain
	}
	s.Domain = strings.Trim(s.Domain, ".")
	if s.Instance = strings.TrimSpace(strings.ReplaceAll(s.Instance, ".", "-")); s.Instance == "" {
		s.Instance = DefaultInstance
	}
	s.Instance = cutLabel(s.Instance)
	if s.Host == "" {
		h, err := os.Hostname()
		if err != nil {
			return s, fmt.Errorf("host name: %w", err)
		}
		s.Host = h
	}
	s.Host, _, _ = strings.Cut(s.Host, ".")
	s.Host = cutLabel(s.Host)
	if s.Port <= 0 || s.Port > 65535 {
		return s, fmt.Errorf("port %d: want 1 to 65535", s.Port)
	}
	if !strings.HasPrefix(s.Type, "_") || !strings.HasSuffix(s.Type, "._tcp") && !strings.HasSuffix(s.Type, "._udp") {
		return s, fmt.Errorf("service type %q: want _name._tcp", s.Type)
	}
	return s, nil
}

// cutLabel cuts a DNS label to 63 bytes without splitting a character.
func cutLabel(s string) string {
	for len(s) > 63 {
		r := []rune(s)
		s = string(r[:len(r)-1])
	}
	return s
}

func (s Service) names() (names, error) {
	var n names
	var err error
	mk := func(parts ...string) dnsmessage.Name {
		if err != nil {
			return dnsmessage.Name{}
		}
		var name dnsmessage.Name
		name, err = dnsmessage.NewName(strings.Join(parts, ".") + ".")
		return name
	}
	n.service = mk(s.Type, s.Domain)
	n.instance = mk(s.Instance, s.Type, s.Domain)
	n.host = mk(s.Host, s.Domain)
	n.meta = mk(strings.TrimSuffix(metaQuery, "."), s.Domain)
	return n, err
}

// txt returns the TXT strings, sorted by key (one empty string when there
// are none, as RFC 6763 §6.1 asks).
func (s Service) txt() []string {
	out := make([]string, 0, len(s.TXT))
	for k, v := range s.TXT {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// sameName compares DNS names case-insensitively.
func sameName(a, b dnsmessage.Name) bool { return strings.EqualFold(a.String(), b.String()) }

// reply is what to send for one query.
type reply struct {
	answers, extras []dnsmessage.Resource
}

// answer returns the records answering the questions of q, or nothing
// when none is about this service (or the querier already knows them).
func (s Service) answer(n names, q *dnsmessage.Message, ips []net.IP) reply {
	var r reply
	add := map[string]bool{}
	put := func(list *[]dnsmessage.Resource, res dnsmessage.Resource, key string) {
		if !add[key] {
			add[key] = true
			*list = append(*list, res)
		}
	}
	want := func(q dnsmessage.Question, types ...dnsmessage.Type) bool {
		for _, t := range types {
			if q.Type == t || q.Type == dnsmessage.TypeALL {
				return true
			}
		}
		return false
	}
	for _, qq := range q.Questions {
		switch {
		case sameName(qq.Name, n.service) && want(qq, dnsmessage.TypePTR):
			if known(q, n) {
				continue
			}
			put(&r.answers, s.ptr(n), "ptr")
			put(&r.extras, s.srv(n), "srv")
			put(&r.extras, s.txtRecord(n), "txt")
			for i, a := range s.addrs(n, ips) {
				put(&r.extras, a, fmt.Sprint("addr", i))
			}
		case sameName(qq.Name, n.meta) && want(qq, dnsmessage.TypePTR):
			put(&r.answers, dnsmessage.Resource{
				Header: dnsmessage.ResourceHeader{Name: n.meta, Type: dnsmessage.TypePTR, Class: dnsmessage.ClassINET, TTL: otherTTL},
				Body:   &dnsmessage.PTRResource{PTR: n.service}}, "meta")
		case sameName(qq.Name, n.instance) && want(qq, dnsmessage.TypeSRV, dnsmessage.TypeTXT):
			if want(qq, dnsmessage.TypeSRV) {
				put(&r.answers, s.srv(n), "srv")
			}
			if want(qq, dnsmessage.TypeTXT) {
				put(&r.answers, s.txtRecord(n), "txt")
			}
			for i, a := range s.addrs(n, ips) {
				put(&r.extras, a, fmt.Sprint("addr", i))
			}
		case sameName(qq.Name, n.host) && want(qq, dnsmessage.TypeA, dnsmessage.TypeAAAA):
			for i, a := range s.addrs(n, ips) {
				if want(qq, a.Header.Type) {
					put(&r.answers, a, fmt.Sprint("addr", i))
				}
			}
		}
	}
	return r
}

// known reports whether the query lists our PTR record among the answers
// it already has, with at least half its TTL left (known-answer
// suppression, RFC 6762 §7.1).
func known(q *dnsmessage.Message, n names) bool {
	for _, a := range q.Answers {
		if p, ok := a.Body.(*dnsmessage.PTRResource); ok && sameName(a.Header.Name, n.service) && sameName(p.PTR, n.instance) && a.Header.TTL >= otherTTL/2 {
			return true
		}
	}
	return false
}

func (s Service) ptr(n names) dnsmessage.Resource {
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: n.service, Type: dnsmessage.TypePTR, Class: dnsmessage.ClassINET, TTL: otherTTL},
		Body:   &dnsmessage.PTRResource{PTR: n.instance},
	}
}

func (s Service) srv(n names) dnsmessage.Resource {
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: n.instance, Type: dnsmessage.TypeSRV, Class: dnsmessage.ClassINET | cacheFlush, TTL: hostTTL},
		Body:   &dnsmessage.SRVResource{Target: n.host, Port: uint16(s.Port)},
	}
}

func (s Service) txtRecord(n names) dnsmessage.Resource {
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: n.instance, Type: dnsmessage.TypeTXT, Class: dnsmessage.ClassINET | cacheFlush, TTL: otherTTL},
		Body:   &dnsmessage.TXTResource{TXT: s.txt()},
	}
}

// addrs returns A and AAAA records of the host for ips.
func (s Service) addrs(n names, ips []net.IP) []dnsmessage.Resource {
	var out []dnsmessage.Resource
	for _, ip := range ips {
		h := dnsmessage.ResourceHeader{Name: n.host, Class: dnsmessage.ClassINET | cacheFlush, TTL: hostTTL}
		if v4 := ip.To4(); v4 != nil {
			h.Type = dnsmessage.TypeA
			out = append(out, dnsmessage.Resource{Header: h, Body: &dnsmessage.AResource{A: [4]byte(v4)}})
		} else if v6 := ip.To16(); v6 != nil {
			h.Type = dnsmessage.TypeAAAA
			out = append(out, dnsmessage.Resource{Header: h, Body: &dnsmessage.AAAAResource{AAAA: [16]byte(v6)}})
		}
	}
	return out
}

// pack builds a response message. A legacy unicast reply echoes the
// query's ID and questions, caps TTLs and drops the cache-flush bits (RFC
// 6762 §6.7); a multicast one has ID 0 and no questions. ttl, when
// non-negative, replaces every TTL (0 for goodbyes).
func pack(r reply, query *dnsmessage.Message, legacy bool, ttl int) ([]byte, error) {
	h := dnsmessage.Header{Response: true, Authoritative: true}
	if legacy && query != nil {
		h.ID = query.ID
	}
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), h)
	b.EnableCompression()
	if legacy && query != nil {
		if err := b.StartQuestions(); err != nil {
			return nil, err
		}
		for _, q := range query.Questions {
			q.Class &^= unicastResponse
			if err := b.Question(q); err != nil {
				return nil, err
			}
		}
	}
	fix := func(res dnsmessage.Resource) dnsmessage.Resource {
		if legacy {
			res.Header.Class &^= cacheFlush
			res.Header.TTL = min(res.Header.TTL, legacyTTL)
		}
		if ttl >= 0 {
			res.Header.TTL = uint32(ttl)
		}
		return res
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	for _, res := range r.answers {
		if err := addResource(&b, fix(res)); err != nil {
			return nil, err
		}
	}
	if err := b.StartAdditionals(); err != nil {
		return nil, err
	}
	for _, res := range r.extras {
		if err := addResource(&b, fix(res)); err != nil {
			return nil, err
		}
	}
	return b.Finish()
}

func addResource(b *dnsmessage.Builder, r dnsmessage.Resource) error {
	switch body := r.Body.(type) {
	case *dnsmessage.PTRResource:
		return b.PTRResource(r.Header, *body)
	case *dnsmessage.SRVResource:
		return b.SRVResource(r.Header, *body)
	case *dnsmessage.TXTResource:
		return b.TXTResource(r.Header, *body)
	case *dnsmessage.AResource:
		return b.AResource(r.Header, *body)
	case *dnsmessage.AAAAResource:
		return b.AAAAResource(r.Header, *body)
	}
	return errors.New("unsupported record type")
}

// Entry is a server found by Browse.
type Entry struct {
	// Instance is the advertised name ("MCP Memory Service").
	Instance string `json:"name"`
	// Host and Port are the SRV target and port; IPs the host's
	// addresses.
	Host string   `json:"host"`
	Port int      `json:"port"`
	IPs  []net.IP `json:"addresses"`
	// TXT holds the advertised properties (api_version, https,
	// auth_required, api_path, …).
	TXT map[string]string `json:"properties"`
	// Seen is when the last record of the entry arrived.
	Seen time.Time `json:"-"`
}

// URL is the server's base URL: https when the TXT record says so, the
// first IPv4 address (else the first address, else the host name).
func (e Entry) URL() string {
	scheme := "http"
	if strings.EqualFold(e.TXT["https"], "true") {
		scheme = "https"
	}
	host := strings.TrimSuffix(e.Host, ".")
	for _, ip := range e.IPs {
		if ip.To4() != nil {
			host = ip.String()
			break
		}
	}
	if host == strings.TrimSuffix(e.Host, ".") && len(e.IPs) > 0 {
		host = e.IPs[0].String()
	}
	return scheme + "://" + net.JoinHostPort(host, fmt.Sprint(e.Port))
}

// collector merges the records of responses into entries.
type collector struct {
	service dnsmessage.Name
	entries map[string]*Entry // by instance name, lower-cased
	hosts   map[string][]net.IP
}

func newCollector(service dnsmessage.Name) *collector {
	return &collector{service: service, entries: map[string]*Entry{}, hosts: map[string][]net.IP{}}
}

// add reads one message; malformed ones are ignored.
func (c *collector) add(msg []byte, at time.Time) {
	var m dnsmessage.Message
	if err := m.Unpack(msg); err != nil || !m.Response {
		return
	}
	suffix := "." + strings.ToLower(c.service.String())
	entry := func(name dnsmessage.Name) *Entry {
		key := strings.ToLower(name.String())
		if !strings.HasSuffix(key, suffix) {
			return nil
		}
		e := c.entries[key]
		if e == nil {
			e = &Entry{Instance: name.String()[:len(key)-len(suffix)], TXT: map[string]string{}}
			c.entries[key] = e
		}
		e.Seen = at
		return e
	}
	for _, r := range append(append(m.Answers, m.Authorities...), m.Additionals...) {
		switch body := r.Body.(type) {
		case *dnsmessage.PTRResource:
			if sameName(r.Header.Name, c.service) && r.Header.TTL > 0 {
				entry(body.PTR)
			}
		case *dnsmessage.SRVResource:
			if e := entry(r.Header.Name); e != nil {
				e.Host, e.Port = body.Target.String(), int(body.Port)
			}
		case *dnsmessage.TXTResource:
			if e := entry(r.Header.Name); e != nil {
				for _, kv := range body.TXT {
					if k, v, _ := strings.Cut(kv, "="); k != "" {
						e.TXT[strings.ToLower(k)] = v
					}
				}
			}
		case *dnsmessage.AResource:
			c.addHost(r.Header.Name, net.IP(body.A[:]))
		case *dnsmessage.AAAAResource:
			c.addHost(r.Header.Name, net.IP(body.AAAA[:]))
		}
	}
}

func (c *collector) addHost(name dnsmessage.Name, ip net.IP) {
	key := strings.ToLower(name.String())
	for _, have := range c.hosts[key] {
		if have.Equal(ip) {
			return
		}
	}
	c.hosts[key] = append(c.hosts[key], ip)
}

// incomplete returns the instances still lacking SRV or addresses, and
// the hosts lacking addresses.
func (c *collector) incomplete() (instances, hosts []string) {
	for _, e := range c.entries {
		switch {
		case e.Host == "":
			instances = append(instances, e.Instance+"."+c.service.String())
		case len(c.hosts[strings.ToLower(e.Host)]) == 0:
			hosts = append(hosts, e.Host)
		}
	}
	sort.Strings(instances)
	sort.Strings(hosts)
	return instances, hosts
}

// result returns the complete entries (with SRV), sorted by name.
func (c *collector) result() []Entry {
	out := []Entry{}
	for _, e := range c.entries {
		if e.Host == "" {
			continue
		}
		x := *e
		x.IPs = append([]net.IP(nil), c.hosts[strings.ToLower(e.Host)]...)
		sort.Slice(x.IPs, func(i, j int) bool { return (x.IPs[i].To4() != nil) && (x.IPs[j].To4() == nil) })
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Instance < out[j].Instance })
	return out
}

// query builds a query message for names of type t (one question each).
func query(t dnsmessage.Type, names ...string) ([]byte, error) {
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), dnsmessage.Header{})
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	for _, s := range names {
		n, err := dnsmessage.NewName(s)
		if err != nil {
			return nil, err
		}
		if err := b.Question(dnsmessage.Question{Name: n, Type: t, Class: dnsmessage.ClassINET}); err != nil {
			return nil, err
		}
	}
	return b.Finish()
}

package mdns

// Record building and parsing without sockets: multicast cannot be tested
// on the build machines, so these check the messages themselves.

import (
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

var testService = Service{Instance: "Team Memory", Host: "box", Port: 8000,
	TXT: map[string]string{"api_version": "1", "https": "true", "auth_required": "true", "api_path": "/api"}}

var testTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var testIPs = []net.IP{net.ParseIP("192.168.1.20"), net.ParseIP("fd00::20")}

func mustNames(t *testing.T, s Service) (Service, names) {
	t.Helper()
	s, err := s.normalize()
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.names()
	if err != nil {
		t.Fatal(err)
	}
	return s, n
}

// mustQuery builds a query with one question per (name, type).
func mustQuery(t *testing.T, qs ...dnsmessage.Question) *dnsmessage.Message {
	t.Helper()
	return &dnsmessage.Message{Header: dnsmessage.Header{ID: 77}, Questions: qs}
}

func question(name string, typ dnsmessage.Type) dnsmessage.Question {
	return dnsmessage.Question{Name: dnsmessage.MustNewName(name), Type: typ, Class: dnsmessage.ClassINET}
}

// summary lists "TYPE name" of records.
func summary(rs []dnsmessage.Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, strings.TrimPrefix(r.Header.Type.String(), "Type")+" "+r.Header.Name.String())
	}
	return out
}

func TestAnswer(t *testing.T) {
	s, n := mustNames(t, testService)
	ptrExtras := []string{"SRV Team Memory._mcp-memory._tcp.local.", "TXT Team Memory._mcp-memory._tcp.local.", "A box.local.", "AAAA box.local."}
	for _, c := range []struct {
		name           string
		q              *dnsmessage.Message
		answers, extra []string
	}{
		{"service PTR", mustQuery(t, question("_mcp-memory._tcp.local.", dnsmessage.TypePTR)),
			[]string{"PTR _mcp-memory._tcp.local."}, ptrExtras},
		{"case-insensitive", mustQuery(t, question("_MCP-Memory._TCP.Local.", dnsmessage.TypePTR)),
			[]string{"PTR _mcp-memory._tcp.local."}, ptrExtras},
		{"ANY", mustQuery(t, question("_mcp-memory._tcp.local.", dnsmessage.TypeALL)),
			[]string{"PTR _mcp-memory._tcp.local."}, ptrExtras},
		{"meta-query", mustQuery(t, question("_services._dns-sd._udp.local.", dnsmessage.TypePTR)),
			[]string{"PTR _services._dns-sd._udp.local."}, nil},
		{"instance SRV", mustQuery(t, question("team memory._mcp-memory._tcp.local.", dnsmessage.TypeSRV)),
			[]string{"SRV Team Memory._mcp-memory._tcp.local."}, []string{"A box.local.", "AAAA box.local."}},
		{"host A", mustQuery(t, question("box.local.", dnsmessage.TypeA)), []string{"A box.local."}, nil},
		{"other service", mustQuery(t, question("_http._tcp.local.", dnsmessage.TypePTR)), nil, nil},
		{"other host", mustQuery(t, question("other.local.", dnsmessage.TypeA)), nil, nil},
		{"known answer", &dnsmessage.Message{
			Questions: []dnsmessage.Question{question("_mcp-memory._tcp.local.", dnsmessage.TypePTR)},
			Answers:   []dnsmessage.Resource{s.ptr(n)}}, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := s.answer(n, c.q, testIPs)
			if got := summary(r.answers); !slices.Equal(got, c.answers) {
				t.Errorf("answers=%v, want %v", got, c.answers)
			}
			if got := summary(r.extras); !slices.Equal(got, c.extra) {
				t.Errorf("additionals=%v, want %v", got, c.extra)
			}
		})
	}
	// A known answer with little TTL left does not suppress.
	stale := s.ptr(n)
	stale.Header.TTL = 60
	q := &dnsmessage.Message{Questions: []dnsmessage.Question{question("_mcp-memory._tcp.local.", dnsmessage.TypePTR)}, Answers: []dnsmessage.Resource{stale}}
	if r := s.answer(n, q, testIPs); len(r.answers) != 1 {
		t.Errorf("answer with a stale known answer=%v, want the PTR", summary(r.answers))
	}
}

func TestPack(t *testing.T) {
	s, n := mustNames(t, testService)
	q := mustQuery(t, question("_mcp-memory._tcp.local.", dnsmessage.TypePTR))
	r := s.answer(n, q, testIPs)
	for _, c := range []struct {
		name      string
		legacy    bool
		ttl       int
		id        uint16
		questions int
		ptrTTL    uint32
		flush     bool
	}{
		{"multicast", false, -1, 0, 0, otherTTL, true},
		{"legacy unicast", true, -1, 77, 1, legacyTTL, false},
		{"goodbye", false, 0, 0, 0, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := pack(r, q, c.legacy, c.ttl)
			if err != nil {
				t.Fatal(err)
			}
			var m dnsmessage.Message
			if err := m.Unpack(b); err != nil {
				t.Fatalf("Unpack(pack())=%v", err)
			}
			if !m.Response || !m.Authoritative || m.ID != c.id || len(m.Questions) != c.questions {
				t.Errorf("header %+v with %d questions, want a response, authoritative, ID %d, %d questions", m.Header, len(m.Questions), c.id, c.questions)
			}
			if m.Answers[0].Header.TTL != c.ptrTTL || m.Answers[0].Header.Class != dnsmessage.ClassINET {
				t.Errorf("PTR header %+v, want TTL %d without cache-flush", m.Answers[0].Header, c.ptrTTL)
			}
			for _, x := range m.Additionals {
				if got := x.Header.Class&cacheFlush != 0; got != c.flush {
					t.Errorf("%v cache-flush=%v, want %v", x.Header.Type, got, c.flush)
				}
			}
		})
	}
}

func TestCollector(t *testing.T) {
	s, n := mustNames(t, testService)
	b, err := pack(s.answer(n, mustQuery(t, question("_mcp-memory._tcp.local.", dnsmessage.TypePTR)), testIPs), nil, false, -1)
	if err != nil {
		t.Fatal(err)
	}
	col := newCollector(n.service)
	col.add(b, testTime)
	col.add([]byte("garbage"), testTime)
	got := col.result()
	want := []Entry{{Instance: "Team Memory", Host: "box.local.", Port: 8000, IPs: []net.IP{net.IPv4(192, 168, 1, 20).To4(), net.ParseIP("fd00::20")},
		TXT: testService.TXT, Seen: testTime}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("result()=%+v\nwant %+v", got, want)
	}
	if u := got[0].URL(); u != "https://192.168.1.20:8000" {
		t.Errorf("URL()=%q, want https://192.168.1.20:8000", u)
	}
	// A goodbye (TTL 0) announces nothing new.
	bye, _ := pack(reply{answers: []dnsmessage.Resource{s.ptr(n)}}, nil, false, 0)
	col2 := newCollector(n.service)
	col2.add(bye, testTime)
	if len(col2.entries) != 0 {
		t.Errorf("a goodbye created entries: %v", col2.entries)
	}
	// A PTR alone leaves the instance to resolve.
	ptrOnly, _ := pack(reply{answers: []dnsmessage.Resource{s.ptr(n)}}, nil, false, -1)
	col3 := newCollector(n.service)
	col3.add(ptrOnly, testTime)
	if inst, _ := col3.incomplete(); !slices.Equal(inst, []string{"Team Memory._mcp-memory._tcp.local."}) || len(col3.result()) != 0 {
		t.Errorf("incomplete()=%v, result()=%v; want the instance to resolve and no entry yet", inst, col3.result())
	}
}

func TestHandle(t *testing.T) {
	r := &Responder{Service: testService, BindIP: net.ParseIP("192.168.1.20")}
	var err error
	if r.svc, err = r.Service.normalize(); err != nil {
		t.Fatal(err)
	}
	if r.names, err = r.svc.names(); err != nil {
		t.Fatal(err)
	}
	ptrQ, _ := query(dnsmessage.TypePTR, "_mcp-memory._tcp.local.")
	quQ := slices.Clone(ptrQ)
	quQ[len(quQ)-2] |= 0x80 // the QU bit, top of the class
	resp, _ := pack(reply{answers: []dnsmessage.Resource{r.svc.ptr(r.names)}}, nil, false, -1)
	from5353 := &net.UDPAddr{IP: net.ParseIP("192.168.1.30"), Port: Port}
	fromOther := &net.UDPAddr{IP: net.ParseIP("192.168.1.30"), Port: 40000}
	for _, c := range []struct {
		name    string
		msg     []byte
		src     *net.UDPAddr
		reply   bool
		unicast bool
	}{
		{"multicast query", ptrQ, from5353, true, false},
		{"legacy unicast query", ptrQ, fromOther, true, true},
		{"QU query", quQ, from5353, true, true},
		{"a response", resp, from5353, false, false},
		{"garbage", []byte{1, 2, 3}, from5353, false, false},
	} {
		out, dst := r.handle(c.msg, 0, c.src)
		if (out != nil) != c.reply || (dst != nil) != c.unicast {
			t.Errorf("handle(%s)=%d bytes to %v, want reply %v unicast %v", c.name, len(out), dst, c.reply, c.unicast)
		}
	}
}

func TestNormalize(t *testing.T) {
	s, err := Service{Instance: "my.host " + strings.Repeat("x", 80), Host: "box.example.org", Port: 1, Type: "_mcp-memory._tcp.local."}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.Instance, ".") || len(s.Instance) > 63 || s.Host != "box" || s.Type != "_mcp-memory._tcp" {
		t.Errorf("normalize()=%+v, want no dots, at most 63 bytes, host box, type without domain", s)
	}
	for _, bad := range []Service{{Port: 0, Host: "h"}, {Port: 1, Host: "h", Type: "mcp-memory"}} {
		if _, err := bad.normalize(); err == nil {
			t.Errorf("normalize(%+v)=nil error", bad)
		}
	}
}

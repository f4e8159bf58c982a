package oauth

// Client ID metadata documents: a client_id that is an https URL names a
// JSON document of client metadata, fetched with guards against
// server-side request forgery and cached as its Cache-Control allows.

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mcp-memory-go/memory"
	"golang.org/x/time/rate"
)

// Limits of client ID metadata document fetches.
const (
	CIMDTimeout  = 5 * time.Second
	CIMDMaxBytes = 64 << 10
	// CIMD documents are cached for their max-age, within these bounds;
	// without a max-age for CIMDDefaultTTL.
	CIMDMinTTL     = time.Minute
	CIMDMaxTTL     = 24 * time.Hour
	CIMDDefaultTTL = 5 * time.Minute
	cimdMaxEntries = 1000
)

// isCIMDClientID reports whether a client_id names a metadata document:
// an https URL with a path other than "/", no fragment, user info, query,
// or dot segments.
func isCIMDClientID(id string) bool {
	if !strings.HasPrefix(id, "https://") || len(id) > maxRedirectURILen || strings.ContainsAny(id, "#\\ ") {
		return false
	}
	u, err := url.Parse(id)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery {
		return false
	}
	if u.Path == "" || u.Path == "/" {
		return false
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if seg == "." || seg == ".." || strings.EqualFold(seg, "%2e") || strings.EqualFold(seg, "%2e%2e") {
			return false
		}
	}
	return true
}

// reserved are the special-purpose ranges (IANA registries) that
// netip.Addr's predicates do not cover.
var reserved = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // shared address space (CGNAT)
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // TEST-NET-1
		"192.88.99.0/24",  // 6to4 relay anycast
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // TEST-NET-2
		"203.0.113.0/24",  // TEST-NET-3
		"240.0.0.0/4",     // reserved, and 255.255.255.255
		"64:ff9b::/96",    // NAT64: may reach private IPv4
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments (Teredo, ORCHID, …)
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4: may embed private IPv4
		"3fff::/20",       // documentation
		"5f00::/16",       // segment routing SIDs
		"fec0::/10",       // deprecated site-local
		"::ffff:0:0/96",   // IPv4-mapped (checked unmapped instead)
		"::/96",           // IPv4-compatible (deprecated)
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// PublicAddr reports whether ip is a public unicast address a server may
// fetch from: not loopback, private (10/8, 172.16/12, 192.168/16,
// fc00::/7), link-local, CGNAT, multicast, unspecified, documentation or
// otherwise reserved. IPv4-mapped IPv6 addresses are judged as IPv4.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	if !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() || ip.IsLinkLocalMulticast() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// errForbiddenAddr is the dial error for an address the guard refuses.
var errForbiddenAddr = errors.New("address is not public")

// SafeHTTPClient returns the client for fetching client ID metadata
// documents (whose URLs the server checks are https): at most CIMDTimeout
// per request, no proxy, redirects only to https on the same host (at most
// 3), TLS verified, and
// a dialer that refuses any address for which allow returns false. The
// address checked is the one actually dialled (a net.Dialer Control
// function), so DNS answers cannot steer it elsewhere. allow nil means
// PublicAddr.
func SafeHTTPClient(allow func(netip.Addr) bool) *http.Client {
	if allow == nil {
		allow = PublicAddr
	}
	dialer := &net.Dialer{
		Timeout: CIMDTimeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !allow(ap.Addr()) {
				return fmt.Errorf("dial %s: %w", address, errForbiddenAddr)
			}
			return nil
		},
	}
	tr := &http.Transport{
		Proxy:                  nil, // a proxy would dial for us, unchecked
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    CIMDTimeout,
		ResponseHeaderTimeout:  CIMDTimeout,
		MaxIdleConns:           10,
		IdleConnTimeout:        30 * time.Second,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: 16 << 10,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   CIMDTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			if req.URL.Scheme != "https" || !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
				return errors.New("redirect to another host or scheme refused")
			}
			return nil
		},
	}
}

// cimdCache fetches and caches client ID metadata documents.
type cimdCache struct {
	client *http.Client
	// limit bounds outbound fetches for the whole server.
	limit *rate.Limiter

	mu      sync.Mutex
	entries map[string]cimdEntry
}

type cimdEntry struct {
	client  Client
	expires time.Time
}

func newCIMDCache(c *http.Client) *cimdCache {
	return &cimdCache{client: c, limit: rate.NewLimiter(5, 20), entries: map[string]cimdEntry{}}
}

// cimdClient returns the client described by the document at id, from the cache
// or fetched. Every failure is an *Error invalid_client.
func (s *Server) cimdClient(ctx context.Context, id string) (Client, error) {
	cc := s.cimd
	now := s.now()
	cc.mu.Lock()
	e, ok := cc.entries[id]
	cc.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.client, nil
	}
	c, ttl, err := s.fetchCIMD(ctx, id)
	if err != nil {
		s.log.Info("client ID metadata document refused", "client_id", memory.Clip(id, 200), "err", err)
		return Client{}, oauthErr(http.StatusUnauthorized, "invalid_client", "the client ID metadata document could not be used: %s", err)
	}
	if ttl > 0 {
		cc.mu.Lock()
		if len(cc.entries) >= cimdMaxEntries {
			for k, v := range cc.entries {
				if !now.Before(v.expires) || len(cc.entries) >= cimdMaxEntries {
					delete(cc.entries, k)
				}
			}
		}
		cc.entries[id] = cimdEntry{client: c, expires: now.Add(ttl)}
		cc.mu.Unlock()
	}
	return c, nil
}

// fetchCIMD fetches and validates the document and returns how long it
// may be cached.
func (s *Server) fetchCIMD(ctx context.Context, id string) (Client, time.Duration, error) {
	if !s.cimd.limit.Allow() {
		return Client{}, 0, errors.New("too many document fetches; retry shortly")
	}
	ctx, cancel := context.WithTimeout(ctx, CIMDTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return Client{}, 0, errors.New("bad URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.cimd.client.Do(req)
	if err != nil {
		if errors.Is(err, errForbiddenAddr) {
			return Client{}, 0, errors.New("its host does not resolve to a public address")
		}
		return Client{}, 0, errors.New("fetching it failed")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Client{}, 0, fmt.Errorf("fetching it answered HTTP %d", resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return Client{}, 0, errors.New("it is not application/json")
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, CIMDMaxBytes+1))
	if err != nil {
		return Client{}, 0, errors.New("reading it failed")
	}
	if len(body) > CIMDMaxBytes {
		return Client{}, 0, fmt.Errorf("it is larger than %d bytes", CIMDMaxBytes)
	}
	var md clientMetadata
	if err := json.Unmarshal(body, &md); err != nil {
		return Client{}, 0, errors.New("it is not a JSON object")
	}
	if md.ClientID != id {
		return Client{}, 0, errors.New("its client_id is not its URL")
	}
	c, err := s.clientFromMetadata(md, false)
	if err != nil {
		var oe *Error
		if errors.As(err, &oe) {
			return Client{}, 0, errors.New(oe.Description)
		}
		return Client{}, 0, err
	}
	c.ID = id
	if c.Name == "" {
		c.Name = mustHost(id)
	}
	return c, cacheTTL(resp.Header.Get("Cache-Control")), nil
}

// cacheTTL reads max-age from Cache-Control, bounded to [CIMDMinTTL,
// CIMDMaxTTL]; no-store and no-cache give 0 (do not cache).
func cacheTTL(cc string) time.Duration {
	ttl := CIMDDefaultTTL
	for _, d := range strings.Split(cc, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(name) {
		case "no-store", "no-cache":
			return 0
		case "max-age":
			n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
			if err != nil || n < 0 {
				continue
			}
			ttl = time.Duration(min(n, int64(CIMDMaxTTL/time.Second))) * time.Second
		}
	}
	return min(max(ttl, CIMDMinTTL), CIMDMaxTTL)
}

func mustHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Host
}

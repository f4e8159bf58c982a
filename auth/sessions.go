package auth

import (
	"crypto/subtle"
	"net/http"
	"sync"
	"time"

	"github.com/mcp-memory-go/memory"
)

// Session cookie names: the __Host- prefix (Secure, Path=/, no Domain) when
// served over TLS, a plain name over loopback HTTP.
const (
	SessionCookie       = "mms_session"
	SecureSessionCookie = "__Host-mms_session"
	// CSRFHeader carries a session's CSRF token on state-changing requests.
	CSRFHeader = "X-CSRF-Token"
)

// Session lifetimes: a session ends after SessionIdle without use, and
// after SessionMax whatever happens.
const (
	SessionIdle = 12 * time.Hour
	SessionMax  = 7 * 24 * time.Hour
)

// maxSessions bounds the session table; the oldest session goes first.
const maxSessions = 10000

// Sessions are browser logins: an API key is checked once and traded for
// a random session id in an HttpOnly, SameSite=Strict cookie, so that no
// long-lived secret lives in the page. Every state-changing request of a
// session must carry its CSRF token in the X-CSRF-Token header. Sessions
// live in memory: a restart logs browsers out.
type Sessions struct {
	mu  sync.Mutex
	m   map[string]*Session // by HashSecret(id)
	now func() time.Time
}

// Session is one browser login.
type Session struct {
	Principal *Principal
	// CSRF is the token the page must echo in X-CSRF-Token.
	CSRF    string
	Created time.Time
	// Expires is when the session ends unless used before (SessionIdle),
	// never later than Created+SessionMax.
	Expires time.Time
}

// NewSessions returns an empty session table.
func NewSessions() *Sessions {
	return &Sessions{m: map[string]*Session{}, now: time.Now}
}

// Create starts a session for p and returns its id (the cookie value).
func (s *Sessions) Create(p *Principal) (string, *Session) {
	id := RandomToken()
	now := s.now()
	sess := &Session{Principal: p, CSRF: RandomToken(), Created: now, Expires: now.Add(SessionIdle)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= maxSessions {
		s.evict(now)
	}
	s.m[HashSecret(id)] = sess
	return id, sess
}

// evict drops expired sessions and, if the table is still full, the oldest.
func (s *Sessions) evict(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, v := range s.m {
		if now.After(v.Expires) {
			delete(s.m, k)
			continue
		}
		if oldestKey == "" || v.Created.Before(oldest) {
			oldestKey, oldest = k, v.Created
		}
	}
	if len(s.m) >= maxSessions {
		delete(s.m, oldestKey)
	}
}

// Lookup returns the live session with the id and extends it, or nil.
func (s *Sessions) Lookup(id string) *Session {
	if id == "" {
		return nil
	}
	k := HashSecret(id)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.m[k]
	if sess == nil {
		return nil
	}
	if now.After(sess.Expires) {
		delete(s.m, k)
		return nil
	}
	sess.Expires = now.Add(SessionIdle)
	if limit := sess.Created.Add(SessionMax); sess.Expires.After(limit) {
		sess.Expires = limit
	}
	c := *sess
	return &c
}

// Delete ends the session with the id.
func (s *Sessions) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, HashSecret(id))
}

// SessionID returns the session cookie of r, if any.
func SessionID(r *http.Request) string {
	for _, name := range []string{SecureSessionCookie, SessionCookie} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// SessionCookieFor returns the cookie that carries a session id (or, with
// an empty id, deletes it) for a response to r.
func SessionCookieFor(r *http.Request, id string, expires time.Time) *http.Cookie {
	c := &http.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode}
	if r.TLS != nil {
		c.Name, c.Secure = SecureSessionCookie, true
	}
	if id == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
	}
	return c
}

// safeMethod reports whether a request method changes nothing.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkCSRF refuses a state-changing request of a session without its token.
func checkCSRF(r *http.Request, sess *Session) error {
	if safeMethod(r.Method) {
		return nil
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
		return memory.Errorf(memory.EForbidden, "missing or wrong %s header: reload the page", CSRFHeader)
	}
	return nil
}

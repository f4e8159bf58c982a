package guard

import "net/http"

// Default security header values.
const (
	// DefaultCSP allows only the server's own scripts, styles, images and
	// connections, no framing, no plugins, no <base> and forms posting to
	// the server only.
	DefaultCSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
	// DefaultPermissionsPolicy turns off powerful browser features.
	DefaultPermissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"
	// DefaultHSTS asks browsers to use https for a year.
	DefaultHSTS = "max-age=31536000"
)

// Headers sets security headers on every response: the configurable ones
// below plus X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer,
// X-Frame-Options: DENY and Cross-Origin-Opener-Policy: same-origin. They
// are set before the handler runs, so a handler (the dashboard) may
// replace any of them for its own responses with w.Header().Set.
type Headers struct {
	// ContentSecurityPolicy; "" sends none.
	ContentSecurityPolicy string
	// PermissionsPolicy; "" sends none.
	PermissionsPolicy string
	// StrictTransportSecurity is sent on requests that came over TLS only
	// (r.TLS != nil); "" sends none.
	StrictTransportSecurity string
}

// NewHeaders returns Headers with DefaultCSP, DefaultPermissionsPolicy and
// DefaultHSTS.
func NewHeaders() *Headers {
	return &Headers{
		ContentSecurityPolicy:   DefaultCSP,
		PermissionsPolicy:       DefaultPermissionsPolicy,
		StrictTransportSecurity: DefaultHSTS,
	}
}

// Middleware sets the headers and calls next.
func (s *Headers) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.ContentSecurityPolicy != "" {
			h.Set("Content-Security-Policy", s.ContentSecurityPolicy)
		}
		if s.PermissionsPolicy != "" {
			h.Set("Permissions-Policy", s.PermissionsPolicy)
		}
		if r.TLS != nil && s.StrictTransportSecurity != "" {
			h.Set("Strict-Transport-Security", s.StrictTransportSecurity)
		}
		next.ServeHTTP(w, r)
	})
}

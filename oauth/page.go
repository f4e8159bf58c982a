package oauth

// The HTML pages of the authorization endpoint: the login and consent
// form, and the error page shown when the client or redirect URI cannot be
// trusted. No script; one inline style allowed by its hash.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

const pageStyle = `body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1f2937}
h1{font-size:1.4rem}.box{border:1px solid #d1d5db;border-radius:.5rem;padding:1rem;margin:1rem 0}
.err{background:#fee2e2;border-color:#fca5a5}.warn{background:#fef9c3;border-color:#fde047}
code{word-break:break-all}label{display:block;margin:.5rem 0}input[type=text],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}
.scope{margin:.25rem 0}.muted{color:#6b7280;font-size:.9rem}button{padding:.5rem 1.2rem;margin-right:.5rem}`

// styleHash is the CSP source of pageStyle.
var styleHash = func() string {
	h := sha256.Sum256([]byte(pageStyle))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}()

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{{.Title}} - MCP Memory Service</title><style>{{.Style}}</style></head>
<body>
<h1>{{.Title}}</h1>
{{if .Error}}<div class="box err" role="alert">{{.Error}}</div>{{end}}
{{if .Consent}}
<div class="box">
<p><strong>{{.ClientName}}</strong>{{if .Unverified}} <span class="muted">(name given by the application itself, not verified)</span>{{end}} asks to use your memories.</p>
<p>After you approve, you are sent back to <strong>{{.RedirectHost}}</strong>.</p>
<p class="muted">Client ID: <code>{{.ClientID}}</code></p>
</div>
{{if .Loopback}}<div class="box warn">This application receives the answer on your own computer (<code>{{.RedirectHost}}</code>). Approve only if you started it yourself just now.</div>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="request_id" value="{{.RequestID}}">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<fieldset class="box"><legend>It asks for</legend>
{{range .Scopes}}<label class="scope"><input type="checkbox" name="scope" value="{{.Name}}" checked> <strong>{{.Name}}</strong>: {{.Description}}</label>
{{end}}</fieldset>
<label>User name <input type="text" name="username" value="{{.Username}}" autocomplete="username" autocapitalize="none" spellcheck="false"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<p><button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button></p>
</form>
{{else}}
<p>Go back to the application and start again.</p>
{{end}}
</body></html>
`))

type scopeItem struct{ Name, Description string }

// pageData fills pageTemplate.
type pageData struct {
	Title   string
	Error   string
	Consent bool

	ClientName   string
	ClientID     string
	Unverified   bool
	RedirectHost string
	Loopback     bool
	Scopes       []scopeItem
	Action       string
	RequestID    string
	CSRF         string
	Username     string

	Style template.CSS
}

func scopeDescription(sc string) string {
	switch sc {
	case "read":
		return "read and search your memories"
	case "write":
		return "store, change and delete your memories (includes read)"
	case "admin":
		return "manage users, API keys and the server (administrators only; others get write)"
	case ScopeOfflineAccess:
		return "stay connected without asking you again (a refresh token)"
	}
	return sc
}

// safeOrigin matches origins that may go into a CSP source list.
var safeOrigin = regexp.MustCompile(`^(https?://[A-Za-z0-9.\-\[\]:]+|[a-z][a-z0-9+.\-]*:)$`)

// formActionSources returns the CSP form-action sources of a consent
// page: the server itself and the origin of the redirect URI, since
// browsers apply form-action to the redirect that answers the form.
func formActionSources(redirectURI string) string {
	src := "'self'"
	u, err := url.Parse(redirectURI)
	if err != nil {
		return src
	}
	origin := u.Scheme + ":"
	if u.Scheme == "http" || u.Scheme == "https" {
		origin = u.Scheme + "://" + u.Host
	}
	if safeOrigin.MatchString(origin) {
		src += " " + origin
	}
	return src
}

// writePage renders an HTML page with the security headers every page of
// the authorization endpoint carries.
func (s *Server) writePage(w http.ResponseWriter, status int, d pageData, redirectURI string) {
	d.Style = template.CSS(pageStyle)
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		s.log.Error("rendering the OAuth page failed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	formAction := "'self'"
	if redirectURI != "" {
		formAction = formActionSources(redirectURI)
	}
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+styleHash+"; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: with no-referrer browsers send the
	// form's POST with "Origin: null", which the Origin check refuses;
	// other origins still get no referrer.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage shows an error without redirecting anywhere.
func (s *Server) errorPage(w http.ResponseWriter, status int, msg string) {
	s.writePage(w, status, pageData{Title: "Authorization failed", Error: msg}, "")
}

// redirectHost is the part of a redirect URI the consent page names.
func redirectHost(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	if u.Host != "" {
		return u.Host
	}
	return strings.TrimSuffix(u.Scheme, ":") + ":"
}

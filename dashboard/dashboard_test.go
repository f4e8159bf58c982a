package dashboard_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/dashboard"
)

func get(t *testing.T, h http.Handler, path string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIndexServedWithCSP(t *testing.T) {
	h := dashboard.Handler()
	for _, p := range []string{"/", "/index.html"} {
		r := get(t, h, p)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", p, r.StatusCode)
		}
		if got := r.Header.Get("Content-Security-Policy"); got != dashboard.CSP {
			t.Errorf("GET %s: CSP %q, want %q", p, got, dashboard.CSP)
		}
		if got := r.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", p, got)
		}
		if got := r.Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q", p, got)
		}
		if !strings.Contains(body(t, r), `<script type="module" src="/assets/js/main.js">`) {
			t.Errorf("GET %s: the page does not load main.js", p)
		}
	}
	for _, directive := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
		"connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "object-src 'none'"} {
		if !strings.Contains(dashboard.CSP, directive) {
			t.Errorf("CSP lacks %q", directive)
		}
	}
	if strings.Contains(dashboard.CSP, "unsafe") {
		t.Errorf("CSP allows something unsafe: %s", dashboard.CSP)
	}
}

func TestCSPOverridesEarlierHeader(t *testing.T) {
	h := dashboard.Handler()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Security-Policy", "default-src 'self'")
	h.ServeHTTP(rec, req)
	if got := rec.Result().Header.Values("Content-Security-Policy"); len(got) != 1 || got[0] != dashboard.CSP {
		t.Errorf("CSP headers %q, want exactly the dashboard's", got)
	}
}

func TestAssetsContentTypeAndETag(t *testing.T) {
	h := dashboard.Handler()
	for path, ct := range map[string]string{
		"/assets/app.css":     "text/css; charset=utf-8",
		"/assets/js/main.js":  "text/javascript; charset=utf-8",
		"/assets/favicon.svg": "image/svg+xml",
	} {
		r := get(t, h, path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, r.StatusCode)
		}
		if got := r.Header.Get("Content-Type"); got != ct {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, ct)
		}
		if r.Header.Get("Cache-Control") != "no-cache" || r.Header.Get("Content-Security-Policy") != dashboard.CSP {
			t.Errorf("GET %s: headers %v", path, r.Header)
		}
		etag := r.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("GET %s: no ETag", path)
		}
		if r2 := get(t, h, path, "If-None-Match", etag); r2.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match: %d, want 304", path, r2.StatusCode)
		}
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	h := dashboard.Handler()
	for _, p := range []string{"/assets/nope.js", "/assets/", "/assets/../dashboard.go", "/assets/index.html", "/api/x", "/static/app.css"} {
		if r := get(t, h, p); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	req = httptest.NewRequest(http.MethodHead, "/assets/app.css", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d with %d bytes", rec.Code, rec.Body.Len())
	}
}

// staticFiles returns every file under static/, by path relative to it.
func staticFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir("static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("static", p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestEveryReferencedAssetExists(t *testing.T) {
	h := dashboard.Handler()
	files := staticFiles(t)
	index := files["index.html"]
	refs := regexp.MustCompile(`(?:src|href)="(/[^"]*)"`).FindAllStringSubmatch(index, -1)
	if len(refs) < 4 {
		t.Fatalf("index.html references only %d assets", len(refs))
	}
	for _, m := range refs {
		if r := get(t, h, m[1]); r.StatusCode != http.StatusOK {
			t.Errorf("index.html references %s: %d", m[1], r.StatusCode)
		}
	}
	// Every relative module import resolves to an embedded file.
	imp := regexp.MustCompile(`(?m)^\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'`)
	for name, src := range files {
		if !strings.HasSuffix(name, ".js") {
			continue
		}
		for _, m := range imp.FindAllStringSubmatch(src, -1) {
			target := filepath.ToSlash(filepath.Join(filepath.Dir(name), m[1]))
			if _, ok := files[target]; !ok {
				t.Errorf("%s imports %s, which does not exist", name, m[1])
			}
			if r := get(t, h, "/assets/"+target); r.StatusCode != http.StatusOK {
				t.Errorf("%s imports %s: GET /assets/%s: %d", name, m[1], target, r.StatusCode)
			}
		}
	}
}

// svgNamespace is an XML namespace name, not a resource: nothing is fetched
// from it.
const svgNamespace = "http://www.w3.org/2000/svg"

func TestNoForeignOriginsOrInlineCode(t *testing.T) {
	origin := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}|https?://`)
	handler := regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	forbiddenJS := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\(\s*'style'|javascript:`)
	for name, src := range staticFiles(t) {
		clean := strings.ReplaceAll(src, svgNamespace, "")
		if m := origin.FindString(clean); m != "" {
			t.Errorf("%s references another origin: %q", name, m)
		}
		switch {
		case strings.HasSuffix(name, ".html"):
			if m := handler.FindString(src); m != "" {
				t.Errorf("%s has an inline event handler: %q", name, m)
			}
			if regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>[^<]+</script>|<style|\sstyle=`).MatchString(src) {
				t.Errorf("%s has inline script or style", name)
			}
			for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(src, -1) {
				if !strings.Contains(m, `src="/assets/`) {
					t.Errorf("%s: script without a local src: %s", name, m)
				}
			}
		case strings.HasSuffix(name, ".js"):
			if m := forbiddenJS.FindString(src); m != "" {
				t.Errorf("%s uses %q", name, m)
			}
		case strings.HasSuffix(name, ".css"):
			if strings.Contains(src, "@import") || strings.Contains(src, "url(") {
				t.Errorf("%s loads something (@import or url())", name)
			}
		}
	}
}

func TestNoSecretsInStorage(t *testing.T) {
	// The only thing the app may keep in Web Storage is the theme choice.
	set := regexp.MustCompile(`(localStorage|sessionStorage)\.setItem\(([^,]+),`)
	for name, src := range staticFiles(t) {
		if strings.Contains(src, "sessionStorage") {
			t.Errorf("%s uses sessionStorage", name)
		}
		for _, m := range set.FindAllStringSubmatch(src, -1) {
			if k := strings.TrimSpace(m[2]); k != "THEME_KEY" {
				t.Errorf("%s stores %s in %s", name, k, m[1])
			}
		}
	}
}

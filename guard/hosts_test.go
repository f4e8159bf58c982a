package guard_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mcp-memory-go/memory/guard"
)

func TestHostsLoopback(t *testing.T) {
	h := guard.Hosts("127.0.0.1:8000", []string{"memory.lan", "proxy.example.com:9443"})
	for _, tt := range []struct {
		host string
		want int
	}{
		{"localhost:8000", 200},
		{"localhost", 200},
		{"LocalHost.:8000", 200},
		{"127.0.0.1:8000", 200},
		{"127.0.0.1:9999", 200},
		{"[::1]:8000", 200},
		{"[::1]", 200},
		{"memory.lan:1234", 200},
		{"proxy.example.com:9443", 200},
		{"proxy.example.com:9444", 403},
		{"evil.example.com", 403},
		{"evil.example.com:8000", 403},
		{"127.0.0.1.evil.example.com:8000", 403},
		{"0.0.0.0:8000", 403},
		{"", 403},
	} {
		r := httptest.NewRequest("GET", "/api/health", nil)
		r.Host = tt.host
		resp := serve(h(ok), r)
		if resp.StatusCode != tt.want {
			t.Errorf("Host %q: status=%d, want %d", tt.host, resp.StatusCode, tt.want)
			continue
		}
		if tt.want == http.StatusForbidden {
			if b := errorBody(t, resp); b.Error != "forbidden" {
				t.Errorf("Host %q: error=%q, want forbidden", tt.host, b.Error)
			}
		}
	}
}

func TestHostsBindHost(t *testing.T) {
	h := guard.Hosts("127.0.0.2:8000", nil)
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "127.0.0.2:8000"
	if resp := serve(h(ok), r); resp.StatusCode != 200 {
		t.Errorf("bound host: status=%d, want 200", resp.StatusCode)
	}
}

func TestHostsExposed(t *testing.T) {
	// Non-loopback bind without a list: the operator chose exposure.
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "anything.example.com"
	if resp := serve(guard.Hosts("0.0.0.0:8000", nil)(ok), r); resp.StatusCode != 200 {
		t.Errorf("exposed, no list: status=%d, want 200", resp.StatusCode)
	}
	// With a list, only it (and the loopback names).
	h := guard.Hosts(":8000", []string{"memory.example.com"})
	for host, want := range map[string]int{
		"memory.example.com":   200,
		"localhost:8000":       200,
		"anything.example.com": 403,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		if resp := serve(h(ok), r); resp.StatusCode != want {
			t.Errorf("exposed, listed, Host %q: status=%d, want %d", host, resp.StatusCode, want)
		}
	}
}

func TestHostsWildcard(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "evil.example.com"
	if resp := serve(guard.Hosts("127.0.0.1:8000", []string{"*"})(ok), r); resp.StatusCode != 200 {
		t.Errorf(`"*": status=%d, want 200`, resp.StatusCode)
	}
}

// TestHostsServer checks the Host header a real client sends.
func TestHostsServer(t *testing.T) {
	srv := httptest.NewServer(guard.Hosts("127.0.0.1:0", nil)(ok))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET %s: status=%d, want 200", srv.URL, resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Host = "rebound.evil.example.com"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("rebound Host: status=%d, want 403", resp.StatusCode)
	}
}

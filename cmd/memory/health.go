package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// cmdHealth asks a running daemon for its health (GET /api/health) and
// exits non-zero unless it answers healthy: the container HEALTHCHECK and
// a quick check for people, as upstream's `memory health`.
func cmdHealth(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	hc, err := loadHTTPConfig(getenv)
	if err != nil {
		return err
	}
	var url string
	timeout := 5 * time.Second
	fs := newFlagSet("health", stderr)
	fs.StringVar(&url, "url", "", "the daemon's base URL (default: from MCP_HTTP_HOST and MCP_HTTP_PORT)")
	fs.StringVar(&hc.Host, "host", hc.Host, "the daemon's address (env MCP_HTTP_HOST)")
	fs.IntVar(&hc.Port, "port", hc.Port, "the daemon's port (env MCP_HTTP_PORT)")
	fs.DurationVar(&timeout, "timeout", timeout, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	local := url == ""
	if local {
		host := hc.Host
		if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
			host = "127.0.0.1" // a wildcard bind answers on loopback too
		}
		scheme := "http"
		if hc.TLSCert != "" {
			scheme = "https"
		}
		url = scheme + "://" + net.JoinHostPort(host, strconv.Itoa(hc.Port))
	}
	client := &http.Client{Timeout: timeout}
	if local && strings.HasPrefix(url, "https://") {
		// The daemon checking itself on loopback: its certificate names
		// the public host, not 127.0.0.1, and only a status comes back.
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // loopback self-check
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(url, "/")+"/api/health", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("no answer from %s: %w", url, err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body)
	fmt.Fprintf(stdout, "%s: %s\n", url, firstNonEmpty(body.Status, resp.Status))
	if resp.StatusCode != http.StatusOK || body.Status == "unhealthy" {
		return fmt.Errorf("%s is not healthy (HTTP %d)", url, resp.StatusCode)
	}
	return nil
}

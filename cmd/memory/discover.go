package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/mcp-memory-go/memory/mdns"
)

// cmdDiscover lists the memory servers that advertise themselves on the
// local network (mDNS).
func cmdDiscover(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	oc, err := loadOpsConfig(getenv)
	if err != nil {
		return err
	}
	var asJSON bool
	fs := newFlagSet("discover", stderr)
	fs.DurationVar(&oc.DiscoveryTimeout, "timeout", oc.DiscoveryTimeout, "how long to listen for answers (env MCP_MDNS_DISCOVERY_TIMEOUT, seconds)")
	fs.StringVar(&oc.MDNSType, "type", oc.MDNSType, "service type (env MCP_MDNS_SERVICE_TYPE)")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	found, err := mdns.Browse(ctx, mdns.BrowseOptions{Type: oc.MDNSType, Timeout: oc.DiscoveryTimeout})
	if err != nil && len(found) == 0 {
		return fmt.Errorf("discovery: %w", err)
	}
	if asJSON {
		type server struct {
			mdns.Entry
			URL string `json:"url"`
		}
		out := make([]server, len(found))
		for i, e := range found {
			out[i] = server{e, e.URL()}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(found) == 0 {
		fmt.Fprintf(stdout, "no memory servers answered within %s (servers advertise themselves when they listen on a network address with MCP_MDNS_ENABLED on)\n", oc.DiscoveryTimeout)
		return nil
	}
	for _, e := range found {
		var notes []string
		if v := e.TXT["version"]; v != "" {
			notes = append(notes, "version "+v)
		}
		if e.TXT["auth_required"] == "true" {
			notes = append(notes, "needs a key")
		}
		if e.TXT["oauth"] == "true" {
			notes = append(notes, "OAuth")
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", e.Instance, e.URL(), strings.TrimSuffix(e.Host, "."), strings.Join(notes, ", "))
	}
	return nil
}

// buildInfo returns the version and commit stamped into the binary: the
// -ldflags -X values when set, else what the Go toolchain recorded from
// version control (a "+dirty" commit had uncommitted changes).
func buildInfo() (ver, rev, built string) {
	ver, rev = version, commit
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ver, rev, ""
	}
	if ver == devVersion && info.Main.Version != "" && info.Main.Version != "(devel)" {
		ver = strings.TrimPrefix(info.Main.Version, "v") // go install …@vX.Y.Z
	}
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if rev == "" {
				rev = s.Value
			}
		case "vcs.time":
			built = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && commit == "" && rev != "" {
		rev += "+dirty"
	}
	return ver, rev, built
}

// cmdVersion prints the version and the commit.
func cmdVersion(stdout io.Writer) error {
	ver, rev, built := buildInfo()
	fmt.Fprintln(stdout, "memory", ver)
	if rev == "" {
		rev = "unknown (built outside a git checkout)"
	}
	fmt.Fprintln(stdout, "commit", rev)
	if built != "" {
		fmt.Fprintln(stdout, "committed", built)
	}
	return nil
}

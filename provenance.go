package memory

import (
	"context"
	"strings"
	"unicode"
)

// ProvenanceKey is the metadata field where the service records where a
// memory came from (see Provenance). Only the server writes it: a caller's
// value is replaced on store and ignored on update.
const ProvenanceKey = "provenance"

// Provenance says where a write came from, so that a memory read back later
// can be weighed as what it is: text some client once sent, not an
// instruction. Transports set it on the context (WithProvenance); the
// service records it in the metadata of every memory stored under it.
type Provenance struct {
	// Via is the path the write took: "mcp", "rest", "cli", "ingest".
	Via string `json:"via"`
	// Client is the program as it named itself (MCP clientInfo, the
	// X-Agent-ID header), if known.
	Client string `json:"client,omitempty"`
	// Credential identifies what the caller authenticated with: "key:<id>",
	// "oauth:<client id>", "anonymous", or "local" (stdio and the CLI).
	Credential string `json:"credential,omitempty"`
}

type provenanceKey struct{}

// WithProvenance returns a context whose writes record p.
func WithProvenance(ctx context.Context, p Provenance) context.Context {
	p.Via, p.Client, p.Credential = cleanLabel(p.Via), cleanLabel(p.Client), cleanLabel(p.Credential)
	return context.WithValue(ctx, provenanceKey{}, p)
}

// ProvenanceFrom returns the provenance set by WithProvenance and whether
// there is one.
func ProvenanceFrom(ctx context.Context) (Provenance, bool) {
	p, ok := ctx.Value(provenanceKey{}).(Provenance)
	return p, ok
}

// record puts the provenance of ctx into meta, replacing whatever the
// caller put there; without one, meta is left as it is (imports keep the
// provenance they carry).
func (p Provenance) record(meta map[string]any) {
	v := map[string]any{"via": p.Via}
	if p.Client != "" {
		v["client"] = p.Client
	}
	if p.Credential != "" {
		v["credential"] = p.Credential
	}
	meta[ProvenanceKey] = v
}

// cleanLabel keeps a label printable and short: control characters become
// spaces, and it is cut at 100 characters.
func cleanLabel(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return Clip(strings.TrimSpace(s), 100)
}

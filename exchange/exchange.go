package exchange

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/mcp-memory-go/memory"
)

// ExportOptions configures Export.
type ExportOptions struct {
	// Owners lists whose memories to export, each in turn; empty means
	// the owner of the context only. Only a caller allowed to read every
	// user's memories (the command line, an administrator) sets it.
	Owners []string
	// Request selects the memories (tags, types, time, embeddings); its
	// Progress is replaced by Progress below.
	Request memory.ExportRequest
	// Generator names the program in the header ("memory 1.2.0").
	Generator string
	// Progress, if set, is called with the memories written so far and
	// the number expected for the current owner.
	Progress func(done, total int64)
	// Now is the clock for the header; nil means time.Now.
	Now func() time.Time
}

// Export writes the selected memories to w as an export (see the package
// documentation) and returns how many it wrote. On error the output lacks
// its end line, so an import refuses it.
func Export(ctx context.Context, svc *memory.Service, w io.Writer, opts ExportOptions) (int, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	owners := opts.Owners
	if len(owners) == 0 {
		owners = []string{memory.OwnerFrom(ctx)}
	}
	ew, err := NewWriter(w, Header{ExportedAt: memory.TimeMS(now()), Generator: opts.Generator,
		Embeddings: opts.Request.Embeddings, Filter: describeFilter(opts.Request, opts.Owners)})
	if err != nil {
		return 0, err
	}
	req := opts.Request
	for _, owner := range owners {
		base := ew.Count()
		req.Progress = nil
		if opts.Progress != nil {
			req.Progress = func(done, total int64) { opts.Progress(int64(base)+done, int64(base)+total) }
		}
		if _, err := svc.Export(memory.WithOwner(ctx, owner), req, ew.Write); err != nil {
			return ew.Count(), err
		}
	}
	return ew.Count(), ew.Close()
}

// describeFilter records the selection in the header.
func describeFilter(r memory.ExportRequest, owners []string) map[string]any {
	f := map[string]any{}
	if len(owners) > 0 {
		f["owners"] = owners
	}
	if len(r.Tags) > 0 {
		f["tags"] = r.Tags
		f["tag_match"] = string(r.TagMatch)
	}
	if len(r.Types) > 0 {
		f["memory_types"] = r.Types
	}
	if !r.After.IsZero() {
		f["after"] = r.After.UTC()
	}
	if !r.Before.IsZero() {
		f["before"] = r.Before.UTC()
	}
	if r.TimeExpr != "" {
		f["time_expr"] = r.TimeExpr
	}
	if len(f) == 0 {
		return nil
	}
	return f
}

// ImportOptions configures Import and Loader.
type ImportOptions struct {
	// KeepOwners stores each memory for the owner written in its line
	// (the context's owner when none is written); otherwise every memory
	// goes to the context's owner. Only a caller allowed to write every
	// user's memories (the command line) sets it.
	KeepOwners bool
	// BatchSize is the number of memories stored (and embedded) at a
	// time; 0 means 500.
	BatchSize int
	// Progress, if set, is called after each batch with the memories
	// processed so far and the total.
	Progress func(done, total int64)
}

// Result reports an import.
type Result struct {
	// Read counts the memories in the input.
	Read int `json:"read"`
	memory.ImportResult
	// Owners counts the memories imported per owner.
	Owners map[string]int `json:"owners"`
}

// Check reads a whole export and reports how many memories it holds,
// without storing anything: every line is checked, so an import of input
// that passes it fails only if the storage does.
func Check(r io.Reader) (int, error) {
	er, err := NewReader(r)
	if err != nil {
		return 0, err
	}
	for {
		if _, err := er.Next(); errors.Is(err, io.EOF) {
			return er.Count(), nil
		} else if err != nil {
			return er.Count(), err
		}
	}
}

// Import checks the whole export first (see Check), so that a malformed
// or truncated file changes nothing, then reads it again from the start
// and stores its memories through svc.Import in batches: idempotent by
// content hash, timestamps kept, vectors kept when made by svc's model.
func Import(ctx context.Context, svc *memory.Service, r io.ReadSeeker, opts ImportOptions) (Result, error) {
	total, err := Check(r)
	if err != nil {
		return Result{}, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return Result{}, err
	}
	er, err := NewReader(r)
	if err != nil {
		return Result{}, err
	}
	l := NewLoader(svc, opts, total)
	for {
		m, err := er.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return l.res, err
		}
		if err := l.Add(ctx, m); err != nil {
			return l.res, err
		}
	}
	return l.Close(ctx)
}

// Loader stores memories through memory.Service.Import in batches per
// owner. Import uses it for exports; the migrate command for memories read
// from an upstream database.
type Loader struct {
	svc     *memory.Service
	opts    ImportOptions
	total   int64
	done    int64
	pending map[string][]*memory.Memory
	warned  map[string]bool
	res     Result
}

// NewLoader returns a loader expecting total memories (for progress).
func NewLoader(svc *memory.Service, opts ImportOptions, total int) *Loader {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	return &Loader{svc: svc, opts: opts, total: int64(total), pending: map[string][]*memory.Memory{},
		warned: map[string]bool{}, res: Result{Owners: map[string]int{}}}
}

// Add queues a memory (for its own owner with KeepOwners, else the
// context's) and stores a batch when one is full.
func (l *Loader) Add(ctx context.Context, m *memory.Memory) error {
	owner := memory.OwnerFrom(ctx)
	if l.opts.KeepOwners && strings.TrimSpace(m.Owner) != "" {
		owner = strings.TrimSpace(m.Owner)
	}
	l.res.Read++
	l.pending[owner] = append(l.pending[owner], m)
	if len(l.pending[owner]) >= l.opts.BatchSize {
		return l.flush(ctx, owner)
	}
	return nil
}

// Close stores what is queued and returns the result.
func (l *Loader) Close(ctx context.Context) (Result, error) {
	owners := make([]string, 0, len(l.pending))
	for o := range l.pending {
		owners = append(owners, o)
	}
	sort.Strings(owners)
	for _, o := range owners {
		if err := l.flush(ctx, o); err != nil {
			return l.res, err
		}
	}
	return l.res, nil
}

func (l *Loader) flush(ctx context.Context, owner string) error {
	batch := l.pending[owner]
	delete(l.pending, owner)
	if len(batch) == 0 {
		return nil
	}
	r, err := l.svc.Import(memory.WithOwner(ctx, owner), batch)
	l.res.Imported += r.Imported
	l.res.Duplicates += r.Duplicates
	l.res.Embedded += r.Embedded
	if r.Imported > 0 {
		l.res.Owners[owner] += r.Imported
	}
	for _, w := range r.Warnings {
		if !l.warned[w] {
			l.warned[w] = true
			l.res.Warnings = append(l.res.Warnings, w)
		}
	}
	if err != nil {
		return fmt.Errorf("storing memories of %s (%d imported before): %w", owner, l.res.Imported, err)
	}
	l.done += int64(len(batch))
	if l.opts.Progress != nil {
		l.opts.Progress(l.done, max(l.total, l.done))
	}
	return nil
}

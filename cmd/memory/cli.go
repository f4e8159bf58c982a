package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// cmdStatus prints what the store holds and whether search works. It exits
// non-zero when the storage is unhealthy.
func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var asJSON bool
	a, _, err := setup(ctx, "status", args, stderr, getenv, func(fs *flagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	h, err := a.svc.Health(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(h); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "memory %s\n", version)
		fmt.Fprintf(stdout, "status:    %s\n", h.Status)
		fmt.Fprintf(stdout, "database:  %s (%.1f MB)\n", a.where(), float64(h.Storage.SizeBytes)/1e6)
		if s := a.syncer(); s != nil {
			if st, err := s.SyncStatus(ctx); err == nil {
				fmt.Fprintf(stdout, "sync:      %s with %s, %d pending (`memory sync status`)\n", st.State(), st.Remote, st.Pending)
			}
		}
		fmt.Fprintf(stdout, "memories:  %d (%d unique tags, %d superseded, %d tombstones)\n", h.Storage.Memories, h.Storage.UniqueTags, h.Storage.Superseded, h.Storage.Tombstones)
		if h.Semantic.Enabled {
			fmt.Fprintf(stdout, "semantic:  on, %s (%d-d)\n", h.Semantic.Model, h.Semantic.Dim)
		} else {
			fmt.Fprintf(stdout, "semantic:  off (%s)\n", h.Semantic.Reason)
		}
		for _, p := range h.Problems {
			fmt.Fprintf(stdout, "problem:   %s\n", p)
		}
	}
	if h.Status == "unhealthy" {
		return fmt.Errorf("storage is unhealthy")
	}
	return nil
}

// cmdStore stores one memory from the arguments or standard input.
func cmdStore(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var tags, typ string
	a, fs, err := setup(ctx, "store", args, stderr, getenv, func(fs *flagSet) {
		fs.StringVar(&tags, "tags", "", "comma-separated tags")
		fs.StringVar(&typ, "type", "", "memory type (default note)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	text := fs.Text()
	if text == "" || text == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 64<<20))
		if err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
		text = string(b)
	}
	res, err := a.svc.Store(ctx, memory.StoreRequest{Content: text, Tags: memory.SplitTagList(tags), Type: typ})
	if err != nil {
		return userError(err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	for _, m := range res.Memories {
		fmt.Fprintln(stdout, m.Hash)
	}
	return nil
}

// cmdSearch searches and prints the results.
func cmdSearch(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var req memory.SearchRequest
	var tags, typ string
	var asJSON, all bool
	a, fs, err := setup(ctx, "search", args, stderr, getenv, func(fs *flagSet) {
		fs.StringVar(&req.Mode, "mode", "hybrid", "hybrid, semantic, keyword or exact")
		fs.IntVar(&req.Limit, "limit", 10, "number of results (1..100)")
		fs.StringVar(&req.TimeExpr, "time", "", `time filter, e.g. "last week", "in March"`)
		fs.StringVar(&tags, "tags", "", "comma-separated tags")
		fs.BoolVar(&all, "all-tags", false, "require every tag (default: any)")
		fs.StringVar(&typ, "type", "", "memory type")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	req.Query, req.Tags = fs.Text(), memory.SplitTagList(tags)
	if all {
		req.TagMatch = memory.TagAll
	}
	if typ != "" {
		req.Types = []string{typ}
	}
	res, err := a.svc.Search(ctx, req)
	if err != nil {
		return userError(err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	for _, n := range res.Notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	if res.Count == 0 {
		fmt.Fprintln(stdout, "no memories found")
	}
	for i, r := range res.Results {
		fmt.Fprintf(stdout, "%2d. [%.3f %s] %s\n    %s  %s  %s\n", i+1, r.Score, strings.Join(r.MatchedBy, "+"), r.Content,
			r.Hash[:12], r.CreatedAt.Local().Format("2006-01-02 15:04"), strings.Join(r.Tags, ","))
	}
	return nil
}

// cmdReembed gives every memory a vector of the configured model.
func cmdReembed(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var batch int
	a, _, err := setup(ctx, "reembed", args, stderr, getenv, func(fs *flagSet) {
		fs.IntVar(&batch, "batch", 256, "memories per embedding batch")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	bar := newProgress(stderr, "re-embedding")
	start := time.Now()
	n, err := a.svc.Reembed(ctx, batch, bar.update)
	bar.done()
	if err != nil {
		return fmt.Errorf("re-embedded %d memories, then: %w (run again to continue)", n, userError(err))
	}
	fmt.Fprintf(stdout, "re-embedded %d memories with %s in %s\n", n, a.svc.Embedder.Model().Name, time.Since(start).Round(time.Millisecond))
	return nil
}

// userError presents a domain error by its message.
func userError(err error) error {
	if c := memory.ErrorCode(err); c != "" && c != memory.EInternal {
		return fmt.Errorf("%s", memory.ErrorMessage(err))
	}
	return err
}

// progress draws a bar on a terminal and plain lines otherwise.
type progress struct {
	w        io.Writer
	label    string
	tty      bool
	lastPct  int64
	lastDone int64
	lastDraw time.Time
}

func newProgress(w io.Writer, label string) *progress {
	p := &progress{w: w, label: label, lastPct: -1, lastDone: -1}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) update(done, total int64) {
	if done == p.lastDone {
		return // nothing new (a last, empty page)
	}
	p.lastDone = done
	pct := int64(100)
	if total > 0 {
		pct = done * 100 / total
	}
	if p.tty {
		if time.Since(p.lastDraw) < 100*time.Millisecond && done < total {
			return
		}
		p.lastDraw = time.Now()
		const width = 30
		fill := int(pct * width / 100)
		fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %d/%d", p.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct, done, total)
		return
	}
	if pct/10 != p.lastPct/10 || done == total {
		fmt.Fprintf(p.w, "%s: %d/%d (%d%%)\n", p.label, done, total, pct)
		p.lastPct = pct
	}
}

func (p *progress) done() {
	if p.tty && p.lastDraw != (time.Time{}) {
		fmt.Fprintln(p.w)
	}
}

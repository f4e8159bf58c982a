package main

// `memory consolidate`: passes, their status and history, and the archive;
// and the scheduler the servers run.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
)

const consolidateUsage = `Usage:
  memory consolidate run [-horizon weekly] [-dry-run] [-json]   run a pass now (daily, weekly, monthly, quarterly, yearly)
  memory consolidate status [-json]                             schedules, running pass, past passes
  memory consolidate recommend [-horizon weekly]                is a pass worth running?
  memory consolidate history [-limit 20] [-json]                past passes with what they did
  memory consolidate pause|resume [-horizon H]                  stop or restart scheduled passes (all horizons without -horizon)
  memory consolidate archive list [-page 1] [-page-size 20]     memories archived by forgetting
  memory consolidate archive restore HASH...                    bring archived memories back exactly
Every subcommand takes -owner USER (default: the local owner).
`

// cmdConsolidate runs the consolidate subcommands on the caller's store.
func cmdConsolidate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, consolidateUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	if sub == "archive" {
		if len(args) == 0 {
			fmt.Fprint(stderr, consolidateUsage)
			return errUsage
		}
		sub, args = "archive "+args[0], args[1:]
	}
	var (
		horizon, owner  string
		dryRun, asJSON  bool
		limit, page, ps int
	)
	a, fs, err := setup(ctx, "consolidate "+sub, args, stderr, getenv, func(fs *flagSet) {
		fs.StringVar(&owner, "owner", memory.LocalOwner, "whose memories")
		switch sub {
		case "run", "recommend":
			fs.StringVar(&horizon, "horizon", "weekly", "daily, weekly, monthly, quarterly or yearly")
		case "pause", "resume":
			fs.StringVar(&horizon, "horizon", "", "daily, weekly, monthly, quarterly or yearly (default: all)")
		case "history":
			fs.IntVar(&limit, "limit", 20, "number of passes (1..200)")
		case "archive list":
			fs.IntVar(&page, "page", 1, "page number")
			fs.IntVar(&ps, "page-size", 20, "memories per page (1..100)")
		}
		if sub == "run" {
			fs.BoolVar(&dryRun, "dry-run", false, "report what the pass would do without changing anything")
		}
		if sub != "pause" && sub != "resume" && sub != "archive restore" {
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = memory.WithOwner(ctx, strings.ToLower(strings.TrimSpace(owner)))
	c := a.cons
	if c == nil {
		return fmt.Errorf("consolidation needs the sqlite, postgres or hybrid backend, not %s (Cloudflare keeps no graph, archive or pass history)", a.cfg.Backend)
	}
	var h consolidate.Horizon
	if horizon != "" {
		if h, err = consolidate.ParseHorizon(horizon); err != nil {
			return userError(err)
		}
	}
	print := func(v any, text string) error {
		if asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		}
		_, err := fmt.Fprintln(stdout, text)
		return err
	}
	switch sub {
	case "run":
		r, err := c.Consolidate(ctx, h, consolidate.Options{DryRun: dryRun})
		if err != nil {
			return userError(err)
		}
		return print(r, r.Text())
	case "status":
		st, err := c.Status(ctx)
		if err != nil {
			return userError(err)
		}
		return print(st, statusText(st, a.cfg.Curation.Enabled))
	case "recommend":
		r, err := c.Recommend(ctx, h)
		if err != nil {
			return userError(err)
		}
		text := fmt.Sprintf("%s: %s (%d memories, estimated %s)", h, r.Recommendation, r.MemoryCount, r.EstimatedDuration)
		for _, why := range r.Reasons {
			text += "\n- " + why
		}
		return print(r, text)
	case "history":
		runs, err := c.History(ctx, limit)
		if err != nil {
			return userError(err)
		}
		var b strings.Builder
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STARTED\tHORIZON\tTRIGGER\tSTATUS\tPROCESSED\tLINKS\tSUMMARIES\tARCHIVED")
		for _, r := range runs {
			var p, l, s, ar int
			if r.Report != nil {
				p, l, s, ar = r.Report.Processed, r.Report.Associations.Stored, r.Report.Compression.Created, r.Report.Forgetting.Count
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", r.StartedAt.Local().Format("2006-01-02 15:04"), r.Horizon, r.Trigger, r.Status, p, l, s, ar)
		}
		tw.Flush()
		return print(runs, strings.TrimRight(b.String(), "\n"))
	case "pause", "resume":
		op := c.Pause
		if sub == "resume" {
			op = c.Resume
		}
		if _, err := op(ctx, h); err != nil {
			return userError(err)
		}
		what := "every horizon"
		if h != "" {
			what = string(h)
		}
		fmt.Fprintf(stdout, "scheduled consolidation %sd for %s\n", sub, what)
		return nil
	case "archive list":
		l, err := a.svc.Archived(ctx, page, ps)
		if err != nil {
			return userError(err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%d archived memories (page %d of %d)", l.Total, l.Page, max(l.TotalPages, 1))
		for _, m := range l.Memories {
			fmt.Fprintf(&b, "\n%s  %s  %s\n    %s", m.Hash, m.ArchivedAt.Local().Format("2006-01-02 15:04"), memory.Clip(m.Content, 80), m.Reason)
		}
		return print(l, b.String())
	case "archive restore":
		if len(fs.Args()) == 0 {
			fmt.Fprint(stderr, consolidateUsage)
			return errUsage
		}
		ms, err := a.svc.Restore(ctx, fs.Args())
		if err != nil {
			return userError(err)
		}
		for _, m := range ms {
			fmt.Fprintf(stdout, "restored %s  %s\n", m.Hash, memory.Clip(m.Content, 80))
		}
		return nil
	}
	fmt.Fprintf(stderr, "memory consolidate: unknown subcommand %q\n\n%s", sub, consolidateUsage)
	return errUsage
}

// statusText renders the consolidation status for a terminal.
func statusText(st consolidate.Status, enabled bool) string {
	var b strings.Builder
	switch {
	case st.Running:
		b.WriteString("a pass is running now\n")
	default:
		b.WriteString("no pass is running\n")
	}
	if !enabled {
		b.WriteString("scheduled passes: off (set MCP_CONSOLIDATION_ENABLED=true and MCP_SCHEDULE_*)\n")
	}
	for _, s := range st.Schedules {
		line := fmt.Sprintf("%-9s ", s.Horizon)
		switch {
		case s.Spec == "":
			line += "not scheduled"
		case s.Paused != nil:
			line += fmt.Sprintf("%s, paused since %s", s.Spec, s.Paused.Local().Format("2006-01-02 15:04"))
		case s.NextRun != nil:
			line += fmt.Sprintf("%s, next %s", s.Spec, s.NextRun.Local().Format("2006-01-02 15:04"))
		}
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "passes: %d (%d failed); archived memories: %d", st.JobsExecuted, st.JobsFailed, st.Archived)
	if st.LastRun != nil {
		fmt.Fprintf(&b, "\nlast pass: %s %s, %s", st.LastRun.Horizon, st.LastRun.Status, st.LastRun.StartedAt.Local().Format(time.RFC3339))
	}
	return b.String()
}

// startScheduler runs the consolidation scheduler in the background when
// configured (MCP_CONSOLIDATION_ENABLED and an MCP_SCHEDULE_*), logging
// the settings that have no effect. The returned function stops it and
// waits for it.
func (a *app) startScheduler(ctx context.Context) (stop func()) {
	for _, w := range a.cfg.Curation.Warnings {
		a.log.Warn(w)
	}
	if !a.cfg.Curation.Enabled || len(a.cfg.Curation.Schedules) == 0 {
		return func() {}
	}
	if a.cons == nil {
		a.log.Warn("scheduled consolidation is off: the " + a.cfg.Backend + " backend keeps no graph, archive or pass history (use sqlite, postgres or hybrid)")
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := consolidate.NewScheduler(a.cons).Run(ctx); err != nil {
			a.log.Error("consolidation scheduler stopped", "err", err)
		}
	}()
	var specs []string
	for _, h := range consolidate.Horizons() {
		if s := a.cfg.Curation.Schedules[h]; s != nil {
			specs = append(specs, string(h)+"="+s.Spec)
		}
	}
	a.log.Info("consolidation scheduler on", "schedules", strings.Join(specs, ", "))
	return func() {
		cancel()
		<-done
	}
}

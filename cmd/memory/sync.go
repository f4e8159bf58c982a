package main

// memory sync status|now|pause|resume: the hybrid backend's sync, steered
// through the database, so that it reaches a running daemon.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/mcp-memory-go/memory/hybrid"
)

const syncUsage = `Usage: memory sync status [-json] | now [-timeout 2m] | pause | resume

  status   what waits to be pushed, the last success, failures and errors
  now      push every pending change (refused ones too), pull the remote's
           changes and check drift, now; a running daemon does it if it is
           the process that syncs
  pause    stop syncing in every process on the database until resume
           (local writes keep working and stay queued)
  resume   start syncing again
`

// cmdSync runs memory sync SUBCOMMAND.
func cmdSync(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, syncUsage)
		return nil
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "status", "now", "pause", "resume":
	default:
		fmt.Fprintf(stderr, "memory sync: unknown subcommand %q\n\n%s", sub, syncUsage)
		return errUsage
	}
	var asJSON bool
	var timeout time.Duration
	a, _, err := setup(ctx, "sync "+sub, args, stderr, getenv, func(fs *flagSet) {
		if sub == "status" {
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		}
		if sub == "now" {
			fs.DurationVar(&timeout, "timeout", 2*time.Minute, "how long to wait for the sync")
		}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	h := a.syncer()
	if h == nil {
		return fmt.Errorf("memory sync works with the hybrid backend (MCP_MEMORY_STORAGE_BACKEND=hybrid); this one is %s", a.cfg.Backend)
	}
	switch sub {
	case "status":
		st, err := h.SyncStatus(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(struct {
				hybrid.Status
				State string `json:"status"`
			}{st, st.State()})
		}
		printSyncStatus(stdout, st, time.Now())
		return nil
	case "now":
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		r, err := h.SyncNow(ctx)
		if err != nil {
			return err
		}
		if r.Error != "" {
			st, _ := h.SyncStatus(ctx)
			return fmt.Errorf("sync failed: %s (%d changes stay queued and will be pushed later)", r.Error, st.Pending)
		}
		fmt.Fprintf(stdout, "synced in %s: pushed %d, pulled %d\n", r.Duration.Round(time.Millisecond), r.Pushed, r.Pulled)
		return nil
	case "pause":
		if err := h.Pause(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "sync paused: local writes keep working and stay queued; `memory sync resume` starts it again")
		return nil
	default:
		if err := h.Resume(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "sync resumed")
		return nil
	}
}

// printSyncStatus writes the status for people.
func printSyncStatus(w io.Writer, st hybrid.Status, now time.Time) {
	ago := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return fmt.Sprintf("%s (%s ago)", t.Local().Format(time.DateTime), now.Sub(t).Round(time.Second))
	}
	fmt.Fprintf(w, "sync:        %s with %s\n", st.State(), st.Remote)
	pending := fmt.Sprintf("%d changes", st.Pending)
	if st.Pending > 0 {
		pending += ", oldest made " + ago(st.OldestPending)
	}
	fmt.Fprintf(w, "pending:     %s\n", pending)
	if st.Held > 0 {
		fmt.Fprintf(w, "refused:     %d memories, held back (%s)\n", st.Held, st.HeldError)
	}
	fmt.Fprintf(w, "last sync:   %s\n", ago(st.LastSuccess))
	if st.ConsecutiveFailures > 0 {
		fmt.Fprintf(w, "failures:    %d in a row, last attempt %s\n", st.ConsecutiveFailures, ago(st.LastAttempt))
		fmt.Fprintf(w, "last error:  %s\n", st.LastError)
		if !st.NextAttempt.IsZero() {
			fmt.Fprintf(w, "next try:    in %s\n", max(0, st.NextAttempt.Sub(now)).Round(time.Second))
		}
	}
	switch {
	case !st.Running:
		fmt.Fprintln(w, "syncing by: no process (start `memory server --http`, or run `memory sync now`)")
	default:
		fmt.Fprintf(w, "syncing by: %s\n", st.Holder)
	}
	fmt.Fprintf(w, "totals:      %d pushed, %d pulled; last pull %s\n", st.Pushed, st.Pulled, ago(st.LastPull))
	fmt.Fprintf(w, "drift check: %s (%d queued again, %d full re-reads)\n", ago(st.LastDriftCheck), st.DriftQueued, st.DriftRepulls)
}

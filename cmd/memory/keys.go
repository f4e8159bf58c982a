package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
)

const keysUsage = `Usage:
  memory keys create -name NAME [-scope read|write|admin] [-expires 90d] [-owner local]
  memory keys list [-json]
  memory keys revoke ID
`

// cmdKeys manages the API keys of the HTTP daemon. Keys live in the
// database, so a running daemon sees a new or revoked key at once.
func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	var (
		name, scope, owner, expires string
		asJSON                      bool
	)
	a, fs, err := setup(ctx, "keys "+sub, args, stderr, getenv, func(fs *flagSet) {
		switch sub {
		case "create":
			fs.StringVar(&name, "name", "", "what the key is for, e.g. \"laptop claude code\" (required)")
			fs.StringVar(&scope, "scope", auth.ScopeWrite, "read, write (includes read) or admin (includes both)")
			fs.StringVar(&expires, "expires", "", "lifetime such as 90d or 12h (default: never)")
			fs.StringVar(&owner, "owner", memory.LocalOwner, "user whose memories the key reaches")
		case "list":
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	switch sub {
	case "create":
		ttl, err := parseLifetime(expires)
		if err != nil {
			return err
		}
		owner = strings.ToLower(strings.TrimSpace(owner))
		if owner != memory.LocalOwner {
			u, err := a.store.User(ctx, owner)
			if err != nil {
				return fmt.Errorf("-owner %s: %s (add the user first with memory users add)", owner, memory.ErrorMessage(err))
			}
			if scope == auth.ScopeAdmin && u.Role != auth.RoleAdmin {
				return fmt.Errorf("-scope admin needs an admin user; %s is a %s", owner, u.Role)
			}
		}
		k, secret, err := auth.NewKey(name, owner, scope, time.Now(), ttl)
		if err != nil {
			return userError(err)
		}
		if err := a.store.CreateKey(ctx, k); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "created key %s (%s, scope %s). Copy it now: it is not stored and cannot be shown again.\n", k.ID, k.Name, k.Scope)
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		keys, err := a.store.Keys(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(keys)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSCOPE\tOWNER\tCREATED\tLAST USED\tSTATE")
		now := time.Now()
		for _, k := range keys {
			state := "active"
			switch {
			case !k.RevokedAt.IsZero():
				state = "revoked " + day(k.RevokedAt)
			case !k.Active(now):
				state = "expired " + day(k.ExpiresAt)
			case !k.ExpiresAt.IsZero():
				state = "expires " + day(k.ExpiresAt)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Scope, k.Owner, day(k.CreatedAt), day(k.LastUsedAt), state)
		}
		return tw.Flush()
	case "revoke":
		if len(fs.rest) != 1 {
			fmt.Fprint(stderr, keysUsage)
			return errUsage
		}
		id := strings.TrimPrefix(fs.rest[0], auth.KeyPrefix)
		id, _, _ = strings.Cut(id, "_") // a whole key works too
		if err := a.store.RevokeKey(ctx, id, time.Now()); err != nil {
			return userError(err)
		}
		fmt.Fprintf(stdout, "revoked key %s\n", id)
		return nil
	}
	fmt.Fprintf(stderr, "memory keys: unknown subcommand %q\n\n%s", sub, keysUsage)
	return errUsage
}

// parseLifetime reads "90d", "12h", "30m" or any Go duration; "" is forever.
func parseLifetime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("-expires %q: want a number of days such as 90d, or a duration such as 12h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("-expires %q: want a number of days such as 90d, or a duration such as 12h", s)
	}
	return d, nil
}

// day formats a time as a date, or "-" when zero.
func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02")
}

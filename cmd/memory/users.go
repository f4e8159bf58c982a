package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/mcp-memory-go/memory/auth"
)

const usersUsage = `Usage:
  memory users add NAME [-role user|admin]   (the password is read from the terminal, or the first line of stdin)
  memory users list [-json]
  memory users disable NAME | enable NAME
  memory users passwd NAME
`

// cmdUsers manages user accounts: each user sees only their own memories,
// logs in to OAuth clients and the dashboard, and owns API keys.
func cmdUsers(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usersUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	var (
		role   string
		asJSON bool
	)
	a, fs, err := setup(ctx, "users "+sub, args, stderr, getenv, func(fs *flagSet) {
		switch sub {
		case "add":
			fs.StringVar(&role, "role", auth.RoleUser, "user or admin")
		case "list":
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	accounts := &auth.Accounts{Store: a.store}
	name := func() (string, error) {
		if len(fs.rest) != 1 {
			fmt.Fprint(stderr, usersUsage)
			return "", errUsage
		}
		return strings.ToLower(strings.TrimSpace(fs.rest[0])), nil
	}
	switch sub {
	case "add", "passwd":
		id, err := name()
		if err != nil {
			return err
		}
		pw, err := readPassword(stdin, stderr)
		if err != nil {
			return err
		}
		if sub == "add" {
			if _, err := accounts.Add(ctx, id, role, pw); err != nil {
				return userError(err)
			}
			fmt.Fprintf(stdout, "added %s (%s)\n", id, role)
			return nil
		}
		if err := accounts.SetPassword(ctx, id, pw); err != nil {
			return userError(err)
		}
		fmt.Fprintf(stdout, "changed the password of %s\n", id)
		return nil
	case "disable", "enable":
		id, err := name()
		if err != nil {
			return err
		}
		if err := accounts.SetDisabled(ctx, id, sub == "disable"); err != nil {
			return userError(err)
		}
		fmt.Fprintf(stdout, "%sd %s\n", sub, id)
		return nil
	case "list":
		users, err := a.store.Users(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(users)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tLAST LOGIN\tSTATE")
		now := time.Now()
		for _, u := range users {
			state := "active"
			switch {
			case !u.DisabledAt.IsZero():
				state = "disabled " + day(u.DisabledAt)
			case now.Before(u.LockedUntil):
				state = "locked until " + u.LockedUntil.Local().Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Role, day(u.CreatedAt), day(u.LastLoginAt), state)
		}
		return tw.Flush()
	}
	fmt.Fprintf(stderr, "memory users: unknown subcommand %q\n\n%s", sub, usersUsage)
	return errUsage
}

// readPassword asks twice on a terminal, without echo; otherwise it reads
// the first line of stdin (for scripts: printf '%s\n' "$PW" | memory users add NAME).
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", errors.New("the passwords differ")
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("give the password on the first line of stdin")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

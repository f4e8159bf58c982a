package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestUsersAndKeysCommands: `memory users` and `memory keys` as an
// operator uses them, against a running daemon: only admins get admin
// keys, keys act for their user, and disabling the user or revoking the
// key stops it at once.
func TestUsersAndKeysCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a dozen processes")
	}
	db := filepath.Join(t.TempDir(), "m.db")
	run := func(stdin string, args ...string) (string, error) {
		t.Helper()
		cmd := command(context.Background(), []string{"MCP_MEMORY_SQLITE_PATH=" + db}, args...)
		cmd.Stdin = strings.NewReader(stdin)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return strings.TrimSpace(stdout.String() + stderr.String()), err
	}
	mustRun := func(stdin string, args ...string) string {
		t.Helper()
		out, err := run(stdin, args...)
		if err != nil {
			t.Fatalf("memory %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	mustRun("alice's long password\n", "users", "add", "alice")
	mustRun("bob's long password\n", "users", "add", "bob", "-role", "admin")
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"short\n", []string{"users", "add", "carol"}, "12 to"},
		{"dave's long password\n", []string{"users", "add", "dave", "-role", "root"}, "role"},
		{"", []string{"keys", "create", "-name", "x", "-owner", "alice", "-scope", "admin"}, "needs an admin user"},
		{"", []string{"keys", "create", "-name", "x", "-owner", "nobody"}, "add the user first"},
		{"", []string{"keys", "create", "-name", "x", "-scope", "root"}, "scope"},
	} {
		if out, err := run(tc.stdin, tc.args...); err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("memory %s: %v %q, want a refusal mentioning %q", strings.Join(tc.args, " "), err, out, tc.want)
		}
	}
	created := mustRun("", "keys", "create", "-name", "alice laptop", "-owner", "alice", "-scope", "write")
	lines := strings.Split(created, "\n")
	secret := lines[len(lines)-1]
	for _, l := range lines {
		if strings.HasPrefix(l, "mms_") {
			secret = l
		}
	}
	if !strings.HasPrefix(secret, "mms_") {
		t.Fatalf("keys create printed %q", created)
	}
	mustRun("", "keys", "create", "-name", "bob admin", "-owner", "bob", "-scope", "admin")
	if list := mustRun("", "keys", "list"); !strings.Contains(list, "alice laptop") || strings.Contains(list, secret) || strings.Contains(list, strings.SplitN(secret, "_", 3)[2]) {
		t.Errorf("keys list: %s", list)
	}

	url := startDaemon(t, db)
	status := func() int {
		t.Helper()
		req, _ := http.NewRequest("GET", url+"/api/memories", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := status(); code != 200 {
		t.Fatalf("alice's key: %d", code)
	}
	mustRun("", "users", "disable", "alice")
	if code := status(); code != 401 {
		t.Errorf("the key of a disabled user: %d, want 401", code)
	}
	if list := mustRun("", "users", "list"); !strings.Contains(list, "disabled") {
		t.Errorf("users list after disable: %s", list)
	}
	mustRun("", "users", "enable", "alice")
	if code := status(); code != 200 {
		t.Errorf("the key after enable: %d", code)
	}
	mustRun("a new long password\n", "users", "passwd", "alice")
	mustRun("", "keys", "revoke", strings.Split(secret, "_")[1])
	if code := status(); code != 401 {
		t.Errorf("a revoked key: %d, want 401", code)
	}
}

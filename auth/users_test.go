package auth_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/sqlite"
)

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") || strings.Contains(h, "horse") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := auth.HashPassword("correct horse battery staple")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !auth.CheckPassword(h, "correct horse battery staple") || auth.CheckPassword(h, "correct horse battery stapl") || auth.CheckPassword("garbage", "x") {
		t.Error("CheckPassword gives wrong answers")
	}
	for _, bad := range []string{"short", strings.Repeat("x", 257)} {
		if _, err := auth.HashPassword(bad); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("HashPassword(%d chars): %v", len(bad), err)
		}
	}
}

func newAccounts(t *testing.T) (*auth.Accounts, *time.Time) {
	t.Helper()
	st := sqlite.New(filepath.Join(t.TempDir(), "m.db"))
	if err := st.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	return &auth.Accounts{Store: st, Now: func() time.Time { return now }}, &now
}

func TestAccountsAuthenticateAndLockout(t *testing.T) {
	ctx := context.Background()
	acc, now := newAccounts(t)
	if _, err := acc.Add(ctx, "alice", auth.RoleUser, "alice's long password"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Alice!", "local", "", strings.Repeat("a", 65)} {
		if _, err := acc.Add(ctx, bad, auth.RoleUser, "a long enough password"); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("Add(%q): %v", bad, err)
		}
	}
	if _, err := acc.Add(ctx, "alice", auth.RoleUser, "another long password"); memory.ErrorCode(err) != memory.EConflict {
		t.Errorf("duplicate user: %v", err)
	}
	if id, role, err := acc.Authenticate(ctx, " Alice ", "alice's long password"); err != nil || id != "alice" || role != auth.RoleUser {
		t.Fatalf("right password: %q %q %v", id, role, err)
	}
	_, _, unknown := acc.Authenticate(ctx, "nobody", "whatever password")
	_, _, wrong := acc.Authenticate(ctx, "alice", "wrong password here")
	if memory.ErrorCode(unknown) != memory.EUnauthorized || unknown.Error() != wrong.Error() {
		t.Errorf("unknown user %v and wrong password %v must look the same", unknown, wrong)
	}
	// Four more wrong passwords (five in a row) lock the account for a minute.
	for range 4 {
		acc.Authenticate(ctx, "alice", "wrong password here")
	}
	if _, _, err := acc.Authenticate(ctx, "alice", "alice's long password"); memory.ErrorCode(err) != memory.EForbidden || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("locked account with the right password: %v", err)
	}
	*now = now.Add(61 * time.Second)
	// One more failure after the lock doubles it.
	acc.Authenticate(ctx, "alice", "wrong password here")
	*now = now.Add(61 * time.Second)
	if _, _, err := acc.Authenticate(ctx, "alice", "alice's long password"); memory.ErrorCode(err) != memory.EForbidden {
		t.Fatalf("a failure after the first lock must lock for longer: %v", err)
	}
	*now = now.Add(time.Minute)
	if _, _, err := acc.Authenticate(ctx, "alice", "alice's long password"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	u, _ := acc.Store.User(ctx, "alice")
	if u.FailedLogins != 0 || !u.LockedUntil.IsZero() || u.LastLoginAt.IsZero() {
		t.Errorf("a good login does not reset the lockout: %+v", u)
	}
	// Disabled users cannot log in, with the same answer as a wrong password.
	if err := acc.SetDisabled(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := acc.Authenticate(ctx, "alice", "alice's long password"); err == nil || err.Error() != wrong.Error() {
		t.Errorf("disabled user: %v", err)
	}
	if ok, _ := acc.Active(ctx, "alice"); ok {
		t.Error("disabled user is active")
	}
	acc.SetDisabled(ctx, "alice", false)
	if err := acc.SetPassword(ctx, "alice", "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := acc.Authenticate(ctx, "alice", "a brand new password"); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func TestKeysOfDisabledUsersStopWorking(t *testing.T) {
	ctx := context.Background()
	acc, _ := newAccounts(t)
	acc.Add(ctx, "bob", auth.RoleUser, "bob's long password")
	st := acc.Store.(*sqlite.Store)
	k, secret, _ := auth.NewKey("bob's laptop", "bob", auth.ScopeWrite, time.Now(), 0)
	st.CreateKey(ctx, k)
	a := &auth.Authenticator{Keys: st, Users: acc}
	if p, err := a.Verify(ctx, secret); err != nil || p.Owner != "bob" {
		t.Fatalf("bob's key: %v %+v", err, p)
	}
	acc.SetDisabled(ctx, "bob", true)
	if _, err := a.Verify(ctx, secret); memory.ErrorCode(err) != memory.EUnauthorized {
		t.Fatalf("key of a disabled user: %v", err)
	}
}

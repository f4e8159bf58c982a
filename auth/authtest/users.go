package authtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
)

// RunUserStoreTests runs the auth.UserStore contract as subtests. open
// must return a fresh, empty store for each subtest and arrange for it to
// be closed (t.Cleanup).
//
// Beyond the interface's comments, the suite fixes: times come back in UTC
// at millisecond precision and zero stays zero; Users is never nil; a user
// without id, password hash, valid role or creation time is EInvalid and
// stores nothing; UpdateUser changes neither the id nor the creation time.
func RunUserStoreTests(t *testing.T, open func(t *testing.T) auth.UserStore) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, s auth.UserStore)
	}{
		{"RoundTrip", testUserRoundTrip},
		{"Update", testUserUpdate},
		{"ListByID", testUsersByID},
		{"DuplicateID", testUserDuplicate},
		{"Invalid", testUserInvalid},
		{"NotFound", testUserNotFound},
		{"Accounts", testAccounts},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// testUser is a valid user record (the password is any PHC-looking string:
// stores do not check it).
func testUser(id, role string) auth.User {
	return auth.User{ID: id, Role: role, Password: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", CreatedAt: T0}
}

func mustUser(t *testing.T, s auth.UserStore, id string) auth.User {
	t.Helper()
	u, err := s.User(context.Background(), id)
	if err != nil {
		t.Fatalf("User(%s) = %v", id, err)
	}
	return u
}

func mustCreateUser(t *testing.T, s auth.UserStore, u auth.User) {
	t.Helper()
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s) = %v", u.ID, err)
	}
}

// sameUser compares every field, times with Equal and in UTC.
func sameUser(t *testing.T, what string, got, want auth.User) {
	t.Helper()
	if got.ID != want.ID || got.Role != want.Role || got.Password != want.Password || got.FailedLogins != want.FailedLogins {
		t.Errorf("%s: user = %+v, want %+v", what, got, want)
	}
	sameTime(t, what+": CreatedAt", got.CreatedAt, memory.TimeMS(want.CreatedAt))
	sameTime(t, what+": DisabledAt", got.DisabledAt, memory.TimeMS(want.DisabledAt))
	sameTime(t, what+": LockedUntil", got.LockedUntil, memory.TimeMS(want.LockedUntil))
	sameTime(t, what+": LastLoginAt", got.LastLoginAt, memory.TimeMS(want.LastLoginAt))
}

func testUserRoundTrip(t *testing.T, s auth.UserStore) {
	plain := testUser("alice", auth.RoleUser)
	mustCreateUser(t, s, plain)
	sameUser(t, "plain user", mustUser(t, s, "alice"), plain)

	full := testUser("bob", auth.RoleAdmin)
	full.CreatedAt = T0.Add(-time.Hour)
	full.DisabledAt = T0.Add(time.Minute + 5*time.Microsecond)
	full.FailedLogins = 3
	full.LockedUntil = T0.Add(2 * time.Hour)
	full.LastLoginAt = T0.Add(-time.Minute)
	mustCreateUser(t, s, full)
	sameUser(t, "user with every field", mustUser(t, s, "bob"), full)
}

func testUserUpdate(t *testing.T, s auth.UserStore) {
	ctx := context.Background()
	u := testUser("alice", auth.RoleUser)
	other := testUser("bob", auth.RoleUser)
	mustCreateUser(t, s, u)
	mustCreateUser(t, s, other)

	changed := u
	changed.Role = auth.RoleAdmin
	changed.Password = "$argon2id$v=19$m=65536,t=3,p=2$bmV3$bmV3aGFzaA"
	changed.DisabledAt = T0.Add(time.Hour)
	changed.FailedLogins = 6
	changed.LockedUntil = T0.Add(2*time.Hour + 999*time.Microsecond)
	changed.LastLoginAt = T0.Add(3 * time.Hour)
	changed.CreatedAt = T0.Add(24 * time.Hour) // not a mutable field
	if err := s.UpdateUser(ctx, changed); err != nil {
		t.Fatalf("UpdateUser() = %v", err)
	}
	want := changed
	want.CreatedAt = u.CreatedAt
	sameUser(t, "after UpdateUser", mustUser(t, s, "alice"), want)

	// Clearing the times clears them.
	cleared := want
	cleared.DisabledAt, cleared.LockedUntil, cleared.LastLoginAt, cleared.FailedLogins = time.Time{}, time.Time{}, time.Time{}, 0
	if err := s.UpdateUser(ctx, cleared); err != nil {
		t.Fatalf("UpdateUser(cleared) = %v", err)
	}
	sameUser(t, "after clearing", mustUser(t, s, "alice"), cleared)
	sameUser(t, "the other user", mustUser(t, s, "bob"), other)
}

func testUsersByID(t *testing.T, s auth.UserStore) {
	ctx := context.Background()
	users, err := s.Users(ctx)
	if err != nil || users == nil || len(users) != 0 {
		t.Fatalf("Users() on an empty store = %#v, %v; want an empty non-nil list", users, err)
	}
	for _, id := range []string{"carol", "alice", "bob-2", "bob", "bob.1"} {
		mustCreateUser(t, s, testUser(id, auth.RoleUser))
	}
	users, err = s.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	if want := []string{"alice", "bob", "bob-2", "bob.1", "carol"}; !slices.Equal(ids, want) {
		t.Errorf("Users() = %v, want by id (byte order) %v", ids, want)
	}
}

func testUserDuplicate(t *testing.T, s auth.UserStore) {
	u := testUser("alice", auth.RoleUser)
	mustCreateUser(t, s, u)
	dup := testUser("alice", auth.RoleAdmin)
	if err := s.CreateUser(context.Background(), dup); memory.ErrorCode(err) != memory.EConflict {
		t.Fatalf("CreateUser(duplicate) = %v, want EConflict", err)
	}
	sameUser(t, "original after the conflict", mustUser(t, s, "alice"), u)
}

func testUserInvalid(t *testing.T, s auth.UserStore) {
	ctx := context.Background()
	for name, mutate := range map[string]func(*auth.User){
		"no id":            func(u *auth.User) { u.ID = "" },
		"no password":      func(u *auth.User) { u.Password = "" },
		"bad role":         func(u *auth.User) { u.Role = "root" },
		"no creation time": func(u *auth.User) { u.CreatedAt = time.Time{} },
	} {
		u := testUser("alice", auth.RoleUser)
		mutate(&u)
		if err := s.CreateUser(ctx, u); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("%s: CreateUser = %v, want EInvalid", name, err)
		}
	}
	if users, err := s.Users(ctx); err != nil || len(users) != 0 {
		t.Fatalf("invalid users were stored: %v, %v", users, err)
	}
	u := testUser("alice", auth.RoleUser)
	mustCreateUser(t, s, u)
	for name, mutate := range map[string]func(*auth.User){
		"no password": func(u *auth.User) { u.Password = "" },
		"bad role":    func(u *auth.User) { u.Role = "" },
	} {
		bad := u
		mutate(&bad)
		if err := s.UpdateUser(ctx, bad); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("%s: UpdateUser = %v, want EInvalid", name, err)
		}
	}
	sameUser(t, "after refused updates", mustUser(t, s, "alice"), u)
}

func testUserNotFound(t *testing.T, s auth.UserStore) {
	ctx := context.Background()
	mustCreateUser(t, s, testUser("alice", auth.RoleUser))
	for _, id := range []string{"bob", "", "alic", "alice2", "ALICE"} {
		if _, err := s.User(ctx, id); memory.ErrorCode(err) != memory.ENotFound {
			t.Errorf("User(%q) = %v, want ENotFound", id, err)
		}
		if err := s.UpdateUser(ctx, testUser(id, auth.RoleAdmin)); memory.ErrorCode(err) != memory.ENotFound {
			t.Errorf("UpdateUser(%q) = %v, want ENotFound", id, err)
		}
	}
	if got := mustUser(t, s, "alice"); got.Role != auth.RoleUser {
		t.Errorf("updates of other ids changed alice: %+v", got)
	}
}

// testAccounts runs auth.Accounts over the store: a password login, the
// lockout after wrong ones, and a disabled account.
func testAccounts(t *testing.T, s auth.UserStore) {
	ctx := context.Background()
	now := T0
	acc := &auth.Accounts{Store: s, Now: func() time.Time { return now }}
	if _, err := acc.Add(ctx, "alice", auth.RoleUser, "alice's long password"); err != nil {
		t.Fatal(err)
	}
	if id, role, err := acc.Authenticate(ctx, "Alice", "alice's long password"); err != nil || id != "alice" || role != auth.RoleUser {
		t.Fatalf("Authenticate() = %q, %q, %v", id, role, err)
	}
	for range auth.LockoutThreshold {
		if _, _, err := acc.Authenticate(ctx, "alice", "wrong password"); memory.ErrorCode(err) != memory.EUnauthorized {
			t.Fatalf("Authenticate(wrong) = %v, want EUnauthorized", err)
		}
	}
	if _, _, err := acc.Authenticate(ctx, "alice", "alice's long password"); memory.ErrorCode(err) != memory.EForbidden {
		t.Fatalf("Authenticate(locked) = %v, want EForbidden", err)
	}
	now = now.Add(auth.LockoutMax)
	if _, _, err := acc.Authenticate(ctx, "alice", "alice's long password"); err != nil {
		t.Fatalf("Authenticate(after the lock) = %v", err)
	}
	if err := acc.SetDisabled(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	if ok, err := acc.Active(ctx, "alice"); ok || err != nil {
		t.Errorf("Active(disabled) = %v, %v", ok, err)
	}
	if _, _, err := acc.Authenticate(ctx, "alice", "alice's long password"); memory.ErrorCode(err) != memory.EUnauthorized {
		t.Errorf("Authenticate(disabled) = %v, want EUnauthorized", err)
	}
}

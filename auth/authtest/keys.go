// Package authtest holds the contract suites of the auth package's
// storage interfaces: every implementation of auth.KeyStore runs
// RunKeyStoreTests (and, when several stores can share one storage,
// RunSharedKeyStoreTests), and every auth.UserStore runs
// RunUserStoreTests.
package authtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
)

// T0 has sub-millisecond digits so that tests see the truncation to
// milliseconds every store applies.
var T0 = time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)

// RunKeyStoreTests runs the auth.KeyStore contract as subtests. open must
// return a fresh, empty store for each subtest and arrange for it to be
// closed (t.Cleanup).
//
// Beyond the interface's comments, the suite fixes: times come back in UTC
// at millisecond precision; Keys is never nil; revoking twice keeps the
// first time; TouchKey of an unknown key is no error; a key missing its
// id, hash, owner, creation time or a valid scope is EInvalid and stores
// nothing.
func RunKeyStoreTests(t *testing.T, open func(t *testing.T) auth.KeyStore) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, s auth.KeyStore)
	}{
		{"RoundTrip", testKeyRoundTrip},
		{"NewestFirst", testKeysNewestFirst},
		{"DuplicateID", testKeyDuplicateID},
		{"InvalidKeyStoresNothing", testInvalidKey},
		{"NotFound", testKeyNotFound},
		{"RevokeKeepsFirstTime", testRevokeKeepsFirstTime},
		{"TouchKey", testTouchKey},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// RunSharedKeyStoreTests checks that two stores on one storage (the CLI and
// a running daemon, or two daemons) see each other's keys, uses and
// revocations at once. open returns two such stores over fresh, empty
// storage.
func RunSharedKeyStoreTests(t *testing.T, open func(t *testing.T) (cli, daemon auth.KeyStore)) {
	cli, daemon := open(t)
	ctx := context.Background()
	daemonAuth := &auth.Authenticator{Keys: daemon, Now: func() time.Time { return T0.Add(time.Minute) }}

	k, secret := newKey(t, "shared", "alice", auth.ScopeWrite, T0, 0)
	// The daemon reads first, so that a stale snapshot or cache would show.
	if _, err := daemon.Key(ctx, k.ID); memory.ErrorCode(err) != memory.ENotFound {
		t.Fatalf("daemon Key before create = %v, want ENotFound", err)
	}
	if daemonAuth.Enabled(ctx) {
		t.Fatal("daemon Enabled() with no keys")
	}
	mustCreateKey(t, cli, k)
	sameKey(t, "daemon Key after CLI create", mustKey(t, daemon, k.ID), k)
	if ids := keyIDs(mustKeys(t, daemon)); !slices.Equal(ids, []string{k.ID}) {
		t.Fatalf("daemon Keys() = %v", ids)
	}
	if !daemonAuth.Enabled(ctx) {
		t.Fatal("daemon Enabled() after CLI create = false")
	}
	p, err := daemonAuth.Verify(ctx, secret)
	if err != nil || p.KeyID != k.ID || p.Owner != "alice" || p.Scope != auth.ScopeWrite {
		t.Fatalf("daemon Verify = %+v, %v", p, err)
	}
	// The daemon's touch is visible to the CLI.
	if got := mustKey(t, cli, k.ID).LastUsedAt; !got.Equal(memory.TimeMS(T0.Add(time.Minute))) {
		t.Errorf("CLI sees LastUsedAt %v", got)
	}
	// A revocation by the CLI takes effect on the daemon's next request.
	if err := cli.RevokeKey(ctx, k.ID, T0.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if p, err := daemonAuth.Verify(ctx, secret); p != nil || memory.ErrorCode(err) != memory.EUnauthorized {
		t.Fatalf("daemon Verify after CLI revoke = %+v, %v; want EUnauthorized", p, err)
	}
	if daemonAuth.Enabled(ctx) {
		t.Fatal("daemon Enabled() with only a revoked key")
	}
}

func newKey(t *testing.T, name, owner, scope string, now time.Time, ttl time.Duration) (auth.Key, string) {
	t.Helper()
	k, secret, err := auth.NewKey(name, owner, scope, now, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return k, secret
}

func mustCreateKey(t *testing.T, s auth.KeyStore, k auth.Key) {
	t.Helper()
	if err := s.CreateKey(context.Background(), k); err != nil {
		t.Fatalf("CreateKey(%s) = %v", k.ID, err)
	}
}

func mustKey(t *testing.T, s auth.KeyStore, id string) auth.Key {
	t.Helper()
	k, err := s.Key(context.Background(), id)
	if err != nil {
		t.Fatalf("Key(%s) = %v", id, err)
	}
	return k
}

func mustKeys(t *testing.T, s auth.KeyStore) []auth.Key {
	t.Helper()
	keys, err := s.Keys(context.Background())
	if err != nil {
		t.Fatalf("Keys() = %v", err)
	}
	return keys
}

func keyIDs(keys []auth.Key) []string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return ids
}

// sameKey compares every field, times with Equal and in UTC.
func sameKey(t *testing.T, what string, got, want auth.Key) {
	t.Helper()
	if got.ID != want.ID || got.Name != want.Name || got.Owner != want.Owner || got.Scope != want.Scope || got.Hash != want.Hash {
		t.Errorf("%s: key = %+v, want %+v", what, got, want)
	}
	for _, f := range []struct {
		name      string
		got, want time.Time
	}{
		{"CreatedAt", got.CreatedAt, want.CreatedAt},
		{"LastUsedAt", got.LastUsedAt, want.LastUsedAt},
		{"ExpiresAt", got.ExpiresAt, want.ExpiresAt},
		{"RevokedAt", got.RevokedAt, want.RevokedAt},
	} {
		sameTime(t, what+": "+f.name, f.got, f.want)
	}
}

// sameTime checks got equals want, both zero or both set, and is in UTC.
func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || got.IsZero() != want.IsZero() {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
	if !got.IsZero() && got.Location() != time.UTC {
		t.Errorf("%s is in %v, want UTC", what, got.Location())
	}
}

func testKeyRoundTrip(t *testing.T, s auth.KeyStore) {
	ctx := context.Background()
	k, _ := newKey(t, "laptop", "alice", auth.ScopeWrite, T0, 48*time.Hour)
	mustCreateKey(t, s, k)
	got := mustKey(t, s, k.ID)
	sameKey(t, "Key after CreateKey", got, k)
	if want := time.Date(2026, 5, 8, 7, 8, 9, 123000000, time.UTC); !got.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v (ms precision)", got.ExpiresAt, want)
	}
	if !got.LastUsedAt.IsZero() || !got.RevokedAt.IsZero() {
		t.Errorf("fresh key: last used %v, revoked %v", got.LastUsedAt, got.RevokedAt)
	}

	// A key given with sub-millisecond times comes back at ms precision.
	raw := auth.Key{ID: "0123456789ab", Name: "raw", Owner: "bob", Scope: auth.ScopeAdmin, Hash: auth.HashSecret("x"),
		CreatedAt: T0.Add(-time.Hour), ExpiresAt: T0.Add(time.Hour + 999*time.Microsecond)}
	mustCreateKey(t, s, raw)
	rawWant := raw
	rawWant.CreatedAt, rawWant.ExpiresAt = memory.TimeMS(raw.CreatedAt), memory.TimeMS(raw.ExpiresAt)
	sameKey(t, "raw key", mustKey(t, s, raw.ID), rawWant)

	// A key without expiry has none after the round trip.
	forever, _ := newKey(t, "forever", "carol", auth.ScopeRead, T0.Add(-2*time.Hour), 0)
	mustCreateKey(t, s, forever)
	sameKey(t, "key without expiry", mustKey(t, s, forever.ID), forever)

	// Used and revoked.
	used := T0.Add(3*time.Hour + 456789*time.Nanosecond)
	if err := s.TouchKey(ctx, k.ID, used); err != nil {
		t.Fatal(err)
	}
	revoked := T0.Add(5*time.Hour + 987654321*time.Nanosecond)
	if err := s.RevokeKey(ctx, k.ID, revoked); err != nil {
		t.Fatal(err)
	}
	want := k
	want.LastUsedAt, want.RevokedAt = memory.TimeMS(used), memory.TimeMS(revoked)
	sameKey(t, "Key after TouchKey and RevokeKey", mustKey(t, s, k.ID), want)

	keys := mustKeys(t, s)
	if ids := keyIDs(keys); !slices.Equal(ids, []string{k.ID, raw.ID, forever.ID}) {
		t.Fatalf("Keys() = %v, want newest first %v", ids, []string{k.ID, raw.ID, forever.ID})
	}
	sameKey(t, "Keys()[0]", keys[0], want)
	sameKey(t, "Keys()[1]", keys[1], rawWant)
	sameKey(t, "Keys()[2]", keys[2], forever)
}

func testKeysNewestFirst(t *testing.T, s auth.KeyStore) {
	if keys := mustKeys(t, s); keys == nil || len(keys) != 0 {
		t.Fatalf("Keys() on an empty store = %#v, want an empty non-nil list", keys)
	}
	a, _ := newKey(t, "a", "alice", auth.ScopeRead, T0, 0)
	b, _ := newKey(t, "b", "alice", auth.ScopeRead, T0.Add(time.Second), 0)
	c, _ := newKey(t, "c", "bob", auth.ScopeRead, T0.Add(2*time.Second), 0)
	d, _ := newKey(t, "d", "bob", auth.ScopeRead, T0.Add(time.Millisecond), 0)
	for _, k := range []auth.Key{b, c, a, d} {
		mustCreateKey(t, s, k)
	}
	if got, want := keyIDs(mustKeys(t, s)), []string{c.ID, b.ID, d.ID, a.ID}; !slices.Equal(got, want) {
		t.Fatalf("Keys() = %v, want %v", got, want)
	}
}

func testKeyDuplicateID(t *testing.T, s auth.KeyStore) {
	k, _ := newKey(t, "first", "alice", auth.ScopeRead, T0, 0)
	mustCreateKey(t, s, k)
	dup, _ := newKey(t, "second", "bob", auth.ScopeAdmin, T0.Add(time.Hour), 0)
	dup.ID = k.ID
	err := s.CreateKey(context.Background(), dup)
	if memory.ErrorCode(err) != memory.EConflict {
		t.Fatalf("CreateKey(duplicate id) = %v, want EConflict", err)
	}
	sameKey(t, "original after the conflict", mustKey(t, s, k.ID), k)
	if n := len(mustKeys(t, s)); n != 1 {
		t.Fatalf("%d keys after a conflicting create, want 1", n)
	}
}

func testInvalidKey(t *testing.T, s auth.KeyStore) {
	valid, _ := newKey(t, "valid", "alice", auth.ScopeRead, T0, 0)
	for name, mutate := range map[string]func(*auth.Key){
		"no hash":          func(k *auth.Key) { k.Hash = "" },
		"bad scope":        func(k *auth.Key) { k.Scope = "root" },
		"empty scope":      func(k *auth.Key) { k.Scope = "" },
		"no id":            func(k *auth.Key) { k.ID = "" },
		"no owner":         func(k *auth.Key) { k.Owner = "" },
		"no creation time": func(k *auth.Key) { k.CreatedAt = time.Time{} },
	} {
		k := valid
		mutate(&k)
		err := s.CreateKey(context.Background(), k)
		if memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("%s: CreateKey = %v, want EInvalid", name, err)
		}
	}
	if keys := mustKeys(t, s); len(keys) != 0 {
		t.Fatalf("invalid keys were stored: %v", keyIDs(keys))
	}
	mustCreateKey(t, s, valid)
}

func testKeyNotFound(t *testing.T, s auth.KeyStore) {
	ctx := context.Background()
	k, _ := newKey(t, "k", "alice", auth.ScopeRead, T0, 0)
	mustCreateKey(t, s, k)
	for _, id := range []string{"000000000000", "", k.ID[:11], k.ID + "0"} {
		if _, err := s.Key(ctx, id); memory.ErrorCode(err) != memory.ENotFound {
			t.Errorf("Key(%q) = %v, want ENotFound", id, err)
		}
		if err := s.RevokeKey(ctx, id, T0); memory.ErrorCode(err) != memory.ENotFound {
			t.Errorf("RevokeKey(%q) = %v, want ENotFound", id, err)
		}
		if err := s.TouchKey(ctx, id, T0); err != nil {
			t.Errorf("TouchKey(%q) = %v, want nil", id, err)
		}
	}
	if got := mustKey(t, s, k.ID); !got.RevokedAt.IsZero() || !got.LastUsedAt.IsZero() {
		t.Errorf("RevokeKey or TouchKey of other ids changed %s: %+v", k.ID, got)
	}
}

func testRevokeKeepsFirstTime(t *testing.T, s auth.KeyStore) {
	ctx := context.Background()
	k, _ := newKey(t, "k", "alice", auth.ScopeRead, T0, 0)
	other, _ := newKey(t, "other", "alice", auth.ScopeRead, T0, 0)
	mustCreateKey(t, s, k)
	mustCreateKey(t, s, other)
	first := T0.Add(time.Hour)
	if err := s.RevokeKey(ctx, k.ID, first); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{T0.Add(2 * time.Hour), T0.Add(time.Minute)} {
		if err := s.RevokeKey(ctx, k.ID, at); err != nil {
			t.Fatalf("second RevokeKey = %v, want nil", err)
		}
	}
	if got := mustKey(t, s, k.ID).RevokedAt; !got.Equal(memory.TimeMS(first)) {
		t.Errorf("RevokedAt = %v, want the first revocation %v", got, memory.TimeMS(first))
	}
	if got := mustKey(t, s, other.ID); !got.RevokedAt.IsZero() {
		t.Errorf("revoking %s revoked %s too", k.ID, other.ID)
	}
}

func testTouchKey(t *testing.T, s auth.KeyStore) {
	ctx := context.Background()
	k, _ := newKey(t, "k", "alice", auth.ScopeRead, T0, 0)
	other, _ := newKey(t, "other", "alice", auth.ScopeRead, T0, 0)
	mustCreateKey(t, s, k)
	mustCreateKey(t, s, other)
	for _, at := range []time.Time{T0.Add(time.Minute + 7*time.Microsecond), T0.Add(time.Hour + 5*time.Millisecond)} {
		if err := s.TouchKey(ctx, k.ID, at); err != nil {
			t.Fatal(err)
		}
		if got := mustKey(t, s, k.ID).LastUsedAt; !got.Equal(memory.TimeMS(at)) {
			t.Errorf("LastUsedAt = %v, want %v", got, memory.TimeMS(at))
		}
	}
	if got := mustKey(t, s, other.ID).LastUsedAt; !got.IsZero() {
		t.Errorf("touching %s set LastUsedAt of %s to %v", k.ID, other.ID, got)
	}
}

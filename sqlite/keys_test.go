package sqlite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/sqlite"
)

// keyT0 has sub-millisecond digits so that tests see the truncation.
var keyT0 = time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)

func newKey(t *testing.T, name, owner, scope string, now time.Time, ttl time.Duration) (auth.Key, string) {
	t.Helper()
	k, secret, err := auth.NewKey(name, owner, scope, now, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return k, secret
}

func mustCreateKey(t *testing.T, s *sqlite.Store, k auth.Key) {
	t.Helper()
	if err := s.CreateKey(context.Background(), k); err != nil {
		t.Fatalf("CreateKey(%s) = %v", k.ID, err)
	}
}

func mustKey(t *testing.T, s *sqlite.Store, id string) auth.Key {
	t.Helper()
	k, err := s.Key(context.Background(), id)
	if err != nil {
		t.Fatalf("Key(%s) = %v", id, err)
	}
	return k
}

func mustKeys(t *testing.T, s *sqlite.Store) []auth.Key {
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
		if !f.got.Equal(f.want) || f.got.IsZero() != f.want.IsZero() {
			t.Errorf("%s: %s = %v, want %v", what, f.name, f.got, f.want)
		}
		if !f.got.IsZero() && f.got.Location() != time.UTC {
			t.Errorf("%s: %s is in %v, want UTC", what, f.name, f.got.Location())
		}
	}
}

func TestKeys_RoundTrip(t *testing.T) {
	s := MustOpenStore(t)
	ctx := context.Background()
	k, _ := newKey(t, "laptop", "alice", auth.ScopeWrite, keyT0, 48*time.Hour)
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
		CreatedAt: keyT0.Add(-time.Hour), ExpiresAt: keyT0.Add(time.Hour + 999*time.Microsecond)}
	mustCreateKey(t, s, raw)
	rawWant := raw
	rawWant.CreatedAt, rawWant.ExpiresAt = memory.TimeMS(raw.CreatedAt), memory.TimeMS(raw.ExpiresAt)
	sameKey(t, "raw key", mustKey(t, s, raw.ID), rawWant)

	// A key without expiry has none after the round trip.
	forever, _ := newKey(t, "forever", "carol", auth.ScopeRead, keyT0.Add(-2*time.Hour), 0)
	mustCreateKey(t, s, forever)
	sameKey(t, "key without expiry", mustKey(t, s, forever.ID), forever)

	// Used and revoked.
	used := keyT0.Add(3*time.Hour + 456789*time.Nanosecond)
	if err := s.TouchKey(ctx, k.ID, used); err != nil {
		t.Fatal(err)
	}
	revoked := keyT0.Add(5*time.Hour + 987654321*time.Nanosecond)
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

func TestKeys_NewestFirst(t *testing.T) {
	s := MustOpenStore(t)
	a, _ := newKey(t, "a", "alice", auth.ScopeRead, keyT0, 0)
	b, _ := newKey(t, "b", "alice", auth.ScopeRead, keyT0.Add(time.Second), 0)
	c, _ := newKey(t, "c", "bob", auth.ScopeRead, keyT0.Add(2*time.Second), 0)
	d, _ := newKey(t, "d", "bob", auth.ScopeRead, keyT0.Add(time.Millisecond), 0)
	for _, k := range []auth.Key{b, c, a, d} {
		mustCreateKey(t, s, k)
	}
	if got, want := keyIDs(mustKeys(t, s)), []string{c.ID, b.ID, d.ID, a.ID}; !slices.Equal(got, want) {
		t.Fatalf("Keys() = %v, want %v", got, want)
	}
	empty := MustOpenStore(t)
	if keys := mustKeys(t, empty); keys == nil || len(keys) != 0 {
		t.Fatalf("Keys() on an empty store = %#v, want an empty non-nil list", keys)
	}
}

func TestKeys_DuplicateID(t *testing.T) {
	s := MustOpenStore(t)
	k, _ := newKey(t, "first", "alice", auth.ScopeRead, keyT0, 0)
	mustCreateKey(t, s, k)
	dup, _ := newKey(t, "second", "bob", auth.ScopeAdmin, keyT0.Add(time.Hour), 0)
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

func TestKeys_InvalidKeyStoresNothing(t *testing.T) {
	s := MustOpenStore(t)
	valid, _ := newKey(t, "valid", "alice", auth.ScopeRead, keyT0, 0)
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

func TestKeys_NotFound(t *testing.T) {
	s := MustOpenStore(t)
	ctx := context.Background()
	k, _ := newKey(t, "k", "alice", auth.ScopeRead, keyT0, 0)
	mustCreateKey(t, s, k)
	for _, id := range []string{"000000000000", "", k.ID[:11], k.ID + "0"} {
		if _, err := s.Key(ctx, id); memory.ErrorCode(err) != memory.ENotFound {
			t.Errorf("Key(%q) = %v, want ENotFound", id, err)
		}
		if err := s.RevokeKey(ctx, id, keyT0); memory.ErrorCode(err) != memory.ENotFound {
			t.Errorf("RevokeKey(%q) = %v, want ENotFound", id, err)
		}
	}
	if got := mustKey(t, s, k.ID); !got.RevokedAt.IsZero() {
		t.Errorf("RevokeKey of other ids revoked %s", k.ID)
	}
}

func TestKeys_RevokeKeepsFirstTime(t *testing.T) {
	s := MustOpenStore(t)
	ctx := context.Background()
	k, _ := newKey(t, "k", "alice", auth.ScopeRead, keyT0, 0)
	other, _ := newKey(t, "other", "alice", auth.ScopeRead, keyT0, 0)
	mustCreateKey(t, s, k)
	mustCreateKey(t, s, other)
	first := keyT0.Add(time.Hour)
	if err := s.RevokeKey(ctx, k.ID, first); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{keyT0.Add(2 * time.Hour), keyT0.Add(time.Minute)} {
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

func TestKeys_TouchKey(t *testing.T) {
	s := MustOpenStore(t)
	ctx := context.Background()
	k, _ := newKey(t, "k", "alice", auth.ScopeRead, keyT0, 0)
	other, _ := newKey(t, "other", "alice", auth.ScopeRead, keyT0, 0)
	mustCreateKey(t, s, k)
	mustCreateKey(t, s, other)
	for _, at := range []time.Time{keyT0.Add(time.Minute + 7*time.Microsecond), keyT0.Add(time.Hour + 5*time.Millisecond)} {
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

// TestKeys_SecretNeverStored writes keys and looks for their secrets in
// the bytes of every database file, while open (WAL) and after Close.
func TestKeys_SecretNeverStored(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.db")
	s := sqlite.New(path)
	if err := s.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close()
		}
	})
	var keys []auth.Key
	var secrets []string
	for i, scope := range []string{auth.ScopeRead, auth.ScopeWrite, auth.ScopeAdmin} {
		k, secret := newKey(t, "key "+scope, "alice", scope, keyT0.Add(time.Duration(i)*time.Second), time.Hour)
		mustCreateKey(t, s, k)
		keys, secrets = append(keys, k), append(secrets, secret)
	}
	if err := s.TouchKey(context.Background(), keys[0].ID, keyT0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		var all []byte
		files, err := filepath.Glob(path + "*")
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no database files (%v)", when, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		for i, secret := range secrets {
			random := secret[len(auth.KeyPrefix)+13:] // the 43 random characters
			if bytes.Contains(all, []byte(secret)) || bytes.Contains(all, []byte(random)) {
				t.Errorf("%s: the secret of key %s is in the database files", when, keys[i].ID)
			}
			// The search works: the hash is there.
			if !bytes.Contains(all, []byte(keys[i].Hash)) {
				t.Errorf("%s: the hash of key %s is not in the database files; the search is broken", when, keys[i].ID)
			}
		}
	}
	check("open")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	check("closed")
}

// TestKeys_SharedFile opens two stores on one file, as the CLI and a
// running daemon do: each sees the other's keys and revocations at once.
func TestKeys_SharedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	cli, daemon := MustOpenStorePath(t, path), MustOpenStorePath(t, path)
	ctx := context.Background()
	daemonAuth := &auth.Authenticator{Keys: daemon, Now: func() time.Time { return keyT0.Add(time.Minute) }}

	k, secret := newKey(t, "shared", "alice", auth.ScopeWrite, keyT0, 0)
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
	if got := mustKey(t, cli, k.ID).LastUsedAt; !got.Equal(memory.TimeMS(keyT0.Add(time.Minute))) {
		t.Errorf("CLI sees LastUsedAt %v", got)
	}
	// A revocation by the CLI takes effect on the daemon's next request.
	if err := cli.RevokeKey(ctx, k.ID, keyT0.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if p, err := daemonAuth.Verify(ctx, secret); p != nil || memory.ErrorCode(err) != memory.EUnauthorized {
		t.Fatalf("daemon Verify after CLI revoke = %+v, %v; want EUnauthorized", p, err)
	}
	if daemonAuth.Enabled(ctx) {
		t.Fatal("daemon Enabled() with only a revoked key")
	}
}

// Package oauthtest holds the contract suite of oauth.Store: every
// implementation runs RunStoreTests.
package oauthtest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/oauth"
)

// T0 is the time the suite's records are made at.
var T0 = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

// RunStoreTests runs the oauth.Store contract as subtests. open must return
// a fresh, empty store for each subtest and arrange for it to be closed
// (t.Cleanup).
//
// Beyond the interface's comments, the suite fixes: of concurrent uses of
// one authorization code exactly one sees it unused, and of concurrent
// rotations of one refresh token exactly one succeeds.
func RunStoreTests(t *testing.T, open func(t *testing.T) oauth.Store) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, s oauth.Store)
	}{
		{"Clients", testClients},
		{"CodesSingleUse", testCodesSingleUse},
		{"RefreshRotation", testRefreshRotation},
		{"Purge", testPurge},
		{"ConcurrentUse", testConcurrentUse},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// Client returns a confidential client with the id.
func Client(id string) oauth.Client {
	return oauth.Client{
		ID: id, SecretHash: "hash-" + id, Name: "Client " + id,
		RedirectURIs: []string{"https://app.example/cb", "http://127.0.0.1/cb"},
		GrantTypes:   []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken},
		AuthMethod:   oauth.AuthSecretBasic, ApplicationType: "web", ClientURI: "https://app.example",
		CreatedAt: T0,
	}
}

// Grant returns a grant of the family, for client c1 and user alice, with
// its authorization code.
func Grant(family string) (oauth.Grant, oauth.Code) {
	g := oauth.Grant{Family: family, ClientID: "c1", ClientName: "Client c1", UserID: "alice", Scope: "read write offline_access",
		Resource: "http://127.0.0.1:8000/mcp", CreatedAt: T0, ExpiresAt: T0.Add(time.Hour)}
	c := oauth.Code{Hash: "code-" + family, Family: family, ClientID: "c1", RedirectURI: "https://app.example/cb", Challenge: "ch",
		Scope: g.Scope, Resource: g.Resource, UserID: "alice", CreatedAt: T0, ExpiresAt: T0.Add(10 * time.Minute)}
	return g, c
}

// Refresh returns a refresh token of the family expiring at exp.
func Refresh(hash, family string, exp time.Time) oauth.RefreshToken {
	return oauth.RefreshToken{Hash: hash, Family: family, ClientID: "c1", UserID: "alice", Scope: "read write offline_access",
		Resource: "http://127.0.0.1:8000/mcp", CreatedAt: T0, ExpiresAt: exp}
}

func testClients(t *testing.T, s oauth.Store) {
	ctx := context.Background()
	c := Client("c1")
	if err := s.CreateOAuthClient(ctx, c); err != nil {
		t.Fatalf("CreateOAuthClient()=%v", err)
	}
	if err := s.CreateOAuthClient(ctx, c); memory.ErrorCode(err) != memory.EConflict {
		t.Errorf("CreateOAuthClient(again)=%v, want EConflict", err)
	}
	got, err := s.OAuthClient(ctx, "c1")
	if err != nil {
		t.Fatalf("OAuthClient()=%v", err)
	}
	if got.ID != c.ID || got.SecretHash != c.SecretHash || got.Name != c.Name || !slices.Equal(got.RedirectURIs, c.RedirectURIs) ||
		!slices.Equal(got.GrantTypes, c.GrantTypes) || got.AuthMethod != c.AuthMethod || got.ApplicationType != c.ApplicationType ||
		got.ClientURI != c.ClientURI || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("OAuthClient()=%+v, want %+v", got, c)
	}
	if _, err := s.OAuthClient(ctx, "nope"); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("OAuthClient(unknown)=%v, want ENotFound", err)
	}
	c.RedirectURIs = append(c.RedirectURIs, "https://other.example/cb")
	if err := s.UpdateOAuthClient(ctx, c); err != nil {
		t.Fatalf("UpdateOAuthClient()=%v", err)
	}
	if got, _ := s.OAuthClient(ctx, "c1"); !slices.Equal(got.RedirectURIs, c.RedirectURIs) {
		t.Errorf("RedirectURIs after update=%v, want %v", got.RedirectURIs, c.RedirectURIs)
	}
	if err := s.UpdateOAuthClient(ctx, Client("nope")); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("UpdateOAuthClient(unknown)=%v, want ENotFound", err)
	}
	pub := Client("pub")
	pub.AuthMethod = oauth.AuthNone // a public client with a secret hash
	if err := s.CreateOAuthClient(ctx, pub); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("CreateOAuthClient(public with secret)=%v, want EInvalid", err)
	}
	pub.SecretHash = ""
	if err := s.CreateOAuthClient(ctx, pub); err != nil {
		t.Fatalf("CreateOAuthClient(public)=%v", err)
	}
	if got, err := s.OAuthClient(ctx, "pub"); err != nil || !got.Public() || got.SecretHash != "" {
		t.Errorf("OAuthClient(public)=%+v, %v", got, err)
	}
}

func testCodesSingleUse(t *testing.T, s oauth.Store) {
	ctx := context.Background()
	g, c := Grant("f1")
	if err := s.CreateOAuthGrant(ctx, g, c); err != nil {
		t.Fatalf("CreateOAuthGrant()=%v", err)
	}
	if err := s.CreateOAuthGrant(ctx, g, c); memory.ErrorCode(err) != memory.EConflict {
		t.Errorf("CreateOAuthGrant(again)=%v, want EConflict", err)
	}
	first, err := s.UseOAuthCode(ctx, c.Hash, T0.Add(time.Minute))
	if err != nil || !first.UsedAt.IsZero() || first.Family != "f1" || first.Challenge != "ch" || first.RedirectURI != c.RedirectURI {
		t.Fatalf("UseOAuthCode()=%+v, %v; want the unused code", first, err)
	}
	second, err := s.UseOAuthCode(ctx, c.Hash, T0.Add(2*time.Minute))
	if err != nil || !second.UsedAt.Equal(T0.Add(time.Minute)) {
		t.Fatalf("UseOAuthCode(replay)=%+v, %v; want UsedAt of the first use", second, err)
	}
	if _, err := s.UseOAuthCode(ctx, "nope", T0); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("UseOAuthCode(unknown)=%v, want ENotFound", err)
	}
	got, err := s.OAuthGrant(ctx, "f1")
	if err != nil || got.UserID != "alice" || got.ClientName != "Client c1" || !got.RevokedAt.IsZero() ||
		!got.CreatedAt.Equal(T0) || !got.ExpiresAt.Equal(g.ExpiresAt) {
		t.Fatalf("OAuthGrant()=%+v, %v", got, err)
	}
	if err := s.RevokeOAuthGrant(ctx, "f1", T0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeOAuthGrant(ctx, "f1", T0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.OAuthGrant(ctx, "f1"); !got.RevokedAt.Equal(T0.Add(3 * time.Minute)) {
		t.Errorf("RevokedAt=%v, want the first revocation", got.RevokedAt)
	}
	if err := s.RevokeOAuthGrant(ctx, "nope", T0); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("RevokeOAuthGrant(unknown)=%v, want ENotFound", err)
	}
}

func testRefreshRotation(t *testing.T, s oauth.Store) {
	ctx := context.Background()
	g, c := Grant("f1")
	if err := s.CreateOAuthGrant(ctx, g, c); err != nil {
		t.Fatal(err)
	}
	exp := T0.Add(30 * 24 * time.Hour)
	if err := s.CreateOAuthRefresh(ctx, Refresh("r1", "f1", exp)); err != nil {
		t.Fatalf("CreateOAuthRefresh()=%v", err)
	}
	if got, _ := s.OAuthGrant(ctx, "f1"); !got.ExpiresAt.Equal(exp) {
		t.Errorf("grant ExpiresAt=%v, want extended to %v", got.ExpiresAt, exp)
	}
	if err := s.CreateOAuthRefresh(ctx, Refresh("rx", "nope", exp)); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("CreateOAuthRefresh(unknown grant)=%v, want ENotFound", err)
	}
	exp2 := exp.Add(time.Hour)
	if err := s.RotateOAuthRefresh(ctx, "r1", Refresh("r2", "f1", exp2), T0.Add(time.Minute)); err != nil {
		t.Fatalf("RotateOAuthRefresh()=%v", err)
	}
	r1, err := s.OAuthRefresh(ctx, "r1")
	if err != nil || !r1.UsedAt.Equal(T0.Add(time.Minute)) {
		t.Errorf("OAuthRefresh(r1)=%+v, %v; want used", r1, err)
	}
	if r2, err := s.OAuthRefresh(ctx, "r2"); err != nil || !r2.UsedAt.IsZero() || r2.Scope != "read write offline_access" || !r2.ExpiresAt.Equal(exp2) {
		t.Errorf("OAuthRefresh(r2)=%+v, %v; want unused", r2, err)
	}
	if got, _ := s.OAuthGrant(ctx, "f1"); !got.ExpiresAt.Equal(exp2) {
		t.Errorf("grant ExpiresAt=%v after rotation, want %v", got.ExpiresAt, exp2)
	}
	if err := s.RotateOAuthRefresh(ctx, "r1", Refresh("r3", "f1", exp2), T0.Add(2*time.Minute)); memory.ErrorCode(err) != memory.EConflict {
		t.Errorf("RotateOAuthRefresh(used)=%v, want EConflict", err)
	}
	if _, err := s.OAuthRefresh(ctx, "r3"); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("a refused rotation stored its new token: %v", err)
	}
	if err := s.RotateOAuthRefresh(ctx, "nope", Refresh("r4", "f1", exp2), T0); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("RotateOAuthRefresh(unknown)=%v, want ENotFound", err)
	}
	if err := s.RotateOAuthRefresh(ctx, "r2", Refresh("r5", "other", exp2), T0); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("RotateOAuthRefresh(other family)=%v, want EInvalid", err)
	}
	if err := s.RevokeOAuthGrant(ctx, "f1", T0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RotateOAuthRefresh(ctx, "r2", Refresh("r6", "f1", exp2), T0.Add(4*time.Minute)); memory.ErrorCode(err) != memory.EConflict {
		t.Errorf("RotateOAuthRefresh(revoked grant)=%v, want EConflict", err)
	}
}

func testPurge(t *testing.T, s oauth.Store) {
	ctx := context.Background()
	g1, c1 := Grant("old")
	g2, c2 := Grant("live")
	g2.ExpiresAt = T0.Add(48 * time.Hour)
	for _, p := range []struct {
		g oauth.Grant
		c oauth.Code
	}{{g1, c1}, {g2, c2}} {
		if err := s.CreateOAuthGrant(ctx, p.g, p.c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateOAuthRefresh(ctx, Refresh("short", "live", T0.Add(2*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOAuthRefresh(ctx, Refresh("long", "live", T0.Add(40*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := s.PurgeOAuth(ctx, T0.Add(3*time.Hour)); err != nil {
		t.Fatalf("PurgeOAuth()=%v", err)
	}
	if _, err := s.OAuthGrant(ctx, "old"); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("expired grant kept: %v", err)
	}
	if _, err := s.UseOAuthCode(ctx, c1.Hash, T0); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("code of an expired grant kept: %v", err)
	}
	if _, err := s.OAuthGrant(ctx, "live"); err != nil {
		t.Errorf("live grant purged: %v", err)
	}
	if _, err := s.OAuthRefresh(ctx, "short"); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("expired refresh token kept: %v", err)
	}
	if _, err := s.OAuthRefresh(ctx, "long"); err != nil {
		t.Errorf("live refresh token purged: %v", err)
	}
	// The live grant's code expired 3 hours before now; codes are kept a
	// day after they expire, so that a late replay is still recognised.
	if _, err := s.UseOAuthCode(ctx, c2.Hash, T0); err != nil {
		t.Errorf("code expired less than a day ago purged: %v", err)
	}
}

// testConcurrentUse presents one code and one refresh token from several
// goroutines at once, as several daemons on one database may.
func testConcurrentUse(t *testing.T, s oauth.Store) {
	ctx := context.Background()
	g, c := Grant("f1")
	if err := s.CreateOAuthGrant(ctx, g, c); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOAuthRefresh(ctx, Refresh("r0", "f1", T0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		unused, rotated int
		errs            []error
	)
	for i := range n {
		wg.Go(func() {
			code, err := s.UseOAuthCode(ctx, c.Hash, T0.Add(time.Duration(i+1)*time.Second))
			rerr := s.RotateOAuthRefresh(ctx, "r0", Refresh("r"+string(rune('a'+i)), "f1", T0.Add(2*time.Hour)), T0.Add(time.Minute))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case code.UsedAt.IsZero():
				unused++
			}
			switch memory.ErrorCode(rerr) {
			case "":
				rotated++
			case memory.EConflict:
			default:
				errs = append(errs, rerr)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("concurrent use: %v", err)
	}
	if unused != 1 || rotated != 1 {
		t.Errorf("of %d concurrent uses, %d saw the code unused and %d rotated the token; want 1 and 1", n, unused, rotated)
	}
}

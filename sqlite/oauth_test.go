package sqlite_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/oauth"
)

var oauthT0 = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

func testClient(id string) oauth.Client {
	return oauth.Client{
		ID: id, SecretHash: "hash-" + id, Name: "Client " + id,
		RedirectURIs: []string{"https://app.example/cb", "http://127.0.0.1/cb"},
		GrantTypes:   []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken},
		AuthMethod:   oauth.AuthSecretBasic, ApplicationType: "web", ClientURI: "https://app.example",
		CreatedAt: oauthT0,
	}
}

func testGrant(family string) (oauth.Grant, oauth.Code) {
	g := oauth.Grant{Family: family, ClientID: "c1", ClientName: "Client c1", UserID: "alice", Scope: "read write offline_access",
		Resource: "http://127.0.0.1:8000/mcp", CreatedAt: oauthT0, ExpiresAt: oauthT0.Add(time.Hour)}
	c := oauth.Code{Hash: "code-" + family, Family: family, ClientID: "c1", RedirectURI: "https://app.example/cb", Challenge: "ch",
		Scope: g.Scope, Resource: g.Resource, UserID: "alice", CreatedAt: oauthT0, ExpiresAt: oauthT0.Add(10 * time.Minute)}
	return g, c
}

func testRefresh(hash, family string, exp time.Time) oauth.RefreshToken {
	return oauth.RefreshToken{Hash: hash, Family: family, ClientID: "c1", UserID: "alice", Scope: "read write offline_access",
		Resource: "http://127.0.0.1:8000/mcp", CreatedAt: oauthT0, ExpiresAt: exp}
}

func TestOAuthClients(t *testing.T) {
	s := MustOpenStore(t)
	ctx := context.Background()
	c := testClient("c1")
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
	if got, _ := s.OAuthClient(ctx, "c1"); len(got.RedirectURIs) != 3 {
		t.Errorf("RedirectURIs after update=%v, want 3", got.RedirectURIs)
	}
	if err := s.UpdateOAuthClient(ctx, testClient("nope")); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("UpdateOAuthClient(unknown)=%v, want ENotFound", err)
	}
	pub := testClient("pub")
	pub.AuthMethod = oauth.AuthNone // a public client with a secret hash
	if err := s.CreateOAuthClient(ctx, pub); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("CreateOAuthClient(public with secret)=%v, want EInvalid", err)
	}
}

func TestOAuthCodes_SingleUse(t *testing.T) {
	s := MustOpenStore(t)
	ctx := context.Background()
	g, c := testGrant("f1")
	if err := s.CreateOAuthGrant(ctx, g, c); err != nil {
		t.Fatalf("CreateOAuthGrant()=%v", err)
	}
	if err := s.CreateOAuthGrant(ctx, g, c); memory.ErrorCode(err) != memory.EConflict {
		t.Errorf("CreateOAuthGrant(again)=%v, want EConflict", err)
	}
	first, err := s.UseOAuthCode(ctx, c.Hash, oauthT0.Add(time.Minute))
	if err != nil || !first.UsedAt.IsZero() || first.Family != "f1" || first.Challenge != "ch" || first.RedirectURI != c.RedirectURI {
		t.Fatalf("UseOAuthCode()=%+v, %v; want the unused code", first, err)
	}
	second, err := s.UseOAuthCode(ctx, c.Hash, oauthT0.Add(2*time.Minute))
	if err != nil || !second.UsedAt.Equal(oauthT0.Add(time.Minute)) {
		t.Fatalf("UseOAuthCode(replay)=%+v, %v; want UsedAt of the first use", second, err)
	}
	if _, err := s.UseOAuthCode(ctx, "nope", oauthT0); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("UseOAuthCode(unknown)=%v, want ENotFound", err)
	}
	got, err := s.OAuthGrant(ctx, "f1")
	if err != nil || got.UserID != "alice" || got.ClientName != "Client c1" || !got.RevokedAt.IsZero() {
		t.Fatalf("OAuthGrant()=%+v, %v", got, err)
	}
	if err := s.RevokeOAuthGrant(ctx, "f1", oauthT0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeOAuthGrant(ctx, "f1", oauthT0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.OAuthGrant(ctx, "f1"); !got.RevokedAt.Equal(oauthT0.Add(3 * time.Minute)) {
		t.Errorf("RevokedAt=%v, want the first revocation", got.RevokedAt)
	}
	if err := s.RevokeOAuthGrant(ctx, "nope", oauthT0); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("RevokeOAuthGrant(unknown)=%v, want ENotFound", err)
	}
}

func TestOAuthRefresh_Rotation(t *testing.T) {
	s := MustOpenStore(t)
	ctx := context.Background()
	g, c := testGrant("f1")
	if err := s.CreateOAuthGrant(ctx, g, c); err != nil {
		t.Fatal(err)
	}
	exp := oauthT0.Add(30 * 24 * time.Hour)
	if err := s.CreateOAuthRefresh(ctx, testRefresh("r1", "f1", exp)); err != nil {
		t.Fatalf("CreateOAuthRefresh()=%v", err)
	}
	if got, _ := s.OAuthGrant(ctx, "f1"); !got.ExpiresAt.Equal(exp) {
		t.Errorf("grant ExpiresAt=%v, want extended to %v", got.ExpiresAt, exp)
	}
	if err := s.CreateOAuthRefresh(ctx, testRefresh("rx", "nope", exp)); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("CreateOAuthRefresh(unknown grant)=%v, want ENotFound", err)
	}
	exp2 := exp.Add(time.Hour)
	if err := s.RotateOAuthRefresh(ctx, "r1", testRefresh("r2", "f1", exp2), oauthT0.Add(time.Minute)); err != nil {
		t.Fatalf("RotateOAuthRefresh()=%v", err)
	}
	r1, err := s.OAuthRefresh(ctx, "r1")
	if err != nil || !r1.UsedAt.Equal(oauthT0.Add(time.Minute)) {
		t.Errorf("OAuthRefresh(r1)=%+v, %v; want used", r1, err)
	}
	if r2, err := s.OAuthRefresh(ctx, "r2"); err != nil || !r2.UsedAt.IsZero() || r2.Scope != "read write offline_access" {
		t.Errorf("OAuthRefresh(r2)=%+v, %v; want unused", r2, err)
	}
	if err := s.RotateOAuthRefresh(ctx, "r1", testRefresh("r3", "f1", exp2), oauthT0.Add(2*time.Minute)); memory.ErrorCode(err) != memory.EConflict {
		t.Errorf("RotateOAuthRefresh(used)=%v, want EConflict", err)
	}
	if _, err := s.OAuthRefresh(ctx, "r3"); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("a refused rotation stored its new token: %v", err)
	}
	if err := s.RotateOAuthRefresh(ctx, "nope", testRefresh("r4", "f1", exp2), oauthT0); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("RotateOAuthRefresh(unknown)=%v, want ENotFound", err)
	}
	if err := s.RotateOAuthRefresh(ctx, "r2", testRefresh("r5", "other", exp2), oauthT0); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("RotateOAuthRefresh(other family)=%v, want EInvalid", err)
	}
	if err := s.RevokeOAuthGrant(ctx, "f1", oauthT0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RotateOAuthRefresh(ctx, "r2", testRefresh("r6", "f1", exp2), oauthT0.Add(4*time.Minute)); memory.ErrorCode(err) != memory.EConflict {
		t.Errorf("RotateOAuthRefresh(revoked grant)=%v, want EConflict", err)
	}
}

func TestOAuthPurge(t *testing.T) {
	s := MustOpenStore(t)
	ctx := context.Background()
	g1, c1 := testGrant("old")
	g2, c2 := testGrant("live")
	g2.ExpiresAt = oauthT0.Add(48 * time.Hour)
	for _, p := range []struct {
		g oauth.Grant
		c oauth.Code
	}{{g1, c1}, {g2, c2}} {
		if err := s.CreateOAuthGrant(ctx, p.g, p.c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateOAuthRefresh(ctx, testRefresh("short", "live", oauthT0.Add(2*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOAuthRefresh(ctx, testRefresh("long", "live", oauthT0.Add(40*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := s.PurgeOAuth(ctx, oauthT0.Add(3*time.Hour)); err != nil {
		t.Fatalf("PurgeOAuth()=%v", err)
	}
	if _, err := s.OAuthGrant(ctx, "old"); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("expired grant kept: %v", err)
	}
	if _, err := s.UseOAuthCode(ctx, c1.Hash, oauthT0); memory.ErrorCode(err) != memory.ENotFound {
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
}

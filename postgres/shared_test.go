package postgres_test

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/mcp-memory-go/memory/oauth"
)

// alternate is an oauth.Store that sends each call to the next of two
// stores in turn.
type alternate struct {
	stores [2]oauth.Store
	n      atomic.Uint64
}

func (a *alternate) next() oauth.Store { return a.stores[a.n.Add(1)%2] }

func (a *alternate) CreateOAuthClient(ctx context.Context, c oauth.Client) error {
	return a.next().CreateOAuthClient(ctx, c)
}

func (a *alternate) OAuthClient(ctx context.Context, id string) (oauth.Client, error) {
	return a.next().OAuthClient(ctx, id)
}

func (a *alternate) UpdateOAuthClient(ctx context.Context, c oauth.Client) error {
	return a.next().UpdateOAuthClient(ctx, c)
}

func (a *alternate) CreateOAuthGrant(ctx context.Context, g oauth.Grant, c oauth.Code) error {
	return a.next().CreateOAuthGrant(ctx, g, c)
}

func (a *alternate) OAuthGrant(ctx context.Context, family string) (oauth.Grant, error) {
	return a.next().OAuthGrant(ctx, family)
}

func (a *alternate) RevokeOAuthGrant(ctx context.Context, family string, at time.Time) error {
	return a.next().RevokeOAuthGrant(ctx, family, at)
}

func (a *alternate) UseOAuthCode(ctx context.Context, hash string, at time.Time) (oauth.Code, error) {
	return a.next().UseOAuthCode(ctx, hash, at)
}

func (a *alternate) CreateOAuthRefresh(ctx context.Context, t oauth.RefreshToken) error {
	return a.next().CreateOAuthRefresh(ctx, t)
}

func (a *alternate) OAuthRefresh(ctx context.Context, hash string) (oauth.RefreshToken, error) {
	return a.next().OAuthRefresh(ctx, hash)
}

func (a *alternate) RotateOAuthRefresh(ctx context.Context, oldHash string, next oauth.RefreshToken, at time.Time) error {
	return a.next().RotateOAuthRefresh(ctx, oldHash, next, at)
}

func (a *alternate) PurgeOAuth(ctx context.Context, now time.Time) error {
	return a.next().PurgeOAuth(ctx, now)
}

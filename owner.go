package memory

import "context"

// LocalOwner owns every memory in single-user mode (stdio, or HTTP without
// user accounts).
const LocalOwner = "local"

type ownerKey struct{}

// WithOwner returns a context whose operations act on owner's memories.
// Transports set it after authentication; the service never crosses owners.
func WithOwner(ctx context.Context, owner string) context.Context {
	return context.WithValue(ctx, ownerKey{}, owner)
}

// OwnerFrom returns the owner set by WithOwner, or LocalOwner.
func OwnerFrom(ctx context.Context) string {
	if o, ok := ctx.Value(ownerKey{}).(string); ok && o != "" {
		return o
	}
	return LocalOwner
}

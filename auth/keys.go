package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mcp-memory-go/memory"
)

// KeyPrefix starts every API key, so that secret scanners and people can
// recognise one.
const KeyPrefix = "mms_"

// Key is a stored API key. The secret itself is never stored: Hash is the
// SHA-256 of the whole key (keys carry 256 random bits, so a fast hash is
// as good as a slow one).
type Key struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Owner      string    `json:"owner"`
	Scope      string    `json:"scope"`
	Hash       string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// Active reports whether k may be used at time now.
func (k *Key) Active(now time.Time) bool {
	return k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt))
}

// KeyStore persists API keys. Implementations: sqlite.Store.
type KeyStore interface {
	// CreateKey stores k; EConflict if its ID exists.
	CreateKey(ctx context.Context, k Key) error
	// Key returns the key with the id (revoked or not), or ENotFound.
	Key(ctx context.Context, id string) (Key, error)
	// Keys lists every key, newest first.
	Keys(ctx context.Context) ([]Key, error)
	// RevokeKey marks the key revoked at the time; ENotFound if unknown.
	RevokeKey(ctx context.Context, id string, at time.Time) error
	// TouchKey records that the key was used at the time.
	TouchKey(ctx context.Context, id string, at time.Time) error
}

// NewKey makes a key for owner with scope and returns it with its secret,
// which is shown once and never stored.
func NewKey(name, owner, scope string, now time.Time, ttl time.Duration) (Key, string, error) {
	if !ValidScope(scope) {
		return Key{}, "", memory.Errorf(memory.EInvalid, "scope must be one of read, write, admin; got %q", scope)
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsFunc(name, unicode.IsControl) {
		return Key{}, "", memory.Errorf(memory.EInvalid, "a key needs a name of 1 to 100 characters on one line")
	}
	if ttl < 0 {
		return Key{}, "", memory.Errorf(memory.EInvalid, "expiry must be in the future")
	}
	id := make([]byte, 6)
	secret := make([]byte, 32)
	rand.Read(id)
	rand.Read(secret)
	k := Key{ID: hex.EncodeToString(id), Name: name, Owner: owner, Scope: scope, CreatedAt: memory.TimeMS(now)}
	if ttl > 0 {
		k.ExpiresAt = memory.TimeMS(now.Add(ttl))
	}
	plain := KeyPrefix + k.ID + "_" + base64.RawURLEncoding.EncodeToString(secret)
	k.Hash = HashSecret(plain)
	return k, plain, nil
}

// HashSecret returns the stored form of a key or any other secret.
func HashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// parseKeyID returns the id inside a key of our format.
func parseKeyID(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, KeyPrefix)
	if !ok {
		return "", false
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 12 || len(secret) != 43 {
		return "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", false
	}
	return id, true
}

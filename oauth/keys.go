package oauth

// Signing keys: ES256 (P-256) keys kept in a JSON file of mode 0600, the
// current one first, retired ones kept for verification until every token
// they signed has expired.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// signingKey is one ES256 key.
type signingKey struct {
	id        string // RFC 7638 thumbprint of the public key
	priv      *ecdsa.PrivateKey
	createdAt time.Time
	retiredAt time.Time // zero for the current key
}

// keyFileJSON is the key file: {"keys":[{kid, private_key, created_at,
// retired_at}]}, private_key being base64 PKCS#8 DER.
type keyFileJSON struct {
	Keys []keyJSON `json:"keys"`
}

type keyJSON struct {
	ID         string    `json:"kid"`
	PrivateKey string    `json:"private_key"`
	CreatedAt  time.Time `json:"created_at"`
	RetiredAt  time.Time `json:"retired_at,omitzero"`
}

// keySet holds the signing keys; the current key is keys[0].
type keySet struct {
	path string        // "" keeps the keys in memory only
	keep time.Duration // how long a retired key still verifies

	mu   sync.RWMutex
	keys []*signingKey
}

func newSigningKey(now time.Time) (*signingKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	id, err := thumbprint(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	return &signingKey{id: id, priv: priv, createdAt: now.UTC().Truncate(time.Second)}, nil
}

// jwk is the public JSON Web Key of a P-256 key.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
}

func publicJWK(pub *ecdsa.PublicKey) (jwk, error) {
	b, err := pub.Bytes() // 0x04 || X || Y
	if err != nil || len(b) != 65 {
		return jwk{}, fmt.Errorf("signing key is not an uncompressed P-256 point: %v", err)
	}
	enc := base64.RawURLEncoding
	return jwk{Kty: "EC", Crv: "P-256", X: enc.EncodeToString(b[1:33]), Y: enc.EncodeToString(b[33:])}, nil
}

// thumbprint returns the RFC 7638 JWK thumbprint, the key's kid.
func thumbprint(pub *ecdsa.PublicKey) (string, error) {
	k, err := publicJWK(pub)
	if err != nil {
		return "", err
	}
	// The required members in lexicographic order, no whitespace.
	h := sha256.Sum256(fmt.Appendf(nil, `{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, k.X, k.Y))
	return base64.RawURLEncoding.EncodeToString(h[:]), nil
}

// load reads the key file, creating it with a new key when it does not
// exist, dropping keys retired for longer than keep and adding a current
// key when there is none. A file other users can read or write is
// refused.
func (ks *keySet) load(now time.Time) error {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	changed := false
	if ks.path != "" {
		keys, err := readKeyFile(ks.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			changed = true
		case err != nil:
			return err
		}
		ks.keys = keys
	}
	if ks.prune(now) {
		changed = true
	}
	if len(ks.keys) == 0 || !ks.keys[0].retiredAt.IsZero() {
		k, err := newSigningKey(now)
		if err != nil {
			return err
		}
		ks.keys = append([]*signingKey{k}, ks.keys...)
		changed = true
	}
	if changed {
		return ks.save()
	}
	return nil
}

// prune drops retired keys that no longer verify anything. ks.mu is held.
func (ks *keySet) prune(now time.Time) bool {
	n := len(ks.keys)
	kept := ks.keys[:0]
	for _, k := range ks.keys {
		if k.retiredAt.IsZero() || now.Before(k.retiredAt.Add(ks.keep)) {
			kept = append(kept, k)
		}
	}
	ks.keys = kept
	return len(kept) != n
}

// rotate makes a new current key; the old one verifies for ks.keep more.
func (ks *keySet) rotate(now time.Time) error {
	k, err := newSigningKey(now)
	if err != nil {
		return err
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	old := ks.keys
	keys := make([]*signingKey, 0, len(old)+1)
	keys = append(keys, k)
	for _, o := range old {
		c := *o
		if c.retiredAt.IsZero() {
			c.retiredAt = now.UTC().Truncate(time.Second)
		}
		keys = append(keys, &c)
	}
	ks.keys = keys
	ks.prune(now)
	if err := ks.save(); err != nil {
		ks.keys = old
		return err
	}
	return nil
}

// current returns the signing key.
func (ks *keySet) current() *signingKey {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return ks.keys[0]
}

// verifier returns the public key with the kid if it still verifies at
// now.
func (ks *keySet) verifier(kid string, now time.Time) *ecdsa.PublicKey {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	for _, k := range ks.keys {
		if k.id == kid && (k.retiredAt.IsZero() || now.Before(k.retiredAt.Add(ks.keep))) {
			return &k.priv.PublicKey
		}
	}
	return nil
}

// jwks returns the public keys that still verify at now.
func (ks *keySet) jwks(now time.Time) []jwk {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	out := []jwk{}
	for _, k := range ks.keys {
		if !k.retiredAt.IsZero() && !now.Before(k.retiredAt.Add(ks.keep)) {
			continue
		}
		j, err := publicJWK(&k.priv.PublicKey)
		if err != nil {
			continue
		}
		j.Kid, j.Use, j.Alg = k.id, "sig", "ES256"
		out = append(out, j)
	}
	return out
}

func readKeyFile(path string) ([]*signingKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("signing key file %s is accessible to other users (mode %s): chmod 600 it, or delete it to make new keys (issued tokens then stop working)", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f keyFileJSON
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("signing key file %s: %w", path, err)
	}
	var keys []*signingKey
	for i, e := range f.Keys {
		der, err := base64.StdEncoding.DecodeString(e.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("signing key file %s: key %d: %w", path, i, err)
		}
		parsed, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("signing key file %s: key %d: %w", path, i, err)
		}
		priv, ok := parsed.(*ecdsa.PrivateKey)
		if !ok || priv.Curve != elliptic.P256() {
			return nil, fmt.Errorf("signing key file %s: key %d is not a P-256 ECDSA key", path, i)
		}
		id, err := thumbprint(&priv.PublicKey)
		if err != nil {
			return nil, err
		}
		if e.ID != id {
			return nil, fmt.Errorf("signing key file %s: key %d: kid does not match the key", path, i)
		}
		keys = append(keys, &signingKey{id: id, priv: priv, createdAt: e.CreatedAt, retiredAt: e.RetiredAt})
	}
	// The current key (not retired) goes first.
	for i, k := range keys {
		if k.retiredAt.IsZero() {
			keys[0], keys[i] = keys[i], keys[0]
			break
		}
	}
	return keys, nil
}

// save writes the keys to ks.path through a temporary file of mode 0600
// renamed over it. ks.mu is held.
func (ks *keySet) save() error {
	if ks.path == "" {
		return nil
	}
	var f keyFileJSON
	for _, k := range ks.keys {
		der, err := x509.MarshalPKCS8PrivateKey(k.priv)
		if err != nil {
			return err
		}
		f.Keys = append(f.Keys, keyJSON{ID: k.id, PrivateKey: base64.StdEncoding.EncodeToString(der), CreatedAt: k.createdAt, RetiredAt: k.retiredAt})
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(ks.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write signing keys: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".oauth-keys-*")
	if err != nil {
		return fmt.Errorf("write signing keys: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return fmt.Errorf("write signing keys: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write signing keys: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write signing keys: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write signing keys: %w", err)
	}
	if err := os.Rename(tmp.Name(), ks.path); err != nil {
		return fmt.Errorf("write signing keys: %w", err)
	}
	return nil
}

package oauth

import (
	"crypto/ecdsa"

	"github.com/golang-jwt/jwt/v5"
)

// SignForTest signs claims with the server's current key, with header
// fields added to (or, when nil, removed from) the default ES256 header.
func SignForTest(s *Server, header map[string]any, claims jwt.MapClaims) (string, error) {
	key := s.keys.current()
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["kid"] = key.id
	t.Header["typ"] = accessTokenType
	for k, v := range header {
		if v == nil {
			delete(t.Header, k)
			continue
		}
		t.Header[k] = v
	}
	return t.SignedString(key.priv)
}

// PublicKeyForTest returns the current public key and its kid.
func PublicKeyForTest(s *Server) (*ecdsa.PublicKey, string) {
	key := s.keys.current()
	return &key.priv.PublicKey, key.id
}

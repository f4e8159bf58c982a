package oauth

// Access tokens: ES256 JWTs of type at+jwt (RFC 9068), and their
// verification for the resource server.

import (
	"context"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
)

// accessTokenType is the typ header of access tokens (RFC 9068 §2.1).
const accessTokenType = "at+jwt"

// maxTokenLen bounds a presented access token.
const maxTokenLen = 4096

// claims are the claims of an access token.
type claims struct {
	jwt.RegisteredClaims
	Scope    string `json:"scope"`
	ClientID string `json:"client_id"`
	// Family is the grant the token was issued from (see Grant).
	Family string `json:"fam"`
}

// mint signs an access token for the grant.
func (s *Server) mint(g Grant, clientID string, scope []string, now time.Time) (string, error) {
	now = now.Truncate(time.Second)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   g.UserID,
			Audience:  jwt.ClaimStrings{s.resource},
			ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.AccessTTL)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        randomString(16),
		},
		Scope:    joinScope(scope),
		ClientID: clientID,
		Family:   g.Family,
	}
	key := s.keys.current()
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = key.id
	t.Header["typ"] = accessTokenType
	return t.SignedString(key.priv)
}

// invalidToken is the one error of every refused access token, so that
// callers learn nothing about why.
func invalidToken() error {
	return memory.Errorf(memory.EUnauthorized, "invalid, expired or revoked access token")
}

// parse checks an access token's signature (ES256 only, with a key of
// this server's own set picked by kid; jku, jwk and x5u headers are never
// followed), then exp, nbf, iat (with Leeway), iss and aud.
func (s *Server) parse(token string) (*claims, error) {
	if len(token) > maxTokenLen || strings.Count(token, ".") != 2 {
		return nil, invalidToken()
	}
	now := s.now()
	var c claims
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
		jwt.WithLeeway(Leeway),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithIssuer(s.issuer),
		jwt.WithAudience(s.resource),
		jwt.WithExpirationRequired(),
		jwt.WithNotBeforeRequired(),
		jwt.WithIssuedAt(),
		jwt.WithStrictDecoding(),
	)
	_, err := p.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); !strings.EqualFold(typ, accessTokenType) {
			return nil, invalidToken()
		}
		kid, _ := t.Header["kid"].(string)
		key := s.keys.verifier(kid, now)
		if key == nil {
			return nil, invalidToken()
		}
		return key, nil
	})
	if err != nil {
		return nil, invalidToken()
	}
	if c.Subject == "" || c.Family == "" || c.ClientID == "" || c.ID == "" {
		return nil, invalidToken()
	}
	return &c, nil
}

// Verify resolves an access token to its principal: Owner is the user,
// Scope the most powerful of read, write and admin granted, KeyID
// "oauth:" and the client id, Name the client's name. Beyond parse's
// checks the token's grant must exist and not be revoked and its user
// must be active. Every failure is the same memory.EUnauthorized error.
func (s *Server) Verify(ctx context.Context, token string) (*auth.Principal, error) {
	c, err := s.parse(token)
	if err != nil {
		return nil, err
	}
	scope := highestScope(splitScope(c.Scope))
	if scope == "" {
		return nil, invalidToken()
	}
	g, err := s.cfg.Store.OAuthGrant(ctx, c.Family)
	if err != nil {
		if memory.ErrorCode(err) != memory.ENotFound {
			s.log.Warn("checking an access token's grant failed", "err", err)
		}
		return nil, invalidToken()
	}
	if !g.RevokedAt.IsZero() || g.UserID != c.Subject || g.ClientID != c.ClientID {
		return nil, invalidToken()
	}
	ok, err := s.cfg.Users.Active(ctx, c.Subject)
	if err != nil {
		s.log.Warn("checking an access token's user failed", "err", err)
		return nil, invalidToken()
	}
	if !ok {
		return nil, invalidToken()
	}
	name := g.ClientName
	if name == "" {
		name = c.ClientID
	}
	return &auth.Principal{Owner: c.Subject, Scope: scope, KeyID: "oauth:" + c.ClientID, Name: name}, nil
}

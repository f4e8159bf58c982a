package oauth

// Token revocation (RFC 7009): revoking a refresh or access token revokes
// the whole grant it came from.

import (
	"net/http"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/guard"
	"github.com/mcp-memory-go/memory/httperror"
)

func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.cfg.TokenLimit.Allow(s.clientKey(r)); !ok {
		httperror.Write(w, r, s.log, guard.TooManyRequests(wait))
		return
	}
	f, err := tokenForm(w, r)
	if err != nil {
		writeError(w, err, false)
		return
	}
	c, basic, err := s.authenticateClient(r, f)
	if err != nil {
		writeError(w, s.logged(err), basic)
		return
	}
	token := f.Get("token")
	if token == "" {
		writeError(w, invalidRequest("token is missing"), basic)
		return
	}
	if err := s.revoke(r, c, token); err != nil {
		writeError(w, s.logged(err), basic)
		return
	}
	// RFC 7009 §2.2: unknown, invalid or foreign tokens are answered 200
	// too.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// revoke revokes the grant of a refresh or access token of client c;
// tokens of other clients and unknown tokens are ignored.
func (s *Server) revoke(r *http.Request, c Client, token string) error {
	family := ""
	rt, err := s.cfg.Store.OAuthRefresh(r.Context(), auth.HashSecret(token))
	switch {
	case err == nil:
		if rt.ClientID == c.ID {
			family = rt.Family
		}
	case memory.ErrorCode(err) != memory.ENotFound:
		return err
	default:
		if cl, err := s.parse(token); err == nil && cl.ClientID == c.ID {
			family = cl.Family
		}
	}
	if family == "" {
		return nil
	}
	err = s.cfg.Store.RevokeOAuthGrant(r.Context(), family, s.now())
	if err != nil && memory.ErrorCode(err) != memory.ENotFound {
		return err
	}
	s.log.Info("OAuth grant revoked by its client", "client_id", httperror.Sanitize(c.ID))
	return nil
}

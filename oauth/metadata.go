package oauth

// Discovery documents: authorization server metadata (RFC 8414, also
// served as OpenID discovery), protected resource metadata (RFC 9728) and
// the JSON Web Key Set.

import (
	"net/http"

	"github.com/mcp-memory-go/memory/httperror"
)

// ASMetadata is the authorization server metadata document (RFC 8414).
type ASMetadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RegistrationEndpoint              string   `json:"registration_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	RevocationAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	IssParameterSupported             bool     `json:"authorization_response_iss_parameter_supported"`
	CIMDSupported                     bool     `json:"client_id_metadata_document_supported"`
}

// Metadata returns the authorization server metadata.
func (s *Server) Metadata() ASMetadata {
	methods := []string{AuthNone, AuthSecretBasic, AuthSecretPost}
	return ASMetadata{
		Issuer:                            s.issuer,
		AuthorizationEndpoint:             s.issuer + "/oauth/authorize",
		TokenEndpoint:                     s.issuer + "/oauth/token",
		RegistrationEndpoint:              s.issuer + "/oauth/register",
		RevocationEndpoint:                s.issuer + "/oauth/revoke",
		JWKSURI:                           s.issuer + "/oauth/jwks",
		ScopesSupported:                   Scopes(),
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               []string{GrantAuthorizationCode, GrantRefreshToken},
		TokenEndpointAuthMethodsSupported: methods,
		RevocationAuthMethodsSupported:    methods,
		CodeChallengeMethodsSupported:     []string{"S256"},
		IssParameterSupported:             true,
		CIMDSupported:                     true,
	}
}

// ResourceMetadata is the protected resource metadata document (RFC 9728).
type ResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name"`
}

func (s *Server) serveASMetadata(w http.ResponseWriter, r *http.Request) {
	httperror.WriteJSON(w, http.StatusOK, s.Metadata())
}

func (s *Server) serveResourceMetadata(w http.ResponseWriter, r *http.Request) {
	httperror.WriteJSON(w, http.StatusOK, ResourceMetadata{
		Resource:               s.resource,
		AuthorizationServers:   []string{s.issuer},
		ScopesSupported:        Scopes(),
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "MCP Memory Service",
	})
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	httperror.WriteJSON(w, http.StatusOK, map[string]any{"keys": s.keys.jwks(s.now())})
}

package httpapi

import (
	"net/http"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
)

// KeyList answers GET /api/keys.
type KeyList struct {
	Keys []auth.Key `json:"keys"`
}

// CreateKeyRequest is the body of POST /api/keys.
type CreateKeyRequest struct {
	Name          string `json:"name" jsonschema:"what the key is for"`
	Scope         string `json:"scope" jsonschema:"read, write or admin"`
	ExpiresInDays int    `json:"expires_in_days,omitempty" jsonschema:"lifetime in days; 0 or absent: never expires"`
}

// CreatedKey answers POST /api/keys: the secret is shown this once.
type CreatedKey struct {
	Key    auth.Key `json:"key"`
	Secret string   `json:"secret" jsonschema:"the API key; it is not stored and cannot be shown again"`
}

// RevokedKey answers DELETE /api/keys/{id}.
type RevokedKey struct {
	Success bool   `json:"success"`
	ID      string `json:"id"`
}

func (a *API) keyStore() (auth.KeyStore, error) {
	if a.Auth == nil || a.Auth.Keys == nil {
		return nil, memory.Errorf(memory.EUnavailable, "API keys are not stored on this server")
	}
	return a.Auth.Keys, nil
}

func (a *API) listKeys(r *http.Request) (*KeyList, error) {
	ks, err := a.keyStore()
	if err != nil {
		return nil, err
	}
	keys, err := ks.Keys(r.Context())
	if err != nil {
		return nil, err
	}
	return &KeyList{Keys: keys}, nil
}

// createKey makes a key for the caller's owner.
func (a *API) createKey(r *http.Request, req *CreateKeyRequest) (*CreatedKey, error) {
	ks, err := a.keyStore()
	if err != nil {
		return nil, err
	}
	if req.ExpiresInDays < 0 || req.ExpiresInDays > 3650 {
		return nil, memory.Errorf(memory.EInvalid, "expires_in_days must be between 0 (never) and 3650")
	}
	scope := req.Scope
	if scope == "" {
		scope = auth.ScopeWrite
	}
	k, secret, err := auth.NewKey(req.Name, memory.OwnerFrom(r.Context()), scope, a.now(), time.Duration(req.ExpiresInDays)*24*time.Hour)
	if err != nil {
		return nil, err
	}
	if err := ks.CreateKey(r.Context(), k); err != nil {
		return nil, err
	}
	return &CreatedKey{Key: k, Secret: secret}, nil
}

func (a *API) revokeKey(r *http.Request) (*RevokedKey, error) {
	ks, err := a.keyStore()
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if err := ks.RevokeKey(r.Context(), id, a.now()); err != nil {
		return nil, err
	}
	return &RevokedKey{Success: true, ID: id}, nil
}

// RateRequest is the body of POST /api/quality/memories/{content_hash}/rate.
type RateRequest struct {
	Rating   *int   `json:"rating" jsonschema:"1 useful, 0 neutral, -1 wrong or useless"`
	Feedback string `json:"feedback,omitempty"`
}

// RateResponse answers a rating (upstream's shape).
type RateResponse struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
	memory.RateResult
}

func (a *API) rateMemory(r *http.Request, req *RateRequest) (*RateResponse, error) {
	if req.Rating == nil {
		return nil, memory.Errorf(memory.EInvalid, "rating is required: -1, 0 or 1")
	}
	res, err := a.Service.Rate(r.Context(), r.PathValue("content_hash"), *req.Rating, req.Feedback)
	if err != nil {
		return nil, err
	}
	return &RateResponse{Success: true, Message: "rating recorded", RateResult: res}, nil
}

// Package openai is a memory.Embedder that calls an OpenAI-compatible
// /v1/embeddings endpoint over HTTP, so that embeddings can come from Ollama,
// LM Studio, OpenAI, vLLM, Text Embeddings Inference or any other server that
// speaks the same protocol.
//
// # Configuration
//
// The package reads no environment variables; the caller fills a [Config].
// The upstream Python service's variables map onto it like this:
//
//	MCP_EXTERNAL_EMBEDDING_URL      Config.URL
//	MCP_EXTERNAL_EMBEDDING_MODEL    Config.Model (upstream default "nomic-embed-text", see DefaultModel)
//	MCP_EXTERNAL_EMBEDDING_API_KEY  Config.APIKey (sent as "Authorization: Bearer …")
//
// Config.URL may be the full endpoint ("http://localhost:11434/v1/embeddings")
// or a base URL ("http://localhost:11434", "https://api.openai.com/v1"), in
// which case the missing "/v1/embeddings" or "/embeddings" is appended. A
// query string (Azure's "?api-version=…") is kept. Ollama's native endpoints
// (/api/embed, /api/embeddings) speak a different protocol and are rejected
// with an error that names the right URL.
//
// # Protocol
//
// Each request is
//
//	{"model": "…", "input": ["text", …], "encoding_format": "float"}
//
// and each response must carry exactly one embedding per input:
//
//	{"data": [{"index": 0, "embedding": [0.1, …]}, …], "model": "…", "usage": {…}}
//
// Results are put in order by "index" (some servers reorder them); if no item
// carries an index, the order of "data" is used. A server that ignores
// encoding_format and sends base64 strings (little-endian float32, as OpenAI
// does for encoding_format "base64") is understood too.
//
// A response is rejected with an error wrapping [ErrInvalidResponse] when it
// has the wrong number of items, duplicate or out-of-range indices, empty
// vectors, vectors of mixed lengths, or NaN/Inf values (including the bare
// NaN and Infinity literals that Python's json module writes). A vector whose
// length differs from Config.Dim, or from the length learned from the first
// response, is rejected with an error wrapping [ErrDimensionMismatch] that
// names both lengths: storing it would silently mix incomparable vectors in
// one database.
//
// Every returned vector is L2-normalised here, whatever the server does. An
// all-zero vector stays all zeros.
//
// # Inputs
//
// Texts are sent in batches of Config.BatchSize, one batch after another, and
// the results are concatenated in input order. Many servers reject empty
// strings, so an empty text is sent as a single space; its vector is whatever
// the model makes of a blank input.
//
// # Errors and retries
//
// Network errors, per-request timeouts, 408, 429 and 5xx responses (except 501)
// are retried up to Config.MaxRetries times with exponential backoff and
// jitter; a Retry-After (seconds or HTTP date) or retry-after-ms header
// replaces the backoff, capped at Config.MaxBackoff. Any other status fails at
// once with a [*StatusError] that carries the status, the server's message
// and a hint. Cancelling the context stops everything at once and the error
// wraps ctx.Err(). The API key is never logged or put in an error, and a
// server that echoes it back (a key of 8 bytes or more) has it redacted.
// User info and the query string of the URL never appear either.
//
// # Model identity
//
// Model().Name is "openai:" followed by Config.Model, for example
// "openai:nomic-embed-text". It does not include the URL: the same model
// served by Ollama or by vLLM is meant to produce the same vectors.
package openai

// Package memory is the domain of the MCP memory service: what a memory is,
// the Store and Embedder contracts that backends and models implement, the
// error codes every transport maps, and the Service that holds the logic
// (validation, hashing, deduplication, embedding, ranking and fusion) once.
//
// It imports only the standard library. Backends live in their own packages
// (sqlite, postgres, …), transports in mcpserver and httpapi, and only
// cmd/memory knows which ones are wired together.
package memory

//go:build !onnx

package main

import (
	"errors"

	memory "github.com/mcp-memory-go/memory"
)

// newONNXEmbedder reports that this binary was built without ONNX support.
func newONNXEmbedder(*Config) (memory.Embedder, error) {
	return nil, errors.New("this binary was built without ONNX Runtime support: rebuild with `go build -tags onnx ./cmd/memory` (cgo) or use the built-in model")
}

//go:build onnx

package main

import (
	"errors"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/embed/onnx"
)

// newONNXEmbedder loads a user-supplied sentence-transformer export with
// ONNX Runtime. Texts are cut at 256 tokens, sentence-transformers' limit
// for all-MiniLM-L6-v2, so vectors match upstream's.
func newONNXEmbedder(cfg *Config) (memory.Embedder, error) {
	if cfg.ONNXModelDir == "" {
		return nil, errors.New("MCP_MEMORY_ONNX_MODEL_DIR is not set: point it at a directory holding model.onnx and tokenizer.json")
	}
	return onnx.New(onnx.Config{ModelDir: cfg.ONNXModelDir, MaxTokens: 256})
}

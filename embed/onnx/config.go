//go:build onnx

package onnx

// config.go: the embedder's settings, their defaults, and where the ONNX
// Runtime library and the model files are looked for.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// LibraryEnv names the environment variable holding the path of the ONNX
// Runtime shared library.
const LibraryEnv = "ONNXRUNTIME_LIB"

// Defaults for Config's zero values.
const (
	DefaultBatchSize  = 32
	DefaultMaxThreads = 4 // cap for the default number of intra-op threads
)

// Config says which model to load and how to run it.
type Config struct {
	// ModelDir holds model.onnx (or onnx/model.onnx, the Hugging Face repo
	// layout) and tokenizer.json. Required.
	ModelDir string
	// Name identifies the model in stored vectors. Default "onnx:" plus the
	// base name of ModelDir.
	Name string
	// Library is the path of the ONNX Runtime shared library. Default: the
	// ONNXRUNTIME_LIB environment variable, then the library next to the
	// executable, then the system's search path.
	Library string
	// Threads is ONNX Runtime's intra-op thread count. Default: the number
	// of usable CPUs, at most DefaultMaxThreads.
	Threads int
	// BatchSize is the most texts run through the model at once. Default
	// DefaultBatchSize.
	BatchSize int
	// MaxTokens truncates each text, special tokens included. Default:
	// tokenizer.json's truncation, else wordpiece.DefaultMaxLength (256).
	MaxTokens int
	// Dim, if set, is the expected vector length: Model reports it before
	// loading, and loading fails if the model disagrees.
	Dim int
	// Output names the graph output to read. Default sentence_embedding if
	// the graph has it, else last_hidden_state (mean-pooled).
	Output string
}

// resolved returns c with defaults filled in, or an error for settings
// that can never work.
func (c Config) resolved() (Config, error) {
	if c.ModelDir == "" {
		return c, errors.New("onnx: Config.ModelDir is empty")
	}
	if c.Threads < 0 || c.BatchSize < 0 || c.MaxTokens < 0 || c.Dim < 0 {
		return c, errors.New("onnx: Config.Threads, BatchSize, MaxTokens and Dim must not be negative")
	}
	if abs, err := filepath.Abs(c.ModelDir); err == nil {
		c.ModelDir = abs
	}
	if c.Name == "" {
		c.Name = "onnx:" + filepath.Base(c.ModelDir)
	}
	if c.Threads == 0 {
		c.Threads = min(runtime.GOMAXPROCS(0), DefaultMaxThreads)
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.Library == "" {
		c.Library = findLibrary()
	}
	return c, nil
}

// libraryNames are the ONNX Runtime library's file names on this platform,
// preferred first.
func libraryNames() []string {
	switch runtime.GOOS {
	case "darwin":
		return []string{"libonnxruntime.1.dylib", "libonnxruntime.dylib"}
	case "windows":
		return []string{"onnxruntime.dll"}
	}
	return []string{"libonnxruntime.so.1", "libonnxruntime.so"}
}

// findLibrary picks the library path: $ONNXRUNTIME_LIB, a copy next to the
// executable (or in its lib/ folder), else the bare file name, which dlopen
// looks up in the system's library path.
func findLibrary() string {
	if p := os.Getenv(LibraryEnv); p != "" {
		return p
	}
	names := libraryNames()
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		for _, d := range []string{dir, filepath.Join(dir, "lib")} {
			for _, n := range names {
				if p := filepath.Join(d, n); isFile(p) {
					return p
				}
			}
		}
	}
	return names[0]
}

// isFile reports whether p names an existing regular file (after links).
func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// modelFiles finds model.onnx and tokenizer.json in dir, with errors that
// say what is missing where.
func modelFiles(dir string) (model, tokenizer string, err error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return "", "", fmt.Errorf("onnx: model directory: %w", err)
	}
	if !fi.IsDir() {
		return "", "", fmt.Errorf("onnx: model directory %s is not a directory", dir)
	}
	for _, p := range []string{filepath.Join(dir, "model.onnx"), filepath.Join(dir, "onnx", "model.onnx")} {
		if isFile(p) {
			model = p
			break
		}
	}
	if model == "" {
		return "", "", fmt.Errorf("onnx: no model.onnx in %s (nor in its onnx/ folder): %w", dir, fs.ErrNotExist)
	}
	tokenizer = filepath.Join(dir, "tokenizer.json")
	if !isFile(tokenizer) {
		return "", "", fmt.Errorf("onnx: no tokenizer.json in %s: %w", dir, fs.ErrNotExist)
	}
	return model, tokenizer, nil
}

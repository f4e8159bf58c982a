//go:build onnx

package onnx

// runtime.go shares the process-wide ONNX Runtime environment between
// embedders: onnxruntime_go keeps one global environment and one library
// handle, so it is initialised by the first embedder that loads and
// destroyed when the last one closes.

import (
	"fmt"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// ortEnv counts the embedders using the environment.
var ortEnv struct {
	mu       sync.Mutex
	refs     int
	library  string
	version  string
	external bool // initialised by someone else in the process; never destroyed here
}

// acquireRuntime makes sure the environment is initialised from library
// and returns the runtime's version. Every successful call must be paired
// with releaseRuntime.
func acquireRuntime(library string) (string, error) {
	ortEnv.mu.Lock()
	defer ortEnv.mu.Unlock()
	if ortEnv.refs > 0 {
		if library != ortEnv.library && !ortEnv.external {
			return "", fmt.Errorf("onnx: runtime already loaded from %s, cannot also load %s", ortEnv.library, library)
		}
		ortEnv.refs++
		return ortEnv.version, nil
	}
	ortEnv.external = ort.IsInitialized()
	if !ortEnv.external {
		ort.SetSharedLibraryPath(library)
		if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
			return "", fmt.Errorf("onnx: load runtime library %s (set Config.Library or %s): %w", library, LibraryEnv, err)
		}
	}
	ortEnv.refs = 1
	ortEnv.library = library
	ortEnv.version = ort.GetVersion()
	return ortEnv.version, nil
}

// releaseRuntime drops one reference and destroys the environment (and
// unloads the library) when none is left.
func releaseRuntime() error {
	ortEnv.mu.Lock()
	defer ortEnv.mu.Unlock()
	if ortEnv.refs == 0 {
		return nil
	}
	ortEnv.refs--
	if ortEnv.refs > 0 || ortEnv.external {
		return nil
	}
	if err := ort.DestroyEnvironment(); err != nil {
		return fmt.Errorf("onnx: destroy runtime environment: %w", err)
	}
	return nil
}

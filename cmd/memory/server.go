package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mcp-memory-go/memory/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// cmdServer runs the MCP server over stdio until the client closes stdin.
// Stdout carries only protocol messages; logs go to stderr.
func cmdServer(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var httpMode bool
	a, _, err := setup(ctx, "server", args, stderr, getenv, func(fs *flagSet) {
		fs.BoolVar(&httpMode, "http", false, "run the HTTP daemon (not in this version)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if httpMode {
		return fmt.Errorf("the HTTP daemon (memory server --http) is not available in this version yet; use stdio")
	}
	srv := mcpserver.New(a.svc, mcpserver.Options{
		Version: version, Logger: a.log,
		ListLegacyTools: a.cfg.ListLegacyTools, MaxResponseChars: a.cfg.MaxResponseChars,
		OnInitialized: a.warmUp,
	})
	a.log.Info("serving MCP over stdio", "db", a.cfg.DBPath)
	return srv.Run(ctx, &mcp.IOTransport{Reader: readCloser{stdin}, Writer: writeCloser{stdout}})
}

// warmUp loads the embedding model and the vector index in the background
// once the handshake is done, so the first search does not wait for them.
func (a *app) warmUp(ctx context.Context) {
	a.warm.Do(func() {
		start := time.Now()
		if p, ok := a.svc.Embedder.(interface{ Preload(context.Context) error }); ok {
			if err := p.Preload(ctx); err != nil {
				a.log.Warn("loading the embedding model", "err", err)
			}
		}
		if err := a.store.Preload(ctx); err != nil {
			a.log.Warn("loading the vector index", "err", err)
		}
		a.log.Info("warmed up", "took", time.Since(start))
	})
}

type readCloser struct{ io.Reader }

func (r readCloser) Close() error {
	if c, ok := r.Reader.(io.Closer); ok && r.Reader != os.Stdin {
		return c.Close()
	}
	return nil
}

type writeCloser struct{ io.Writer }

func (w writeCloser) Close() error { return nil }

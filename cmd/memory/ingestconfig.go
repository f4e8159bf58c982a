package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/mcp-memory-go/memory/ingest"
	"github.com/mcp-memory-go/memory/ingest/document"
)

// IngestConfig is the configuration of document ingestion.
type IngestConfig struct {
	ChunkSize    int           // MCP_DOCUMENT_CHUNK_SIZE (100-10000), default 1000
	ChunkOverlap int           // MCP_DOCUMENT_CHUNK_OVERLAP (0-1000), default 200; -1 when set to 0
	MaxFileMB    int           // MCP_DOCUMENT_MAX_FILE_MB (1-1024), default 50
	MaxPages     int           // MCP_DOCUMENT_MAX_PAGES (1-100000), default 2000
	Timeout      time.Duration // MCP_DOCUMENT_TIMEOUT seconds per file (1-3600), default 120
	Roots        string        // MCP_MEMORY_INGEST_ROOTS: directories memory_ingest may read
}

func loadIngestConfig(getenv func(string) string) (*IngestConfig, error) {
	var errs []string
	p := envParser{getenv: getenv, errs: &errs}
	c := &IngestConfig{Roots: strings.TrimSpace(getenv(ingest.RootsVar))}
	c.ChunkSize, _ = p.int("MCP_DOCUMENT_CHUNK_SIZE", ingest.MinChunkSize, ingest.MaxChunkSize)
	if v, ok := p.int("MCP_DOCUMENT_CHUNK_OVERLAP", 0, ingest.MaxChunkOverlap); ok {
		c.ChunkOverlap = v
		if v == 0 {
			c.ChunkOverlap = -1 // set to zero: no overlap
		}
	}
	c.MaxFileMB, _ = p.int("MCP_DOCUMENT_MAX_FILE_MB", 1, 1024)
	c.MaxPages, _ = p.int("MCP_DOCUMENT_MAX_PAGES", 1, 100000)
	if s, ok := p.int("MCP_DOCUMENT_TIMEOUT", 1, 3600); ok {
		c.Timeout = time.Duration(s) * time.Second
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("bad configuration:\n  %s", strings.Join(errs, "\n  "))
	}
	return c, nil
}

// ingester returns the ingester of the configuration over a's service.
func (c *IngestConfig) ingester(a *app) *ingest.Ingester {
	in := &ingest.Ingester{Service: a.svc, ChunkSize: c.ChunkSize, ChunkOverlap: c.ChunkOverlap, Timeout: c.Timeout}
	in.Limits = document.Limits{MaxBytes: int64(c.MaxFileMB) << 20, MaxPages: c.MaxPages}
	return in
}

// documents returns the upload manager over a's store: its history in the
// database, its spool in the app's spool directory.
func (c *IngestConfig) documents(a *app) *ingest.Manager {
	return &ingest.Manager{Ingester: c.ingester(a), History: a.store, Logger: a.log, Spool: a.spool}
}

// open builds what ingestion needs for a server: the upload manager and the
// roots memory_ingest may read.
func (c *IngestConfig) open(a *app) (*ingest.Manager, *ingest.Roots, error) {
	roots, err := ingest.ParseRoots(c.Roots)
	if err != nil {
		return nil, nil, err
	}
	return c.documents(a), roots, nil
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIIngest(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cli.db")
	docs := filepath.Join(dir, "docs")
	os.MkdirAll(filepath.Join(docs, "sub"), 0o755)
	os.WriteFile(filepath.Join(docs, "garden.md"), []byte("# Garden\n\nPrune the apple trees in late winter, before the buds open."), 0o644)
	os.WriteFile(filepath.Join(docs, "sub", "crew.csv"), []byte("name,role\nAnna,skipper\nBen,navigator\n"), 0o644)
	env := func(string) string { return "" }
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"ingest", "-db", db, "-tags", "home", docs}, nil, &out, &errOut, env); err != nil {
		t.Fatalf("ingest: %v\n%s%s", err, out.String(), errOut.String())
	}
	if s := out.String(); !strings.Contains(s, "2 of 2 files ingested") || !strings.Contains(s, "garden.md (md)") {
		t.Errorf("summary:\n%s", s)
	}
	if !strings.Contains(errOut.String(), "ingesting") {
		t.Errorf("no progress on stderr: %q", errOut.String())
	}
	out.Reset()
	if err := run(ctx, []string{"search", "-db", db, "-mode", "keyword", "navigator"}, nil, &out, &errOut, env); err != nil || !strings.Contains(out.String(), "navigator") {
		t.Fatalf("search after ingest: %v\n%s", err, out.String())
	}
	// A failed file makes the command fail, after ingesting the others.
	os.WriteFile(filepath.Join(docs, "broken.pdf"), []byte("%PDF-1.4 nothing else"), 0o644)
	os.WriteFile(filepath.Join(docs, "new.txt"), []byte("The boiler was serviced in October by the usual plumber."), 0o644)
	out.Reset()
	err := run(ctx, []string{"ingest", "-db", db, docs}, nil, &out, &errOut, env)
	if err == nil || !strings.Contains(err.Error(), "1 of 4 files failed") {
		t.Fatalf("ingest with a broken file: %v\n%s", err, out.String())
	}
	if s := out.String(); !strings.Contains(s, "FAIL") || !strings.Contains(s, "broken.pdf") || !strings.Contains(s, "new.txt (txt)") {
		t.Errorf("summary:\n%s", s)
	}
	if err := run(ctx, []string{"ingest", "-db", db, filepath.Join(dir, "missing")}, nil, &out, &errOut, env); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing path: %v", err)
	}
}

package document_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mcp-memory-go/memory/ingest/document"
)

// fixtures are the files in testdata, with their formats.
var fixtures = []string{
	"report.pdf", "restricted.pdf", "guide.docx", "notes.txt", "latin1.txt", "utf16.txt",
	"readme.md", "config.json", "records.jsonl", "people.csv", "people-semicolon.csv", "page.html",
}

// MustRead returns the bytes of testdata/name.
func MustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// MustFormat returns the format of a file name.
func MustFormat(tb testing.TB, name string) string {
	tb.Helper()
	f, ok := document.FormatOf(name)
	if !ok {
		tb.Fatalf("FormatOf(%q) not ok", name)
	}
	return f
}

// MustExtract extracts testdata/name with default limits.
func MustExtract(tb testing.TB, name string) *document.Document {
	tb.Helper()
	doc, err := document.Extract(context.Background(), MustFormat(tb, name), MustRead(tb, name), document.Limits{})
	if err != nil {
		tb.Fatalf("Extract(%s): %v", name, err)
	}
	return doc
}

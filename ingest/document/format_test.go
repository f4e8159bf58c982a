package document_test

import (
	"testing"

	"github.com/mcp-memory-go/memory/ingest/document"
)

func TestFormatOf(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"a.pdf", "pdf"}, {"A.PDF", "pdf"}, {"dir.v2/notes.TXT", "txt"}, {"x.text", "txt"}, {"x.rst", "txt"},
		{"README.md", "md"}, {"x.Markdown", "md"}, {"x.json", "json"}, {"x.jsonl", "json"}, {"x.csv", "csv"},
		{"x.tsv", "csv"}, {"x.htm", "html"}, {"x.HTML", "html"}, {"x.docx", "docx"},
		{"x.doc", ""}, {"x.exe", ""}, {"pdf", ""}, {"", ""}, {"x.pdf.zip", ""},
	} {
		got, ok := document.FormatOf(tc.name)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("FormatOf(%q)=%q,%v, want %q", tc.name, got, ok, tc.want)
		}
	}
	for _, ext := range document.Extensions() {
		if _, ok := document.FormatOf("x" + ext); !ok {
			t.Errorf("extension %q unknown to FormatOf", ext)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"report.pdf", MustRead(t, "report.pdf"), "pdf"},
		{"guide.docx", MustRead(t, "guide.docx"), "docx"},
		{"zip", zipOf(t, map[string]string{"a": "b"}), document.SniffZip},
		{"page.html", MustRead(t, "page.html"), "html"},
		{"bom html", []byte("\ufeff  <HTML><body>x"), "html"},
		{"config.json", MustRead(t, "config.json"), "json"},
		{"notes.txt", MustRead(t, "notes.txt"), "txt"},
		{"latin1.txt", MustRead(t, "latin1.txt"), "txt"},
		{"utf16.txt", MustRead(t, "utf16.txt"), "txt"},
		{"people.csv", MustRead(t, "people.csv"), "txt"},
		{"garbage", garbage(1000, 9), document.SniffBinary},
		{"png", []byte("\x89PNG\r\n\x1a\n...."), document.SniffBinary},
		{"empty", nil, ""},
	} {
		if got := document.Sniff(tc.data); got != tc.want {
			t.Errorf("Sniff(%s)=%q, want %q", tc.name, got, tc.want)
		}
	}
}

package document_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mcp-memory-go/memory/ingest/document"
)

// fuzzLimits are small, so that fuzzing finds the limits.
var fuzzLimits = document.Limits{MaxBytes: 1 << 20, MaxPages: 20, MaxUnpacked: 1 << 20, MaxTextBytes: 256 << 10}

// kinds are the kinds an error of Extract may have.
var kinds = []error{document.ErrUnsupported, document.ErrEmpty, document.ErrTooLarge, document.ErrCorrupt,
	document.ErrEncrypted, document.ErrMismatch, context.DeadlineExceeded}

// fuzzExtract extracts data as format and checks the properties that hold
// for any input: an *Error of a known kind, or a clean document within the
// limits whose chunks map back to its text.
func fuzzExtract(t *testing.T, format string, data []byte) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	doc, err := document.Extract(ctx, format, data, fuzzLimits)
	if err != nil {
		var e *document.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v (%T) is not an *Error", err, err)
		}
		known := false
		for _, k := range kinds {
			known = known || errors.Is(err, k)
		}
		if !known || e.Msg == "" {
			t.Fatalf("error %q has an unknown kind or no message", err)
		}
		if strings.Contains(err.Error(), "internal error") {
			t.Fatalf("parser panicked: %v", err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("too slow: %v", err)
		}
		return
	}
	if doc.Format != format || len(doc.Sections) == 0 || doc.Pages > fuzzLimits.MaxPages {
		t.Fatalf("bad document: format %q, %d sections, %d pages", doc.Format, len(doc.Sections), doc.Pages)
	}
	total := 0
	for i, s := range doc.Sections {
		total += len(s.Text)
		if s.Text == "" || s.Text != strings.TrimSpace(s.Text) || !utf8.ValidString(s.Text) || strings.ContainsAny(s.Text, "\r\x00") {
			t.Fatalf("section %d not clean: %q", i, s.Text)
		}
		if s.Page < 0 || s.Page > doc.Pages || (format == document.PDF) != (s.Page > 0) {
			t.Fatalf("section %d on page %d of %d", i, s.Page, doc.Pages)
		}
	}
	if int64(total) > fuzzLimits.MaxTextBytes {
		t.Fatalf("%d bytes of text, limit %d", total, fuzzLimits.MaxTextBytes)
	}
	o := document.ChunkOptions{Size: 64, Overlap: 16}
	checkChunks(t, doc, doc.Chunks(o), o)
}

// seed adds the fixtures of the given formats to the corpus.
func seed(f *testing.F, formats ...string) {
	for _, name := range fixtures {
		for _, format := range formats {
			if MustFormat(f, name) == format {
				f.Add(MustRead(f, name))
			}
		}
	}
}

func FuzzPDF(f *testing.F) {
	seed(f, document.PDF)
	f.Add(textPDF(line(700, "one"), "BT /F1 12 Tf [(a) -300 (b)] TJ T* (c) ' ET"))
	f.Add(buildPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, document.PDF, data) })
}

func FuzzText(f *testing.F) {
	seed(f, document.TXT, document.MD)
	f.Add([]byte("\xfe\xff\x00a\r\n\x00b"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, document.TXT, data) })
}

func FuzzJSON(f *testing.F) {
	seed(f, document.JSON)
	f.Add([]byte(`[1, {"a": [[], {}]}, null] "x" {"b": 2}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, document.JSON, data) })
}

func FuzzCSV(f *testing.F) {
	seed(f, document.CSV)
	f.Add([]byte("a|b\n\"x|\"\"y\"|z\n|\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, document.CSV, data) })
}

func FuzzHTML(f *testing.F) {
	seed(f, document.HTML)
	f.Add([]byte("<table><tr><td>a<td>b<tr><td><pre> c </pre></table><li>x<template><template></template>y</template>z"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, document.HTML, data) })
}

func FuzzDOCX(f *testing.F) {
	seed(f, document.DOCX)
	f.Add(docx(f, "<w:document><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, document.DOCX, data) })
}

// FuzzDOCXXML fuzzes the WordprocessingML reader, which byte-level
// mutations of a zip archive rarely reach.
func FuzzDOCXXML(f *testing.F) {
	f.Add(`<w:document><w:body><w:p><w:pPr><w:numPr/></w:pPr><w:r><w:t>a</w:t><w:tab/><w:br/></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc><w:tc/></w:tr></w:tbl></w:body></w:document>`)
	f.Add(`<?xml version="1.0" encoding="ISO-8859-1"?><d><p><r><t>caf` + "\xe9" + `</t></r></p><Fallback><p><r><t>x</t></r></p></Fallback></d>`)
	f.Fuzz(func(t *testing.T, xml string) { fuzzExtract(t, document.DOCX, docx(t, xml)) })
}

func FuzzChunks(f *testing.F) {
	for _, name := range fixtures {
		doc := MustExtract(f, name)
		var parts []string
		for _, s := range doc.Sections {
			parts = append(parts, s.Text)
		}
		f.Add(strings.Join(parts, "\x00"), 100, 20, 10, doc.Records)
	}
	f.Fuzz(func(t *testing.T, joined string, size, overlap, minSize int, records bool) {
		if len(joined) > 8192 || size > 1000 || overlap > 1000 || minSize > 1000 || size < -1 || overlap < -1 || minSize < -1 {
			return
		}
		doc := &document.Document{Records: records}
		for i, s := range strings.Split(joined, "\x00") {
			doc.Sections = append(doc.Sections, document.Section{Text: s, Page: i + 1})
		}
		o := document.ChunkOptions{Size: size, Overlap: overlap, MinSize: minSize}
		checkChunks(t, doc, doc.Chunks(o), o)
	})
}

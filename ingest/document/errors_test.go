package document_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/ingest/document"
)

func TestExtractEmpty(t *testing.T) {
	for _, f := range document.Formats() {
		_, err := document.Extract(t.Context(), f, nil, document.Limits{})
		checkErr(t, err, document.ErrEmpty, "empty file")
	}
	for _, f := range []string{document.TXT, document.MD, document.JSON, document.CSV, document.HTML} {
		_, err := document.Extract(t.Context(), f, []byte(" \r\n\t\n"), document.Limits{})
		checkErr(t, err, document.ErrEmpty, f+": no text found")
	}
	for _, in := range []string{"<html><script>x()</script></html>", "<!-- only a comment -->"} {
		_, err := document.Extract(t.Context(), document.HTML, []byte(in), document.Limits{})
		checkErr(t, err, document.ErrEmpty, "html: no text found")
	}
	_, err := document.Extract(t.Context(), document.CSV, []byte("name,born\n"), document.Limits{})
	checkErr(t, err, document.ErrEmpty, "csv: no text found")
	_, err = document.Extract(t.Context(), document.JSON, []byte(`{"a": [], "b": {}}`), document.Limits{})
	checkErr(t, err, document.ErrEmpty, "json: no text found")
	_, err = document.Extract(t.Context(), document.DOCX, docx(t, `<w:document><w:body><w:p/></w:body></w:document>`), document.Limits{})
	checkErr(t, err, document.ErrEmpty, "docx: no text found")
}

func TestExtractMismatch(t *testing.T) {
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), garbage(2048, 7)...)
	pdf, docxData := MustRead(t, "report.pdf"), MustRead(t, "guide.docx")
	for _, tc := range []struct {
		format string
		data   []byte
		msg    string
	}{
		{document.TXT, garbage(4096, 3), "txt: not text (binary content)"},
		{document.TXT, exe, "txt: not text (binary content)"},
		{document.TXT, []byte("text with a NUL\x00 byte"), "txt: not text (binary content)"},
		{document.MD, []byte(strings.Repeat("\x01\x02\x03 abc", 50)), "md: not text (binary content)"},
		{document.JSON, pdf, "json: not text (content is a PDF file)"},
		{document.CSV, docxData, "csv: not text (content is a DOCX document)"},
		{document.HTML, zipOf(t, map[string]string{"a.txt": "hello"}), "html: not text (content is a zip archive)"},
		{document.PDF, garbage(4096, 5), "pdf: not a PDF file (no %PDF- header)"},
		{document.PDF, exe, "pdf: not a PDF file (no %PDF- header)"},
		{document.PDF, docxData, "pdf: not a PDF file (no %PDF- header)"},
		{document.PDF, []byte("just some text"), "pdf: not a PDF file (no %PDF- header)"},
		{document.DOCX, pdf, "docx: not a Word document (not a zip archive)"},
		{document.DOCX, zipOf(t, map[string]string{"a.txt": "hello"}), "docx: not a Word document (no word/document.xml in the archive)"},
	} {
		_, err := document.Extract(t.Context(), tc.format, tc.data, document.Limits{})
		checkErr(t, err, document.ErrMismatch, tc.msg)
	}
}

func TestExtractLimitsAndErrors(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	for _, tc := range []struct {
		name, format string
		data         []byte
		lim          document.Limits
		kind         error
		msg          string
	}{
		{"unsupported", "xls", []byte("x"), document.Limits{}, document.ErrUnsupported, `unsupported format "xls" (supported: pdf, txt, md, json, csv, html, docx)`},
		{"file size", document.TXT, MustRead(t, "notes.txt"), document.Limits{MaxBytes: 1000}, document.ErrTooLarge, "txt: file is 1.1 KiB, more than the limit of 1000 bytes"},
		{"text size", document.TXT, MustRead(t, "notes.txt"), document.Limits{MaxTextBytes: 100}, document.ErrTooLarge, "txt: extracted text exceeds 100 bytes"},
		{"csv text size", document.CSV, MustRead(t, "people.csv"), document.Limits{MaxTextBytes: 200}, document.ErrTooLarge, "csv: extracted text exceeds 200 bytes"},
		{"html text size", document.HTML, []byte("<p>" + strings.Repeat("word ", 1000)), document.Limits{MaxTextBytes: 1000}, document.ErrTooLarge, "html: extracted text exceeds 1000 bytes"},
		{"json deep objects", document.JSON, []byte(deep), document.Limits{}, document.ErrTooLarge, "json: nesting deeper than 100 levels"},
		{"json deep arrays", document.JSON, []byte(strings.Repeat("[", 10000) + strings.Repeat("]", 10000)), document.Limits{}, document.ErrTooLarge, "json: nesting deeper than 100 levels"},
		{"json syntax", document.JSON, []byte(`{"a": 1,, "b": 2}`), document.Limits{}, document.ErrCorrupt, "json: corrupt file: invalid character ',' looking for beginning of object key string (at byte 8)"},
		{"json truncated", document.JSON, []byte(`{"a": [1, 2`), document.Limits{}, document.ErrCorrupt, "json: corrupt file: truncated JSON"},
		{"docx corrupt zip", document.DOCX, MustRead(t, "guide.docx")[:3000], document.Limits{}, document.ErrCorrupt, "docx: corrupt file: zip: not a valid zip file"},
		{"docx bad XML", document.DOCX, docx(t, "<w:document><w:body><w:p><w:r><w:t>unclosed"), document.Limits{}, document.ErrCorrupt, "docx: corrupt file: XML syntax error on line 1: unexpected EOF"},
		{"docx too many entries", document.DOCX, manyEntries(t, 10001), document.Limits{}, document.ErrTooLarge, "docx: archive has 10002 entries, more than 10000"},
		{"docx declared size lie", document.DOCX, lyingDOCX(t), document.Limits{}, document.ErrCorrupt, "docx: corrupt file: zip: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := document.Extract(t.Context(), tc.format, tc.data, tc.lim)
			checkErr(t, err, tc.kind, tc.msg)
		})
	}
}

func TestDOCXZipBomb(t *testing.T) {
	n := int64(1 << 30) // 1 GiB of zeros, about 1 MB packed
	if testing.Short() {
		n = 128 << 20
	}
	bomb := zipBomb(t, n)
	_, err := document.Extract(t.Context(), document.DOCX, bomb, document.Limits{})
	checkErr(t, err, document.ErrTooLarge, "docx: decompressed size exceeds 100 MiB (zip bomb?)")
	_, err = document.Extract(t.Context(), document.DOCX, bomb, document.Limits{MaxUnpacked: 2 << 30})
	checkErr(t, err, document.ErrTooLarge, "docx: compression ratio above 200:1 (zip bomb?)")
}

func TestExtractContext(t *testing.T) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	for _, name := range fixtures {
		_, err := document.Extract(cancelled, MustFormat(t, name), MustRead(t, name), document.Limits{})
		checkErr(t, err, context.Canceled, MustFormat(t, name)+": stopped: context canceled")
	}
	// A context that ends while the file is read stops the parser.
	var csv strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&csv, "%d,row %d\n", i, i)
	}
	long := map[string][]byte{
		document.PDF:  MustRead(t, "report.pdf"),
		document.CSV:  []byte(csv.String()),
		document.JSON: []byte("[" + strings.Repeat(`{"a": 1},`, 5000) + "1]"),
		document.HTML: []byte(strings.Repeat("<p>paragraph</p>", 5000)),
		document.DOCX: docx(t, "<w:document><w:body>"+strings.Repeat("<w:p><w:r><w:t>paragraph</w:t></w:r></w:p>", 5000)+"</w:body></w:document>"),
	}
	for format, data := range long {
		_, err := document.Extract(&endingContext{Context: t.Context(), after: 2}, format, data, document.Limits{})
		checkErr(t, err, context.DeadlineExceeded, format+": stopped: context deadline exceeded")
	}
}

// endingContext is a context whose Err reports a deadline after a number
// of calls.
type endingContext struct {
	context.Context
	after int
}

func (c *endingContext) Err() error {
	if c.after--; c.after < 0 {
		return context.DeadlineExceeded
	}
	return nil
}

// docx returns a DOCX archive whose word/document.xml is body.
func docx(t testing.TB, body string) []byte {
	return zipOf(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": body})
}

// zipOf returns a zip archive of the given files, deflated.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// manyEntries returns a DOCX with n empty entries besides its document,
// stored (deflating each would be slow).
func manyEntries(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range n + 1 {
		name := fmt.Sprintf("f%d", i)
		if i == n {
			name = "word/document.xml"
		}
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipBomb returns a DOCX whose word/document.xml is n zero bytes,
// compressed as it is written: nothing that large is ever held.
func zipBomb(t testing.TB, n int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	w, err := zw.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, io.LimitReader(zeros{}, n)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// lyingDOCX returns a DOCX whose word/document.xml declares 100 bytes but
// inflates to 1 MiB.
func lyingDOCX(t testing.TB) []byte {
	t.Helper()
	body := "<w:document><w:body><w:p><w:r><w:t>" + strings.Repeat("a", 1<<20) + "</w:t></w:r></w:p></w:body></w:document>"
	var packed bytes.Buffer
	fw, _ := flate.NewWriter(&packed, flate.BestSpeed)
	io.WriteString(fw, body)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: "word/document.xml", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE([]byte(body)),
		CompressedSize64: uint64(packed.Len()), UncompressedSize64: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(packed.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

package document_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/mcp-memory-go/memory/ingest/document"
)

// withTrailer returns a PDF built by buildPDF with extra entries in its
// trailer; %d in extra is replaced with the offset of its xref table.
func withTrailer(extra string, objs ...string) []byte {
	data := buildPDF(objs...)
	m := regexp.MustCompile(`startxref\n(\d+)`).FindSubmatch(data)
	off, _ := strconv.Atoi(string(m[1]))
	return bytes.Replace(data, []byte("/Root 1 0 R"), []byte("/Root 1 0 R "+fmt.Sprintf(extra, off)), 1)
}

func TestPDFHostile(t *testing.T) {
	page := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		stream(line(700, "hello"), false),
	}
	xrefStream := func(size, index, w string) []byte {
		objs := append(page[:4:4], fmt.Sprintf("<< /Type /XRef /Size %s /Index [%s] /W [%s] /Root 1 0 R /Length 0 >>\nstream\n\nendstream", size, index, w))
		data := buildPDF(objs...)
		// Point startxref at the xref stream (object 5).
		at := bytes.Index(data, []byte("5 0 obj"))
		i := bytes.LastIndex(data, []byte("startxref\n"))
		return append(data[:i], []byte(fmt.Sprintf("startxref\n%d\n%%%%EOF\n", at))...)
	}
	for _, tc := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"xref Prev loop", withTrailer("/Prev %d", page...), "pdf: corrupt file: cross-reference sections form a loop"},
		{"huge trailer Size", withTrailer("/Size 4000000000", page...), "pdf: corrupt file: "},
		{"huge xref subsection", bytes.Replace(buildPDF(page...), []byte("xref\n0 5\n"), []byte("xref\n3000000000 1\n0000000000 65535 f \n0 5\n"), 1), "pdf: corrupt file: "},
		{"huge xref stream Size", xrefStream("4000000000", "0 1", "1 2 1"), "pdf: corrupt file: "},
		{"huge xref stream Index", xrefStream("6", "3000000000 1", "1 2 1"), "pdf: corrupt file: "},
		{"huge xref stream W", xrefStream("6", "0 6", "1 2000000000 1"), "pdf: corrupt file: "},
		{"object streams extend in a loop", extendsLoop(), "pdf: corrupt file: object streams extend each other in a loop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := document.Extract(t.Context(), document.PDF, tc.data, document.Limits{})
			checkErr(t, err, document.ErrCorrupt, tc.msg)
		})
	}
}

// extendsLoop returns a PDF whose pages object (7) is in an object stream
// (5) that does not hold it and extends itself.
func extendsLoop() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	objs := []string{
		"<< /Type /Catalog /Pages 7 0 R >>",
		"<< >>", "<< >>", "<< >>",
		"<< /Type /ObjStm /N 0 /First 1 /Extends 5 0 R /Length 1 >>\nstream\n \nendstream",
	}
	offsets := []int{0}
	for i, o := range objs {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	var rows []byte
	rows = append(rows, 0, 0, 0, 0)
	for _, off := range append(offsets[1:], xref) {
		rows = append(rows, 1, byte(off>>8), byte(off), 0)
	}
	rows = append(rows, 2, 0, 5, 0) // object 7: in object stream 5
	fmt.Fprintf(&b, "6 0 obj\n<< /Type /XRef /Size 8 /W [1 2 1] /Root 1 0 R /Length %d >>\nstream\n", len(rows))
	b.Write(rows)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

package document_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/ingest/document"
)

func TestPDFBuilt(t *testing.T) {
	data := textPDF(
		line(700, "Page one text.")+line(680, "Second line of page one."),
		"",
		"BT /F1 12 Tf 72 700 Td [(Words) -333 (spaced) -20 (by) -400 (kerning)] TJ 0 -14 Td (Next line) Tj ET",
	)
	doc, err := document.Extract(t.Context(), document.PDF, data, document.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Pages != 3 || len(doc.Sections) != 2 {
		t.Fatalf("Pages=%d sections=%+v, want 3 pages and 2 sections (page 2 is blank)", doc.Pages, doc.Sections)
	}
	for i, want := range []document.Section{
		{Text: "Page one text.\nSecond line of page one.", Page: 1},
		{Text: "Words spacedby kerning\nNext line", Page: 3},
	} {
		if doc.Sections[i] != want {
			t.Errorf("section %d = %+v, want %+v", i, doc.Sections[i], want)
		}
	}
}

func TestPDFVersion2Header(t *testing.T) {
	data := textPDF(line(700, "A PDF 2.0 file."))
	copy(data, "%PDF-2.0")
	doc, err := document.Extract(t.Context(), document.PDF, data, document.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Text(); got != "A PDF 2.0 file." {
		t.Errorf("Text()=%q", got)
	}
}

func TestPDFFormXObject(t *testing.T) {
	data := buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /X1 6 0 R >> >> /Contents 4 0 R >>",
		stream(line(700, "Before the form.")+"q /X1 Do Q\n"+line(600, "After the form."), true),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Length 46 >>\nstream\nBT /F1 12 Tf 72 650 Td (Inside the form.) Tj ET\nendstream",
	)
	doc, err := document.Extract(t.Context(), document.PDF, data, document.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Text(), "Before the form.\nInside the form.\nAfter the form."; got != want {
		t.Errorf("Text()=%q, want %q", got, want)
	}
}

func TestPDFParentCycle(t *testing.T) {
	// A page that is its own parent and has no resources: looking for
	// inherited resources must end.
	data := buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 3 0 R /Contents 4 0 R >>",
		stream(line(700, "No font resources."), false),
	)
	doc, err := document.Extract(t.Context(), document.PDF, data, document.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Text(); got != "No font resources." {
		t.Errorf("Text()=%q", got)
	}
}

func TestPDFBadInput(t *testing.T) {
	report := MustRead(t, "report.pdf")
	cyclic := buildPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R 2 0 R] /Count 1 >>")
	wide := buildPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids ["+strings.Repeat("3 0 R ", 200)+"] /Count 1 >>", "<< /Type /Pages /Kids [] >>")
	cmapBomb := buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		stream(line(700, "x"), false),
		"<< /Type /Font /Subtype /Type0 /BaseFont /X /ToUnicode 6 0 R >>",
		stream("1000000000 beginbfchar endbfchar", true),
	)
	bomb := buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		stream(line(700, "x")+strings.Repeat(" ", 3<<20), true),
	)
	pages := make([]string, 5)
	for i := range pages {
		pages[i] = line(700, fmt.Sprintf("page %d", i+1))
	}
	for _, tc := range []struct {
		name string
		data []byte
		lim  document.Limits
		kind error
		msg  string
	}{
		{"truncated", report[:len(report)/2], document.Limits{}, document.ErrCorrupt, "pdf: corrupt file: missing %%EOF (truncated file?)"},
		{"garbage after header", append([]byte("%PDF-1.5\n"), garbage(4096, 1)...), document.Limits{}, document.ErrCorrupt, "pdf: corrupt file: "},
		{"bad startxref", []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\nstartxref\n999999\n%%EOF\n"), document.Limits{}, document.ErrCorrupt, "pdf: corrupt file: "},
		{"encrypted RC4", MustRead(t, "encrypted-rc4.pdf"), document.Limits{}, document.ErrEncrypted, "pdf: encrypted (password-protected) file: remove the password and try again"},
		{"encrypted AES-256", MustRead(t, "encrypted-aes256.pdf"), document.Limits{}, document.ErrEncrypted, "pdf: encrypted"},
		{"too many pages", report, document.Limits{MaxPages: 2}, document.ErrTooLarge, "pdf: 3 pages, more than the limit of 2"},
		{"too many pages, count lies", []byte(strings.Replace(string(textPDF(pages...)), "/Count 5", "/Count 1", 1)), document.Limits{MaxPages: 4}, document.ErrTooLarge, "pdf: more than 4 pages"},
		{"cyclic page tree", cyclic, document.Limits{}, document.ErrCorrupt, "pdf: corrupt file: page tree nested too deep (cyclic?)"},
		{"huge page tree", wide, document.Limits{MaxPages: 10}, document.ErrTooLarge, "pdf: page tree has too many nodes (more than 10 pages?)"},
		{"compression bomb", bomb, document.Limits{MaxUnpacked: 1 << 20}, document.ErrTooLarge, "pdf: page content decompresses to more than 1 MiB (compression bomb?)"},
		{"CMap bomb", cmapBomb, document.Limits{}, document.ErrCorrupt, "pdf: corrupt file: font CMap block of 1000000000 entries"},
		{"text limit", report, document.Limits{MaxTextBytes: 300}, document.ErrTooLarge, "pdf: extracted text exceeds 300 bytes"},
		{"no text", textPDF(""), document.Limits{}, document.ErrEmpty, "pdf: no text found (a scanned PDF holds images and needs OCR)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := document.Extract(t.Context(), document.PDF, tc.data, tc.lim)
			checkErr(t, err, tc.kind, tc.msg)
		})
	}
}

// checkErr fails unless err is an *Error of the given kind whose message
// starts with msg.
func checkErr(t *testing.T, err, kind error, msg string) {
	t.Helper()
	var e *document.Error
	switch {
	case !errors.As(err, &e):
		t.Fatalf("error = %v (%T), want an *Error", err, err)
	case !errors.Is(err, kind):
		t.Errorf("error %q is not %v", err, kind)
	case !strings.HasPrefix(err.Error(), msg):
		t.Errorf("error = %q, want it to start with %q", err, msg)
	}
}

// garbage returns n pseudo-random bytes.
func garbage(n int, seed uint32) []byte {
	b := make([]byte, n)
	for i := range b {
		seed = seed*1664525 + 1013904223
		b[i] = byte(seed >> 24)
	}
	return b
}

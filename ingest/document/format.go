package document

import (
	"archive/zip"
	"bytes"
	"path/filepath"
	"strings"
)

// The supported formats, as FormatOf returns them.
const (
	PDF  = "pdf"
	TXT  = "txt"
	MD   = "md"
	JSON = "json"
	CSV  = "csv"
	HTML = "html"
	DOCX = "docx"
)

// extensions maps a lower-case file extension to its format. reStructuredText
// is read as plain text (as upstream does); JSON Lines as JSON (a stream of
// values, each one a record); tab-separated values as CSV (the delimiter is
// sniffed).
var extensions = map[string]string{
	".pdf":  PDF,
	".txt":  TXT,
	".text": TXT,
	".log":  TXT,
	".rst":  TXT,
	".md":   MD, ".markdown": MD, ".mdown": MD, ".mkd": MD,
	".json": JSON, ".jsonl": JSON, ".ndjson": JSON,
	".csv": CSV, ".tsv": CSV,
	".html": HTML, ".htm": HTML, ".xhtml": HTML,
	".docx": DOCX,
}

// Formats lists the supported formats: pdf, txt, md, json, csv, html, docx.
func Formats() []string { return []string{PDF, TXT, MD, JSON, CSV, HTML, DOCX} }

// Extensions lists the file extensions FormatOf knows, with their dot.
func Extensions() []string {
	exts := make([]string, 0, len(extensions))
	for e := range extensions {
		exts = append(exts, e)
	}
	return exts
}

// FormatOf returns the format of a file by the extension of its name,
// case-insensitively: .pdf; .txt, .text, .log, .rst (txt); .md, .markdown,
// .mdown, .mkd (md); .json, .jsonl, .ndjson (json); .csv, .tsv (csv); .html,
// .htm, .xhtml (html); .docx. ok is false for any other name.
func FormatOf(filename string) (format string, ok bool) {
	format, ok = extensions[strings.ToLower(filepath.Ext(filename))]
	return format, ok
}

// What Sniff returns besides the formats.
const (
	SniffZip    = "zip"    // a zip archive that is not a DOCX
	SniffBinary = "binary" // other binary content: executables, images, NUL bytes
)

// Sniff guesses what data is from its content alone: "pdf" (starts with
// %PDF-), "docx" (a zip archive holding word/document.xml), SniffZip (any
// other zip, or one whose directory cannot be read), "html" (starts with a doctype or an <html>, <head> or <body>
// tag), "json" (starts with { or [), "txt" (other text: md and csv cannot
// be told from txt), SniffBinary (known binary signatures, or NUL or many
// control bytes in the first 8 KiB) or "" for no data. Byte order marks
// and leading white space are skipped before looking for text signatures.
func Sniff(data []byte) string {
	switch {
	case len(data) == 0:
		return ""
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return PDF
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")):
		if isDOCX(data) {
			return DOCX
		}
		return SniffZip
	case hasBinarySignature(data):
		return SniffBinary
	}
	head := data[:min(len(data), 8<<10)]
	if bom(head) == "" && looksBinary(head) {
		return SniffBinary
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	lower := bytes.ToLower(t[:min(len(t), 16)])
	for _, tag := range []string{"<!doctype html", "<html", "<head", "<body"} {
		if bytes.HasPrefix(lower, []byte(tag)) {
			return HTML
		}
	}
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return JSON
	}
	return TXT
}

// isDOCX reports whether data is a zip archive with a word/document.xml.
func isDOCX(data []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	for i, f := range zr.File {
		if i >= maxZipEntries {
			return false
		}
		if f.Name == docxMain {
			return true
		}
	}
	return false
}

// binarySignatures are magic numbers of common binary files.
var binarySignatures = []string{
	"MZ\x90\x00", "\x7fELF", "\xcf\xfa\xed\xfe", // executables
	"\xd0\xcf\x11\xe0",                                                  // OLE2: .doc, .xls
	"\x89PNG", "\xff\xd8\xff", "GIF87a", "GIF89a", "II*\x00", "MM\x00*", // images
	"\x1f\x8b", "BZh91AY", "\xfd7zXZ", "7z\xbc\xaf", "Rar!\x1a\x07", // archives
	"\x00asm", "SQLite format 3\x00",
}

func hasBinarySignature(data []byte) bool {
	for _, s := range binarySignatures {
		if bytes.HasPrefix(data, []byte(s)) {
			return true
		}
	}
	return false
}

// looksBinary reports whether raw bytes (with no byte order mark) hold a NUL
// or more than 10% of control bytes other than white space and escape.
func looksBinary(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	n := 0
	for _, c := range b {
		if c < 0x20 && !strings.ContainsRune("\t\n\v\f\r\x1b", rune(c)) || c == 0x7f {
			n++
		}
	}
	return n*10 > len(b)
}

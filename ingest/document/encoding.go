package document

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// bom names the byte order mark that data starts with: "utf-8",
// "utf-16le", "utf-16be" or "".
func bom(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		return "utf-8"
	case bytes.HasPrefix(data, []byte("\xff\xfe")):
		return "utf-16le"
	case bytes.HasPrefix(data, []byte("\xfe\xff")):
		return "utf-16be"
	}
	return ""
}

// decodeText turns the bytes of a text file into UTF-8: UTF-8 with or
// without a byte order mark, UTF-16 with one, and otherwise, when the bytes
// are not UTF-8, Windows-1252 (a superset of Latin-1). A few invalid bytes
// in text that is otherwise UTF-8 become U+FFFD instead. Content with a NUL
// or with many control characters is refused as binary (ErrMismatch).
func decodeText(format string, data []byte) (string, error) {
	var s string
	switch bom(data) {
	case "utf-8":
		s = strings.ToValidUTF8(string(data[3:]), "\uFFFD")
	case "utf-16le", "utf-16be":
		order := unicode.LittleEndian
		if bom(data) == "utf-16be" {
			order = unicode.BigEndian
		}
		out, err := unicode.UTF16(order, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", corrupt(format, err)
		}
		s = string(out)
	default:
		if bytes.IndexByte(data, 0) >= 0 {
			return "", fail(format, ErrMismatch, "not text (binary content)")
		}
		if utf8.Valid(data) {
			s = string(data)
		} else if mostlyUTF8(data) {
			s = strings.ToValidUTF8(string(data), "\uFFFD")
		} else {
			out, err := charmap.Windows1252.NewDecoder().Bytes(data)
			if err != nil {
				return "", corrupt(format, err)
			}
			s = string(out)
		}
	}
	if binaryText(s) {
		return "", fail(format, ErrMismatch, "not text (binary content)")
	}
	return s, nil
}

// mostlyUTF8 reports whether invalid UTF-8 data has more valid multi-byte
// sequences than invalid bytes: UTF-8 with a few stray bytes rather than
// text in a single-byte encoding.
func mostlyUTF8(data []byte) bool {
	multi, bad := 0, 0
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		switch {
		case r == utf8.RuneError && n == 1:
			bad++
		case n > 1:
			multi++
		}
		data = data[n:]
	}
	return multi > bad
}

// binaryText reports whether decoded text holds a NUL or more than 10%
// of control characters other than white space and escape.
func binaryText(s string) bool {
	n, total := 0, 0
	for _, r := range s {
		total++
		switch {
		case r == 0:
			return true
		case r < 0x20 && !strings.ContainsRune("\t\n\v\f\r\x1b", r), r >= 0x7f && r < 0xa0:
			n++
		}
	}
	return n*10 > total
}

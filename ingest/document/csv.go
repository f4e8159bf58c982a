package document

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
)

// readCSV reads comma-, semicolon-, tab- or pipe-separated values (the
// delimiter is sniffed) as one section per row, each field named by its
// column: "name: Ada | born: 1815". The first row is taken as the header
// unless one of its fields is empty, a number or a repeat; columns without
// a header are named "column N". Empty fields are left out; rows may have
// any number of fields, and stray quotes are kept as text.
func readCSV(b *builder, data []byte, _ Limits) error {
	s, err := decodeText(b.format, data)
	if err != nil {
		return err
	}
	r := csv.NewReader(strings.NewReader(s))
	r.Comma = sniffDelimiter(s)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.TrimLeadingSpace = true
	b.doc.Records = true
	var header []string
	for row := 0; ; row++ {
		if err := b.tick(); err != nil {
			return err
		}
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
				return corrupt(b.format, pe)
			}
			return corrupt(b.format, err)
		}
		if row == 0 && isHeader(rec) {
			header = rec
			continue
		}
		if err := b.add(renderRow(header, rec), 0); err != nil {
			return err
		}
	}
}

// renderRow renders a record as "column: value" pairs joined by " | ".
func renderRow(header, rec []string) string {
	var sb strings.Builder
	for i, v := range rec {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteString(" | ")
		}
		if i < len(header) && strings.TrimSpace(header[i]) != "" {
			sb.WriteString(strings.TrimSpace(header[i]))
		} else {
			sb.WriteString("column " + strconv.Itoa(i+1))
		}
		sb.WriteString(": ")
		sb.WriteString(v)
	}
	return sb.String()
}

// isHeader reports whether a first row looks like column names: no field
// is empty, a number, or the same as another.
func isHeader(rec []string) bool {
	seen := make(map[string]bool, len(rec))
	for _, f := range rec {
		f = strings.TrimSpace(f)
		if _, err := strconv.ParseFloat(f, 64); f == "" || err == nil || seen[f] {
			return false
		}
		seen[f] = true
	}
	return true
}

// sniffDelimiter picks among comma, semicolon, tab and pipe the delimiter
// found the same number of times (outside quotes) on the most of the first
// 20 lines, preferring more fields on a tie; comma if none is found.
func sniffDelimiter(s string) rune {
	var lines []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, unquoted(line))
		}
		if len(lines) == 20 {
			break
		}
	}
	best, bestScore, bestCount := ',', 0, 0
	for _, d := range []string{",", ";", "\t", "|"} {
		if len(lines) == 0 {
			break
		}
		count := strings.Count(lines[0], d)
		if count == 0 {
			continue
		}
		score := 0
		for _, l := range lines {
			if strings.Count(l, d) == count {
				score++
			}
		}
		if score > bestScore || score == bestScore && count > bestCount {
			best, bestScore, bestCount = rune(d[0]), score, count
		}
	}
	return best
}

// unquoted removes the double-quoted parts of a line.
func unquoted(line string) string {
	var sb strings.Builder
	in := false
	for _, r := range line {
		if r == '"' {
			in = !in
			continue
		}
		if !in {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

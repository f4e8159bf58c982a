package document

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// maxPDFObjects bounds the object numbers a PDF may use: the reader sizes
// its cross-reference table (32 bytes an entry) from them.
const maxPDFObjects = 1 << 22

// checkPDF looks in the raw bytes of a PDF for what would make the reader
// exhaust memory or loop forever, which no recover can stop: object counts,
// cross-reference subsections, /Index ranges, /W widths and /Columns out of
// range, a /Prev chain of cross-reference sections that loops, and object
// streams that extend each other in a loop. It runs before the reader.
func checkPDF(data []byte) error {
	for _, key := range []string{"/Size", "/N", "/Columns"} {
		for _, v := range intsAfter(data, key) {
			for _, n := range v {
				if n > maxPDFObjects {
					return fmt.Errorf("%s %d out of range", key, n)
				}
			}
		}
	}
	for _, v := range intsAfter(data, "/W") {
		for _, n := range v {
			if n < 0 || n > 8 {
				return fmt.Errorf("cross-reference stream field width %d out of range", n)
			}
		}
	}
	for _, v := range intsAfter(data, "/Index") {
		for i := 0; i+1 < len(v); i += 2 {
			if v[i] < 0 || v[i+1] < 0 || v[i]+v[i+1] > maxPDFObjects {
				return fmt.Errorf("cross-reference stream index %d %d out of range", v[i], v[i+1])
			}
		}
	}
	if err := checkXrefTables(data); err != nil {
		return err
	}
	if err := checkPrevChain(data); err != nil {
		return err
	}
	return checkExtends(data)
}

// intsAfter returns, for each occurrence of the name key (not a longer
// name) in data, the integer that follows or the integers of the array
// that follows (at most 64).
func intsAfter(data []byte, key string) [][]int64 {
	var out [][]int64
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte(key))
		if j < 0 {
			return out
		}
		i += j + len(key)
		if i >= len(data) || !isPDFSpace(data[i]) && data[i] != '[' {
			continue
		}
		rest := data[i:min(len(data), i+1024)]
		rest = bytes.TrimLeft(rest, " \t\r\n\f\x00")
		if len(rest) > 0 && rest[0] == '[' {
			end := bytes.IndexByte(rest, ']')
			if end < 0 {
				end = len(rest)
			}
			out = append(out, ints(rest[1:end], 64))
		} else {
			out = append(out, ints(rest, 1))
		}
	}
}

var intRE = regexp.MustCompile(`^[\s\x00]*([+-]?\d{1,18})`)

// ints parses up to n integers separated by white space at the start of b.
func ints(b []byte, n int) []int64 {
	var out []int64
	for len(out) < n {
		m := intRE.FindSubmatchIndex(b)
		if m == nil {
			break
		}
		v, _ := strconv.ParseInt(string(b[m[2]:m[3]]), 10, 64)
		out = append(out, v)
		b = b[m[1]:]
		if len(b) > 0 && !isPDFSpace(b[0]) {
			break // 1.5 or 12/Name: not a list of integers
		}
	}
	return out
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0
}

// xrefTableRE finds the subsection headers of cross-reference tables: the
// line after "xref", and lines of two numbers between entries.
var xrefTableRE = regexp.MustCompile(`(?:^|[\r\n])[ \t]*(\d{1,18})[ \t]+(\d{1,18})[ \t]*[\r\n]`)

// checkXrefTables checks that the subsections of every cross-reference
// table stay within maxPDFObjects.
func checkXrefTables(data []byte) error {
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("xref"))
		if j < 0 {
			return nil
		}
		start := i + j
		i = start + 4
		if start > 0 && !isPDFSpace(data[start-1]) || i >= len(data) || !isPDFSpace(data[i]) {
			continue // startxref, or a longer word
		}
		end := bytes.Index(data[i:], []byte("trailer"))
		if end < 0 {
			end = len(data) - i
		}
		for _, m := range xrefTableRE.FindAllSubmatch(data[i:i+end], -1) {
			first, _ := strconv.ParseInt(string(m[1]), 10, 64)
			count, _ := strconv.ParseInt(string(m[2]), 10, 64)
			if first+count > maxPDFObjects {
				return fmt.Errorf("cross-reference subsection %d %d out of range", first, count)
			}
		}
	}
}

// checkPrevChain follows the /Prev links between cross-reference sections
// from the last startxref, as the reader does, and fails if they loop.
func checkPrevChain(data []byte) error {
	i := bytes.LastIndex(data, []byte("startxref"))
	if i < 0 {
		return nil
	}
	v := ints(data[i+len("startxref"):], 1)
	seen := map[int64]bool{}
	for len(v) == 1 && v[0] >= 0 && v[0] < int64(len(data)) {
		at := v[0]
		if seen[at] || len(seen) > 1000 {
			return errors.New("cross-reference sections form a loop")
		}
		seen[at] = true
		sec := data[at:]
		var dict []byte
		if bytes.HasPrefix(bytes.TrimLeft(sec, " \t\r\n\f\x00"), []byte("xref")) {
			t := bytes.Index(sec, []byte("trailer"))
			if t < 0 {
				return nil
			}
			dict = sec[t:]
			if end := bytes.Index(dict, []byte("startxref")); end >= 0 {
				dict = dict[:end]
			}
		} else {
			end := bytes.Index(sec, []byte("stream"))
			if end < 0 {
				return nil
			}
			dict = sec[:end]
		}
		prev := intsAfter(dict, "/Prev")
		if len(prev) == 0 {
			return nil
		}
		v = prev[0]
	}
	return nil
}

// objRE finds object headers: "N G obj".
var objRE = regexp.MustCompile(`(\d{1,18})[\s\x00]+\d{1,18}[\s\x00]+obj\b`)

// checkExtends fails if object streams extend each other in a loop.
func checkExtends(data []byte) error {
	if !bytes.Contains(data, []byte("/Extends")) {
		return nil
	}
	next := map[int64]int64{}
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("/Extends"))
		if j < 0 {
			break
		}
		at := i + j
		i = at + len("/Extends")
		to := ints(data[i:min(len(data), i+64)], 1)
		objs := objRE.FindAllSubmatch(data[max(0, at-4096):at], -1)
		if len(to) == 1 && len(objs) > 0 {
			from, _ := strconv.ParseInt(string(objs[len(objs)-1][1]), 10, 64)
			next[from] = to[0]
		}
	}
	for start := range next {
		n, ok := start, true
		for steps := 0; ok; steps++ {
			if steps > len(next) {
				return errors.New("object streams extend each other in a loop")
			}
			n, ok = next[n]
		}
	}
	return nil
}

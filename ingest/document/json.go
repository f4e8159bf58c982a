package document

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// readJSON flattens JSON into lines "a.b[0].c: value", in document order
// (keys keep their order). A top-level array gives one section per item,
// paths starting at "[i]"; a stream of several values (JSON Lines) one
// section per value; a single object or scalar one section. Empty objects
// and arrays give no line. Nesting deeper than MaxDepth is refused.
func readJSON(b *builder, data []byte, _ Limits) error {
	s, err := decodeText(b.format, data)
	if err != nil {
		return err
	}
	f := &flattener{b: b, dec: json.NewDecoder(strings.NewReader(s))}
	f.dec.UseNumber()
	for n := 0; ; n++ {
		tok, err := f.nextValue()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if n > 0 {
			b.doc.Records = true
		}
		if d, ok := tok.(json.Delim); ok && d == '[' && n == 0 {
			if err := f.array(); err != nil {
				return err
			}
			continue
		}
		if err := f.flatten(tok, ""); err != nil {
			return err
		}
		if err := f.flush(); err != nil {
			return err
		}
	}
}

// flattener writes the lines of JSON values read from dec into sections.
type flattener struct {
	b     *builder
	dec   *json.Decoder
	lines strings.Builder // the section being written
}

// next returns the next token inside a value, checking the context and
// turning decoder errors into ErrCorrupt.
func (f *flattener) next() (json.Token, error) {
	tok, err := f.nextValue()
	if err == io.EOF {
		return nil, corrupt(f.b.format, errors.New("truncated JSON"))
	}
	return tok, err
}

// nextValue returns the next token, or io.EOF at the end of the input
// between values.
func (f *flattener) nextValue() (json.Token, error) {
	if err := f.b.tick(); err != nil {
		return nil, err
	}
	tok, err := f.dec.Token()
	if err == nil || err == io.EOF {
		return tok, err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, corrupt(f.b.format, errors.New("truncated JSON"))
	}
	if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
		return nil, corrupt(f.b.format, fmt.Errorf("%w (at byte %d)", err, se.Offset))
	}
	return nil, corrupt(f.b.format, err)
}

// array reads the items of a top-level array (its '[' already read), one
// section each.
func (f *flattener) array() error {
	f.b.doc.Records = true
	for i := 0; ; i++ {
		tok, err := f.next()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok && d == ']' {
			return nil
		}
		if err := f.flatten(tok, fmt.Sprintf("[%d]", i)); err != nil {
			return err
		}
		if err := f.flush(); err != nil {
			return err
		}
	}
}

// flush adds the lines written so far as a section.
func (f *flattener) flush() error {
	err := f.b.add(f.lines.String(), 0)
	f.lines.Reset()
	return err
}

// frame is an object or array being read by flatten.
type frame struct {
	path  string
	array bool
	n     int // members read so far
}

// flatten reads the rest of the value that starts with tok, at path,
// writing a line per scalar. It is iterative: depth costs no stack.
func (f *flattener) flatten(tok json.Token, path string) error {
	var stack []frame
	for {
		if d, ok := tok.(json.Delim); ok {
			if len(stack) >= MaxDepth {
				return fail(f.b.format, ErrTooLarge, "nesting deeper than %d levels", MaxDepth)
			}
			stack = append(stack, frame{path: path, array: d == '['})
		} else if err := f.line(path, tok); err != nil {
			return err
		}
		// Close the containers that end here, then find the next value.
		for {
			if len(stack) == 0 {
				return nil
			}
			var err error
			if tok, err = f.next(); err != nil {
				return err
			}
			if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
				stack = stack[:len(stack)-1]
				continue
			}
			top := &stack[len(stack)-1]
			if top.array {
				path = fmt.Sprintf("%s[%d]", top.path, top.n)
			} else {
				path = tok.(string) // the decoder only returns a string here
				if top.path != "" {
					path = top.path + "." + path
				}
				if tok, err = f.next(); err != nil {
					return err
				}
			}
			top.n++
			break
		}
	}
}

// line writes "path: value" (or the value alone at the top level).
func (f *flattener) line(path string, v json.Token) error {
	var s string
	switch v := v.(type) {
	case nil:
		s = "null"
	case string:
		s = v
	default:
		s = fmt.Sprint(v)
	}
	if err := f.b.room(f.lines.Len() + len(path) + len(s) + 3); err != nil {
		return err
	}
	if path != "" {
		f.lines.WriteString(path)
		f.lines.WriteString(": ")
	}
	f.lines.WriteString(s)
	f.lines.WriteByte('\n')
	return nil
}

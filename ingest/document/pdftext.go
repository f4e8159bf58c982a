package document

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/ledongthuc/pdf"
)

// maxFormDepth bounds the nesting of form XObjects drawn by a page.
const maxFormDepth = 8

// pageReader extracts the text of one PDF page in content stream order:
// text objects and moves to a new line start new lines, large negative
// adjustments in TJ arrays (word gaps, as TeX writes them) become spaces,
// and the text of form XObjects the page draws is included. It checks the
// context and the text limit while it interprets, and the decompressed
// size of every stream before interpreting it.
type pageReader struct {
	b      *builder
	limit  int64 // decompressed bytes the page's streams may take
	budget int64 // what is left of limit
	out    strings.Builder
	ops    int
}

// pageText returns the text of page p. An *Error means a limit was hit or
// the context ended; any other error that the page is unreadable.
func pageText(b *builder, p pdf.Page, maxUnpacked int64) (text string, err error) {
	defer func() {
		if x := recover(); x != nil {
			if e, ok := x.(*Error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", x)
			}
		}
	}()
	pr := &pageReader{b: b, limit: maxUnpacked, budget: maxUnpacked}
	pr.content(p.V.Key("Contents"), inherited(p.V, "Resources"), 0)
	return strings.ToValidUTF8(pr.out.String(), "\uFFFD"), nil
}

// content interprets a content stream (or array of streams) drawn with
// the given resources.
func (pr *pageReader) content(strm, res pdf.Value, depth int) {
	if strm.Kind() != pdf.Stream && strm.Kind() != pdf.Array {
		return
	}
	pr.spend(strm)
	fontDict := res.Key("Font")
	for _, name := range fontDict.Keys() {
		pr.spendCMap(fontDict.Key(name).Key("ToUnicode"))
	}
	fonts := map[string]*pdf.Font{}
	var enc pdf.TextEncoding
	pdf.Interpret(strm, func(stk *pdf.Stack, op string) {
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		pr.tick()
		switch op {
		case "BT", "T*":
			pr.newline()
		case "Td", "TD":
			if len(args) == 2 && args[1].Float64() != 0 {
				pr.newline()
			}
		case "Tf":
			if len(args) == 2 {
				name := args[0].Name()
				f, ok := fonts[name]
				if !ok {
					f = &pdf.Font{V: res.Key("Font").Key(name)}
					fonts[name] = f
				}
				enc = f.Encoder()
			}
		case "'", "\"":
			pr.newline()
			if len(args) > 0 {
				pr.show(enc, args[len(args)-1])
			}
		case "Tj":
			if len(args) == 1 {
				pr.show(enc, args[0])
			}
		case "TJ":
			if len(args) == 1 {
				for i := 0; i < args[0].Len(); i++ {
					x := args[0].Index(i)
					if k := x.Kind(); k == pdf.Integer || k == pdf.Real {
						if x.Float64() < -200 {
							pr.space()
						}
						continue
					}
					pr.show(enc, x)
				}
			}
		case "Do":
			if len(args) == 1 && depth < maxFormDepth {
				xo := res.Key("XObject").Key(args[0].Name())
				if xo.Key("Subtype").Name() == "Form" {
					fres := xo.Key("Resources")
					if fres.Kind() != pdf.Dict {
						fres = res
					}
					pr.newline()
					pr.content(xo, fres, depth+1)
					pr.newline()
				}
			}
		}
	})
}

// show writes a string operand decoded with enc.
func (pr *pageReader) show(enc pdf.TextEncoding, v pdf.Value) {
	if v.Kind() != pdf.String {
		return
	}
	s := v.RawString()
	if enc != nil {
		s = enc.Decode(s)
	}
	pr.out.WriteString(s)
}

func (pr *pageReader) newline() { pr.gap('\n') }
func (pr *pageReader) space()   { pr.gap(' ') }

// gap writes c unless the text is empty or already ends with a space or a
// line break.
func (pr *pageReader) gap(c byte) {
	s := pr.out.String()
	if s == "" {
		return
	}
	switch s[len(s)-1] {
	case '\n':
		return
	case ' ':
		if c == ' ' {
			return
		}
	}
	pr.out.WriteByte(c)
}

// tick checks the context and the text limit every 256 operators,
// stopping the interpretation with a panic that pageText recovers.
func (pr *pageReader) tick() {
	if pr.ops++; pr.ops%256 != 0 {
		return
	}
	if err := pr.b.ctx.Err(); err != nil {
		panic(stopped(pr.b.format, err))
	}
	if err := pr.b.room(pr.out.Len()); err != nil {
		panic(err)
	}
}

// cmapCountRE finds the entry counts of the blocks of a CMap.
var cmapCountRE = regexp.MustCompile(`(\d+)\s*begin(?:bfchar|bfrange|codespacerange|cidchar|cidrange)`)

// maxCMapBlock bounds the entries of a block of a CMap (the specification
// allows 100): the reader appends as many entries as a block claims.
const maxCMapBlock = 10000

// spendCMap spends a ToUnicode stream as spend does, and refuses a CMap
// whose blocks claim more entries than maxCMapBlock.
func (pr *pageReader) spendCMap(strm pdf.Value) {
	if strm.Kind() != pdf.Stream {
		return
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(strm.Reader(), pr.budget+1))
	pr.charge(n, err)
	for _, m := range cmapCountRE.FindAllSubmatch(buf.Bytes(), -1) {
		if n, err := strconv.Atoi(string(m[1])); err != nil || n > maxCMapBlock {
			panic(fmt.Errorf("font CMap block of %s entries", m[1]))
		}
	}
}

// spend reads a stream (or array of streams) to its end, counting its
// decompressed bytes against the page's budget: a compression bomb is
// refused before it is interpreted.
func (pr *pageReader) spend(strm pdf.Value) {
	if strm.Kind() == pdf.Array {
		for i := 0; i < strm.Len(); i++ {
			pr.spend(strm.Index(i))
		}
		return
	}
	if strm.Kind() != pdf.Stream {
		return
	}
	pr.charge(io.Copy(io.Discard, io.LimitReader(strm.Reader(), pr.budget+1)))
}

// charge takes n decompressed bytes from the budget.
func (pr *pageReader) charge(n int64, err error) {
	if pr.budget -= n; pr.budget < 0 {
		panic(fail(pr.b.format, ErrTooLarge, "page content decompresses to more than %s (compression bomb?)", size(pr.limit)))
	}
	if err != nil && !errors.Is(err, io.EOF) {
		panic(err)
	}
}

// inherited returns the value of key in a page or its nearest ancestor that
// has it, as Page.Resources does, but going up at most MaxDepth parents: a
// cycle of parents must not hang.
func inherited(v pdf.Value, key string) pdf.Value {
	for range MaxDepth {
		if v.IsNull() {
			break
		}
		if r := v.Key(key); !r.IsNull() {
			return r
		}
		v = v.Key("Parent")
	}
	return pdf.Value{}
}

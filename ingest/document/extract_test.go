package document_test

import (
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/ingest/document"
)

func TestExtractFixtures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		want    []string // sentences found in the text
		notWant []string
		records bool
	}{
		{name: "report.pdf", want: []string{
			"Field report on the lighthouse keepers",
			"The first page describes the northern lighthouse and its two keepers.",
			"Café crème and naïve façades: the village keeps its French names.",
			"Grüße aus Köln were written on the postcard found in the logbook.",
			"Ελληνικά γράμματα appear in the margin of the last entry.",
			"The third page explains why the automatic lamp replaced the keepers in 1931.",
		}},
		{name: "restricted.pdf", want: []string{"The second page tells how the storm of 1893 broke the southern lens."}},
		{name: "guide.docx", want: []string{
			"Gardening guide\n\nTomatoes need at least six hours of sun a day.",
			"Señora García’s advice: mulch keeps the soil moist.",
			"Plant | Sow in | Harvest in\nTomato | March | August\nBasil | April | July",
			"- A spade for digging\n- A rake for levelling",
			"- Sow the seeds.",
		}},
		{name: "notes.txt", want: []string{
			"Meeting notes, spring planning\n\nWe decided to move the weekly sync to Thursday mornings.",
			"Action items: Ana checks the backup timings",
		}},
		{name: "latin1.txt", want: []string{"Crème brûlée, pâté de campagne et gâteau à la noix de coco.", "Naïve question: où est le café?", "Äpfel und Öl aus Köln, © 2024."}},
		{name: "utf16.txt", want: []string{"UTF-16 text: Zürich, Ελλάδα and 東京 are three places.\nSecond line."}, notWant: []string{"\r", "\ufeff"}},
		{name: "readme.md", want: []string{"# Project Lighthouse", "- `threshold`: how many minutes", "threshold = 20\nchannel = \"#builds\""}},
		{name: "config.json", want: []string{
			"service: lighthouse\nversion: 3\nenabled: true\nowner.name: Ana Lima",
			"thresholds.ratios[1]: 0.75", "channels[1].name: #oncall", "channels[1].muted: null",
			"notes: Zürich office runs the night shift",
		}, notWant: []string{"empty", "none"}},
		{name: "records.jsonl", records: true, want: []string{"id: 1\nevent: deploy\nservice: api\nok: true\n\nid: 2", "tags[1]: green"}},
		{name: "people.csv", records: true, want: []string{
			"name: Ada Lovelace | born: 1815 | field: mathematics | known for: the first published algorithm",
			`name: Grace Hopper | born: 1906 | field: computer science | known for: COBOL, and the word "bug"`,
		}, notWant: []string{"name: name"}},
		{name: "people-semicolon.csv", records: true, want: []string{
			"city: Zürich | country: Switzerland | population: 421878 | note: banks; chocolate",
			"city: Kraków | country: Poland | population: 804237",
		}},
		{name: "page.html", want: []string{
			"Harbour museum – opening hours",
			"The museum keeps the logbooks of the lighthouse keepers & their instruments.",
			"Entry costs 5 € for adults\nand nothing for children.",
			"Day | Hours\nMonday | closed\nTuesday–Sunday | 10:00–17:00",
			"- Guided tours at noon\n- Café on the first floor",
			"  preformatted   spacing\n  kept as is",
		}, notWant: []string{"script text", "style text", "template text", "color:", "JavaScript", "console.log"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := MustExtract(t, tc.name)
			text := doc.Text()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q; text:\n%s", w, text)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(text, w) {
					t.Errorf("text has %q; text:\n%s", w, text)
				}
			}
			if doc.Records != tc.records {
				t.Errorf("Records=%v, want %v", doc.Records, tc.records)
			}
			if doc.Format != MustFormat(t, tc.name) {
				t.Errorf("Format=%q, want %q", doc.Format, MustFormat(t, tc.name))
			}
			for i, s := range doc.Sections {
				if s.Text == "" || s.Text != strings.TrimSpace(s.Text) || strings.Contains(s.Text, "\r") {
					t.Errorf("section %d not clean: %q", i, s.Text)
				}
			}
		})
	}
}

func TestExtractPDFPages(t *testing.T) {
	doc := MustExtract(t, "report.pdf")
	if doc.Pages != 3 || len(doc.Sections) != 3 {
		t.Fatalf("Pages=%d, sections=%d, want 3 and 3", doc.Pages, len(doc.Sections))
	}
	for i, want := range []string{"The first page", "The second page", "The third page"} {
		s := doc.Sections[i]
		if s.Page != i+1 || !strings.Contains(s.Text, want) {
			t.Errorf("section %d: Page=%d text=%q, want page %d with %q", i, s.Page, s.Text, i+1, want)
		}
	}
	if strings.Contains(doc.Text(), "\ufb01") {
		t.Errorf("ligature left in text")
	}
	if len(doc.Warnings) != 0 {
		t.Errorf("Warnings=%q", doc.Warnings)
	}
}

func TestExtractCSVRows(t *testing.T) {
	doc := MustExtract(t, "people.csv")
	if len(doc.Sections) != 12 {
		t.Fatalf("sections=%d, want 12 rows", len(doc.Sections))
	}
	// No header: a first row of numbers is data, named by column.
	doc2, err := document.Extract(t.Context(), document.CSV, []byte("1;2;3\n4;5\n6;7;8;9\n"), document.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := "column 1: 1 | column 2: 2 | column 3: 3\n\ncolumn 1: 4 | column 2: 5\n\ncolumn 1: 6 | column 2: 7 | column 3: 8 | column 4: 9"
	if got := doc2.Text(); got != want {
		t.Errorf("Text()=%q, want %q", got, want)
	}
	// Tabs.
	doc3, err := document.Extract(t.Context(), document.CSV, []byte("a\tb\nx, y\tz|w\n"), document.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := doc3.Text(), "a: x, y | b: z|w"; got != want {
		t.Errorf("Text()=%q, want %q", got, want)
	}
}

func TestExtractJSONTopLevelArray(t *testing.T) {
	doc, err := document.Extract(t.Context(), document.JSON, []byte(`[{"a":1,"b":{"c":[true,"x"]}}, 2, "three", [], {}]`), document.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"[0].a: 1\n[0].b.c[0]: true\n[0].b.c[1]: x", "[1]: 2", "[2]: three"}
	if len(doc.Sections) != len(want) || !doc.Records {
		t.Fatalf("sections=%+v records=%v, want %q", doc.Sections, doc.Records, want)
	}
	for i, w := range want {
		if doc.Sections[i].Text != w {
			t.Errorf("section %d=%q, want %q", i, doc.Sections[i].Text, w)
		}
	}
}

func TestExtractTextEncodings(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want string
	}{
		{"utf-8 BOM and CRLF", "\xef\xbb\xbfone\r\ntwo\r\n\r\n\r\n\r\nthree  \r\n", "one\ntwo\n\nthree"},
		{"UTF-16BE", "\xfe\xff\x00h\x00\xe9", "hé"},
		{"Windows-1252", "\x93quoted\x94 \x80 5", "“quoted” € 5"},
		{"UTF-8 with a stray byte", "naïve café \xff résumé", "naïve café \ufffd résumé"},
		{"controls dropped", "a\x01b\x7fc in a line of text", "abc in a line of text"},
	} {
		doc, err := document.Extract(t.Context(), document.TXT, []byte(tc.in), document.Limits{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := doc.Text(); got != tc.want {
			t.Errorf("%s: Text()=%q, want %q", tc.name, got, tc.want)
		}
	}
}

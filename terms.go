package memory

import (
	"strings"
	"unicode"
)

// stopWords are English function words left out of keyword queries: they
// match nearly every memory and only add noise to BM25 (an NLTK-style list,
// as in the LoCoMo study that chose the defaults).
var stopWords = func() map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at be
		because been before being below between both but by can could did do does doing down during each
		few for from further had has have having he her here hers herself him himself his how i if in
		into is it its itself just me more most my myself no nor not now of off on once only or other
		our ours ourselves out over own same she should so some such than that the their theirs them
		themselves then there these they this those through to too under until up very was we were what
		when where which while who whom why will with would you your yours yourself yourselves s t don
		didn doesn isn wasn aren weren won wouldn shouldn couldn ll re ve d m`) {
		m[w] = true
	}
	return m
}()

// Words splits text into lower-case words of letters and digits, in order,
// with duplicates. Apostrophes inside a word split it ("don't" → "don",
// "t"), like FTS5's unicode61 tokenizer.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// QueryTerms returns the distinct words of a search query without stop
// words, in order of first appearance. A query made only of stop words keeps
// them, so that it still finds something.
func QueryTerms(query string) []string {
	words := Words(query)
	seen := make(map[string]bool, len(words))
	var terms, all []string
	for _, w := range words {
		if seen[w] {
			continue
		}
		seen[w] = true
		all = append(all, w)
		if !stopWords[w] {
			terms = append(terms, w)
		}
	}
	if len(terms) == 0 {
		return all
	}
	return terms
}

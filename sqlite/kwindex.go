package sqlite

// The keyword index: an in-memory copy of the FTS5 index (every live
// memory's tokens, as SQLite's own tokenizer made them) with what the
// filters need, kept in step with the database like the vector slab (see
// kwload.go), and searched by kwsearch.go with the scores of FTS5's bm25().

import (
	"slices"
	"sync"
)

// kwIndex holds the tokens of every live memory (of every owner, as FTS5
// does: its statistics are those of the whole table). A document lives in
// a slot; slots are appended in order, so that posting lists stay sorted,
// and a removed document leaves a dead slot (owner 0) until compact
// renumbers them.
type kwIndex struct {
	mu sync.RWMutex // held for writing by refreshes, for reading by searches

	seq    int64 // counters.seq this index reflects
	purges int64 // counters.purges this index reflects
	rows   int64 // live documents: FTS5's row count
	tokens int64 // their tokens: FTS5's total size

	// Per slot.
	ids        []int64
	owners     []uint32 // 0: dead slot
	created    []int64
	superseded []bool
	length     []uint32 // the document's tokens (FTS5's column size)
	fwdEnd     []uint32 // the slot's entries are fwdTerm[fwdEnd[i-1]:fwdEnd[i]]

	// The forward index: each slot's distinct terms, ascending, and how
	// often each occurs in it.
	fwdTerm []uint32
	fwdTF   []uint32

	slot  map[int64]int32   // row id → live slot
	owner map[string]uint32 // owner → number, from 1
	vocab map[string]uint32 // token → term
	terms []kwTerm
	dead  int // dead slots

	termMu    sync.Mutex
	termCache map[string]termToken // query term → its tokens (see termTokens)
}

// kwTerm is one token's posting list and the bounds of its scores.
type kwTerm struct {
	post   []uint32 // slots containing the term, ascending; dead ones included
	df     int64    // live documents containing it
	maxTF  uint32   // the most occurrences in one document of post
	minLen uint32   // the shortest document of post
}

// newKWIndex returns an empty index.
func newKWIndex() *kwIndex {
	return &kwIndex{
		slot:  make(map[int64]int32),
		owner: make(map[string]uint32),
		vocab: make(map[string]uint32),

		termCache: make(map[string]termToken),
	}
}

// kwDoc is a document to add: a live memory and its tokens.
type kwDoc struct {
	id         int64
	owner      []byte
	created    int64
	superseded bool
	tokens     []string
}

// termOf returns the term of token, creating it.
func (x *kwIndex) termOf(token string) uint32 {
	if t, ok := x.vocab[token]; ok {
		return t
	}
	t := uint32(len(x.terms))
	x.vocab[token] = t
	x.terms = append(x.terms, kwTerm{minLen: ^uint32(0)})
	return t
}

// ownerOf returns the number of owner, creating it.
func (x *kwIndex) ownerOf(owner []byte) uint32 {
	if o, ok := x.owner[string(owner)]; ok { // no allocation
		return o
	}
	o := uint32(len(x.owner) + 1)
	x.owner[string(owner)] = o
	return o
}

// add indexes a live document, replacing the row's former version. buf is
// scratch space, returned for reuse.
func (x *kwIndex) add(d kwDoc, buf []uint32) []uint32 {
	x.remove(d.id)
	buf = buf[:0]
	for _, tok := range d.tokens {
		buf = append(buf, x.termOf(tok))
	}
	slices.Sort(buf)
	i := int32(len(x.ids))
	n := uint32(len(d.tokens))
	x.ids = append(x.ids, d.id)
	x.owners = append(x.owners, x.ownerOf(d.owner))
	x.created = append(x.created, d.created)
	x.superseded = append(x.superseded, d.superseded)
	x.length = append(x.length, n)
	for j := 0; j < len(buf); {
		t := buf[j]
		k := j + 1
		for k < len(buf) && buf[k] == t {
			k++
		}
		tf := uint32(k - j)
		x.fwdTerm = append(x.fwdTerm, t)
		x.fwdTF = append(x.fwdTF, tf)
		term := &x.terms[t]
		term.post = append(term.post, uint32(i))
		term.df++
		term.maxTF = max(term.maxTF, tf)
		term.minLen = min(term.minLen, n)
		j = k
	}
	x.fwdEnd = append(x.fwdEnd, uint32(len(x.fwdTerm)))
	x.slot[d.id] = i
	x.rows++
	x.tokens += int64(n)
	return buf
}

// fwd returns the range of slot i's entries in the forward index.
func (x *kwIndex) fwd(i int32) (lo, hi uint32) {
	if i > 0 {
		lo = x.fwdEnd[i-1]
	}
	return lo, x.fwdEnd[i]
}

// remove drops the document of row id, if indexed.
func (x *kwIndex) remove(id int64) {
	i, ok := x.slot[id]
	if !ok {
		return
	}
	delete(x.slot, id)
	lo, hi := x.fwd(i)
	for _, t := range x.fwdTerm[lo:hi] {
		x.terms[t].df--
	}
	x.owners[i] = 0
	x.rows--
	x.tokens -= int64(x.length[i])
	x.dead++
}

// setAttrs updates what the filters read of a live document whose text
// did not change.
func (x *kwIndex) setAttrs(id int64, owner []byte, created int64, superseded bool) bool {
	i, ok := x.slot[id]
	if !ok {
		return false
	}
	x.owners[i] = x.ownerOf(owner)
	x.created[i] = created
	x.superseded[i] = superseded
	return true
}

// pack moves the posting lists into one exactly sized array, leaving the
// spare capacity that appends gave them while loading. A list that grows
// later moves out of it (each list's capacity ends where it does).
func (x *kwIndex) pack() {
	n := 0
	for _, t := range x.terms {
		n += len(t.post)
	}
	arena := make([]uint32, n)
	for i := range x.terms {
		t := &x.terms[i]
		k := copy(arena, t.post)
		t.post, arena = arena[:k:k], arena[k:]
	}
}

// compact renumbers the live slots when dead ones are more than a quarter
// of all, dropping the dead from the posting lists and recomputing the
// bounds, so that removals give memory back and keep scans short.
func (x *kwIndex) compact() {
	if x.dead < 1024 || x.dead < len(x.ids)/4 {
		return
	}
	renum := make([]int32, len(x.ids))
	n := int32(0)
	var fwdTerm, fwdTF []uint32
	fwdEnd := make([]uint32, 0, len(x.ids)-x.dead)
	for i := range x.ids {
		if x.owners[i] == 0 {
			renum[i] = -1
			continue
		}
		renum[i] = n
		lo, hi := x.fwd(int32(i))
		fwdTerm = append(fwdTerm, x.fwdTerm[lo:hi]...)
		fwdTF = append(fwdTF, x.fwdTF[lo:hi]...)
		fwdEnd = append(fwdEnd, uint32(len(fwdTerm)))
		x.ids[n], x.owners[n], x.created[n], x.superseded[n], x.length[n] =
			x.ids[i], x.owners[i], x.created[i], x.superseded[i], x.length[i]
		x.slot[x.ids[n]] = n
		n++
	}
	// Copies, so that the dead slots' memory is freed (a clipped slice
	// would keep its whole array).
	x.ids = slices.Clone(x.ids[:n])
	x.owners = slices.Clone(x.owners[:n])
	x.created = slices.Clone(x.created[:n])
	x.superseded = slices.Clone(x.superseded[:n])
	x.length = slices.Clone(x.length[:n])
	x.fwdTerm, x.fwdTF, x.fwdEnd = fwdTerm, fwdTF, fwdEnd
	for t := range x.terms {
		term := &x.terms[t]
		post := term.post[:0]
		term.maxTF, term.minLen = 0, ^uint32(0)
		for _, old := range term.post {
			if j := renum[old]; j >= 0 {
				post = append(post, uint32(j))
			}
		}
		term.post = post
	}
	x.pack() // one exactly sized array again, the old ones freed
	for i := range n {
		lo, hi := x.fwd(i)
		for e := lo; e < hi; e++ {
			term := &x.terms[x.fwdTerm[e]]
			term.maxTF = max(term.maxTF, x.fwdTF[e])
			term.minLen = min(term.minLen, x.length[i])
		}
	}
	x.dead = 0
}

package memory

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
)

// StoreRequest asks to store one memory.
type StoreRequest struct {
	Content  string
	Tags     []string
	Type     string
	Metadata map[string]any
	// ConversationID, when set, is kept in the metadata and skips semantic
	// deduplication (incremental notes of one conversation are similar on
	// purpose).
	ConversationID string
	// Hostname, when set, adds the tag "source:<hostname>" and the metadata
	// field hostname.
	Hostname string
	// CreatedAt overrides the creation time (imports, benchmarks).
	CreatedAt time.Time
	// SkipSemanticDedup stores even a near-duplicate.
	SkipSemanticDedup bool
}

// StoreResult describes what a store request wrote.
type StoreResult struct {
	// Memories holds the stored memory, or its chunks in order.
	Memories []*Memory `json:"memories"`
	// OriginalHash is the hash of the whole content when it was split.
	OriginalHash string `json:"original_hash,omitempty"`
	// Warnings tell the caller about coerced input (an unknown type) or a
	// missing vector; the memory was stored regardless.
	Warnings []string `json:"warnings,omitempty"`
}

// Store validates, normalises, deduplicates, embeds and stores one memory,
// split into linked chunks when it is longer than MaxContentLength and
// AutoSplit is on. Errors: EInvalid (empty content, bad tags), ETooLarge,
// EConflict (an exact or, with SemanticDedup, near duplicate exists).
func (s *Service) Store(ctx context.Context, req StoreRequest) (StoreResult, error) {
	s.counters.stores.Add(1)
	res, err := s.store(ctx, req)
	if err != nil {
		s.counters.storeErrors.Add(1)
	}
	return res, err
}

func (s *Service) store(ctx context.Context, req StoreRequest) (StoreResult, error) {
	var res StoreResult
	owner := OwnerFrom(ctx)
	content := NormalizeContent(req.Content)
	if content == "" {
		return res, Errorf(EInvalid, "content is empty: give the text to remember")
	}
	base, warn, err := s.prepare(ctx, owner, req)
	if err != nil {
		return res, err
	}
	if warn != "" {
		res.Warnings = append(res.Warnings, warn)
	}

	chunks := []string{content}
	if s.MaxContentLength > 0 && runeLen(content) > s.MaxContentLength {
		if !s.AutoSplit {
			return res, Errorf(ETooLarge, "content is %d characters; the limit is %d (enable auto-split or shorten it)", runeLen(content), s.MaxContentLength)
		}
		chunks = SplitContent(content, s.MaxContentLength, s.SplitOverlap)
		res.OriginalHash = ContentHash(content)
	}
	ms := make([]*Memory, len(chunks))
	for i, c := range chunks {
		m := *base
		m.Content = c
		m.Hash = ContentHash(c)
		m.Metadata = maps.Clone(base.Metadata)
		if len(chunks) > 1 {
			m.Metadata["chunk_index"] = i
			m.Metadata["total_chunks"] = len(chunks)
			m.Metadata["original_hash"] = res.OriginalHash
		}
		ms[i] = &m
	}
	if err := s.checkExact(ctx, owner, ms); err != nil {
		return res, err
	}
	if w := s.attachVectors(ctx, ms); w != "" {
		res.Warnings = append(res.Warnings, w)
	}
	dedup := s.SemanticDedup && req.ConversationID == "" && !req.SkipSemanticDedup && base.Type != "session"
	if dedup {
		if err := s.checkSimilar(ctx, owner, ms); err != nil {
			return res, err
		}
	}
	if err := s.Storage.Insert(ctx, ms); err != nil {
		return res, err
	}
	res.Memories = ms
	s.publishStored(ms)
	res.Warnings = append(res.Warnings, s.detectConflicts(ctx, owner, ms)...)
	return res, nil
}

// prepare builds the memory template shared by every chunk of a request,
// with the provenance of ctx in its metadata.
func (s *Service) prepare(ctx context.Context, owner string, req StoreRequest) (*Memory, string, error) {
	tags, err := NormalizeTags(req.Tags)
	if err != nil {
		return nil, "", err
	}
	meta := maps.Clone(req.Metadata)
	if meta == nil {
		meta = map[string]any{}
	}
	if p, ok := ProvenanceFrom(ctx); ok {
		p.record(meta)
	}
	if req.ConversationID != "" {
		meta["conversation_id"] = req.ConversationID
	}
	if h := strings.TrimSpace(req.Hostname); h != "" {
		meta["hostname"] = h
		if tags, err = NormalizeTags(append(tags, "source:"+h)); err != nil {
			return nil, "", err
		}
	}
	typ, warn := NormalizeType(req.Type)
	now := s.now()
	created := now
	if !req.CreatedAt.IsZero() {
		created = TimeMS(req.CreatedAt)
	}
	return &Memory{
		Owner:     owner,
		Tags:      tags,
		Type:      typ,
		Metadata:  meta,
		CreatedAt: created,
		UpdatedAt: now,
		Quality:   DefaultQuality,
	}, warn, nil
}

// checkExact refuses memories whose content is already stored (or repeated
// within the request).
func (s *Service) checkExact(ctx context.Context, owner string, ms []*Memory) error {
	hashes := make([]string, 0, len(ms))
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m.Hash] {
			return Errorf(EInvalid, "content splits into repeated chunks; shorten or vary it")
		}
		seen[m.Hash] = true
		hashes = append(hashes, m.Hash)
	}
	found, _, err := s.Storage.Find(ctx, Filter{Owner: owner, Hashes: hashes, IncludeSuperseded: true}, Page{Limit: 1})
	if err != nil {
		return err
	}
	if len(found) > 0 {
		return Errorf(EConflict, "duplicate content: already stored as %s", found[0].Hash)
	}
	return nil
}

// attachVectors embeds the memories' content. Without a usable embedder the
// memories are stored without vectors and the returned warning says why.
func (s *Service) attachVectors(ctx context.Context, ms []*Memory) string {
	if s.Embedder == nil {
		return ""
	}
	texts := make([]string, len(ms))
	for i, m := range ms {
		texts[i] = m.Content
	}
	vecs, err := s.embed(ctx, texts)
	if err != nil {
		s.Logger.Warn("embedding at store time", "err", err)
		return fmt.Sprintf("stored without a vector (semantic search will not find it until `memory reembed`): %s", ErrorMessage(err))
	}
	name := s.model().Name
	for i, m := range ms {
		m.EmbeddingModel = name
		if !isZero(vecs[i]) {
			m.Embedding = vecs[i]
		}
	}
	return ""
}

// checkSimilar refuses a memory nearly identical to one stored recently:
// one of its nearest neighbours at DedupThreshold or above that states the
// same figures (see sameFigures).
func (s *Service) checkSimilar(ctx context.Context, owner string, ms []*Memory) error {
	since := s.now().Add(-s.DedupWindow)
	baseline := s.strictBaselines(ctx, owner)
	for _, m := range ms {
		if m.Embedding == nil {
			continue
		}
		hits, err := s.Storage.VectorSearch(ctx, Filter{Owner: owner, After: since}, m.EmbeddingModel, m.Embedding, dedupNeighbours)
		if err != nil {
			return err
		}
		for _, h := range hits {
			c := Calibrated(h.Score, baseline(m.EmbeddingModel))
			if c < s.DedupThreshold {
				break // best first
			}
			if !sameFigures(m.Content, h.Memory.Content) {
				continue
			}
			return Errorf(EConflict, "duplicate content: semantically similar (%.2f calibrated, cosine %.3f; threshold %.2f) to %s stored %s; pass a conversation_id to store it anyway",
				c, h.Score, s.DedupThreshold, h.Memory.Hash, h.Memory.CreatedAt.Format(time.RFC3339))
		}
	}
	return nil
}

// dedupNeighbours is how many of a new memory's nearest recent memories
// checkSimilar compares it with: near-identical ones differing in their
// figures do not hide a duplicate behind them.
const dedupNeighbours = 5

// sameFigures reports whether two texts state the same figures: the same
// words holding a digit, as many times each ("9:30" is "9" and "30").
// Embedding models see little or nothing of digits, so two texts that
// differ only in a time, an amount, an address or an id embed alike; they
// say different things.
func sameFigures(a, b string) bool {
	return slices.Equal(figures(a), figures(b))
}

// figures returns the words of text that hold a digit, sorted.
func figures(text string) []string {
	var out []string
	for _, w := range Words(text) {
		if strings.ContainsFunc(w, unicode.IsDigit) {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out
}

// BatchResult reports a batch store: what was stored and what was skipped
// as an exact duplicate.
type BatchResult struct {
	Stored     []*Memory `json:"stored"`
	Duplicates []string  `json:"duplicates"`
	Warnings   []string  `json:"warnings,omitempty"`
}

// StoreBatch stores many memories in one transaction with one embedding
// call: the fast path for imports and benchmarks. Exact duplicates (of
// stored memories or within the batch) are skipped and reported; semantic
// deduplication and splitting are not applied. An invalid request fails the
// whole batch before anything is written.
func (s *Service) StoreBatch(ctx context.Context, reqs []StoreRequest) (BatchResult, error) {
	var res BatchResult
	owner := OwnerFrom(ctx)
	ms := make([]*Memory, 0, len(reqs))
	byHash := map[string]bool{}
	for i, req := range reqs {
		content := NormalizeContent(req.Content)
		if content == "" {
			return res, Errorf(EInvalid, "item %d: content is empty", i)
		}
		m, warn, err := s.prepare(ctx, owner, req)
		if err != nil {
			return res, Errorf(EInvalid, "item %d: %s", i, ErrorMessage(err))
		}
		if warn != "" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("item %d: %s", i, warn))
		}
		m.Content, m.Hash = content, ContentHash(content)
		if byHash[m.Hash] {
			res.Duplicates = append(res.Duplicates, m.Hash)
			continue
		}
		byHash[m.Hash] = true
		ms = append(ms, m)
	}
	stored, dups, warnings, err := s.insertNew(ctx, owner, ms, func(fresh []*Memory) []string {
		if w := s.attachVectors(ctx, fresh); w != "" {
			return []string{w}
		}
		return nil
	})
	res.Stored, res.Duplicates = stored, append(res.Duplicates, dups...)
	res.Warnings = append(res.Warnings, warnings...)
	return res, err
}

// dropStored splits ms into memories not yet stored and hashes already stored.
func (s *Service) dropStored(ctx context.Context, owner string, ms []*Memory) (fresh []*Memory, dups []string, err error) {
	const chunk = 500
	stored := map[string]bool{}
	for i := 0; i < len(ms); i += chunk {
		part := ms[i:min(i+chunk, len(ms))]
		hashes := make([]string, len(part))
		for j, m := range part {
			hashes[j] = m.Hash
		}
		found, _, err := s.Storage.Find(ctx, Filter{Owner: owner, Hashes: hashes, IncludeSuperseded: true}, Page{})
		if err != nil {
			return nil, nil, err
		}
		for _, m := range found {
			stored[m.Hash] = true
		}
	}
	for _, m := range ms {
		if stored[m.Hash] {
			dups = append(dups, m.Hash)
		} else {
			fresh = append(fresh, m)
		}
	}
	return fresh, dups, nil
}

// Turn is one message of a conversation stored by StoreSession.
type Turn struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// SessionRequest asks to store a conversation as session memories.
type SessionRequest struct {
	Turns     []Turn
	SessionID string // default: a random id
	Tags      []string
	Metadata  map[string]any
}

// SessionResult describes a stored session.
type SessionResult struct {
	SessionID string    `json:"session_id"`
	Turns     int       `json:"turns"`
	Memories  []*Memory `json:"memories"`
}

// StoreSession stores a conversation as one memory of type session ("[role]
// content" lines), or as several chunks split at turn boundaries when it is
// longer than SessionChunkSize; every chunk is tagged session:<id> and
// chunk:<i>/<n>. Sessions skip semantic deduplication.
func (s *Service) StoreSession(ctx context.Context, req SessionRequest) (SessionResult, error) {
	res := SessionResult{SessionID: strings.TrimSpace(req.SessionID), Turns: len(req.Turns)}
	if len(req.Turns) == 0 {
		return res, Errorf(EInvalid, "turns is empty: give at least one {role, content} turn")
	}
	if res.SessionID == "" {
		res.SessionID = randomID()
	}
	var lines []string
	for i, t := range req.Turns {
		role, text := strings.TrimSpace(t.Role), NormalizeContent(t.Content)
		if role == "" || text == "" {
			return res, Errorf(EInvalid, "turn %d: role and content are both required", i)
		}
		lines = append(lines, "["+role+"] "+text)
	}
	var chunks [][]string
	size := 0
	for _, l := range lines {
		if n := len(chunks); n == 0 || (s.SessionChunkSize > 0 && size+runeLen(l) > s.SessionChunkSize && len(chunks[n-1]) > 0) {
			chunks = append(chunks, nil)
			size = 0
		}
		chunks[len(chunks)-1] = append(chunks[len(chunks)-1], l)
		size += runeLen(l) + 1
	}
	tags := append([]string{"session:" + res.SessionID}, req.Tags...)
	for i, c := range chunks {
		t := tags
		if len(chunks) > 1 {
			t = append(append([]string{}, tags...), fmt.Sprintf("chunk:%d/%d", i+1, len(chunks)))
		}
		meta := maps.Clone(req.Metadata)
		if meta == nil {
			meta = map[string]any{}
		}
		meta["session_id"] = res.SessionID
		r, err := s.Store(ctx, StoreRequest{Content: strings.Join(c, "\n"), Tags: t, Type: "session", Metadata: meta})
		if err != nil {
			if len(res.Memories) > 0 {
				return res, fmt.Errorf("session chunk %d of %d (earlier chunks stored): %w", i+1, len(chunks), err)
			}
			return res, err
		}
		res.Memories = append(res.Memories, r.Memories...)
	}
	return res, nil
}

// randomID returns a random UUID (version 4) string.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

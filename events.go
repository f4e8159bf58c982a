package memory

import "time"

// Event types published by Service for every change it makes.
const (
	EventStored  = "memory_stored"
	EventUpdated = "memory_updated"
	EventDeleted = "memory_deleted"
	// EventUpload reports the progress of a document upload; Data holds
	// the upload.
	EventUpload = "upload_progress"
	// EventArchived and EventRestored report memories moved to the
	// archive (by forgetting) and brought back.
	EventArchived = "memory_archived"
	EventRestored = "memory_restored"
	// EventConflict reports a stored memory that conflicts with another;
	// Hashes holds both, Data the similarity and divergence.
	EventConflict = "conflict_detected"
	// EventConsolidationStarted and EventConsolidationCompleted report a
	// consolidation pass of the owner's memories; Data holds the report.
	EventConsolidationStarted   = "consolidation_started"
	EventConsolidationCompleted = "consolidation_completed"
)

// Event describes one change made through Service, whichever transport asked
// for it. Owner scopes the event: subscribers must only see their owner's.
type Event struct {
	Type  string `json:"type"`
	Owner string `json:"-"`
	// Hash is the memory changed; for a delete of several memories it is
	// empty and Hashes lists them.
	Hash       string    `json:"content_hash,omitempty"`
	Hashes     []string  `json:"content_hashes,omitempty"`
	Count      int       `json:"count"`
	Preview    string    `json:"content_preview,omitempty"`
	Tags       []string  `json:"tags,omitempty"`
	MemoryType string    `json:"memory_type,omitempty"`
	At         time.Time `json:"timestamp"`
	// Data is the payload of events that are not about memories
	// (upload_progress).
	Data any `json:"data,omitempty"`
}

// Announce publishes an event made outside the service (the progress of an
// upload) to the same subscribers as the service's own: one stream for
// every change, whichever part of the server made it.
func (s *Service) Announce(e Event) { s.publish(e) }

// previewLen is how many characters of content an event carries (upstream: 100).
const previewLen = 100

// publish hands an event to OnEvent, if set.
func (s *Service) publish(e Event) {
	if s.OnEvent == nil {
		return
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	s.OnEvent(e)
}

// publishStored announces newly stored memories: one event for one
// memory; one event listing the hashes for a batch (an import, a document's
// chunks), so that a large batch does not flood the event streams.
func (s *Service) publishStored(ms []*Memory) {
	switch len(ms) {
	case 0:
		return
	case 1:
		m := ms[0]
		s.publish(Event{Type: EventStored, Owner: m.Owner, Hash: m.Hash, Count: 1,
			Preview: Clip(m.Content, previewLen), Tags: m.Tags, MemoryType: m.Type, At: m.CreatedAt})
		return
	}
	hashes := make([]string, len(ms))
	for i, m := range ms {
		hashes[i] = m.Hash
	}
	first := ms[0]
	s.publish(Event{Type: EventStored, Owner: first.Owner, Hashes: hashes, Count: len(ms),
		Preview: Clip(first.Content, previewLen), Tags: first.Tags, MemoryType: first.Type, At: first.CreatedAt})
}

// publishUpdated announces a changed memory.
func (s *Service) publishUpdated(m *Memory) {
	s.publish(Event{Type: EventUpdated, Owner: m.Owner, Hash: m.Hash, Count: 1,
		Preview: Clip(m.Content, previewLen), Tags: m.Tags, MemoryType: m.Type, At: m.UpdatedAt})
}

// publishDeleted announces deleted memories in one event.
func (s *Service) publishDeleted(owner string, hashes []string) {
	s.publishHashes(EventDeleted, owner, hashes)
}

// publishHashes announces a change of several memories in one event.
func (s *Service) publishHashes(typ, owner string, hashes []string) {
	if len(hashes) == 0 {
		return
	}
	e := Event{Type: typ, Owner: owner, Count: len(hashes)}
	if len(hashes) == 1 {
		e.Hash = hashes[0]
	} else {
		e.Hashes = hashes
	}
	s.publish(e)
}

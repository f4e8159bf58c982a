package memory

import "time"

// Event types published by Service for every change it makes.
const (
	EventStored  = "memory_stored"
	EventUpdated = "memory_updated"
	EventDeleted = "memory_deleted"
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
}

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

// publishStored announces newly stored memories, one event each.
func (s *Service) publishStored(ms []*Memory) {
	for _, m := range ms {
		s.publish(Event{Type: EventStored, Owner: m.Owner, Hash: m.Hash, Count: 1,
			Preview: Clip(m.Content, previewLen), Tags: m.Tags, MemoryType: m.Type, At: m.CreatedAt})
	}
}

// publishUpdated announces a changed memory.
func (s *Service) publishUpdated(m *Memory) {
	s.publish(Event{Type: EventUpdated, Owner: m.Owner, Hash: m.Hash, Count: 1,
		Preview: Clip(m.Content, previewLen), Tags: m.Tags, MemoryType: m.Type, At: m.UpdatedAt})
}

// publishDeleted announces deleted memories in one event.
func (s *Service) publishDeleted(owner string, hashes []string) {
	if len(hashes) == 0 {
		return
	}
	e := Event{Type: EventDeleted, Owner: owner, Count: len(hashes)}
	if len(hashes) == 1 {
		e.Hash = hashes[0]
	} else {
		e.Hashes = hashes
	}
	s.publish(e)
}

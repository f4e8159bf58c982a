// Package hybrid is a memory.Store that answers every read and write from
// a local SQLite store and keeps a remote replica (Cloudflare, or any
// memory.Replica) in step in the background, so that several machines
// share one memory and each keeps working when the remote does not answer.
//
// Nothing acknowledged is lost: a write commits locally together with its
// entry in a durable outbox (sqlite.Store.Outbox, same transaction), and
// an entry leaves the outbox only after the remote accepted the memory. A
// crash, a kill -9 or a remote down for days leaves the outbox to be
// pushed later. Deletes travel as tombstones. Remote changes are pulled
// through the replica's change feed and merged: the newer version wins
// (memory.Version: revision, then digest), on every machine alike, and a
// local memory newer than the remote's copy is queued again, so that both
// sides converge. A periodic drift check compares versions across the whole
// store and repairs what the change feed could not see (a remote restored
// from a backup, a write made without the outbox).
//
// One process at a time syncs a database file: the syncer holds a lease row
// in the database (renewed while it runs); the others only queue their
// writes, which the lease holder pushes. Pause, resume and a forced sync are
// recorded in the database too, so `memory sync pause|now` reaches a
// running daemon.
package hybrid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/sqlite"
)

// Defaults applied by New; upstream's MCP_HYBRID_* names in parentheses.
const (
	DefaultBatchSize     = 100              // MCP_HYBRID_BATCH_SIZE
	DefaultSyncInterval  = 5 * time.Minute  // MCP_HYBRID_SYNC_INTERVAL: pull remote changes
	DefaultDriftInterval = time.Hour        // MCP_HYBRID_DRIFT_CHECK_INTERVAL
	DefaultPushDelay     = time.Second      // gather writes before a push
	DefaultPollInterval  = 5 * time.Second  // other processes' writes, lease renewal, requests
	DefaultLeaseTTL      = 30 * time.Second // another process takes over after this
	DefaultBaseBackoff   = 2 * time.Second
	DefaultMaxBackoff    = 30 * time.Minute
	// DefaultHold is how long a memory the remote refused waits before it
	// is offered again (doubling with each refusal, up to a day).
	DefaultHold = 10 * time.Minute
)

var (
	_ memory.Store           = (*Store)(nil)
	_ memory.ProblemReporter = (*Store)(nil)
)

// leaseName is the lease of the syncer of a database file.
const leaseName = "hybrid-sync"

// Store is the hybrid store. Create it with New, adjust the exported
// fields, then call Open; Close stops the syncer and closes both stores.
type Store struct {
	// RemoteName names the remote in status and logs ("cloudflare").
	RemoteName string
	// BatchSize is the number of memories per push or pull request.
	BatchSize int
	// SyncInterval is how often remote changes are pulled when nothing
	// else happens; DriftInterval how often versions are compared across
	// the whole store.
	SyncInterval, DriftInterval time.Duration
	// PushDelay gathers local writes for this long before pushing them.
	PushDelay time.Duration
	// PollInterval is how often the syncer looks for writes of other
	// processes and requests, and renews its lease; LeaseTTL how long a
	// lease outlives a syncer that stopped renewing it (kill -9).
	PollInterval, LeaseTTL time.Duration
	// BaseBackoff doubles after each failed attempt, up to MaxBackoff; a
	// rate-limited remote's Retry-After is honoured when longer.
	BaseBackoff, MaxBackoff time.Duration
	// Hold is the first wait of a memory the remote refused.
	Hold time.Duration
	// SyncOnStartup pulls remote changes as soon as Open returns.
	SyncOnStartup bool
	// Disabled keeps the syncer from running in this process (status,
	// pause, resume and forced syncs still work through the database).
	Disabled bool
	// OnEvent receives sync events (memory.EventSync*); it must not block.
	OnEvent func(memory.Event)
	// AfterPull, if set, runs in the syncer after a pull changed local
	// memories: the place to embed those that arrived without a vector of
	// the local model.
	AfterPull func(ctx context.Context)
	Logger    *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RetryAfter extracts a remote's requested wait from an error (for
	// Cloudflare, cloudflare.RetryAfter); nil means none.
	RetryAfter func(error) time.Duration

	local  *sqlite.Store
	remote memory.Replica
	id     string // this syncer's lease holder id

	nudge  chan struct{}
	forces chan forceReq
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once

	mu  sync.Mutex
	run runState // this process's syncer
}

// runState is what the running syncer knows beyond the database.
type runState struct {
	syncing  bool
	holder   bool
	retryAt  time.Time
	lastPull time.Time
	lastDrft time.Time
}

// New returns a hybrid store over local, which must have been opened with
// Outbox set, and remote. Both belong to the hybrid store from now on.
func New(local *sqlite.Store, remote memory.Replica) *Store {
	return &Store{
		RemoteName: "remote", BatchSize: DefaultBatchSize, SyncInterval: DefaultSyncInterval,
		DriftInterval: DefaultDriftInterval, PushDelay: DefaultPushDelay, PollInterval: DefaultPollInterval,
		LeaseTTL: DefaultLeaseTTL, BaseBackoff: DefaultBaseBackoff, MaxBackoff: DefaultMaxBackoff,
		Hold: DefaultHold, SyncOnStartup: true,
		local: local, remote: remote,
		nudge: make(chan struct{}, 1), forces: make(chan forceReq),
	}
}

// Local returns the local store (API keys, users and the other records
// live there).
func (s *Store) Local() *sqlite.Store { return s.local }

// Open starts the syncer. It returns an error if the local store does not
// queue its changes.
func (s *Store) Open(ctx context.Context) error {
	if !s.local.Queuing() {
		return errors.New("hybrid store: the local SQLite store must be opened with Outbox set")
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.BatchSize < 1 {
		s.BatchSize = DefaultBatchSize
	}
	var b [6]byte
	rand.Read(b[:])
	host, _ := os.Hostname()
	s.id = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	s.done = make(chan struct{})
	if s.Disabled {
		close(s.done)
		return nil
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	go s.loop(rctx)
	return nil
}

// Close stops the syncer (an attempt under way is abandoned: its memories
// stay queued), gives up the lease and closes both stores.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		if s.cancel != nil {
			s.cancel()
		}
		if s.done != nil {
			<-s.done
		}
		if s.id != "" {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			s.local.ReleaseLease(ctx, leaseName, s.id)
			cancel()
		}
		err = errors.Join(s.remote.Close(), s.local.Close())
	})
	return err
}

// wake tells the syncer that local changes are waiting.
func (s *Store) wake() {
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

// Insert stores memories locally (queued for the remote in the same
// transaction).
func (s *Store) Insert(ctx context.Context, ms []*memory.Memory) error {
	err := s.local.Insert(ctx, ms)
	if err == nil {
		s.wake()
	}
	return err
}

// Get reads the local store.
func (s *Store) Get(ctx context.Context, owner, hash string) (*memory.Memory, error) {
	return s.local.Get(ctx, owner, hash)
}

// Update changes the local memory and queues it.
func (s *Store) Update(ctx context.Context, m *memory.Memory) error {
	err := s.local.Update(ctx, m)
	if err == nil {
		s.wake()
	}
	return err
}

// Delete makes local tombstones and queues them.
func (s *Store) Delete(ctx context.Context, f memory.Filter, at time.Time, dryRun bool) ([]string, error) {
	hs, err := s.local.Delete(ctx, f, at, dryRun)
	if err == nil && !dryRun && len(hs) > 0 {
		s.wake()
	}
	return hs, err
}

// Find reads the local store.
func (s *Store) Find(ctx context.Context, f memory.Filter, p memory.Page) ([]*memory.Memory, int, error) {
	return s.local.Find(ctx, f, p)
}

// KeywordSearch searches the local store.
func (s *Store) KeywordSearch(ctx context.Context, f memory.Filter, terms []string, limit int) ([]memory.Hit, error) {
	return s.local.KeywordSearch(ctx, f, terms, limit)
}

// VectorSearch searches the local store.
func (s *Store) VectorSearch(ctx context.Context, f memory.Filter, model string, vec []float32, limit int) ([]memory.Hit, error) {
	return s.local.VectorSearch(ctx, f, model, vec, limit)
}

// Touch records access locally; access statistics travel with the next
// change of the memory, they do not trigger a sync.
func (s *Store) Touch(ctx context.Context, owner string, hashes []string, at time.Time) error {
	return s.local.Touch(ctx, owner, hashes, at)
}

// PendingEmbeddings reads the local store.
func (s *Store) PendingEmbeddings(ctx context.Context, model string, limit int) ([]*memory.Memory, error) {
	return s.local.PendingEmbeddings(ctx, model, limit)
}

// SetEmbeddings sets local vectors and queues the memories, so that a
// remote lacking a vector receives it.
func (s *Store) SetEmbeddings(ctx context.Context, us []memory.EmbeddingUpdate) error {
	err := s.local.SetEmbeddings(ctx, us)
	if err == nil {
		s.wake()
	}
	return err
}

// Tags reads the local store.
func (s *Store) Tags(ctx context.Context, owner string) ([]memory.TagCount, error) {
	return s.local.Tags(ctx, owner)
}

// Stats describes the local store.
func (s *Store) Stats(ctx context.Context, owner string) (memory.StoreStats, error) {
	return s.local.Stats(ctx, owner)
}

// Check checks the local store: a remote that does not answer is a sync
// problem (see Problems), not a storage failure.
func (s *Store) Check(ctx context.Context) error { return s.local.Check(ctx) }

// Owners returns the owners of the local store's live memories.
func (s *Store) Owners(ctx context.Context) ([]string, error) { return s.local.Owners(ctx) }

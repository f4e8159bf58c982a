package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// DefaultMaxQueued bounds the uploads waiting to be processed.
const DefaultMaxQueued = 100

// File is an uploaded file.
type File struct {
	Name string
	Data []byte
}

// Manager runs uploads in the background, one file at a time. An upload is
// acknowledged only once its files are in the spool directory (synced to
// disk) and its record is in the history, so a restart resumes it where it
// stopped: files already done are not read again.
type Manager struct {
	Ingester *Ingester
	History  History
	// Spool is the directory where uploaded files wait (created 0700);
	// each upload's files are removed when it is done.
	Spool string
	// OnChange, if set, is called with a copy of an upload whenever its
	// status or progress changes (for the event stream).
	OnChange func(Upload)
	Logger   *slog.Logger
	// MaxQueued bounds waiting uploads; 0 means DefaultMaxQueued.
	MaxQueued int

	mu      sync.Mutex
	queue   []*Upload
	current *Upload
	wake    chan struct{}
	now     func() time.Time
}

func (m *Manager) init() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.wake == nil {
		m.wake = make(chan struct{}, 1)
	}
	if m.now == nil {
		m.now = func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
	}
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
}

// Submit checks the files (type, size, emptiness: a bad one refuses the
// whole request with an error naming it), spools them and queues the
// upload for the owner in ctx. A batch is one upload with several files.
func (m *Manager) Submit(ctx context.Context, files []File, o Options, batch bool) (*Upload, error) {
	m.init()
	if len(files) == 0 {
		return nil, memory.Errorf(memory.EInvalid, "no file given")
	}
	o.UploadID = ""
	o, err := m.Ingester.resolve(o)
	if err != nil {
		return nil, err
	}
	u := &Upload{ID: o.UploadID, Owner: memory.OwnerFrom(ctx), Status: StatusQueued, Batch: batch,
		Tags: o.Tags, MemoryType: o.MemoryType, ChunkSize: o.ChunkSize, ChunkOverlap: o.ChunkOverlap,
		CreatedAt: m.now(), Errors: []string{}}
	var names []string
	for _, f := range files {
		name := filepath.Base(filepath.Clean("/" + strings.ReplaceAll(f.Name, `\`, "/")))
		format, err := m.Ingester.Check(name, int64(len(f.Data)))
		if err != nil {
			return nil, err
		}
		u.Files = append(u.Files, FileResult{Name: name, Format: format, Size: int64(len(f.Data)), Status: StatusQueued})
		u.FileSize += int64(len(f.Data))
		names = append(names, name)
	}
	u.Filename = strings.Join(names, ", ")
	limit := m.MaxQueued
	if limit <= 0 {
		limit = DefaultMaxQueued
	}
	m.mu.Lock()
	full := len(m.queue) >= limit
	m.mu.Unlock()
	if full {
		return nil, memory.Errorf(memory.EUnavailable, "too many uploads are waiting; try again when some have finished")
	}
	if err := m.spool(u, files); err != nil {
		return nil, err
	}
	// Saved and queued in one step under mu, so that Run's resume of
	// unfinished uploads either misses this one or finds it queued: never
	// runs it twice (the second run found its spool gone).
	m.mu.Lock()
	if err := m.History.SaveUpload(ctx, u); err != nil {
		m.mu.Unlock()
		os.RemoveAll(m.dir(u))
		return nil, err
	}
	// The worker owns u once it is queued: answer with a copy taken before.
	c := copyUpload(u)
	m.queue = append(m.queue, u)
	m.mu.Unlock()
	m.wakeUp()
	return c, nil
}

// dir is where an upload's files wait.
func (m *Manager) dir(u *Upload) string { return filepath.Join(m.Spool, u.ID) }

// spool writes the files of u to disk and syncs them.
func (m *Manager) spool(u *Upload, files []File) error {
	dir := m.dir(u)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("upload spool: %w", err)
	}
	for i, f := range files {
		if err := writeSynced(filepath.Join(dir, strconv.Itoa(i)), f.Data); err != nil {
			os.RemoveAll(dir)
			return fmt.Errorf("upload spool: %w", err)
		}
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// wakeUp tells Run that the queue has grown.
func (m *Manager) wakeUp() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// queuedLocked reports whether the upload id is waiting or being
// processed; m.mu is held.
func (m *Manager) queuedLocked(id string) bool {
	if m.current != nil && m.current.ID == id {
		return true
	}
	return slices.ContainsFunc(m.queue, func(u *Upload) bool { return u.ID == id })
}

// Run resumes the uploads a previous run left unfinished, then processes
// the queue until ctx is done. A file being read when ctx ends is finished
// first, so that shutdown never leaves half an upload stored.
func (m *Manager) Run(ctx context.Context) error {
	m.init()
	m.mu.Lock()
	pending, err := m.History.UnfinishedUploads(ctx)
	if err != nil {
		m.mu.Unlock()
		return fmt.Errorf("resuming uploads: %w", err)
	}
	for _, u := range pending {
		if m.queuedLocked(u.ID) {
			continue // submitted while this run started
		}
		m.Logger.Info("resuming an upload interrupted by a restart", "upload_id", u.ID, "owner", u.Owner)
		m.queue = append(m.queue, u)
	}
	m.mu.Unlock()
	for {
		m.mu.Lock()
		var u *Upload
		if len(m.queue) > 0 {
			u, m.queue = m.queue[0], m.queue[1:]
		}
		m.current = u
		m.mu.Unlock()
		if u == nil {
			select {
			case <-ctx.Done():
				return nil
			case <-m.wake:
				continue
			}
		}
		m.process(ctx, u)
		m.mu.Lock()
		m.current = nil
		m.mu.Unlock()
		if ctx.Err() != nil {
			return nil
		}
	}
}

// process ingests the files of u not done yet, saving progress after each.
func (m *Manager) process(ctx context.Context, u *Upload) {
	octx := memory.WithOwner(context.WithoutCancel(ctx), u.Owner)
	octx = memory.WithProvenance(octx, memory.Provenance{Via: "upload"})
	if u.StartedAt.IsZero() {
		u.StartedAt = m.now()
	}
	u.Status = StatusProcessing
	m.save(octx, u)
	o := Options{Tags: u.Tags, ChunkSize: u.ChunkSize, ChunkOverlap: u.ChunkOverlap, MemoryType: u.MemoryType, UploadID: u.ID}
	if o.ChunkOverlap == 0 {
		o.ChunkOverlap = -1 // resolved already: zero means none
	}
	for i, f := range u.Files {
		if f.Status == StatusCompleted || f.Status == StatusFailed {
			continue
		}
		if ctx.Err() != nil {
			return // resumed after the restart
		}
		u.Files[i].Status = StatusProcessing
		m.save(octx, u)
		var r FileResult
		data, err := os.ReadFile(filepath.Join(m.dir(u), strconv.Itoa(i)))
		if err != nil {
			r = FileResult{Name: f.Name, Format: f.Format, Size: f.Size,
				Error: fmt.Sprintf("%s: the uploaded file was lost before it was read (%v)", f.Name, errors.Unwrap(err))}
		} else {
			r, err = m.Ingester.Ingest(octx, f.Name, data, o)
			if err != nil && memory.ErrorCode(err) == memory.EInternal {
				m.Logger.Error("ingesting an upload", "upload_id", u.ID, "file", f.Name, "err", err)
				r.Error = f.Name + ": internal error while storing its chunks (details are in the server log)"
			}
		}
		r.Status = StatusCompleted
		if r.Failed() {
			r.Status = StatusFailed
		}
		u.setFile(i, r)
		m.save(octx, u)
	}
	u.Status = StatusFailed
	for _, f := range u.Files {
		if f.Status == StatusCompleted {
			u.Status = StatusCompleted
		}
	}
	u.CompletedAt = m.now()
	// Every file's result is saved already, so the spool can go first: a
	// crash between the two finds nothing left to read on restart.
	os.RemoveAll(m.dir(u))
	m.save(octx, u)
}

// save persists u and announces the change.
func (m *Manager) save(ctx context.Context, u *Upload) {
	if err := m.History.SaveUpload(ctx, u); err != nil {
		m.Logger.Error("saving upload progress", "upload_id", u.ID, "err", err)
	}
	if m.OnChange != nil {
		m.OnChange(*copyUpload(u))
	}
}

func copyUpload(u *Upload) *Upload {
	c := *u
	c.Files = append([]FileResult(nil), u.Files...)
	c.Errors = append([]string{}, u.Errors...)
	c.Tags = append([]string{}, u.Tags...)
	return &c
}

// Get returns the owner's upload in ctx.
func (m *Manager) Get(ctx context.Context, id string) (*Upload, error) {
	return m.History.Upload(ctx, memory.OwnerFrom(ctx), id)
}

// List returns the owner's uploads, newest first.
func (m *Manager) List(ctx context.Context, limit int) ([]*Upload, error) {
	return m.History.Uploads(ctx, memory.OwnerFrom(ctx), limit)
}

// Remove deletes the owner's upload from the history and, with
// removeMemories, every memory tagged with its upload id. An upload still
// in progress cannot be removed.
func (m *Manager) Remove(ctx context.Context, id string, removeMemories bool) (*Upload, int, error) {
	u, err := m.Get(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	if !u.Done() {
		return nil, 0, memory.Errorf(memory.EConflict, "upload %s is still %s; remove it when it has finished", id, u.Status)
	}
	deleted := 0
	if removeMemories {
		n, err := m.deleteMemories(ctx, []string{"upload_id:" + id})
		if err != nil {
			return nil, 0, err
		}
		deleted = n
	}
	if err := m.History.DeleteUpload(ctx, u.Owner, id); err != nil {
		return nil, 0, err
	}
	return u, deleted, nil
}

// deleteMemories deletes the owner's memories with any of the tags.
func (m *Manager) deleteMemories(ctx context.Context, tags []string) (int, error) {
	res, err := m.Ingester.Service.Delete(ctx, memory.DeleteRequest{Tags: tags, TagMatch: memory.TagAny})
	if err != nil {
		return 0, err
	}
	return res.Count, nil
}

// RemoveByTags deletes the owner's memories carrying any of the tags and
// returns how many, with the uploads they came from.
func (m *Manager) RemoveByTags(ctx context.Context, tags []string) (deleted int, uploads []string, err error) {
	tags, err = memory.NormalizeTags(tags)
	if err != nil {
		return 0, nil, err
	}
	if len(tags) == 0 {
		return 0, nil, memory.Errorf(memory.EInvalid, "give at least one tag")
	}
	found, _, err := m.Ingester.Service.Storage.Find(ctx, memory.Filter{Owner: memory.OwnerFrom(ctx), Tags: tags, IncludeSuperseded: true}, memory.Page{})
	if err != nil {
		return 0, nil, err
	}
	seen := map[string]bool{}
	for _, mem := range found {
		if id, ok := mem.Metadata["upload_id"].(string); ok && !seen[id] {
			seen[id] = true
			uploads = append(uploads, id)
		}
	}
	n, err := m.deleteMemories(ctx, tags)
	if err != nil && memory.ErrorCode(err) != memory.ENotFound {
		return 0, nil, err
	}
	return n, uploads, nil
}

// Chunks returns the owner's memories of an upload in the order of the
// file (at most limit; 0: all).
func (m *Manager) Chunks(ctx context.Context, id string, limit int) ([]*memory.Memory, error) {
	u, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	order := map[string]int{}
	for i, f := range u.Files {
		if _, ok := order[f.Name]; !ok {
			order[f.Name] = i
		}
	}
	found, _, err := m.Ingester.Service.Storage.Find(ctx, memory.Filter{Owner: memory.OwnerFrom(ctx), Tags: []string{"upload_id:" + id}}, memory.Page{Order: memory.OldestFirst})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(found, func(a, b *memory.Memory) int {
		if c := order[meta(a, "source_file")] - order[meta(b, "source_file")]; c != 0 {
			return c
		}
		return metaInt(a, "chunk_index") - metaInt(b, "chunk_index")
	})
	if limit > 0 && len(found) > limit {
		found = found[:limit]
	}
	return found, nil
}

func meta(m *memory.Memory, key string) string {
	s, _ := m.Metadata[key].(string)
	return s
}

// metaInt reads an integer metadata field, stored as a JSON number.
func metaInt(m *memory.Memory, key string) int {
	switch v := m.Metadata[key].(type) {
	case float64:
		return int(v)
	case int:
		return v
	case int64:
		return int(v)
	}
	return 0
}

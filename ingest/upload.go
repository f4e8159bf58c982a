package ingest

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"
)

// Upload statuses.
const (
	StatusQueued     = "queued"
	StatusProcessing = "processing"
	StatusCompleted  = "completed" // every file, or some, ingested (see Errors)
	StatusFailed     = "failed"    // no file ingested
)

// Upload is one upload request — one file or a batch — and its progress.
// Its chunks carry the tag upload_id:<ID>.
type Upload struct {
	ID     string `json:"upload_id"`
	Owner  string `json:"-"`
	Status string `json:"status"`
	// Filename is the file's name, or the names of a batch joined.
	Filename string       `json:"filename"`
	FileSize int64        `json:"file_size"`
	Files    []FileResult `json:"files"`
	// TotalChunks counts the chunks of the files read so far;
	// ChunksProcessed those handled (stored or found duplicate).
	TotalChunks     int      `json:"total_chunks"`
	ChunksProcessed int      `json:"chunks_processed"`
	ChunksStored    int      `json:"chunks_stored"`
	Duplicates      int      `json:"duplicates"`
	Progress        float64  `json:"progress"` // percent of files done
	Errors          []string `json:"errors"`
	Tags            []string `json:"tags"`
	MemoryType      string   `json:"memory_type"`
	ChunkSize       int      `json:"chunk_size"`
	ChunkOverlap    int      `json:"chunk_overlap"`
	// Batch is true for a batch upload.
	Batch bool `json:"batch"`
	// Truncated is true when a directory held more files than max_files.
	Truncated   bool      `json:"truncated,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	StartedAt   time.Time `json:"started_at,omitzero"`
	CompletedAt time.Time `json:"completed_at,omitzero"`
}

// Done reports whether the upload has finished, well or not.
func (u *Upload) Done() bool { return u.Status == StatusCompleted || u.Status == StatusFailed }

// setFile records the result of file i and recomputes the totals.
func (u *Upload) setFile(i int, r FileResult) {
	u.Files[i] = r
	u.TotalChunks, u.ChunksProcessed, u.ChunksStored, u.Duplicates = 0, 0, 0, 0
	u.Errors = []string{}
	done := 0
	for _, f := range u.Files {
		u.TotalChunks += f.Chunks
		u.ChunksProcessed += f.Stored + f.Duplicates
		u.ChunksStored += f.Stored
		u.Duplicates += f.Duplicates
		if f.Failed() {
			u.Errors = append(u.Errors, f.Error)
		}
		if f.Status == StatusCompleted || f.Status == StatusFailed {
			done++
		}
	}
	u.Progress = float64(100*done) / float64(len(u.Files))
}

// History persists uploads, so that their status and history survive a
// restart. Implementations: sqlite.Store, postgres.Store; ingesttest.RunHistoryTests
// checks them.
type History interface {
	// SaveUpload inserts or replaces the upload with u's ID.
	SaveUpload(ctx context.Context, u *Upload) error
	// Upload returns the owner's upload with the id, or ENotFound.
	Upload(ctx context.Context, owner, id string) (*Upload, error)
	// Uploads lists the owner's uploads, newest first, at most limit.
	Uploads(ctx context.Context, owner string, limit int) ([]*Upload, error)
	// UnfinishedUploads lists every owner's queued or processing uploads,
	// oldest first: the work a restart must resume.
	UnfinishedUploads(ctx context.Context) ([]*Upload, error)
	// DeleteUpload removes the owner's upload from the history; ENotFound
	// if there is none.
	DeleteUpload(ctx context.Context, owner, id string) error
}

// NewID returns a random UUID (version 4), the form of upstream's upload ids.
func NewID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

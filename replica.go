package memory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
)

// Key identifies a memory across stores: its owner and content hash.
type Key struct {
	Owner, Hash string
}

// KeyOf returns the key of m.
func KeyOf(m *Memory) Key { return Key{m.Owner, m.Hash} }

// Version is where a copy of a memory stands in the order that sync
// resolves conflicts by: the later Revision (time of the last change) wins,
// and between equal revisions the larger Digest, so that every replica picks
// the same winner without talking to the others.
type Version struct {
	Revision int64  `json:"revision"`
	Digest   string `json:"digest"`
}

// VersionOf returns the version of m.
func VersionOf(m *Memory) Version { return Version{m.Revision, Digest(m)} }

// Compare returns -1, 0 or +1 as v is older than, the same as, or newer
// than o.
func (v Version) Compare(o Version) int {
	switch {
	case v.Revision < o.Revision:
		return -1
	case v.Revision > o.Revision:
		return 1
	case v.Digest < o.Digest:
		return -1
	case v.Digest > o.Digest:
		return 1
	}
	return 0
}

// Digest is the hex SHA-256 (first 16 bytes) of everything sync carries of
// a memory except its vector and access statistics: content, type, tags in
// order, metadata, the times, quality, supersession and deletion. Two copies
// with the same digest hold the same memory.
func Digest(m *Memory) string {
	meta, err := json.Marshal(m.Metadata) // maps marshal with sorted keys
	if err != nil || len(m.Metadata) == 0 {
		meta = []byte("{}")
	}
	tags, _ := json.Marshal(m.Tags)
	if len(m.Tags) == 0 {
		tags = []byte("[]")
	}
	h := sha256.New()
	for _, part := range [][]byte{
		[]byte(m.Content), []byte(m.Type), tags, meta,
		msBytes(m.CreatedAt.UnixMilli()), msBytes(m.UpdatedAt.UnixMilli()), msBytes(deletedMS(m)),
		[]byte(strconv.FormatFloat(m.Quality, 'g', -1, 64)), []byte(m.SupersededBy),
	} {
		h.Write(strconv.AppendInt(nil, int64(len(part)), 10))
		h.Write([]byte{':'})
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func deletedMS(m *Memory) int64 {
	if m.DeletedAt.IsZero() {
		return 0
	}
	return m.DeletedAt.UnixMilli()
}

func msBytes(v int64) []byte { return strconv.AppendInt(nil, v, 10) }

// Replica is a Store that can take part in sync, as the remote of a hybrid
// store or as its local side: it accepts copies of memories made elsewhere,
// keeping whichever version wins (see Version), and lists its changes in the
// order they were made. Its methods see every owner.
type Replica interface {
	Store

	// Put writes copies of memories, live or tombstones (DeletedAt set),
	// each exactly as given, revision included, when it is newer than the
	// stored copy (or there is none); otherwise the stored copy stays. A
	// vector travels with the memory but never decides: a copy without a
	// vector keeps the stored one, and an older copy still gives its vector
	// to a stored copy of the same content that has none. It returns how
	// many memories changed. Putting the same copies again changes nothing,
	// so a failed call can simply be repeated.
	Put(ctx context.Context, ms []*Memory) (int, error)

	// Changes returns up to limit memories of every owner, tombstones
	// included, changed after cursor ("" is the beginning), in the order
	// of their last change, and the cursor to continue from. A memory
	// changed several times appears once, at its last change. An empty
	// list means there is nothing more for now.
	Changes(ctx context.Context, cursor string, limit int) ([]*Memory, string, error)

	// Versions returns the versions of the memories with these keys,
	// tombstones included; keys it does not hold are absent from the map.
	Versions(ctx context.Context, keys []Key) (map[Key]Version, error)
}

// Events of hybrid sync, published to every event stream (they carry
// counts, no memory content). Data holds the sync status.
const (
	EventSyncProgress  = "sync_progress"
	EventSyncCompleted = "sync_completed"
	EventSyncFailed    = "sync_failed"
)

// CheckCopies checks copies given to Replica.Put before anything is
// written: each passes check (the backend's Insert validation) and carries a
// revision, and no key appears twice. Errors are EInvalid.
func CheckCopies(copies []*Memory, check func(*Memory) error) error {
	seen := make(map[Key]bool, len(copies))
	for _, m := range copies {
		if err := check(m); err != nil {
			return err
		}
		if m.Revision <= 0 {
			return Errorf(EInvalid, "copy of memory %s has no revision", m.Hash)
		}
		if seen[KeyOf(m)] {
			return Errorf(EInvalid, "memory %s appears twice in the batch", m.Hash)
		}
		seen[KeyOf(m)] = true
	}
	return nil
}

// ChangeCursor is the Replica.Changes cursor of a store that orders changes
// by a sequence number and then a row id.
func ChangeCursor(seq, id int64) string {
	return strconv.FormatInt(seq, 10) + "." + strconv.FormatInt(id, 10)
}

// ParseChangeCursor reads a cursor ChangeCursor made ("" is the
// beginning, 0 and 0); anything else is EInvalid.
func ParseChangeCursor(c string) (seq, id int64, err error) {
	if c == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(c, ".")
	seq, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, Errorf(EInvalid, "change cursor %q is not one this store made", c)
	}
	return seq, id, nil
}

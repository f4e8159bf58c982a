package sqlite

// The sync outbox: the durable queue of memories changed locally and not yet
// pushed to a hybrid store's remote, and the small tables its syncer keeps
// (state, leases).

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mcp-memory-go/memory"
)

// outboxKey is the settings key that turns the outbox on for every process
// writing to the database.
const outboxKey = "sync_outbox"

// openOutbox records Outbox in the database, or reads whether another
// process did.
func (s *Store) openOutbox(ctx context.Context) error {
	if s.Outbox {
		err := s.writeTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, 'on')
				ON CONFLICT (key) DO UPDATE SET value = 'on'`, outboxKey)
			return err
		})
		if err != nil {
			return fmt.Errorf("turn the sync outbox on: %w", err)
		}
		s.outbox = true
		return nil
	}
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", outboxKey).Scan(&v)
	switch {
	case err == sql.ErrNoRows:
		return nil
	case err != nil:
		return fmt.Errorf("read the sync outbox setting: %w", err)
	}
	s.outbox = v == "on"
	return nil
}

// Queuing reports whether this store queues its changes in the outbox.
func (s *Store) Queuing() bool { return s.outbox }

// enqueueSeq queues the memories changed by the write with sequence number
// seq (every row it changed carries it).
func (s *Store) enqueueSeq(ctx context.Context, tx *sql.Tx, seq int64) error {
	_, err := s.on(tx).ExecContext(ctx, `INSERT INTO sync_outbox (memory_id, seq, queued_at)
		SELECT id, seq, ? FROM memories WHERE seq = ?
		ON CONFLICT (memory_id) DO UPDATE SET seq = excluded.seq, held_until = 0`, s.nowMS(), seq)
	if err != nil {
		return fmt.Errorf("queue changes for sync: %w", err)
	}
	return nil
}

// enqueue queues memory id (a local copy newer than a remote one).
func (s *Store) enqueue(ctx context.Context, q queryer, id, seq int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO sync_outbox (memory_id, seq, queued_at) VALUES (?, ?, ?)
		ON CONFLICT (memory_id) DO UPDATE SET seq = excluded.seq, held_until = 0`, id, seq, s.nowMS())
	return err
}

// OutboxEntry is one queued memory: its key, the sequence number of the
// change queued, and the memory as it is now (live or a tombstone; nil if it
// was purged since, which leaves nothing to push).
type OutboxEntry struct {
	Owner, Hash string
	ID, Seq     int64 // the memory's row id, the change's sequence number
	Attempts    int
	Memory      *memory.Memory
}

// PendingChanges returns up to limit queued memories that are not held back (see
// HoldOutbox), oldest change first, with their current state.
func (s *Store) PendingChanges(ctx context.Context, limit int) ([]OutboxEntry, error) {
	if limit < 1 {
		return nil, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	var out []OutboxEntry
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := s.on(tx).QueryContext(ctx, `SELECT o.memory_id, o.seq, o.attempts, m.id IS NOT NULL
			FROM sync_outbox o LEFT JOIN memories m ON m.id = o.memory_id
			WHERE o.held_until <= ? ORDER BY o.seq LIMIT ?`, s.nowMS(), limit)
		if err != nil {
			return err
		}
		var present []int
		for rows.Next() {
			var e OutboxEntry
			var ok bool
			if err := rows.Scan(&e.ID, &e.Seq, &e.Attempts, &ok); err != nil {
				rows.Close()
				return err
			}
			if ok {
				present = append(present, len(out))
			}
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, i := range present {
			m, _, err := scanMemory(s.on(tx).QueryRowContext(ctx, "SELECT "+memoryCols+
				" FROM memories m WHERE m.id = ?", out[i].ID))
			if err != nil {
				return err
			}
			out[i].Memory, out[i].Owner, out[i].Hash = m, m.Owner, m.Hash
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the sync outbox: %w", err)
	}
	return out, nil
}

// DoneOutbox removes pushed entries, unless the memory changed again since
// it was read (its entry then has a newer seq and stays queued).
func (s *Store) DoneOutbox(ctx context.Context, es []OutboxEntry) error {
	if len(es) == 0 {
		return nil
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, e := range es {
			if _, err := tx.ExecContext(ctx, "DELETE FROM sync_outbox WHERE memory_id = ? AND seq = ?", e.ID, e.Seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("clear pushed changes: %w", err)
	}
	return nil
}

// HoldOutbox records that the remote refused these entries (reason) and
// keeps them queued but skipped until until, so that one bad memory does not
// stop the others. A later change to the memory releases it at once.
func (s *Store) HoldOutbox(ctx context.Context, es []OutboxEntry, reason string, until time.Time) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, e := range es {
			_, err := tx.ExecContext(ctx, `UPDATE sync_outbox SET attempts = attempts + 1, last_error = ?, held_until = ?
				WHERE memory_id = ? AND seq = ?`, memory.Clip(reason, 500), until.UnixMilli(), e.ID, e.Seq)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("hold back refused changes: %w", err)
	}
	return nil
}

// ReleaseOutbox makes every held entry eligible again (a forced sync).
func (s *Store) ReleaseOutbox(ctx context.Context) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE sync_outbox SET held_until = 0 WHERE held_until > 0")
		return err
	})
	if err != nil {
		return fmt.Errorf("release held changes: %w", err)
	}
	return nil
}

// OutboxStats describes the queue.
type OutboxStats struct {
	// Pending counts queued memories, Held those of them the remote
	// refused and that wait before the next try.
	Pending, Held int64
	// Oldest is when the oldest pending change was queued (zero if none).
	Oldest time.Time
	// HeldError is the remote's reason for one held entry.
	HeldError string
}

// OutboxStats counts the queue.
func (s *Store) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var st OutboxStats
	var oldest sql.NullInt64
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE held_until > ?), min(queued_at)
			FROM sync_outbox`, s.nowMS()).Scan(&st.Pending, &st.Held, &oldest)
		if err != nil || st.Held == 0 {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT last_error FROM sync_outbox WHERE held_until > ? ORDER BY seq LIMIT 1", s.nowMS()).Scan(&st.HeldError)
	})
	if err != nil {
		return st, fmt.Errorf("count the sync outbox: %w", err)
	}
	if oldest.Valid {
		st.Oldest = fromMS(oldest.Int64)
	}
	return st, nil
}

// OwnerOutboxStats counts the queue's memories of one owner.
func (s *Store) OwnerOutboxStats(ctx context.Context, owner string) (OutboxStats, error) {
	var st OutboxStats
	var oldest sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE o.held_until > ?), min(o.queued_at)
		FROM sync_outbox o JOIN memories m ON m.id = o.memory_id WHERE m.owner = ?`, s.nowMS(), owner).Scan(&st.Pending, &st.Held, &oldest)
	if err != nil {
		return st, fmt.Errorf("count the sync outbox: %w", err)
	}
	if oldest.Valid {
		st.Oldest = fromMS(oldest.Int64)
	}
	return st, nil
}

// AcquireLease takes or renews the named lease for holder until now + ttl,
// unless another holder's lease is still running. It returns whether holder
// has it, and who does.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, string, error) {
	now := s.nowMS()
	var got string
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO sync_leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE sync_leases.holder = excluded.holder OR sync_leases.expires_at <= ?
			RETURNING holder`, name, holder, now+ttl.Milliseconds(), now).Scan(&got)
		if err == sql.ErrNoRows {
			return tx.QueryRowContext(ctx, "SELECT holder FROM sync_leases WHERE name = ?", name).Scan(&got)
		}
		return err
	})
	if err != nil {
		return false, "", fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return got == holder, got, nil
}

// LeaseHolder returns the holder of a running lease, or "".
func (s *Store) LeaseHolder(ctx context.Context, name string) (string, error) {
	var h string
	err := s.db.QueryRowContext(ctx, "SELECT holder FROM sync_leases WHERE name = ? AND expires_at > ?", name, s.nowMS()).Scan(&h)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read lease %s: %w", name, err)
	}
	return h, nil
}

// ReleaseLease gives up holder's lease, if it has it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sync_leases WHERE name = ? AND holder = ?", name, holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// SyncState returns the syncer's recorded state (key/value pairs).
func (s *Store) SyncState(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT key, value FROM sync_state")
	if err != nil {
		return nil, fmt.Errorf("read sync state: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("read sync state: %w", err)
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SetSyncState records state; an empty value removes the key.
func (s *Store) SetSyncState(ctx context.Context, kv map[string]string) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		for k, v := range kv {
			var err error
			if v == "" {
				_, err = tx.ExecContext(ctx, "DELETE FROM sync_state WHERE key = ?", k)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO sync_state (key, value) VALUES (?, ?)
					ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record sync state: %w", err)
	}
	return nil
}

// QueueForSync queues these memories (any owner, live or tombstones) for
// pushing, as a drift check does for memories the remote lacks or holds
// older. Keys of memories the store does not hold are ignored.
func (s *Store) QueueForSync(ctx context.Context, keys []memory.Key) error {
	if len(keys) == 0 {
		return nil
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		q := s.on(tx)
		for _, k := range keys {
			_, err := q.ExecContext(ctx, `INSERT INTO sync_outbox (memory_id, seq, queued_at)
				SELECT id, seq, ? FROM memories WHERE owner = ? AND hash = ?
				ON CONFLICT (memory_id) DO UPDATE SET held_until = 0`, s.nowMS(), k.Owner, k.Hash)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("queue memories for sync: %w", err)
	}
	return nil
}

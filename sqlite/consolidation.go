package sqlite

// Consolidation's state (consolidate.State): per-memory marks, the history
// of passes, settings, and leases shared by every process on the file.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
)

var _ consolidate.State = (*Store)(nil)

// Pending returns up to limit hashes of memories matching f, never
// consolidated first (oldest created first), then least recently
// consolidated (ties by hash). Each of its two queries walks an index in
// its order and stops at limit, so a pass does not sort the store.
func (s *Store) Pending(ctx context.Context, f memory.Filter, limit int) ([]string, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	fresh, marked := consolidationPendingSQL(flt, limit)
	var out []string
	err = s.read(ctx, func(tx *sql.Tx) error {
		out = []string{}
		for _, b := range []*sqlBuilder{&fresh, &marked} {
			n := limit - len(out)
			if n == 0 {
				break
			}
			args := b.args
			if b == &marked {
				args = append(args[:len(args):len(args)], n)
			}
			rows, err := tx.QueryContext(ctx, b.String(), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var h string
				if err := rows.Scan(&h); err != nil {
					rows.Close()
					return err
				}
				out = append(out, h)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pending memories: %w", err)
	}
	return out, nil
}

// consolidationPendingSQL returns the queries of Pending: memories never
// consolidated, and memories consolidated before (whose LIMIT argument
// the caller appends). The CROSS JOIN keeps SQLite walking the marks in
// time order rather than sorting the memories a time filter selects.
func consolidationPendingSQL(flt filter, limit int) (fresh, marked sqlBuilder) {
	fresh.add("SELECT m.hash FROM memories m WHERE ")
	flt.where(&fresh)
	fresh.add(" AND NOT EXISTS (SELECT 1 FROM consolidation_marks c WHERE c.owner = m.owner AND c.hash = m.hash) ORDER BY m.created_at, m.id LIMIT ?", limit)
	marked.add("SELECT m.hash FROM consolidation_marks c CROSS JOIN memories m ON m.owner = c.owner AND m.hash = c.hash WHERE c.owner = ? AND ", flt.Owner)
	flt.where(&marked)
	marked.add(" ORDER BY c.consolidated_at, c.hash LIMIT ?")
	return fresh, marked
}

// Marks returns the marks of owner's memories with these hashes.
func (s *Store) Marks(ctx context.Context, owner string, hashes []string) (map[string]consolidate.Mark, error) {
	out := make(map[string]consolidate.Mark, len(hashes))
	if len(hashes) == 0 {
		return out, nil
	}
	var b sqlBuilder
	b.add("SELECT hash, consolidated_at, relevance FROM consolidation_marks WHERE owner = ? AND hash IN ", owner)
	b.in(hashes)
	rows, err := s.on(nil).QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("read marks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m consolidate.Mark
		if err := rows.Scan(&m.Hash, msTime{&m.ConsolidatedAt}, &m.Relevance); err != nil {
			return nil, fmt.Errorf("read marks: %w", err)
		}
		out[m.Hash] = m
	}
	return out, rows.Err()
}

// SetMarks inserts or replaces marks in one transaction. Marks of
// memories that are not live (deleted meanwhile) are skipped.
func (s *Store) SetMarks(ctx context.Context, owner string, marks []consolidate.Mark) error {
	if owner == "" {
		return memory.Errorf(memory.EInvalid, "marks need an owner")
	}
	if len(marks) == 0 {
		return nil
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		q := s.on(tx)
		for _, m := range marks {
			if m.Hash == "" || m.ConsolidatedAt.IsZero() {
				return memory.Errorf(memory.EInvalid, "a mark needs a hash and a time")
			}
			_, err := q.ExecContext(ctx, `INSERT INTO consolidation_marks (owner, hash, consolidated_at, relevance)
				SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM memories WHERE owner = ?1 AND hash = ?2 AND deleted_at IS NULL)
				ON CONFLICT (owner, hash) DO UPDATE SET consolidated_at = excluded.consolidated_at, relevance = excluded.relevance`,
				owner, m.Hash, ms(m.ConsolidatedAt), m.Relevance)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && memory.ErrorCode(err) == memory.EInternal {
		return fmt.Errorf("write marks: %w", err)
	}
	return err
}

// AddRun records a consolidation pass.
func (s *Store) AddRun(ctx context.Context, r consolidate.Run) error {
	if r.ID == "" || r.Owner == "" || r.StartedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "a run needs an id, an owner and a start time")
	}
	report := string(r.Report)
	if report == "" {
		report = "{}"
	}
	return s.insertRecord(ctx, "consolidation_runs", r.ID, "run "+r.ID,
		`INSERT INTO consolidation_runs (id, owner, horizon, trigger, started_at, finished_at, status, error, report)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Owner, r.Horizon, r.Trigger, ms(r.StartedAt), ms(r.FinishedAt), r.Status, r.Error, report)
}

func scanRun(sc scanner) (consolidate.Run, error) {
	var r consolidate.Run
	var report string
	err := sc.Scan(&r.ID, &r.Owner, &r.Horizon, &r.Trigger, msTime{&r.StartedAt}, msTime{&r.FinishedAt}, &r.Status, &r.Error, &report)
	r.Report = []byte(report)
	return r, err
}

// Runs returns owner's passes, newest first, at most limit (0: all).
func (s *Store) Runs(ctx context.Context, owner string, f consolidate.RunFilter) ([]consolidate.Run, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	return listRecords(ctx, s, scanRun, "consolidation runs", `SELECT id, owner, horizon, trigger, started_at, finished_at, status, error, report
		FROM consolidation_runs WHERE owner = ?1 AND (?2 = '' OR horizon = ?2) AND (?3 = '' OR status = ?3)
		ORDER BY started_at DESC, id DESC LIMIT ?4`, owner, f.Horizon, f.Status, limit)
}

// RunCounts returns how many passes owner has recorded and how many failed.
func (s *Store) RunCounts(ctx context.Context, owner string) (total, failed int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE status = ?2) FROM consolidation_runs WHERE owner = ?1`,
		owner, consolidate.StatusFailed).Scan(&total, &failed)
	if err != nil {
		return 0, 0, fmt.Errorf("count consolidation runs: %w", err)
	}
	return total, failed, nil
}

// Value returns the setting stored under key.
func (s *Store) Value(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM consolidation_state WHERE key = ?", key).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("read setting %s: %w", key, err)
	}
	return v, true, nil
}

// SetValue stores a setting.
func (s *Store) SetValue(ctx context.Context, key, value string) error {
	if key == "" {
		return memory.Errorf(memory.EInvalid, "a setting needs a key")
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO consolidation_state (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}

// TryLock acquires or renews the lease name for holder (see
// consolidate.State). The write transaction takes SQLite's write lock, so
// two processes never both see the lease free.
func (s *Store) TryLock(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (consolidate.Lease, bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return consolidate.Lease{}, false, memory.Errorf(memory.EInvalid, "a lease needs a name, a holder and a positive duration")
	}
	var l consolidate.Lease
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, acquired_at, expires_at) VALUES (?1, ?2, ?3, ?4)
			ON CONFLICT (name) DO UPDATE SET
				acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
				holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3`,
			name, holder, ms(now), ms(now.Add(ttl)))
		if err != nil {
			return err
		}
		l, err = scanLease(tx.QueryRowContext(ctx, "SELECT name, holder, acquired_at, expires_at FROM leases WHERE name = ?", name))
		return err
	})
	if err != nil {
		return consolidate.Lease{}, false, fmt.Errorf("lease %s: %w", name, err)
	}
	return l, l.Holder == holder, nil
}

func scanLease(sc scanner) (consolidate.Lease, error) {
	var l consolidate.Lease
	err := sc.Scan(&l.Name, &l.Holder, msTime{&l.AcquiredAt}, msTime{&l.ExpiresAt})
	return l, err
}

// Unlock releases the lease if holder has it.
func (s *Store) Unlock(ctx context.Context, name, holder string) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM leases WHERE name = ? AND holder = ?", name, holder)
		return err
	})
}

// ReadLease returns the lease name as it stands.
func (s *Store) ReadLease(ctx context.Context, name string) (consolidate.Lease, bool, error) {
	l, err := scanLease(s.db.QueryRowContext(ctx, "SELECT name, holder, acquired_at, expires_at FROM leases WHERE name = ?", name))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return consolidate.Lease{}, false, nil
	case err != nil:
		return consolidate.Lease{}, false, fmt.Errorf("read lease %s: %w", name, err)
	}
	return l, true, nil
}

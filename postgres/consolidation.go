package postgres

// Consolidation's state (consolidate.State): per-memory marks, the history
// of passes, settings, and leases shared by every process on the database.

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
)

var _ consolidate.State = (*Store)(nil)

// Pending returns up to limit hashes of memories matching f, never
// consolidated first (oldest created first), then least recently
// consolidated (ties by hash), from one snapshot. Each of its two queries
// walks an index in its order and stops at limit, so a pass does not sort
// the store.
func (s *Store) Pending(ctx context.Context, f memory.Filter, limit int) ([]string, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	var fresh, marked sqlBuilder
	fresh.add("SELECT m.hash FROM memories m WHERE ")
	flt.where(&fresh)
	fresh.add(" AND NOT EXISTS (SELECT 1 FROM consolidation_marks c WHERE c.owner = m.owner AND c.hash = m.hash)",
		" ORDER BY m.created_at, m.id LIMIT ", fresh.arg(limit))
	marked.add("SELECT m.hash FROM consolidation_marks c JOIN memories m ON m.owner = c.owner AND m.hash = c.hash WHERE c.owner = ",
		marked.arg(flt.Owner), " AND ")
	flt.where(&marked)
	marked.add(` ORDER BY c.consolidated_at, c.hash LIMIT $`, strconv.Itoa(len(marked.args)+1))
	out := []string{}
	err = s.snapshot(ctx, func(tx pgx.Tx) error {
		out = out[:0]
		for _, b := range []*sqlBuilder{&fresh, &marked} {
			n := limit - len(out)
			if n == 0 {
				break
			}
			args := b.args
			if b == &marked {
				args = append(args[:len(args):len(args)], n)
			}
			rows, err := tx.Query(ctx, b.String(), args...)
			if err != nil {
				return err
			}
			hs, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			out = append(out, hs...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pending memories: %w", err)
	}
	return out, nil
}

// Marks returns the marks of owner's memories with these hashes.
func (s *Store) Marks(ctx context.Context, owner string, hashes []string) (map[string]consolidate.Mark, error) {
	out := make(map[string]consolidate.Mark, len(hashes))
	hashes, none := storableList(hashes, false, !storable(owner))
	if none {
		return out, nil
	}
	err := s.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, "SELECT hash, consolidated_at, relevance FROM consolidation_marks WHERE owner = $1 AND hash = ANY($2::text[])", owner, hashes)
		if err != nil {
			return err
		}
		var m consolidate.Mark
		_, err = pgx.ForEachRow(rows, []any{&m.Hash, &m.ConsolidatedAt, &m.Relevance}, func() error {
			m.ConsolidatedAt = m.ConsolidatedAt.UTC()
			out[m.Hash] = m
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read marks: %w", err)
	}
	return out, nil
}

// SetMarks inserts or replaces marks in one statement. Marks of memories
// that are not live (deleted meanwhile) are skipped; of two marks of one
// memory the last wins.
func (s *Store) SetMarks(ctx context.Context, owner string, marks []consolidate.Mark) error {
	if owner == "" {
		return memory.Errorf(memory.EInvalid, "marks need an owner")
	}
	last := make(map[string]int, len(marks))
	for i, m := range marks {
		if m.Hash == "" || m.ConsolidatedAt.IsZero() {
			return memory.Errorf(memory.EInvalid, "a mark needs a hash and a time")
		}
		last[m.Hash] = i
	}
	if !storable(owner) {
		return nil
	}
	var (
		hashes []string
		at     []time.Time
		rel    []float64
	)
	for i, m := range marks {
		if last[m.Hash] == i && storable(m.Hash) {
			hashes, at, rel = append(hashes, m.Hash), append(at, ms(m.ConsolidatedAt)), append(rel, m.Relevance)
		}
	}
	if len(hashes) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO consolidation_marks (owner, hash, consolidated_at, relevance)
			SELECT $1, u.hash, u.at, u.rel FROM unnest($2::text[], $3::timestamptz[], $4::float8[]) AS u(hash, at, rel)
			WHERE EXISTS (SELECT 1 FROM memories m WHERE m.owner = $1 AND m.hash = u.hash AND m.deleted_at IS NULL)
			ORDER BY u.hash
			ON CONFLICT (owner, hash) DO UPDATE SET consolidated_at = excluded.consolidated_at, relevance = excluded.relevance`,
			owner, hashes, at, rel)
		return err
	})
	if err != nil {
		return fmt.Errorf("write marks: %w", err)
	}
	return nil
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
	return s.insertRecord(ctx, "run "+r.ID,
		`INSERT INTO consolidation_runs (id, owner, horizon, trigger, started_at, finished_at, status, error, report)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.ID, r.Owner, r.Horizon, r.Trigger, ms(r.StartedAt), nullTime(r.FinishedAt), r.Status, r.Error, report)
}

// Runs returns owner's passes, newest first, at most limit (0: all).
func (s *Store) Runs(ctx context.Context, owner string, f consolidate.RunFilter) ([]consolidate.Run, error) {
	var lim *int
	if f.Limit > 0 {
		lim = &f.Limit
	}
	return listRecords(ctx, s, func(row pgx.Row) (consolidate.Run, error) {
		var (
			r        consolidate.Run
			finished *time.Time
			report   []byte
		)
		err := row.Scan(&r.ID, &r.Owner, &r.Horizon, &r.Trigger, &r.StartedAt, &finished, &r.Status, &r.Error, &report)
		r.StartedAt, r.FinishedAt, r.Report = r.StartedAt.UTC(), timeOf(finished), report
		return r, err
	}, "consolidation runs", `SELECT id, owner, horizon, trigger, started_at, finished_at, status, error, report
		FROM consolidation_runs WHERE owner = $1 AND ($3 = '' OR horizon = $3) AND ($4 = '' OR status = $4)
		ORDER BY started_at DESC, id DESC LIMIT $2`, owner, lim, f.Horizon, f.Status)
}

// RunCounts returns how many passes owner has recorded and how many failed.
func (s *Store) RunCounts(ctx context.Context, owner string) (total, failed int, err error) {
	type counts struct{ total, failed int }
	c, err := getRecord(ctx, s, func(r pgx.Row) (counts, error) {
		var c counts
		return c, r.Scan(&c.total, &c.failed)
	}, "consolidation runs", `SELECT count(*), count(*) FILTER (WHERE status = $2) FROM consolidation_runs WHERE owner = $1`,
		owner, consolidate.StatusFailed)
	return c.total, c.failed, err
}

// Value returns the setting stored under key.
func (s *Store) Value(ctx context.Context, key string) (string, bool, error) {
	v, err := getRecord(ctx, s, func(r pgx.Row) (string, error) {
		var v string
		return v, r.Scan(&v)
	}, "setting "+key, "SELECT value FROM consolidation_state WHERE key = $1", key)
	switch {
	case memory.ErrorCode(err) == memory.ENotFound:
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return v, true, nil
}

// SetValue stores a setting.
func (s *Store) SetValue(ctx context.Context, key, value string) error {
	if key == "" {
		return memory.Errorf(memory.EInvalid, "a setting needs a key")
	}
	if !storable(key) || !storable(value) {
		return memory.Errorf(memory.EInvalid, "setting %q holds a NUL character or invalid UTF-8", memory.Clip(key, 32))
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO consolidation_state (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
	if err != nil {
		return fmt.Errorf("write setting %s: %w", key, err)
	}
	return nil
}

// tryLockSQL takes lease $1 for holder $2 from $3 until $4 when it is
// free, expired or the holder's already (then keeping its start). The
// upsert locks the lease's row, so of two processes the second waits and
// sees the first one's lease.
const tryLockSQL = `INSERT INTO leases AS l (name, holder, acquired_at, expires_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (name) DO UPDATE SET
	acquired_at = CASE WHEN l.holder = excluded.holder THEN l.acquired_at ELSE excluded.acquired_at END,
	holder = excluded.holder, expires_at = excluded.expires_at
WHERE l.holder = excluded.holder OR l.expires_at <= $3`

// TryLock acquires or renews the lease name for holder (see
// consolidate.State), atomically across processes.
func (s *Store) TryLock(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (consolidate.Lease, bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return consolidate.Lease{}, false, memory.Errorf(memory.EInvalid, "a lease needs a name, a holder and a positive duration")
	}
	if !storable(name) || !storable(holder) {
		return consolidate.Lease{}, false, memory.Errorf(memory.EInvalid, "a lease name or holder holds a NUL character or invalid UTF-8")
	}
	var l consolidate.Lease
	err := s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, tryLockSQL, name, holder, ms(now), ms(now.Add(ttl))); err != nil {
			return err
		}
		var err error
		l, err = scanLease(tx.QueryRow(ctx, "SELECT name, holder, acquired_at, expires_at FROM leases WHERE name = $1", name))
		return err
	})
	if err != nil {
		return consolidate.Lease{}, false, fmt.Errorf("lease %s: %w", name, err)
	}
	return l, l.Holder == holder, nil
}

func scanLease(row pgx.Row) (consolidate.Lease, error) {
	var l consolidate.Lease
	err := row.Scan(&l.Name, &l.Holder, &l.AcquiredAt, &l.ExpiresAt)
	l.AcquiredAt, l.ExpiresAt = l.AcquiredAt.UTC(), l.ExpiresAt.UTC()
	return l, err
}

// Unlock releases the lease if holder has it.
func (s *Store) Unlock(ctx context.Context, name, holder string) error {
	if !storable(name) || !storable(holder) {
		return nil
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM leases WHERE name = $1 AND holder = $2", name, holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// ReadLease returns the lease name as it stands.
func (s *Store) ReadLease(ctx context.Context, name string) (consolidate.Lease, bool, error) {
	if !storable(name) {
		return consolidate.Lease{}, false, nil
	}
	l, err := getRecord(ctx, s, scanLease, "lease "+name, "SELECT name, holder, acquired_at, expires_at FROM leases WHERE name = $1", name)
	switch {
	case memory.ErrorCode(err) == memory.ENotFound:
		return consolidate.Lease{}, false, nil
	case err != nil:
		return consolidate.Lease{}, false, err
	}
	return l, true, nil
}

// Owners lists the owners that have live memories, sorted bytewise, from
// the counts the triggers keep.
func (s *Store) Owners(ctx context.Context) ([]string, error) {
	return listRecords(ctx, s, func(r pgx.Row) (string, error) {
		var o string
		return o, r.Scan(&o)
	}, "owners", `SELECT owner FROM memory_owner_counts WHERE live > 0 ORDER BY owner COLLATE "C"`)
}

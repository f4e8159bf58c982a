package cloudflare

// D1 over its REST API: statements (single or batched, a batch being one
// transaction) sent to /d1/database/{id}/raw, whose rows come back as arrays.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// stmt is one SQL statement with its parameters. D1 binds at most 100
// parameters a statement; lists travel as one JSON array read by json_each.
type stmt struct {
	SQL    string `json:"sql"`
	Params []any  `json:"params"`
}

// q makes a statement.
func q(sql string, params ...any) stmt {
	if params == nil {
		params = []any{}
	}
	return stmt{SQL: sql, Params: params}
}

// d1Meta is the metadata D1 returns with each statement's result.
type d1Meta struct {
	Changes     int64 `json:"changes"`
	LastRowID   int64 `json:"last_row_id"`
	ChangedDB   bool  `json:"changed_db"`
	SizeAfter   int64 `json:"size_after"`
	RowsRead    int64 `json:"rows_read"`
	RowsWritten int64 `json:"rows_written"`
}

// table is the result of one statement.
type table struct {
	Columns []string            `json:"columns"`
	Rows    [][]json.RawMessage `json:"rows"`
}

type rawResult struct {
	Results table  `json:"results"`
	Success bool   `json:"success"`
	Meta    d1Meta `json:"meta"`
}

// d1Query runs one statement.
func (s *Store) d1Query(ctx context.Context, op string, st stmt) (*table, d1Meta, error) {
	var res []rawResult
	if err := s.c.postJSON(ctx, "d1", op, s.d1Path(), st, &res); err != nil {
		return nil, d1Meta{}, err
	}
	if len(res) == 0 {
		return nil, d1Meta{}, fmt.Errorf("cloudflare d1 %s: no result", op)
	}
	// Several statements in one text (the schema) give several results;
	// the last one is the answer.
	last := res[len(res)-1]
	s.noteSize(last.Meta)
	return &last.Results, last.Meta, nil
}

// d1Batch runs statements as one transaction: all of them or none.
func (s *Store) d1Batch(ctx context.Context, op string, sts []stmt) ([]*table, error) {
	if len(sts) == 0 {
		return nil, nil
	}
	var res []rawResult
	if err := s.c.postJSON(ctx, "d1", op, s.d1Path(), map[string]any{"batch": sts}, &res); err != nil {
		return nil, err
	}
	if len(res) != len(sts) {
		return nil, fmt.Errorf("cloudflare d1 %s: %d results for %d statements", op, len(res), len(sts))
	}
	out := make([]*table, len(res))
	for i := range res {
		out[i] = &res[i].Results
	}
	s.noteSize(res[len(res)-1].Meta)
	return out, nil
}

// noteSize remembers the database size D1 reported.
func (s *Store) noteSize(m d1Meta) {
	if m.SizeAfter > 0 {
		s.mu.Lock()
		s.lastSize = m.SizeAfter
		s.mu.Unlock()
	}
}

func (s *Store) d1Path() string { return "/d1/database/" + s.cfg.D1Database + "/raw" }

// sqlError reports whether err is D1 refusing a statement whose message
// contains text (a constraint or one of the schema's RAISE messages).
func sqlError(err error, text string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == 400 && ae.has(text)
}

// Column readers. D1 returns integers and reals as JSON numbers, text as
// strings, NULL as null.

func colString(v json.RawMessage) string {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return ""
	}
	return s
}

func colInt(v json.RawMessage) int64 {
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return 0
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		f, _ := strconv.ParseFloat(string(v), 64)
		return int64(f)
	}
	return n
}

func colFloat(v json.RawMessage) float64 {
	f, _ := strconv.ParseFloat(string(v), 64)
	return f
}

func colNull(v json.RawMessage) bool {
	return len(v) == 0 || bytes.Equal(v, []byte("null"))
}

package cfemu

// D1: /d1/database/{id}/query and /raw on a real SQLite database, with D1's
// limits, its batch semantics (a request is one transaction), its result
// shapes and its error answers.

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/ext/fts5"
)

// D1's documented limits.
const (
	d1MaxParams     = 100
	d1MaxSQLLength  = 100_000
	d1MaxRowBytes   = 2_000_000
	d1MaxLikeLength = 50
	d1MaxColumns    = 100
	d1MaxBody       = 100 << 20
)

// d1DB is one emulated database: one connection, so statements run one at
// a time as D1 runs them.
type d1DB struct {
	mu   sync.Mutex
	conn *sqlite3.Conn
}

// AddD1 creates an empty database with this id (a UUID in the real API).
func (s *Server) AddD1(id string) error {
	conn, err := sqlite3.Open(":memory:")
	if err != nil {
		return err
	}
	for cat, v := range map[sqlite3.LimitCategory]int{
		sqlite3.LIMIT_VARIABLE_NUMBER:     d1MaxParams,
		sqlite3.LIMIT_SQL_LENGTH:          d1MaxSQLLength,
		sqlite3.LIMIT_LENGTH:              d1MaxRowBytes,
		sqlite3.LIMIT_LIKE_PATTERN_LENGTH: d1MaxLikeLength,
		sqlite3.LIMIT_COLUMN:              d1MaxColumns,
	} {
		conn.Limit(cat, v)
	}
	// D1 has FTS5 and the JSON functions (JSON is in SQLite's core).
	if err := fts5.Register(conn); err != nil {
		conn.Close()
		return err
	}
	if err := conn.Exec("PRAGMA foreign_keys = ON"); err != nil {
		conn.Close()
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.dbs[id]; old != nil {
		old.close()
	}
	s.dbs[id] = &d1DB{conn: conn}
	return nil
}

func (db *d1DB) close() {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.conn.Close()
}

// D1Query runs one statement on a database outside the API, for tests that
// look at or damage what the store wrote; it returns the rows.
func (s *Server) D1Query(id, sql string, params ...any) ([][]any, error) {
	s.mu.Lock()
	db := s.dbs[id]
	s.mu.Unlock()
	if db == nil {
		return nil, errors.New("no such database")
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	st, _, err := db.conn.Prepare(sql)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	for i, p := range params {
		if e := bindParam(st, i+1, p); e != nil {
			return nil, e
		}
	}
	var out [][]any
	for st.Step() {
		row := make([]any, st.ColumnCount())
		for i := range row {
			row[i] = columnValue(st, i)
		}
		out = append(out, row)
	}
	return out, st.Err()
}

// d1Statement is one statement of a request.
type d1Statement struct {
	SQL    string `json:"sql"`
	Params []any  `json:"params"`
}

// d1Meta is the metadata of a statement's result.
type d1Meta struct {
	ServedBy        string  `json:"served_by"`
	ServedByPrimary bool    `json:"served_by_primary"`
	Duration        float64 `json:"duration"`
	Changes         int64   `json:"changes"`
	LastRowID       int64   `json:"last_row_id"`
	ChangedDB       bool    `json:"changed_db"`
	SizeAfter       int64   `json:"size_after"`
	RowsRead        int64   `json:"rows_read"`
	RowsWritten     int64   `json:"rows_written"`
}

// serveD1 answers POST /d1/database/{id}/query and /raw.
func (s *Server) serveD1(r *http.Request, sub string) response {
	rest, _ := strings.CutPrefix(sub, "/d1/database/")
	id, mode, ok := strings.Cut(rest, "/")
	if !ok || (mode != "query" && mode != "raw") {
		return response{err: errorf(http.StatusNotFound, 7003, "Could not route to %s, perhaps your object identifier is invalid?", sub)}
	}
	if r.Method != http.MethodPost {
		return response{err: errorf(http.StatusMethodNotAllowed, 10000, "Method not allowed")}
	}
	s.mu.Lock()
	db := s.dbs[id]
	s.mu.Unlock()
	if db == nil {
		// 7404 is the code D1 answers for an unknown database.
		return response{err: errorf(http.StatusNotFound, 7404, "The database %s could not be found", id)}
	}
	body, e := readBody(r, d1MaxBody)
	if e != nil {
		return response{err: e}
	}
	var req struct {
		d1Statement
		Batch []d1Statement `json:"batch"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return response{err: errorf(http.StatusBadRequest, 7400, "The request is malformed: %v", err)}
	}
	stmts := req.Batch
	if stmts == nil {
		if strings.TrimSpace(req.SQL) == "" {
			return response{err: errorf(http.StatusBadRequest, 7400, "The request is malformed: sql is required")}
		}
		stmts = []d1Statement{req.d1Statement}
	}
	results, e := db.run(stmts, mode == "raw")
	if e != nil {
		return response{err: e}
	}
	return response{result: results}
}

// run executes the statements of a request in one transaction.
func (db *d1DB) run(stmts []d1Statement, raw bool) ([]map[string]any, *apiError) {
	db.mu.Lock()
	defer db.mu.Unlock()
	c := db.conn
	if err := c.Exec("BEGIN IMMEDIATE"); err != nil {
		return nil, sqlFailure(err)
	}
	var out []map[string]any
	for _, st := range stmts {
		res, e := db.exec(st, raw)
		if e != nil {
			c.Exec("ROLLBACK")
			return nil, e
		}
		out = append(out, res...)
	}
	if err := c.Exec("COMMIT"); err != nil {
		c.Exec("ROLLBACK")
		return nil, sqlFailure(err)
	}
	return out, nil
}

// exec runs one request statement, which may hold several SQL statements
// joined by semicolons (then without parameters); one result each.
func (db *d1DB) exec(st d1Statement, raw bool) ([]map[string]any, *apiError) {
	c := db.conn
	text := st.SQL
	if len(text) > d1MaxSQLLength {
		return nil, errorf(http.StatusBadRequest, 7500, "statement too long: SQLITE_TOOBIG")
	}
	var out []map[string]any
	first := true
	for strings.TrimSpace(text) != "" {
		start := time.Now()
		before := c.TotalChanges()
		stmt, tail, err := c.Prepare(text)
		if err != nil {
			return nil, sqlFailure(err)
		}
		if stmt == nil { // only white space or comments left
			break
		}
		if e := checkStatement(stmt.SQL()); e != nil {
			stmt.Close()
			return nil, e
		}
		if !first || strings.TrimSpace(tail) != "" {
			if len(st.Params) > 0 {
				stmt.Close()
				return nil, errorf(http.StatusBadRequest, 7500, "parameters cannot be bound to several statements in one sql text: SQLITE_RANGE")
			}
		}
		if e := bindAll(stmt, st.Params); e != nil {
			stmt.Close()
			return nil, e
		}
		cols := make([]string, stmt.ColumnCount())
		for i := range cols {
			cols[i] = stmt.ColumnName(i)
		}
		var rows [][]any
		for stmt.Step() {
			row := make([]any, len(cols))
			for i := range row {
				row[i] = columnValue(stmt, i)
			}
			rows = append(rows, row)
		}
		err = stmt.Err()
		stmt.Close()
		if err != nil {
			return nil, sqlFailure(err)
		}
		changes := c.TotalChanges() - before
		meta := d1Meta{
			ServedBy: "cfemu", ServedByPrimary: true, Duration: float64(time.Since(start).Microseconds()) / 1000,
			Changes: changes, LastRowID: c.LastInsertRowID(), ChangedDB: changes > 0,
			SizeAfter: db.size(), RowsRead: int64(len(rows)), RowsWritten: changes,
		}
		res := map[string]any{"success": true, "meta": meta}
		if raw {
			if rows == nil {
				rows = [][]any{}
			}
			res["results"] = map[string]any{"columns": cols, "rows": rows}
		} else {
			objs := make([]map[string]any, len(rows))
			for i, row := range rows {
				o := make(map[string]any, len(cols))
				for j, col := range cols {
					o[col] = row[j]
				}
				objs[i] = o
			}
			res["results"] = objs
		}
		out = append(out, res)
		text, first = tail, false
	}
	return out, nil
}

// checkStatement refuses what D1 refuses: transaction control (a request
// is already a transaction) and attaching databases.
func checkStatement(sql string) *apiError {
	word := strings.ToUpper(strings.Fields(strings.TrimSpace(sql) + " x")[0])
	switch word {
	case "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE":
		return errorf(http.StatusBadRequest, 7500, "To execute a transaction, please use the batch API instead of SQL statements like BEGIN TRANSACTION or SAVEPOINT: SQLITE_AUTH")
	case "ATTACH", "DETACH", "VACUUM":
		return errorf(http.StatusBadRequest, 7500, "not authorized: SQLITE_AUTH")
	}
	return nil
}

// bindAll binds the JSON parameters of a statement.
func bindAll(stmt *sqlite3.Stmt, params []any) *apiError {
	if n := stmt.BindCount(); len(params) != n && len(params) > 0 {
		return errorf(http.StatusBadRequest, 7500, "Wrong number of parameter bindings for SQL query: %d given, %d expected: SQLITE_RANGE", len(params), n)
	}
	for i, p := range params {
		if e := bindParam(stmt, i+1, p); e != nil {
			return e
		}
	}
	return nil
}

// bindParam binds one JSON value: strings as text, integral numbers as
// integers, other numbers as reals, booleans as 1/0, null as NULL.
func bindParam(stmt *sqlite3.Stmt, i int, p any) *apiError {
	var err error
	switch v := p.(type) {
	case nil:
		err = stmt.BindNull(i)
	case string:
		err = stmt.BindText(i, v)
	case bool:
		err = stmt.BindBool(i, v)
	case json.Number:
		if n, e := v.Int64(); e == nil {
			err = stmt.BindInt64(i, n)
		} else {
			f, e := v.Float64()
			if e != nil {
				return errorf(http.StatusBadRequest, 7500, "bad number %q: SQLITE_MISMATCH", v)
			}
			err = stmt.BindFloat(i, f)
		}
	case int:
		err = stmt.BindInt64(i, int64(v))
	case int64:
		err = stmt.BindInt64(i, v)
	case float64:
		err = stmt.BindFloat(i, v)
	default:
		return errorf(http.StatusBadRequest, 7500, "Type '%T' not supported for value: SQLITE_MISMATCH", p)
	}
	if err != nil {
		return sqlFailure(err)
	}
	return nil
}

// columnValue reads a column as D1 returns it in JSON.
func columnValue(stmt *sqlite3.Stmt, i int) any {
	switch stmt.ColumnType(i) {
	case sqlite3.INTEGER:
		return stmt.ColumnInt64(i)
	case sqlite3.FLOAT:
		return stmt.ColumnFloat(i)
	case sqlite3.TEXT:
		return stmt.ColumnText(i)
	case sqlite3.BLOB:
		b := stmt.ColumnBlob(i, nil)
		out := make([]int, len(b))
		for j, x := range b {
			out[j] = int(x)
		}
		return out
	}
	return nil
}

// size is the database size in bytes.
func (db *d1DB) size() int64 {
	st, _, err := db.conn.Prepare("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
	if err != nil {
		return 0
	}
	defer st.Close()
	if st.Step() {
		return st.ColumnInt64(0)
	}
	return 0
}

// sqlFailure is D1's answer to a statement SQLite refused: HTTP 400, code
// 7500, SQLite's message followed by its result code name.
func sqlFailure(err error) *apiError {
	msg := err.Error()
	var se *sqlite3.Error
	code := "SQLITE_ERROR"
	if errors.As(err, &se) {
		prefix := se.Code().Error()
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, prefix), ": ")
		code = codeName(se.Code())
	}
	return errorf(http.StatusBadRequest, 7500, "%s: %s", msg, code)
}

// codeName is the SQLITE_* name of a primary result code.
func codeName(c sqlite3.ErrorCode) string {
	names := map[sqlite3.ErrorCode]string{
		sqlite3.ERROR: "SQLITE_ERROR", sqlite3.CONSTRAINT: "SQLITE_CONSTRAINT", sqlite3.TOOBIG: "SQLITE_TOOBIG",
		sqlite3.RANGE: "SQLITE_RANGE", sqlite3.MISMATCH: "SQLITE_MISMATCH", sqlite3.AUTH: "SQLITE_AUTH",
		sqlite3.BUSY: "SQLITE_BUSY", sqlite3.LOCKED: "SQLITE_LOCKED", sqlite3.NOMEM: "SQLITE_NOMEM",
		sqlite3.READONLY: "SQLITE_READONLY", sqlite3.INTERRUPT: "SQLITE_INTERRUPT", sqlite3.CORRUPT: "SQLITE_CORRUPT",
	}
	if n, ok := names[c]; ok {
		return n
	}
	return "SQLITE_ERROR"
}

package httpapi_test

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/backup"
	"github.com/mcp-memory-go/memory/exchange"
	"github.com/mcp-memory-go/memory/httpapi"
	"github.com/mcp-memory-go/memory/sqlite"
)

// withBackups gives the environment a backup manager over its store.
func (e *env) withBackups() *backup.Manager {
	m := &backup.Manager{Source: e.st, Dir: filepath.Join(e.t.TempDir(), "backups"), Interval: "daily",
		Retention: 7 * 24 * time.Hour, MaxCount: 10, Now: func() time.Time { return now }}
	e.api.Backups = m
	return m
}

func TestBackupRoutes(t *testing.T) {
	e := MustOpenEnv(t)
	m := e.withBackups()
	e.store("alice", "alice's note", now.Add(-time.Hour), "note")
	e.store("bob", "bob's note", now.Add(-time.Hour), "note")

	// Scopes: status for readers, now and list for administrators.
	for _, c := range []struct {
		who, method, path string
		status            int
	}{
		{"", http.MethodGet, "/api/backup/status", http.StatusUnauthorized},
		{"alice-read", http.MethodGet, "/api/backup/status", http.StatusOK},
		{"alice-write", http.MethodPost, "/api/backup/now", http.StatusForbidden},
		{"alice-write", http.MethodGet, "/api/backup/list", http.StatusForbidden},
		{"bob-write", http.MethodGet, "/api/backup/list", http.StatusForbidden},
	} {
		if r := e.do(c.who, c.method, c.path, nil); r.Status != c.status {
			t.Errorf("%s %s as %q: %d, want %d\n%s", c.method, c.path, c.who, r.Status, c.status, r.Body)
		}
	}

	var made httpapi.BackupNowResponse
	e.mustDo(http.StatusOK, "alice-admin", http.MethodPost, "/api/backup/now", nil).Decode(t, &made)
	if !made.Success || made.Filename != "memory_backup_20261125_143000.db" || made.SizeBytes == 0 || made.CreatedAt != "2026-11-25T14:30:00.000Z" {
		t.Fatalf("POST /api/backup/now=%+v", made)
	}
	info, err := sqlite.Verify(t.Context(), filepath.Join(m.Dir, made.Filename))
	if err != nil || info.Memories != 2 {
		t.Errorf("the backup: %+v, %v; want both users' memories", info, err)
	}

	var list httpapi.BackupListResponse
	e.mustDo(http.StatusOK, "carol-admin", http.MethodGet, "/api/backup/list", nil).Decode(t, &list)
	if list.TotalCount != 1 || list.Backups[0].Filename != made.Filename || list.TotalSizeBytes != made.SizeBytes || list.Backups[0].AgeDays != 0 {
		t.Errorf("GET /api/backup/list=%+v", list)
	}

	st := e.mustDo(http.StatusOK, "alice-read", http.MethodGet, "/api/backup/status", nil).JSON(t)
	for _, k := range []string{"enabled", "interval", "retention_days", "max_count", "backup_count", "total_size_bytes",
		"last_backup_time", "time_since_last_seconds", "next_backup_at", "scheduler_running"} {
		if _, ok := st[k]; !ok {
			t.Errorf("status lacks upstream's field %q: %v", k, st)
		}
	}
	if _, ok := st["backup_directory"]; ok {
		t.Errorf("status shows the backup directory to a reader: %v", st)
	}
	if st["backup_count"] != 1.0 || st["retention_days"] != 7.0 || st["last_backup_time"] != float64(now.Unix()) {
		t.Errorf("status=%v, want 1 backup, 7 days, the last at %d", st, now.Unix())
	}
	admin := e.mustDo(http.StatusOK, "alice-admin", http.MethodGet, "/api/backup/status", nil).JSON(t)
	if admin["backup_directory"] != m.Dir {
		t.Errorf("admin status backup_directory=%v, want %s", admin["backup_directory"], m.Dir)
	}
}

func TestBackupRoutes_Failure(t *testing.T) {
	e := MustOpenEnv(t)
	m := e.withBackups()
	m.Dir = filepath.Join(e.dbPath, "backups") // under a file: cannot be created
	var made httpapi.BackupNowResponse
	e.mustDo(http.StatusOK, "alice-admin", http.MethodPost, "/api/backup/now", nil).Decode(t, &made)
	if made.Success || !strings.Contains(made.Error, "not a directory") {
		t.Errorf("POST /api/backup/now into an unusable directory=%+v, want success false and the reason", made)
	}
	st := e.mustDo(http.StatusOK, "alice-admin", http.MethodGet, "/api/backup/status", nil).JSON(t)
	if !strings.Contains(st["last_error"].(string), "not a directory") {
		t.Errorf("status last_error=%v, want the failure", st["last_error"])
	}
}

func TestBackupRoutes_OtherBackend(t *testing.T) {
	e := MustOpenEnv(t)
	e.api.BackupsOff = "backups of the postgres backend are the database's job: use pg_dump"
	r := e.mustDo(http.StatusServiceUnavailable, "alice-admin", http.MethodPost, "/api/backup/now", nil)
	if !strings.Contains(string(r.Body), "pg_dump") {
		t.Errorf("POST /api/backup/now=%s, want the reason", r.Body)
	}
	e.mustDo(http.StatusServiceUnavailable, "alice-admin", http.MethodGet, "/api/backup/list", nil)
	st := e.mustDo(http.StatusOK, "alice-read", http.MethodGet, "/api/backup/status", nil).JSON(t)
	if st["available"] != false || st["enabled"] != false || !strings.Contains(st["message"].(string), "pg_dump") {
		t.Errorf("status=%v, want unavailable with the reason", st)
	}
}

// TestExportRoute: each user exports their own memories only, as a file
// memory import accepts.
func TestExportRoute(t *testing.T) {
	e := MustOpenEnv(t)
	e.store("alice", "alice likes tea", now.Add(-2*time.Hour), "note", "drinks")
	e.store("alice", "alice ships on fridays", now.Add(-time.Hour), "decision", "work")
	e.store("bob", "bob likes coffee", now.Add(-time.Hour), "note", "drinks")

	r := e.mustDo(http.StatusOK, "alice-read", http.MethodGet, "/api/export", nil)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-ndjson") || !strings.Contains(r.Header.Get("Content-Disposition"), "memories-alice-") {
		t.Errorf("headers %v, want NDJSON as an attachment", r.Header)
	}
	rd, err := exchange.NewReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		m, err := rd.Next()
		if err != nil {
			break
		}
		if m.Owner != "alice" {
			t.Errorf("alice's export holds a memory of %q", m.Owner)
		}
		got = append(got, m.Content)
	}
	if len(got) != 2 || got[0] != "alice likes tea" {
		t.Errorf("alice's export=%v, want her two memories, oldest first", got)
	}
	if n, err := exchange.Check(bytes.NewReader(e.mustDo(http.StatusOK, "bob-write", http.MethodGet, "/api/export?tags=drinks", nil).Body)); n != 1 || err != nil {
		t.Errorf("bob's export by tag: %d memories, %v; want 1", n, err)
	}
	if n, _ := exchange.Check(bytes.NewReader(e.mustDo(http.StatusOK, "alice-read", http.MethodGet, "/api/export?memory_type=decision&after=2026-11-25T13:00:00Z", nil).Body)); n != 1 {
		t.Errorf("alice's export by type and time: %d memories, want 1", n)
	}
	withVec := e.mustDo(http.StatusOK, "alice-read", http.MethodGet, "/api/export?embeddings=true", nil)
	if !bytes.Contains(withVec.Body, []byte(`"embedding":[`)) {
		t.Errorf("export with embeddings has no vector")
	}
	for _, bad := range []string{"/api/export?memory_type=nonsense", "/api/export?after=yesterday-ish", "/api/export?embeddings=maybe"} {
		if r := e.do("alice-read", http.MethodGet, bad, nil); r.Status != http.StatusBadRequest || r.Header.Get("Content-Disposition") != "" {
			t.Errorf("GET %s: %d %v, want a plain 400", bad, r.Status, r.Header)
		}
	}
	e.mustDo(http.StatusUnauthorized, "", http.MethodGet, "/api/export", nil)
}

package daemon_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/backup"
	"github.com/mcp-memory-go/memory/daemon"
	"github.com/mcp-memory-go/memory/mdns"
)

// TestServe_RunsBackupScheduler: with the schedule on, the daemon makes a
// backup when it starts (there is none yet) and stops the scheduler when
// it shuts down. On loopback it advertises nothing on mDNS.
func TestServe_RunsBackupScheduler(t *testing.T) {
	var m *backup.Manager
	e := start(t, daemon.Config{MDNS: &mdns.Service{Instance: "test"}}, nil, func(e *env, c *daemon.Config) {
		m = &backup.Manager{Source: e.store, Dir: filepath.Join(t.TempDir(), "backups"), Scheduled: true, Interval: "hourly"}
		c.Backups = m
	})
	var status map[string]any
	for deadline := time.Now().Add(time.Minute); ; {
		code, body, _ := e.do("GET", "/api/backup/status", "admin", nil)
		if code != 200 {
			t.Fatalf("GET /api/backup/status: %d %s", code, body)
		}
		json.Unmarshal([]byte(body), &status)
		if status["backup_count"] == 1.0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if status["backup_count"] != 1.0 || status["scheduler_running"] != true || status["interval"] != "hourly" || status["next_backup_at"] == nil {
		t.Fatalf("status=%v, want one backup made at start by a running hourly scheduler", status)
	}
	e.stop()
	if err := <-e.stopped; err != nil {
		t.Fatalf("Serve()=%v", err)
	}
	e.stopped <- nil // for the cleanup
	if st, _ := m.Status(); st.Running {
		t.Errorf("the backup scheduler still runs after shutdown")
	}
	if !strings.Contains(e.logs.String(), "not advertising on mDNS") {
		t.Errorf("logs do not say why mDNS is off on loopback:\n%s", e.logs.String())
	}
}

package httpapi

// Backup routes (/api/backup/*, upstream's paths and payloads) and the
// caller's own export (/api/export).
//
// Who may do what: a server backup is a copy of the whole database, every
// user's memories included, so making and listing backups needs the admin
// scope (upstream asks only write and read, but has no users to keep
// apart). Any reader may see the status, which says whether and when
// their memories are backed up, without the server's paths or errors. A
// user's own copy of their memories is GET /api/export.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/backup"
	"github.com/mcp-memory-go/memory/exchange"
)

// Backups makes and lists the server's backups (*backup.Manager).
type Backups interface {
	Backup(ctx context.Context) (backup.File, error)
	List() ([]backup.File, error)
	Status() (backup.Status, error)
}

// BackupStatusResponse answers GET /api/backup/status.
type BackupStatusResponse struct {
	// Enabled says whether scheduled backups are on.
	Enabled        bool   `json:"enabled"`
	Interval       string `json:"interval" jsonschema:"hourly, daily or weekly"`
	RetentionDays  int    `json:"retention_days" jsonschema:"backups older than this are deleted (0: kept)"`
	MaxCount       int    `json:"max_count" jsonschema:"at most this many backups are kept (0: no limit)"`
	BackupCount    int    `json:"backup_count"`
	TotalSizeBytes int64  `json:"total_size_bytes"`
	// LastBackupTime is the newest backup's time in seconds since the
	// epoch; null without one.
	LastBackupTime       *float64 `json:"last_backup_time"`
	TimeSinceLastSeconds *float64 `json:"time_since_last_seconds"`
	// NextBackupAt is when the scheduler makes the next one (ISO 8601);
	// null when it is not running.
	NextBackupAt     *string `json:"next_backup_at"`
	SchedulerRunning bool    `json:"scheduler_running"`
	// BackupDirectory and LastError (why the last attempt failed) are
	// shown to administrators only.
	BackupDirectory string `json:"backup_directory,omitempty"`
	LastError       string `json:"last_error,omitempty"`
	// Available is false when this server cannot make backups (another
	// storage backend); Message says why and what to use instead.
	Available bool   `json:"available"`
	Message   string `json:"message,omitempty"`
}

// BackupNowResponse answers POST /api/backup/now. A failed backup is
// answered 200 with success false and the error, as upstream does.
type BackupNowResponse struct {
	Success         bool    `json:"success"`
	Filename        string  `json:"filename,omitempty"`
	SizeBytes       int64   `json:"size_bytes,omitempty"`
	CreatedAt       string  `json:"created_at,omitempty"`
	DurationSeconds float64 `json:"duration_seconds,omitempty"`
	Error           string  `json:"error,omitempty"`
}

// BackupInfo is one backup of GET /api/backup/list.
type BackupInfo struct {
	Filename  string `json:"filename"`
	SizeBytes int64  `json:"size_bytes"`
	CreatedAt string `json:"created_at"`
	AgeDays   int    `json:"age_days"`
}

// BackupListResponse answers GET /api/backup/list.
type BackupListResponse struct {
	Backups        []BackupInfo `json:"backups"`
	TotalCount     int          `json:"total_count"`
	TotalSizeBytes int64        `json:"total_size_bytes"`
}

func (a *API) backupRoutes() []Route {
	export := raw(get, "/api/export", read, "The caller's memories as JSON Lines (the format of `memory export`, docs/export-format.md), oldest first; "+
		"filters combine with AND", "application/x-ndjson", a.exportMemories).with(
		strQuery("tags", "only memories with these tags (comma-separated)"),
		enumQuery("tag_match", "whether a memory needs any or all of the tags", "any", "any", "all"),
		strQuery("memory_type", "only memories of these types (comma-separated)"),
		strQuery("after", "created at or after: 2025-03-01 or an RFC 3339 time"),
		strQuery("before", "created before: 2025-03-01 or an RFC 3339 time"),
		strQuery("time_expr", `a natural-language range such as "last month"`),
		Param{Name: "embeddings", In: "query", Type: "boolean", Default: false, Description: "include each memory's vector and model"},
	)
	return tagged("backup",
		jsonOp(get, "/api/backup/status", read, "Whether and when the database is backed up; the directory and last error for administrators only", a.backupStatus),
		jsonOp(post, "/api/backup/now", admin, "Make a verified backup of the whole database now (it holds every user's memories: admin only)", a.backupNow),
		jsonOp(get, "/api/backup/list", admin, "The server's backups, newest first (admin only)", a.backupList),
		export,
	)
}

// backups returns the backup manager, or 503 saying why there is none.
func (a *API) backups() (Backups, error) {
	if a.Backups == nil {
		return nil, memory.Errorf(memory.EUnavailable, "%s", a.backupsOff())
	}
	return a.Backups, nil
}

func (a *API) backupsOff() string {
	if a.BackupsOff != "" {
		return a.BackupsOff
	}
	return "backups are not configured on this server"
}

func (a *API) backupStatus(r *http.Request) (*BackupStatusResponse, error) {
	if a.Backups == nil {
		return &BackupStatusResponse{Interval: backup.DefaultInterval, Message: a.backupsOff()}, nil
	}
	st, err := a.Backups.Status()
	if err != nil {
		a.logger().Warn("backup status", "err", err)
	}
	out := &BackupStatusResponse{
		Enabled: st.Scheduled, Interval: st.Interval, RetentionDays: int(st.Retention / (24 * time.Hour)), MaxCount: st.MaxCount,
		BackupCount: st.Count, TotalSizeBytes: st.TotalSize, SchedulerRunning: st.Running, Available: true,
	}
	if !st.Last.IsZero() {
		last, since := epoch(st.Last), a.now().Sub(st.Last).Seconds()
		out.LastBackupTime, out.TimeSinceLastSeconds = &last, &since
	}
	if !st.Next.IsZero() {
		next := iso(st.Next)
		out.NextBackupAt = &next
	}
	if auth.FromContext(r.Context()).Has(auth.ScopeAdmin) {
		out.BackupDirectory, out.LastError = st.Dir, st.LastError
		if err != nil && out.LastError == "" {
			out.LastError = err.Error()
		}
	}
	return out, nil
}

func (a *API) backupNow(r *http.Request) (*BackupNowResponse, error) {
	b, err := a.backups()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	// A backup started is finished even if the caller goes away (the
	// dashboard's page closed); shutdown waits for it like any request.
	f, err := b.Backup(context.WithoutCancel(r.Context()))
	if err != nil {
		a.logger().Error("backup on request", "err", err)
		return &BackupNowResponse{Error: err.Error()}, nil
	}
	return &BackupNowResponse{Success: true, Filename: f.Name, SizeBytes: f.SizeBytes, CreatedAt: iso(f.CreatedAt),
		DurationSeconds: round(time.Since(start).Seconds(), 3)}, nil
}

func (a *API) backupList(*http.Request) (*BackupListResponse, error) {
	b, err := a.backups()
	if err != nil {
		return nil, err
	}
	fs, err := b.List()
	if err != nil {
		return nil, err
	}
	out := &BackupListResponse{Backups: make([]BackupInfo, 0, len(fs)), TotalCount: len(fs)}
	now := a.now()
	for _, f := range fs {
		out.Backups = append(out.Backups, BackupInfo{Filename: f.Name, SizeBytes: f.SizeBytes, CreatedAt: iso(f.CreatedAt),
			AgeDays: int(now.Sub(f.CreatedAt) / (24 * time.Hour))})
		out.TotalSizeBytes += f.SizeBytes
	}
	return out, nil
}

// exportMemories streams the caller's memories. Bad filters are refused
// (400) before anything is sent; an export cut short by an error lacks its
// end line, which an import detects.
func (a *API) exportMemories(w http.ResponseWriter, r *http.Request) error {
	p := paramsOf(r)
	req := memory.ExportRequest{
		Tags: memory.SplitTagList(p.str("tags")), TagMatch: memory.TagMatch(p.str("tag_match")),
		Types: splitList(p.str("memory_type")), TimeExpr: p.str("time_expr"), Embeddings: p.bool("embeddings"),
	}
	var err error
	if req.After, err = memory.ParseDate("after", p.str("after")); err != nil {
		return err
	}
	if req.Before, err = memory.ParseDate("before", p.str("before")); err != nil {
		return err
	}
	owner := memory.OwnerFrom(r.Context())
	name := fmt.Sprintf("memories-%s-%s.jsonl", safeName(owner), a.now().UTC().Format("20060102-150405"))
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := &countingWriter{w: w}
	n, err := exchange.Export(r.Context(), a.Service, cw, exchange.ExportOptions{Request: req, Generator: "memory " + a.version(), Now: a.now})
	switch {
	case err != nil && cw.n == 0:
		// Refused before a byte was sent (bad filters): a clean error.
		w.Header().Del("Content-Disposition")
		return err
	case err != nil:
		a.logger().Warn("export cut short", "owner", owner, "written", n, "err", err)
	}
	return nil
}

// countingWriter counts the bytes passed on.
type countingWriter struct {
	w http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// splitList splits a comma-separated parameter, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// safeName keeps letters, digits, dots, dashes and underscores.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

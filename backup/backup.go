// Package backup keeps verified backups of the database in a directory:
// made on demand or on a schedule (hourly, daily, weekly), each checked
// before it counts, kept by age and number. The copy itself is the
// storage's job (Source; sqlite.Store makes consistent online copies):
// this package decides when, where and for how long.
//
// Files are named memory_backup_YYYYmmdd_HHMMSS.db (UTC), as upstream names
// them, created with mode 0600 in a directory created with mode 0700. A
// backup is written under a hidden temporary name and renamed into place
// only after it passed verification, so every file with that name is a
// good backup.
package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcp-memory-go/memory/internal/fsutil"
)

// Source makes and checks copies of the database.
type Source interface {
	// Backup writes a consistent copy of the database to path, a file
	// that does not exist yet, with mode 0600.
	Backup(ctx context.Context, path string) error
	// Verify checks that the file at path is a healthy copy.
	Verify(ctx context.Context, path string) error
}

// Intervals are the schedules MCP_BACKUP_INTERVAL accepts.
var Intervals = map[string]time.Duration{
	"hourly": time.Hour,
	"daily":  24 * time.Hour,
	"weekly": 7 * 24 * time.Hour,
}

// Defaults, as upstream's.
const (
	DefaultInterval  = "daily"
	DefaultRetention = 7 * 24 * time.Hour
	DefaultMaxCount  = 10
	// RetryAfter is how long the scheduler waits after a failed backup
	// (or the interval, if shorter).
	RetryAfter = 15 * time.Minute
)

// File is a backup in the directory.
type File struct {
	Name      string    `json:"filename"`
	Path      string    `json:"-"`
	SizeBytes int64     `json:"size_bytes"`
	CreatedAt time.Time `json:"created_at"`
}

// Manager makes, lists and prunes the backups of one database. Set the
// fields before the first call; all methods are safe for concurrent use.
type Manager struct {
	// Source copies and verifies. Required.
	Source Source
	// Dir holds the backups. Required.
	Dir string
	// Scheduled turns on the backups Run makes every Interval.
	Scheduled bool
	// Interval is "hourly", "daily" or "weekly"; "" means DefaultInterval.
	Interval string
	// Retention deletes backups older than this; 0 keeps them whatever
	// their age. MaxCount keeps at most this many; 0 means no limit. The
	// newest backup is never deleted.
	Retention time.Duration
	MaxCount  int
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger

	mu        sync.Mutex // one backup at a time
	running   atomic.Bool
	stateMu   sync.Mutex
	lastError string
	lastFail  time.Time
}

// namePattern matches backup file names; the group is the time.
var namePattern = regexp.MustCompile(`^memory_backup_(\d{8}_\d{6})(?:_\d+)?\.db$`)

const nameTime = "20060102_150405"

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) log() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// interval returns the schedule's period.
func (m *Manager) interval() time.Duration {
	if d, ok := Intervals[m.Interval]; ok {
		return d
	}
	return Intervals[DefaultInterval]
}

// ParseInterval checks an interval name.
func ParseInterval(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return DefaultInterval, nil
	}
	if _, ok := Intervals[s]; !ok {
		return "", fmt.Errorf("backup interval %q: want hourly, daily or weekly", s)
	}
	return s, nil
}

// Backup makes a backup now: copies the database into a temporary file in
// Dir (created 0700 if missing), verifies it, renames it into place, then
// prunes old backups. It returns the new file. On error nothing is left
// behind: a directory that cannot be written, a failed copy or a copy
// that fails verification leave Dir as it was.
func (m *Manager) Backup(ctx context.Context) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.backup(ctx)
	m.stateMu.Lock()
	if err != nil {
		m.lastError, m.lastFail = err.Error(), m.now()
	} else {
		m.lastError, m.lastFail = "", time.Time{}
	}
	m.stateMu.Unlock()
	if err != nil {
		return f, err
	}
	if removed, err := m.prune(); err != nil {
		m.log().Warn("pruning old backups", "dir", m.Dir, "err", err)
	} else if len(removed) > 0 {
		m.log().Info("removed old backups", "dir", m.Dir, "files", removed)
	}
	return f, nil
}

func (m *Manager) backup(ctx context.Context) (File, error) {
	if m.Source == nil || m.Dir == "" {
		return File{}, errors.New("backups are not configured")
	}
	if err := os.MkdirAll(m.Dir, 0o700); err != nil {
		return File{}, fmt.Errorf("backup directory %s: %w", m.Dir, unwrapPath(err))
	}
	if fi, err := os.Stat(m.Dir); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		m.log().Warn("backup directory is accessible to other users; backups hold every memory", "dir", m.Dir, "mode", fi.Mode().Perm().String())
	}
	m.removeStale()
	at := m.now().UTC()
	name := m.freeName(at)
	tmp := filepath.Join(m.Dir, fmt.Sprintf(".%s.%d.partial", name, os.Getpid()))
	probe, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return File{}, fmt.Errorf("backup directory %s is not writable: %w", m.Dir, unwrapPath(err))
	}
	probe.Close()
	os.Remove(tmp)
	defer os.Remove(tmp)
	defer os.Remove(tmp + "-journal")
	if err := m.Source.Backup(ctx, tmp); err != nil {
		return File{}, err
	}
	if err := m.Source.Verify(ctx, tmp); err != nil {
		return File{}, fmt.Errorf("the new backup failed verification, so it was discarded: %w", err)
	}
	final := filepath.Join(m.Dir, name)
	if err := os.Rename(tmp, final); err != nil {
		return File{}, fmt.Errorf("put the backup in place: %w", err)
	}
	if err := fsutil.SyncDir(m.Dir); err != nil {
		return File{}, fmt.Errorf("sync %s: %w", m.Dir, err)
	}
	fi, err := os.Stat(final)
	if err != nil {
		return File{}, err
	}
	return File{Name: name, Path: final, SizeBytes: fi.Size(), CreatedAt: at.Truncate(time.Second)}, nil
}

// freeName returns the backup name for at, with a suffix if a backup of
// the same second exists.
func (m *Manager) freeName(at time.Time) string {
	base := "memory_backup_" + at.Format(nameTime)
	name := base + ".db"
	for i := 2; ; i++ {
		if _, err := os.Lstat(filepath.Join(m.Dir, name)); errors.Is(err, os.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s_%d.db", base, i)
	}
}

// removeStale deletes temporary files of backups interrupted over an hour
// ago (a crash); younger ones may belong to a backup in progress in
// another process.
func (m *Manager) removeStale() {
	ents, err := os.ReadDir(m.Dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, ".memory_backup_") || !(strings.HasSuffix(n, ".partial") || strings.HasSuffix(n, ".partial-journal")) {
			continue
		}
		if fi, err := e.Info(); err == nil && m.now().Sub(fi.ModTime()) > time.Hour {
			os.Remove(filepath.Join(m.Dir, n))
		}
	}
}

// List returns the backups in Dir, newest first. A missing directory has
// none.
func (m *Manager) List() ([]File, error) {
	ents, err := os.ReadDir(m.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return []File{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	out := []File{}
	for _, e := range ents {
		sm := namePattern.FindStringSubmatch(e.Name())
		if sm == nil || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		at, err := time.Parse(nameTime, sm[1])
		if err != nil {
			at = fi.ModTime().UTC()
		}
		out = append(out, File{Name: e.Name(), Path: filepath.Join(m.Dir, e.Name()), SizeBytes: fi.Size(), CreatedAt: at})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return suffixNum(out[i].Name) > suffixNum(out[j].Name)
	})
	return out, nil
}

// suffixNum returns the _N suffix of a backup name (1 without one).
func suffixNum(name string) int {
	base := strings.TrimSuffix(name, ".db")
	n := 1
	if i := strings.LastIndexByte(base, '_'); i > len("memory_backup_YYYYmmdd") {
		fmt.Sscanf(base[i+1:], "%d", &n)
	}
	return n
}

// Find returns the backup called name (a file name in Dir).
func (m *Manager) Find(name string) (File, error) {
	fs, err := m.List()
	if err != nil {
		return File{}, err
	}
	for _, f := range fs {
		if f.Name == name {
			return f, nil
		}
	}
	return File{}, fmt.Errorf("no backup called %q in %s", name, m.Dir)
}

// Prune deletes the backups that Retention and MaxCount no longer keep,
// never the newest, and returns their names.
func (m *Manager) Prune() ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.prune()
}

func (m *Manager) prune() ([]string, error) {
	fs, err := m.List()
	if err != nil {
		return nil, err
	}
	now := m.now()
	var removed []string
	var errs []error
	for i, f := range fs {
		if i == 0 {
			continue
		}
		tooMany := m.MaxCount > 0 && i >= m.MaxCount
		tooOld := m.Retention > 0 && now.Sub(f.CreatedAt) > m.Retention
		if !tooMany && !tooOld {
			continue
		}
		if err := os.Remove(f.Path); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, f.Name)
	}
	return removed, errors.Join(errs...)
}

// Status describes the backups and the schedule (upstream's
// GET /api/backup/status).
type Status struct {
	Scheduled bool
	Interval  string
	Retention time.Duration
	MaxCount  int
	Count     int
	TotalSize int64
	// Last is the newest backup's time, zero without one; Next when the
	// scheduler makes the next one, zero when it is not running.
	Last, Next time.Time
	Running    bool
	Dir        string
	// LastError is why the last attempt failed, "" if it succeeded.
	LastError string
}

// Status returns the current state. When the directory cannot be read it
// returns what it knows with the error.
func (m *Manager) Status() (Status, error) {
	fs, err := m.List()
	st := Status{Scheduled: m.Scheduled, Interval: m.intervalName(), Retention: m.Retention, MaxCount: m.MaxCount,
		Count: len(fs), Running: m.running.Load(), Dir: m.Dir}
	for _, f := range fs {
		st.TotalSize += f.SizeBytes
	}
	if len(fs) > 0 {
		st.Last = fs[0].CreatedAt
	}
	m.stateMu.Lock()
	st.LastError = m.lastError
	m.stateMu.Unlock()
	if st.Running {
		st.Next = m.next(st.Last)
	}
	return st, err
}

func (m *Manager) intervalName() string {
	if _, ok := Intervals[m.Interval]; ok {
		return m.Interval
	}
	return DefaultInterval
}

// next returns when the scheduler makes its next backup, given the newest
// one's time: an interval after it, or soon after a failure, or now when
// there is none.
func (m *Manager) next(last time.Time) time.Time {
	now := m.now()
	m.stateMu.Lock()
	fail := m.lastFail
	m.stateMu.Unlock()
	next := now
	if !last.IsZero() {
		next = last.Add(m.interval())
	}
	if !fail.IsZero() {
		if retry := fail.Add(min(RetryAfter, m.interval())); retry.After(next) {
			next = retry
		}
	}
	if next.Before(now) {
		next = now
	}
	return next
}

// Run makes a backup every Interval until ctx is done, starting at once
// if the newest backup is older than the interval (or there is none).
// Failures are logged and retried after RetryAfter. It returns nil when
// ctx is done, at once if Scheduled is off.
func (m *Manager) Run(ctx context.Context) error {
	if !m.Scheduled {
		return nil
	}
	if !m.running.CompareAndSwap(false, true) {
		return errors.New("the backup scheduler is already running")
	}
	defer m.running.Store(false)
	m.log().Info("backup scheduler started", "dir", m.Dir, "interval", m.intervalName(), "retention", m.Retention, "max_count", m.MaxCount)
	for {
		fs, err := m.List()
		var last time.Time
		if err == nil && len(fs) > 0 {
			last = fs[0].CreatedAt
		}
		wait := m.next(last).Sub(m.now())
		t := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		start := m.now()
		f, err := m.Backup(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			m.log().Error("scheduled backup failed", "dir", m.Dir, "err", err)
		default:
			m.log().Info("scheduled backup made", "file", f.Path, "bytes", f.SizeBytes, "took", m.now().Sub(start))
		}
	}
}

// unwrapPath drops the *PathError wrapper, whose path the caller's message
// already names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

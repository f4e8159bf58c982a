package ingest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	memory "github.com/mcp-memory-go/memory"
)

// RootsVar is the setting that lists the directories MCP clients may ingest
// from.
const RootsVar = "MCP_MEMORY_INGEST_ROOTS"

// Roots are the directories the server may read files from. Paths are
// opened through os.Root, so neither "..", nor a symbolic link, nor a
// rename race can lead outside them.
type Roots struct {
	dirs []root
	// setting names where the list came from, for error messages.
	setting string
}

type root struct {
	path string // as configured, cleaned
	real string // with symbolic links resolved
	r    *os.Root
}

// ParseRoots opens the directories of a list separated by the OS path list
// separator (":" on Unix) or commas. Each must be an absolute path to an
// existing directory. An empty list gives no roots: every path is refused
// with an error that names RootsVar.
func ParseRoots(list string) (*Roots, error) {
	rs := &Roots{setting: RootsVar}
	for _, p := range strings.FieldsFunc(list, func(r rune) bool { return r == os.PathListSeparator || r == ',' }) {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if err := rs.add(p); err != nil {
			rs.Close()
			return nil, fmt.Errorf("%s: %w", RootsVar, err)
		}
	}
	return rs, nil
}

// Unrestricted returns roots that allow every path of the filesystem, for
// the command line, where the user names the files. Only regular files are
// read and directory walks still do not follow links out of the directory.
func Unrestricted() *Roots {
	rs := &Roots{setting: "the command line"}
	if err := rs.add(string(filepath.Separator)); err != nil {
		panic(err) // the filesystem root always opens
	}
	return rs
}

func (rs *Roots) add(p string) error {
	if !filepath.IsAbs(p) {
		return fmt.Errorf("%q is not an absolute path", p)
	}
	p = filepath.Clean(p)
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return fmt.Errorf("ingestion root %s: %w", p, err)
	}
	r, err := os.OpenRoot(real)
	if err != nil {
		return fmt.Errorf("ingestion root %s: %w", p, err)
	}
	rs.dirs = append(rs.dirs, root{path: p, real: real, r: r})
	return nil
}

// Close releases the roots' directory handles.
func (rs *Roots) Close() error {
	for _, d := range rs.dirs {
		d.r.Close()
	}
	rs.dirs = nil
	return nil
}

// String lists the roots as configured.
func (rs *Roots) String() string {
	var ps []string
	for _, d := range rs.dirs {
		ps = append(ps, d.path)
	}
	return strings.Join(ps, string(os.PathListSeparator))
}

// locate returns the root holding path and path relative to it.
func (rs *Roots) locate(path string) (*root, string, error) {
	if len(rs.dirs) == 0 {
		return nil, "", memory.Errorf(memory.EForbidden, "reading files from the server is off: set %s to the directories that may be ingested (e.g. %s=$HOME/Documents)", RootsVar, RootsVar)
	}
	if !filepath.IsAbs(path) {
		return nil, "", memory.Errorf(memory.EInvalid, "%s: give an absolute path", path)
	}
	path = filepath.Clean(path)
	for i := range rs.dirs {
		d := &rs.dirs[i]
		for _, base := range []string{d.path, d.real} {
			if rel, ok := within(base, path); ok {
				return d, rel, nil
			}
		}
	}
	return nil, "", rs.outside(path)
}

func (rs *Roots) outside(path string) error {
	return memory.Errorf(memory.EForbidden, "%s is outside the allowed ingestion roots (%s=%s)", path, rs.setting, rs.String())
}

// within returns path relative to base if it is base or below it.
func within(base, path string) (string, bool) {
	rel, err := filepath.Rel(base, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}

// ReadFile reads a regular file under the roots, refusing anything larger
// than max bytes before reading it.
func (rs *Roots) ReadFile(path string, max int64) ([]byte, error) {
	d, rel, err := rs.locate(path)
	if err != nil {
		return nil, err
	}
	data, err := d.read(path, rel, max, rs)
	if err == nil || !escapes(err) {
		return data, err
	}
	// os.Root refuses every absolute link, even one that points back
	// inside; follow the links here and read the target if it is under
	// a root (through that root, which still refuses any escape).
	real, rerr := filepath.EvalSymlinks(path)
	if rerr != nil {
		return nil, err
	}
	d2, rel2, lerr := rs.locate(real)
	if lerr != nil {
		return nil, err
	}
	data, err2 := d2.read(path, rel2, max, rs)
	if err2 != nil && escapes(err2) {
		return nil, err
	}
	return data, err2
}

// escapes reports whether err is the refusal of a path leading outside.
func escapes(err error) bool {
	return strings.Contains(err.Error(), "symbolic link")
}

func (d *root) read(path, rel string, max int64, rs *Roots) ([]byte, error) {
	// Non-blocking, so that a named pipe is refused below rather than
	// waiting for a writer; regular files read as usual.
	f, err := d.r.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, rs.openError(path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, rs.openError(path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, memory.Errorf(memory.EInvalid, "%s is not a regular file", path)
	}
	if info.Size() > max {
		return nil, memory.Errorf(memory.ETooLarge, "%s: %s is over the %s limit per file", path, byteSize(info.Size()), byteSize(max))
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, memory.Errorf(memory.EInvalid, "%s: %v", path, err)
	}
	if int64(len(data)) > max {
		return nil, memory.Errorf(memory.ETooLarge, "%s: the file grew over the %s limit while being read", path, byteSize(max))
	}
	return data, nil
}

// openError turns an error of os.Root into a message for the caller.
func (rs *Roots) openError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return memory.Errorf(memory.ENotFound, "%s does not exist", path)
	case errors.Is(err, fs.ErrPermission):
		return memory.Errorf(memory.EForbidden, "%s: permission denied", path)
	case strings.Contains(err.Error(), "escapes from parent"), strings.Contains(err.Error(), "path escapes"):
		return memory.Errorf(memory.EForbidden, "%s is a symbolic link (or goes through one) that leads outside the allowed ingestion roots (%s=%s)", path, rs.setting, rs.String())
	}
	return memory.Errorf(memory.EInvalid, "%s: %v", path, err)
}

// Stat describes path, which must be under the roots.
func (rs *Roots) Stat(path string) (fs.FileInfo, error) {
	d, rel, err := rs.locate(path)
	if err != nil {
		return nil, err
	}
	info, err := d.r.Stat(rel)
	if err != nil {
		return nil, rs.openError(path, err)
	}
	return info, nil
}

// Entry is a file found by Walk, or a file Walk refused with the reason.
type Entry struct {
	Path string
	Err  error
}

// Walk lists the files under dir (below every directory when recursive)
// whose names keep returns true, in lexical order, stopping after max
// files (0: no limit); truncated reports that more were left. Symbolic
// links to directories are not followed; a link to a file is listed and
// later read through the root, which refuses it if it leads outside.
func (rs *Roots) Walk(dir string, recursive bool, keep func(name string) bool, max int) (files []Entry, truncated bool, err error) {
	d, rel, err := rs.locate(dir)
	if err != nil {
		return nil, false, err
	}
	info, err := d.r.Stat(rel)
	if err != nil {
		return nil, false, rs.openError(dir, err)
	}
	if !info.IsDir() {
		return nil, false, memory.Errorf(memory.EInvalid, "%s is not a directory", dir)
	}
	dir = filepath.Clean(dir)
	errStop := errors.New("stop")
	err = fs.WalkDir(d.r.FS(), filepath.ToSlash(rel), func(p string, e fs.DirEntry, err error) error {
		full := filepath.Join(dir, mustRel(filepath.ToSlash(rel), p))
		if err != nil {
			if p == filepath.ToSlash(rel) {
				return err
			}
			files = append(files, Entry{Path: full, Err: rs.openError(full, err)})
			return nil
		}
		if e.IsDir() {
			if p != filepath.ToSlash(rel) && (!recursive || strings.HasPrefix(e.Name(), ".")) {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(e.Name(), ".") || !keep(e.Name()) {
			return nil
		}
		if e.Type()&fs.ModeSymlink != 0 {
			// Only whether it is a directory is asked of the target;
			// reading it later goes through the roots.
			if t, err := os.Stat(full); err == nil && t.IsDir() {
				return nil // links to directories are not followed
			}
		} else if !e.Type().IsRegular() {
			return nil // devices, sockets, pipes
		}
		if max > 0 && len(files) >= max {
			truncated = true
			return errStop
		}
		files = append(files, Entry{Path: full})
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, false, rs.openError(dir, err)
	}
	return files, truncated, nil
}

// mustRel returns p relative to base, both slash-separated fs.FS paths
// with p at or below base.
func mustRel(base, p string) string {
	if base == "." {
		return filepath.FromSlash(p)
	}
	return filepath.FromSlash(strings.TrimPrefix(strings.TrimPrefix(p, base), "/"))
}

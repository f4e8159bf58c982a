// Package fsutil holds file-system steps that make writes durable.
package fsutil

import (
	"os"
	"runtime"
)

// SyncDir flushes the directory entry list of dir, so that files created,
// renamed or removed in it survive a crash. Windows cannot sync a
// directory; there it does nothing.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && runtime.GOOS != "windows" {
		return err
	}
	return nil
}

package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
)

// openError names the file, the likely cause and what to do: SQLite's own
// "unable to open database file (14)" says none of them.
func openError(path string, err error) error {
	abs, aerr := filepath.Abs(path)
	if aerr != nil {
		abs = path
	}
	dir := filepath.Dir(abs)
	var cause string
	switch fi, serr := os.Stat(abs); {
	case serr == nil && fi.IsDir():
		cause = "it is a directory; storage.dsn must name a file"
	case serr == nil && !writableFile(abs):
		cause = "the file is not writable by this user; fix its permissions or point storage.dsn elsewhere"
	case !writableDir(dir):
		cause = fmt.Sprintf("the directory %s is not writable by this user (SQLite also writes -wal and -shm files beside the database); fix its permissions or point storage.dsn elsewhere", dir)
	default:
		cause = "check that the file is a SQLite database and the disk is not full"
	}
	return fmt.Errorf("open sqlite database %s: %s: %w", abs, cause, err)
}

func writableFile(path string) bool {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// writableDir tries what SQLite will do: create a file there.
func writableDir(dir string) bool {
	f, err := os.CreateTemp(dir, ".ticketbridge-probe-*")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

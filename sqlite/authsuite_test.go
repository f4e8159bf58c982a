package sqlite_test

// The contract suites of the key, user and OAuth stores and of the upload
// history, on SQLite.

import (
	"path/filepath"
	"testing"

	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/auth/authtest"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/mcp-memory-go/memory/ingest/ingesttest"
	"github.com/mcp-memory-go/memory/oauth"
	"github.com/mcp-memory-go/memory/oauth/oauthtest"
)

func TestKeyStoreContract(t *testing.T) {
	authtest.RunKeyStoreTests(t, func(t *testing.T) auth.KeyStore { return MustOpenStore(t) })
}

func TestSharedKeyStoreContract(t *testing.T) {
	authtest.RunSharedKeyStoreTests(t, func(t *testing.T) (auth.KeyStore, auth.KeyStore) {
		path := filepath.Join(t.TempDir(), "m.db")
		return MustOpenStorePath(t, path), MustOpenStorePath(t, path)
	})
}

func TestUserStoreContract(t *testing.T) {
	authtest.RunUserStoreTests(t, func(t *testing.T) auth.UserStore { return MustOpenStore(t) })
}

func TestOAuthStoreContract(t *testing.T) {
	oauthtest.RunStoreTests(t, func(t *testing.T) oauth.Store { return MustOpenStore(t) })
}

func TestHistoryContract(t *testing.T) {
	ingesttest.RunHistoryTests(t, func(t *testing.T) ingest.History { return MustOpenStore(t) })
}

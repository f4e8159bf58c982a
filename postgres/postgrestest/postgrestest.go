// Package postgrestest connects tests to a real PostgreSQL server, the one
// scripts/postgres.sh starts (or any server named by DSNVar): each test
// gets a schema of its own, dropped when it ends. Without a server the
// tests skip with a message that says how to run them.
package postgrestest

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The environment of the tests; scripts/postgres.sh sets all three.
const (
	// DSNVar names the test server: a database where the test role may
	// create schemas (and the vector and unaccent extensions).
	DSNVar = "MCP_MEMORY_TEST_POSTGRES_URL"
	// StopVar and StartVar are shell commands that stop the test server
	// (as a crash does) and start it again, for the fault tests.
	StopVar  = "MCP_MEMORY_TEST_POSTGRES_STOP"
	StartVar = "MCP_MEMORY_TEST_POSTGRES_START"
)

// DSN returns the test server's connection string, or skips the test
// saying how to run it.
func DSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(DSNVar)
	if dsn == "" {
		tb.Skipf("no PostgreSQL server: set %s to a database where the test role may create schemas "+
			"(and the vector and unaccent extensions), or run scripts/postgres.sh, which installs PostgreSQL "+
			"and pgvector, starts a throw-away cluster and runs these tests", DSNVar)
	}
	return dsn
}

// NewSchema returns the name of a new, empty schema on the test server,
// dropped with everything in it when the test ends. The extensions are
// created in public first, so that every schema shares them.
func NewSchema(tb testing.TB) string {
	tb.Helper()
	dsn := DSN(tb)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect to %s: %v", DSNVar, err)
	}
	defer conn.Close(ctx)
	for _, ext := range []string{"vector", "unaccent"} {
		if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS "+ext+" SCHEMA public"); err != nil {
			tb.Fatalf("create extension %s: %v", ext, err)
		}
	}
	schema := "memtest_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("connect to drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

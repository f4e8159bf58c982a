// Command memory is the MCP memory service: persistent, semantic memory for
// AI assistants in one binary.
//
//	memory server            MCP over stdio (what an MCP client launches)
//	memory status            what the store holds and whether search works
//	memory store TEXT        store a memory
//	memory search QUERY      search memories
//	memory keys              create, list and revoke API keys of the daemon
//	memory users             add, list, disable and re-password user accounts
//	memory ingest PATH…      store documents (pdf, txt, md, json, csv, html, docx)
//	memory reembed           give every memory a vector of the current model
//	memory consolidate       run consolidation passes, see their status, restore archived memories
//	memory export / import   memories as versioned JSON Lines
//	memory backup / restore  verified copies of the SQLite database
//	memory migrate           import upstream's sqlite_vec.db
//	memory discover          list memory servers on the local network
//	memory sync              status, now, pause, resume of hybrid sync
//	memory bench locomo      retrieval quality on the LoCoMo benchmark
//	memory bench coldstart   time from process start to the first tools/list
//	memory version           print the version
//
// Configuration comes from upstream's environment variables
// (MCP_MEMORY_SQLITE_PATH, MCP_MEMORY_BASE_DIR, MCP_EMBEDDING_MODEL, …) and
// flags that override them; see `memory help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	memory "github.com/mcp-memory-go/memory"
)

// errUsage reports a command line that was wrong; the usage was printed.
var errUsage = errors.New("usage")

// devVersion is the version of a build that was not given one.
const devVersion = "0.1.0-dev"

// version and commit are stamped at build time with
// -ldflags "-X main.version=1.2.3 -X main.commit=abc123"; without them
// buildInfo reads what the Go toolchain recorded (a module version from
// go install, the git revision of a checkout).
var (
	version = devVersion
	commit  string
)

func main() {
	version, _, _ = buildInfo()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "memory:", err)
		}
		os.Exit(1)
	}
}

// run dispatches a command line. It is main without the process globals, so
// tests can call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	cmd := "server" // upstream: a bare `memory` runs the server
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "server", "serve":
		return cmdServer(ctx, args, stdin, stdout, stderr, getenv)
	case "status":
		return cmdStatus(ctx, args, stdout, stderr, getenv)
	case "store":
		return cmdStore(cliWrites(ctx), args, stdin, stdout, stderr, getenv)
	case "search":
		return cmdSearch(ctx, args, stdout, stderr, getenv)
	case "keys":
		return cmdKeys(ctx, args, stdout, stderr, getenv)
	case "users":
		return cmdUsers(ctx, args, stdin, stdout, stderr, getenv)
	case "ingest", "ingest-document", "ingest-directory":
		return cmdIngest(cliWrites(ctx), args, stdout, stderr, getenv)
	case "reembed":
		return cmdReembed(ctx, args, stdout, stderr, getenv)
	case "consolidate":
		return cmdConsolidate(ctx, args, stdout, stderr, getenv)
	case "bench":
		return cmdBench(ctx, args, stdout, stderr, getenv)
	case "sync":
		return cmdSync(ctx, args, stdout, stderr, getenv)
	case "backup":
		return cmdBackup(ctx, args, stdout, stderr, getenv)
	case "restore":
		return cmdRestore(ctx, args, stdout, stderr, getenv)
	case "export":
		return cmdExport(ctx, args, stdout, stderr, getenv)
	case "import":
		return cmdImport(ctx, args, stdin, stdout, stderr, getenv)
	case "migrate":
		return cmdMigrate(ctx, args, stdout, stderr, getenv)
	case "discover":
		return cmdDiscover(ctx, args, stdout, stderr, getenv)
	case "health":
		return cmdHealth(ctx, args, stdout, stderr, getenv)
	case "version", "--version", "-version":
		return cmdVersion(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "memory: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

const usage = `Usage: memory <command> [flags]

Commands:
  server     run the MCP server over stdio (the default command)
  status     show what the store holds and whether semantic search works
  store      store a memory:  memory store [-tags a,b] [-type note] TEXT (or text on stdin)
  search     search memories: memory search [-mode hybrid] [-limit 10] [-time "last week"] QUERY
  keys       API keys of the HTTP daemon: memory keys create -name N [-scope read|write|admin] | list | revoke ID
  users      accounts: memory users add NAME [-role admin] | list | disable NAME | enable NAME | passwd NAME
  ingest     store documents as chunked memories: memory ingest [-tags a,b] [-chunk-size 1000] FILE_OR_DIR...
  reembed    give every memory a vector of the current embedding model
  consolidate  passes, schedule, archive: memory consolidate run [-horizon weekly] [-dry-run] | status | archive list | archive restore HASH
  export     memories as JSON Lines: memory export [-o FILE] [-tags a,b] [-type t] [-after D] [-before D] [-embeddings] [-owner U | -all-owners]
  import     an export: memory import [-owner USER] FILE (or - for standard input); skips what is already stored
  backup     a verified copy of the database: memory backup [-o FILE] | memory backup list
  restore    a backup in place of the database: memory restore [-force] FILE | NAME | -latest
  migrate    import upstream's sqlite_vec.db: memory migrate [-from PATH] [-owner USER] [-dry-run]
  discover   list memory servers on the local network (mDNS): memory discover [-timeout 5s]
  health     ask a running daemon whether it is healthy: memory health [-url http://127.0.0.1:8000]
  bench      benchmarks: memory bench locomo -data FILE | memory bench coldstart | memory bench postgres -n 1000000
  sync       hybrid backend: memory sync status [-json] | now | pause | resume
  version    print the version and the commit it was built from

Every command that opens the store takes:
  -backend B        sqlite (default), postgres, cloudflare or hybrid (env MCP_MEMORY_STORAGE_BACKEND)
  -postgres-url U   PostgreSQL database of the postgres backend (env MCP_MEMORY_POSTGRES_URL)
  -db FILE          SQLite database (env MCP_MEMORY_SQLITE_PATH; default <base-dir>/memory.db)
  -base-dir DIR     data directory (env MCP_MEMORY_BASE_DIR)
  -embedding NAME   builtin (default), none, onnx (env MCP_EMBEDDING_MODEL)
  -embedding-url U  OpenAI-compatible /v1/embeddings server (env MCP_EXTERNAL_EMBEDDING_URL)
  -log-level L      debug, info, warn, error (env LOG_LEVEL)

See README.md for every environment variable.
`

// newLogger returns a text logger on w (stderr: stdout may carry protocol).
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// setup parses the common flags of a command and opens the app.
func setup(ctx context.Context, name string, args []string, stderr io.Writer, getenv func(string) string, extra func(*flagSet)) (*app, *flagSet, error) {
	cfg, fs, err := parseConfig(name, args, stderr, getenv, extra)
	if err != nil {
		return nil, nil, err
	}
	a, err := openApp(ctx, cfg, newLogger(stderr, cfg.LogLevel))
	if err != nil {
		return nil, nil, err
	}
	return a, fs, nil
}

// parseConfig reads the environment and the command's flags.
func parseConfig(name string, args []string, stderr io.Writer, getenv func(string) string, extra func(*flagSet)) (*Config, *flagSet, error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return nil, nil, err
	}
	fs := newFlagSet(name, stderr)
	cfg.addFlags(fs.FlagSet)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, errUsage
	}
	if err := cfg.resolve(); err != nil {
		return nil, nil, err
	}
	return cfg, fs, nil
}

// cliWrites marks what a command stores as written from the command line
// by the local user (memory.Provenance).
func cliWrites(ctx context.Context) context.Context {
	return memory.WithProvenance(ctx, memory.Provenance{Via: "cli", Credential: "local"})
}

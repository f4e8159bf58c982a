package cloudflare_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/cloudflare"
	"github.com/mcp-memory-go/memory/memorytest"
)

func TestOpenRefusesBadSetup(t *testing.T) {
	e := newEnv(t)
	e.emu.AddIndex("euclid", 64, "euclidean")
	e.emu.AddIndex("wide", 768, "cosine")
	for _, c := range []struct {
		name string
		edit func(*cloudflare.Config)
		want cloudflare.Setting
	}{
		{"no token", func(c *cloudflare.Config) { c.APIToken = "" }, cloudflare.SettingToken},
		{"no account", func(c *cloudflare.Config) { c.AccountID = " " }, cloudflare.SettingAccount},
		{"no database", func(c *cloudflare.Config) { c.D1Database = "" }, cloudflare.SettingD1},
		{"wrong token", func(c *cloudflare.Config) { c.APIToken = "not-the-token" }, cloudflare.SettingToken},
		{"other account", func(c *cloudflare.Config) { c.AccountID = "ffffffffffffffffffffffffffffffff" }, cloudflare.SettingToken},
		{"unknown database", func(c *cloudflare.Config) { c.D1Database = "00000000-0000-0000-0000-000000000000" }, cloudflare.SettingD1},
		{"unknown index", func(c *cloudflare.Config) { c.VectorizeIndex = "nope" }, cloudflare.SettingIndex},
		{"euclidean index", func(c *cloudflare.Config) { c.VectorizeIndex = "euclid" }, cloudflare.SettingIndex},
		{"index dimension", func(c *cloudflare.Config) { c.VectorizeIndex, c.IndexDimensions = "wide", 64 }, cloudflare.SettingIndex},
		{"unknown bucket", func(c *cloudflare.Config) { c.R2Bucket = "nope" }, cloudflare.SettingBucket},
		{"unreachable", func(c *cloudflare.Config) { c.BaseURL = "http://127.0.0.1:1/client/v4"; c.MaxRetries = -1 }, cloudflare.SettingBaseURL},
		{"huge threshold", func(c *cloudflare.Config) { c.LargeContent = 2 << 20 }, cloudflare.SettingThreshold},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := e.cfg
			c.edit(&cfg)
			err := cloudflare.New(cfg).Open(t.Context())
			var se *cloudflare.SetupError
			if !errors.As(err, &se) || se.Setting != c.want {
				t.Fatalf("Open()=%v, want a SetupError for %s", err, c.want)
			}
			if tok := e.emu.Token(); err != nil && tok != "" && strings.Contains(err.Error(), tok) {
				t.Errorf("Open() error %q shows the token", err)
			}
		})
	}
}

// A database holding another program's tables (upstream's schema) is
// refused and left as it was.
func TestOpenRefusesForeignDatabase(t *testing.T) {
	e := newEnv(t)
	for _, q := range []string{
		"CREATE TABLE memories (id INTEGER PRIMARY KEY AUTOINCREMENT, content_hash TEXT UNIQUE, content TEXT)",
		"CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT UNIQUE)",
	} {
		if _, err := e.emu.D1Query(testDB, q); err != nil {
			t.Fatal(err)
		}
	}
	err := cloudflare.New(e.cfg).Open(t.Context())
	var se *cloudflare.SetupError
	if !errors.As(err, &se) || se.Setting != cloudflare.SettingD1 {
		t.Fatalf("Open()=%v, want a SetupError for the D1 database", err)
	}
	rows, err := e.emu.D1Query(testDB, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rows {
		names = append(names, r[0].(string))
	}
	if !slices.Equal(names, []string{"memories", "tags"}) {
		t.Errorf("tables after a refused Open=%v, want only the foreign ones", names)
	}
}

// The index dimension is checked against vectors D1 already holds.
func TestOpenRefusesIndexOfOtherDimension(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	if err := s.Insert(t.Context(), []*memory.Memory{memorytest.NewMemory("alice", "dimension probe", memorytest.WithEmbedding(memorytest.NewFakeEmbedder(64)))}); err != nil {
		t.Fatal(err)
	}
	e.emu.AddIndex("wide", 768, "cosine")
	cfg := e.cfg
	cfg.VectorizeIndex = "wide"
	err := cloudflare.New(cfg).Open(t.Context())
	var se *cloudflare.SetupError
	if !errors.As(err, &se) || se.Setting != cloudflare.SettingModel {
		t.Fatalf("Open()=%v, want a SetupError for the embedding model", err)
	}
}

// Two stores opening an empty database at once both succeed: one creates
// the schema, the other finds it.
func TestOpenConcurrent(t *testing.T) {
	e := newEnv(t)
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- cloudflare.New(e.cfg).Open(t.Context()) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Open()=%v", err)
		}
	}
}

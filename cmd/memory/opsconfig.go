package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/mcp-memory-go/memory/backup"
	"github.com/mcp-memory-go/memory/mdns"
	"github.com/mcp-memory-go/memory/sqlite"
)

// OpsConfig is the configuration of backups and of mDNS discovery, from
// upstream's environment names.
type OpsConfig struct {
	BackupEnabled   bool          // MCP_BACKUP_ENABLED: scheduled backups in the daemon, default true
	BackupInterval  string        // MCP_BACKUP_INTERVAL: hourly, daily (default) or weekly
	BackupRetention time.Duration // MCP_BACKUP_RETENTION: days, default 7 (0 keeps every backup)
	BackupMaxCount  int           // MCP_BACKUP_MAX_COUNT: default 10 (0: no limit)
	BackupDir       string        // MCP_MEMORY_BACKUPS_PATH: default "backups" beside the database

	MDNSEnabled      bool          // MCP_MDNS_ENABLED: advertise the daemon, default true (as upstream)
	MDNSName         string        // MCP_MDNS_SERVICE_NAME: default "MCP Memory Service"
	MDNSType         string        // MCP_MDNS_SERVICE_TYPE: default _mcp-memory._tcp.local.
	DiscoveryTimeout time.Duration // MCP_MDNS_DISCOVERY_TIMEOUT: seconds, default 5
}

func loadOpsConfig(getenv func(string) string) (*OpsConfig, error) {
	c := &OpsConfig{
		BackupEnabled:    true,
		BackupRetention:  backup.DefaultRetention,
		BackupMaxCount:   backup.DefaultMaxCount,
		BackupDir:        firstNonEmpty(getenv("MCP_MEMORY_BACKUPS_PATH"), getenv("mcpMemoryBackupsPath")),
		MDNSEnabled:      true,
		MDNSName:         firstNonEmpty(getenv("MCP_MDNS_SERVICE_NAME"), mdns.DefaultInstance),
		MDNSType:         firstNonEmpty(getenv("MCP_MDNS_SERVICE_TYPE"), mdns.DefaultType),
		DiscoveryTimeout: mdns.DefaultTimeout,
	}
	var errs []string
	p := envParser{getenv: getenv, errs: &errs}
	if v, ok := p.bool("MCP_BACKUP_ENABLED"); ok {
		c.BackupEnabled = v
	}
	var err error
	if c.BackupInterval, err = backup.ParseInterval(getenv("MCP_BACKUP_INTERVAL")); err != nil {
		errs = append(errs, "MCP_BACKUP_INTERVAL: "+err.Error())
	}
	if v, ok := p.int("MCP_BACKUP_RETENTION", 0, 36500); ok {
		c.BackupRetention = time.Duration(v) * 24 * time.Hour
	}
	if v, ok := p.int("MCP_BACKUP_MAX_COUNT", 0, 100000); ok {
		c.BackupMaxCount = v
	}
	if v, ok := p.bool("MCP_MDNS_ENABLED"); ok {
		c.MDNSEnabled = v
	}
	if v, ok := p.float("MCP_MDNS_DISCOVERY_TIMEOUT", 0.1, 600); ok {
		c.DiscoveryTimeout = time.Duration(v * float64(time.Second))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// addBackupDirFlag registers -backup-dir.
func (c *OpsConfig) addBackupDirFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.BackupDir, "backup-dir", c.BackupDir, "backup directory (env MCP_MEMORY_BACKUPS_PATH; default: backups beside the database)")
}

// backupDir is the backup directory once the database path is known:
// "backups" beside the database, which for the default database is
// upstream's <base-dir>/backups.
func (c *OpsConfig) backupDir(cfg *Config) string {
	if c.BackupDir != "" {
		return c.BackupDir
	}
	return filepath.Join(filepath.Dir(cfg.DBPath), "backups")
}

// notSQLite explains that a backend other than SQLite backs itself up.
func notSQLite(backend string) error {
	if backend == "cloudflare" {
		return fmt.Errorf("backups of the cloudflare backend are D1's own job (D1 Time Travel restores any minute of the last 30 days); `memory export` copies the memories")
	}
	return fmt.Errorf("backups of the %s backend are the database's own job (for PostgreSQL: pg_dump, or continuous archiving with point-in-time recovery); `memory export` copies the memories on any backend", backend)
}

// backups returns the backup manager of the app's SQLite store, or why
// there is none.
func (c *OpsConfig) backups(a *app) (*backup.Manager, error) {
	st, ok := any(a.store).(*sqlite.Store)
	if !ok || a.cfg.Backend == "cloudflare" { // its SQLite file holds no memories
		return nil, notSQLite(a.cfg.Backend)
	}
	return &backup.Manager{
		Source: st, Dir: c.backupDir(a.cfg), Scheduled: c.BackupEnabled, Interval: c.BackupInterval,
		Retention: c.BackupRetention, MaxCount: c.BackupMaxCount, Logger: a.log,
	}, nil
}

// mdnsService is what the daemon advertises, nil when mDNS is off.
func (c *OpsConfig) mdnsService() *mdns.Service {
	if !c.MDNSEnabled {
		return nil
	}
	return &mdns.Service{Instance: c.MDNSName, Type: c.MDNSType}
}

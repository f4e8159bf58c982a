package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/prometheus/client_golang/prometheus"
)

// statsTimeout bounds the store queries of one scrape.
const statsTimeout = 10 * time.Second

var (
	descMemories   = prometheus.NewDesc("memory_memories", "Live memories of all owners (superseded ones included).", nil, nil)
	descTombstones = prometheus.NewDesc("memory_tombstones", "Deleted memories kept as tombstones.", nil, nil)
	descSuperseded = prometheus.NewDesc("memory_superseded", "Live memories superseded by a newer one.", nil, nil)
	descUniqueTags = prometheus.NewDesc("memory_unique_tags", "Distinct tags on live memories.", nil, nil)
	descSize       = prometheus.NewDesc("memory_index_size_bytes", "Size of the store in bytes as the backend reports it (SQLite: the database file without its WAL).", nil, nil)
	descSearches   = prometheus.NewDesc("memory_searches_total", "Searches served since the process started.", nil, nil)
	descStores     = prometheus.NewDesc("memory_stores_total", "Store requests since the process started, failed ones included.", nil, nil)
	descStoreErrs  = prometheus.NewDesc("memory_store_errors_total", "Store requests that failed since the process started.", nil, nil)
)

// statsCollector reads the store and service figures at scrape time,
// reusing them for StatsTTL.
type statsCollector struct {
	m   *Metrics
	svc *memory.Service

	mu    sync.Mutex
	at    time.Time
	store memory.StoreStats
	stats memory.Stats
	err   error
}

// Describe implements prometheus.Collector.
func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMemories, descTombstones, descSuperseded, descUniqueTags, descSize, descSearches, descStores, descStoreErrs} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	st, s, err := c.figures()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descMemories, err)
		return
	}
	gauge := func(d *prometheus.Desc, v int64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v))
	}
	counter := func(d *prometheus.Desc, v int64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	gauge(descMemories, st.Memories)
	gauge(descTombstones, st.Tombstones)
	gauge(descSuperseded, st.Superseded)
	gauge(descUniqueTags, st.UniqueTags)
	gauge(descSize, st.SizeBytes)
	counter(descSearches, s.Searches)
	counter(descStores, s.Stores)
	counter(descStoreErrs, s.StoreErrors)
}

// figures returns the cached figures, reading them again once they are
// older than StatsTTL. A failure is cached too, so a broken store is not
// hammered by scrapes.
func (c *statsCollector) figures() (memory.StoreStats, memory.Stats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ttl := c.m.StatsTTL
	if ttl <= 0 {
		ttl = DefaultStatsTTL
	}
	now := c.m.Now()
	if !c.at.IsZero() && now.Sub(c.at) < ttl && now.Sub(c.at) >= 0 {
		return c.store, c.stats, c.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), statsTimeout)
	defer cancel()
	c.at = now
	c.store, c.err = c.svc.Storage.Stats(ctx, "")
	if c.err == nil {
		// Service.Stats carries the process counters (its store figures
		// are one owner's; those above are everyone's).
		c.stats, c.err = c.svc.Stats(ctx)
	}
	return c.store, c.stats, c.err
}

package consolidate

// The Consolidator and one pass: selection, the phases in order, marks,
// the run record, events, and the locks that keep passes apart.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// LeaseName is the lease every pass holds, in every process sharing a
// store.
const LeaseName = "consolidation"

// DefaultLeaseTTL is how long a pass's lease lasts without renewal: how
// long a process killed mid-pass keeps others waiting. A running pass
// renews it every third of that.
const DefaultLeaseTTL = 2 * time.Minute

// Triggers of a pass.
const (
	TriggerManual    = "manual"
	TriggerScheduled = "scheduled"
)

// Consolidator runs consolidation passes over a service's memories. Make
// it with New, set the exported fields, then share it: it is safe for
// concurrent use, and runs one pass at a time.
type Consolidator struct {
	// Service holds the memories (its Storage, Graph and Archive).
	Service *memory.Service
	// State keeps marks, history, settings and the lease.
	State  State
	Config Config
	Logger *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// LeaseTTL is DefaultLeaseTTL when zero.
	LeaseTTL time.Duration
	// Schedules are the configured schedules by horizon (absent: off),
	// reported by Status and run by a Scheduler.
	Schedules map[Horizon]*Schedule

	holder    string
	mu        sync.Mutex // held by the pass running in this process
	active    atomic.Pointer[Active]
	scheduled atomic.Bool // a Scheduler is running
}

// Active describes the pass running in this process.
type Active struct {
	Owner     string    `json:"-"`
	Horizon   Horizon   `json:"time_horizon"`
	Trigger   string    `json:"trigger"`
	StartedAt time.Time `json:"started_at"`
}

// New returns a Consolidator over svc and st with DefaultConfig.
func New(svc *memory.Service, st State) *Consolidator {
	host, _ := os.Hostname()
	return &Consolidator{
		Service: svc, State: st, Config: DefaultConfig(),
		Logger: slog.New(slog.DiscardHandler), Now: time.Now, LeaseTTL: DefaultLeaseTTL,
		holder: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8]),
	}
}

func (c *Consolidator) now() time.Time { return memory.TimeMS(c.Now()) }

func (c *Consolidator) graph() memory.Graph { return c.Service.Graph }

func (c *Consolidator) leaseTTL() time.Duration {
	if c.LeaseTTL <= 0 {
		return DefaultLeaseTTL
	}
	return c.LeaseTTL
}

// Options adjust a pass.
type Options struct {
	// DryRun computes everything and writes nothing: no edges, summaries,
	// archive, marks, history or events.
	DryRun bool
	// Trigger is TriggerManual (default) or TriggerScheduled.
	Trigger string
}

// Consolidate runs a pass of horizon h over the caller's memories (the
// owner of ctx) and returns its report; a pass that failed midway returns
// its report so far with the error. Errors: EInvalid (bad horizon),
// EConflict (a pass is running, here or in another process sharing the
// store), EUnavailable (no state).
func (c *Consolidator) Consolidate(ctx context.Context, h Horizon, opt Options) (Report, error) {
	h, err := ParseHorizon(string(h))
	if err != nil {
		return Report{}, err
	}
	if c.State == nil {
		return Report{}, memory.Errorf(memory.EUnavailable, "the storage backend keeps no consolidation state")
	}
	if opt.Trigger == "" {
		opt.Trigger = TriggerManual
	}
	owner := memory.OwnerFrom(ctx)
	if opt.DryRun {
		return c.pass(ctx, owner, h, opt)
	}
	if !c.mu.TryLock() {
		a := c.active.Load()
		if a != nil {
			return Report{}, memory.Errorf(memory.EConflict, "a %s consolidation pass is running since %s; try again when it has finished", a.Horizon, a.StartedAt.Format(time.RFC3339))
		}
		return Report{}, memory.Errorf(memory.EConflict, "a consolidation pass is running; try again when it has finished")
	}
	defer c.mu.Unlock()
	ctx, release, err := c.lease(ctx)
	if err != nil {
		return Report{}, err
	}
	defer release()
	return c.recorded(ctx, owner, h, opt)
}

// lease takes the store-wide lease and keeps renewing it until release;
// the returned context is cancelled if the lease is lost.
func (c *Consolidator) lease(ctx context.Context) (context.Context, func(), error) {
	ttl := c.leaseTTL()
	l, ok, err := c.State.TryLock(ctx, LeaseName, c.holder, c.Now(), ttl)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, memory.Errorf(memory.EConflict, "another process (%s) is consolidating this store since %s; try again after %s",
			l.Holder, l.AcquiredAt.Format(time.RFC3339), l.ExpiresAt.Format(time.RFC3339))
	}
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_, ok, err := c.State.TryLock(ctx, LeaseName, c.holder, c.Now(), ttl)
				if err == nil && !ok {
					cancel(errors.New("the consolidation lease was lost to another process"))
					return
				}
				if err != nil {
					c.Logger.Warn("renewing the consolidation lease", "err", err)
				}
			}
		}
	})
	release := func() {
		close(done)
		wg.Wait()
		if err := c.State.Unlock(context.WithoutCancel(ctx), LeaseName, c.holder); err != nil {
			c.Logger.Warn("releasing the consolidation lease", "err", err)
		}
		cancel(nil)
	}
	return ctx, release, nil
}

// recorded runs a pass that writes: announced, recorded in the history.
// The caller holds the locks.
func (c *Consolidator) recorded(ctx context.Context, owner string, h Horizon, opt Options) (Report, error) {
	c.active.Store(&Active{Owner: owner, Horizon: h, Trigger: opt.Trigger, StartedAt: c.now()})
	defer c.active.Store(nil)
	c.Service.Announce(memory.Event{Type: memory.EventConsolidationStarted, Owner: owner,
		Data: map[string]any{"time_horizon": h, "trigger": opt.Trigger}})
	r, err := c.pass(ctx, owner, h, opt)
	r.RunID = newRunID(r.StartedAt)
	body, jerr := json.Marshal(r)
	if jerr != nil {
		return r, jerr
	}
	run := Run{ID: r.RunID, Owner: owner, Horizon: string(h), Trigger: opt.Trigger, StartedAt: r.StartedAt,
		FinishedAt: r.FinishedAt, Status: r.Status, Error: r.Error, Report: body}
	if rerr := c.State.AddRun(context.WithoutCancel(ctx), run); rerr != nil {
		c.Logger.Warn("recording a consolidation run", "err", rerr)
	}
	c.Service.Announce(memory.Event{Type: memory.EventConsolidationCompleted, Owner: owner, Count: r.Processed, Data: summaryOf(r)})
	return r, err
}

// summaryOf is the event payload of a finished pass.
func summaryOf(r Report) map[string]any {
	return map[string]any{
		"run_id": r.RunID, "time_horizon": r.Horizon, "trigger": r.Trigger, "status": r.Status, "error": r.Error,
		"memories_processed": r.Processed, "associations": len(r.Associations.Edges), "associations_stored": r.Associations.Stored,
		"clusters": r.Clustering.Count, "summaries": r.Compression.Created, "archived": r.Forgetting.Count,
		"duration_ms": r.DurationMS,
	}
}

func newRunID(t time.Time) string {
	return t.UTC().Format("20060102T150405.000Z") + "-" + rand.Text()[:6]
}

// pass is one consolidation pass of one owner's memories.
type pass struct {
	c      *Consolidator
	owner  string
	h      Horizon
	now    time.Time
	dry    bool
	report *Report
	// pairsMade counts new association edges across batches (MaxPairs).
	pairsMade int
	// planned holds a dry run's new association edges, which later
	// batches count as if stored.
	planned []memory.Edge
	relSum  float64
	lowest  []Scored

	// State of the batch being processed.
	links          map[string]int // associations per memory
	batch          []*memory.Memory
	known          map[string]*memory.Memory // the batch and its neighbours
	nbrs           map[string][]neighbour
	degree         map[string]int
	relevance      map[string]float64
	clusters       []cluster
	justSummarized map[string]bool
	archived       map[string]bool
}

func (p *pass) svc() *memory.Service { return p.c.Service }

// baseline returns the similarity baseline of model for the pass's owner,
// computed once a pass.
func (p *pass) baseline(ctx context.Context, model string) (float64, error) {
	if b, ok := p.report.Baselines[model]; ok {
		return b, nil
	}
	b, err := p.svc().SimilarityBaseline(p.ownerCtx(ctx), model)
	if err != nil {
		return 0, err
	}
	if p.report.Baselines == nil {
		p.report.Baselines = map[string]float64{}
	}
	p.report.Baselines[model] = b
	return b, nil
}

// ownerCtx scopes service calls to the pass's owner.
func (p *pass) ownerCtx(ctx context.Context) context.Context { return memory.WithOwner(ctx, p.owner) }

func (p *pass) hashes() []string {
	out := make([]string, len(p.batch))
	for i, m := range p.batch {
		out[i] = m.Hash
	}
	return out
}

// pass selects the memories of h's window and processes them batch by
// batch.
func (c *Consolidator) pass(ctx context.Context, owner string, h Horizon, opt Options) (Report, error) {
	start := c.now()
	r := Report{Horizon: h, DryRun: opt.DryRun, Trigger: opt.Trigger, StartedAt: start, Status: StatusCompleted, Phases: []PhaseTime{},
		Decay: DecayReport{Lowest: []Scored{}}, Associations: AssociationReport{ByType: map[string]int{}, Edges: []EdgeInfo{}},
		Clustering: ClusterReport{Clusters: []ClusterInfo{}}, Compression: CompressionReport{Summary: []SummaryInfo{}},
		Forgetting: ForgettingReport{Archived: []Archived{}}}
	if opt.DryRun {
		r.Status = StatusDryRun
	}
	p := &pass{c: c, owner: owner, h: h, now: start, dry: opt.DryRun, report: &r}
	err := p.run(ctx)
	r.FinishedAt = c.now()
	r.DurationMS = float64(r.FinishedAt.Sub(start).Microseconds()) / 1000
	if err != nil {
		r.Status, r.Error = StatusFailed, memory.ErrorMessage(err)
		if code := memory.ErrorCode(err); code == memory.EInternal {
			r.Error = err.Error()
		}
	}
	return r, err
}

func (p *pass) run(ctx context.Context) error {
	cfg := p.c.Config
	if err := cfg.Validate(); err != nil {
		return memory.Errorf(memory.EInvalid, "%s", err.Error())
	}
	after, before := p.h.window(p.now)
	limit := cfg.BatchSize
	if !cfg.Incremental {
		limit = math.MaxInt32
	}
	var hashes []string
	err := p.timed(ctx, "select", func(ctx context.Context) (err error) {
		hashes, err = p.c.State.Pending(ctx, memory.Filter{Owner: p.owner, After: after, Before: before}, limit)
		return err
	})
	if err != nil {
		return err
	}
	p.report.Processed = len(hashes)
	if len(hashes) == 0 {
		p.report.Notes = append(p.report.Notes, "no memories in the "+string(p.h)+" window")
	}
	phases := p.phases()
	for i := 0; i < len(hashes); i += cfg.BatchSize {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("consolidation stopped: %w", context.Cause(ctx))
		}
		if err := p.batchOf(ctx, hashes[i:min(i+cfg.BatchSize, len(hashes))], phases); err != nil {
			return err
		}
	}
	p.finishDecay()
	return nil
}

// phases returns the phases of the pass's horizon that are enabled and
// possible, noting those left out.
func (p *pass) phases() []string {
	cfg := p.c.Config
	var out []string
	for _, ph := range p.h.phases() {
		var why string
		switch {
		case ph == PhaseDecay && !cfg.Decay,
			ph == PhaseAssociations && !cfg.Associations,
			ph == PhaseClustering && !cfg.Clustering,
			ph == PhaseCompression && (!cfg.Compression || !cfg.Clustering),
			ph == PhaseForgetting && !cfg.Forgetting:
			why = "turned off"
		case (ph == PhaseAssociations || ph == PhaseCompression) && p.c.graph() == nil:
			why = "the storage keeps no graph"
		case ph == PhaseForgetting && p.svc().Archive == nil:
			why = "the storage has no archive"
		}
		if why != "" {
			p.report.Notes = append(p.report.Notes, ph+" skipped: "+why)
			continue
		}
		out = append(out, ph)
	}
	return out
}

// batchOf processes one batch: load, neighbours, the phases, marks.
func (p *pass) batchOf(ctx context.Context, hashes []string, phases []string) error {
	var ms []*memory.Memory
	err := p.timed(ctx, "load", func(ctx context.Context) (err error) {
		ms, _, err = p.svc().Storage.Find(ctx, memory.Filter{Owner: p.owner, Hashes: hashes}, memory.Page{})
		return err
	})
	if err != nil {
		return err
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Hash < ms[j].Hash })
	p.batch, p.nbrs, p.clusters = ms, nil, nil
	p.known = make(map[string]*memory.Memory, len(ms))
	p.degree, p.relevance = map[string]int{}, map[string]float64{}
	p.justSummarized, p.archived = map[string]bool{}, map[string]bool{}
	for _, m := range ms {
		p.known[m.Hash] = m
	}
	if err := p.timed(ctx, "load", p.loadDegrees); err != nil {
		return err
	}
	needNbrs := false
	for _, ph := range phases {
		needNbrs = needNbrs || ph == PhaseAssociations || ph == PhaseClustering
	}
	if needNbrs {
		if err := p.timed(ctx, "neighbours", p.findNeighbours); err != nil {
			return err
		}
	}
	for _, ph := range phases {
		var err error
		switch ph {
		case PhaseDecay:
			err = p.timed(ctx, ph, func(context.Context) error { p.decay(); return nil })
		case PhaseAssociations:
			err = p.timed(ctx, ph, p.associate)
		case PhaseClustering:
			err = p.timed(ctx, ph, func(context.Context) error { p.cluster(); return nil })
		case PhaseCompression:
			err = p.timed(ctx, ph, p.compress)
		case PhaseForgetting:
			err = p.timed(ctx, ph, p.forget)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", ph, err)
		}
	}
	if p.dry {
		return nil
	}
	marks := make([]Mark, 0, len(p.batch))
	for _, m := range p.batch {
		if p.archived[m.Hash] {
			continue
		}
		rel, ok := p.relevance[m.Hash]
		if !ok {
			rel = p.c.Config.Relevance(m, p.degree[m.Hash], p.now)
		}
		marks = append(marks, Mark{Hash: m.Hash, ConsolidatedAt: p.now, Relevance: rel})
	}
	return p.timed(ctx, "marks", func(ctx context.Context) error { return p.c.State.SetMarks(ctx, p.owner, marks) })
}

// timed runs a step and adds its duration to the report.
func (p *pass) timed(ctx context.Context, name string, fn func(context.Context) error) error {
	start := time.Now()
	err := fn(ctx)
	ms := float64(time.Since(start).Microseconds()) / 1000
	for i := range p.report.Phases {
		if p.report.Phases[i].Name == name {
			p.report.Phases[i].DurationMS += ms
			return err
		}
	}
	p.report.Phases = append(p.report.Phases, PhaseTime{Name: name, DurationMS: ms})
	return err
}

// loadDegrees counts the edges of the batch's memories.
func (p *pass) loadDegrees(ctx context.Context) error {
	if p.c.graph() == nil {
		return nil
	}
	edges, err := p.c.graph().Edges(ctx, memory.EdgeFilter{Owner: p.owner, Hashes: p.hashes()})
	if err != nil {
		return err
	}
	for _, e := range edges {
		p.degree[e.Source]++
		p.degree[e.Target]++
	}
	return nil
}

// decay scores the batch's relevance.
func (p *pass) decay() {
	cfg := p.c.Config
	rep := &p.report.Decay
	for _, m := range p.batch {
		rel := cfg.Relevance(m, p.degree[m.Hash], p.now)
		p.relevance[m.Hash] = rel
		rep.Scored++
		p.relSum += rel
		if rel < cfg.ForgetRelevance {
			rep.Low++
		}
		p.lowest = append(p.lowest, Scored{Hash: m.Hash, Relevance: rel, Preview: memory.Clip(m.Content, 100)})
	}
	p.trimLowest()
}

func (p *pass) trimLowest() {
	sort.Slice(p.lowest, func(i, j int) bool {
		if p.lowest[i].Relevance != p.lowest[j].Relevance {
			return p.lowest[i].Relevance < p.lowest[j].Relevance
		}
		return p.lowest[i].Hash < p.lowest[j].Hash
	})
	p.lowest = p.lowest[:min(len(p.lowest), maxListed)]
}

// finishDecay completes the decay report after the last batch.
func (p *pass) finishDecay() {
	rep := &p.report.Decay
	if rep.Scored > 0 {
		rep.Average = round3(p.relSum / float64(rep.Scored))
	}
	rep.Lowest = append(rep.Lowest, p.lowest...)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

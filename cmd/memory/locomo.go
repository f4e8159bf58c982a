package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/sqlite"
	"github.com/mcp-memory-go/memory/timeexpr"
)

// The LoCoMo harness (../shared/bench/locomo/README.md): one store per
// conversation, one memory per turn tagged dia:<id> and dated with its
// session, one search per question, Recall@5, Recall@10 and MRR.

type locomoTurn struct {
	Speaker string `json:"speaker"`
	DiaID   string `json:"dia_id"`
	Text    string `json:"text"`
	Caption string `json:"blip_caption"`
}

type locomoQA struct {
	Question string   `json:"question"`
	Evidence []string `json:"evidence"`
	Category int      `json:"category"`
}

type locomoSample struct {
	ID           string                     `json:"sample_id"`
	Conversation map[string]json.RawMessage `json:"conversation"`
	QA           []locomoQA                 `json:"qa"`
}

// locomoConfig is one retrieval configuration to measure.
type locomoConfig struct {
	Name   string
	Mode   string
	Fusion string
	Weight float64
	Rerank memory.Rerank
}

// rerankSteps names the re-ranking steps a configuration can add or tune.
var rerankSteps = []string{"context", "entity", "answer", "question", "time"}

// parseLocomoConfig reads one configuration (see the -configs flag): a
// base (keyword, semantic, rrf, fusion[@W], hybrid[@W]) and then +STEP (the
// step at its default weight) or +STEP=X (weight X, 0 turns it off) or
// +sources=N (the N best results lend context).
func parseLocomoConfig(spec string, weight float64) (locomoConfig, error) {
	parts := strings.Split(spec, "+")
	base, w, hasW := strings.Cut(parts[0], "@")
	c := locomoConfig{Name: spec, Mode: base}
	if hasW {
		v, err := strconv.ParseFloat(w, 64)
		if err != nil || v < 0 || v > 1 || base != "fusion" && base != "hybrid" {
			return c, fmt.Errorf("bad configuration %q: want fusion@W or hybrid@W with W in [0,1]", spec)
		}
		weight = v
	}
	switch base {
	case "keyword", "semantic":
	case "rrf":
		c.Mode, c.Fusion = memory.ModeHybrid, memory.FusionRRF
	case "fusion", "hybrid":
		c.Mode, c.Fusion, c.Weight = memory.ModeHybrid, memory.FusionWeighted, weight
		if base == "hybrid" {
			c.Rerank = memory.DefaultRerank()
			if !hasW {
				c.Name = fmt.Sprintf("hybrid@%.2g", weight) + strings.TrimPrefix(spec, "hybrid")
			}
		} else {
			def := memory.DefaultRerank()
			c.Rerank = memory.Rerank{ContextSources: def.ContextSources, ContextWindow: def.ContextWindow}
		}
	default:
		return c, fmt.Errorf("unknown configuration %q", spec)
	}
	def := memory.DefaultRerank()
	for _, step := range parts[1:] {
		name, val, hasVal := strings.Cut(step, "=")
		if c.Fusion != memory.FusionWeighted {
			return c, fmt.Errorf("configuration %q: re-ranking steps need fusion or hybrid", spec)
		}
		if name == "sources" {
			// +sources=N: the number of best results that lend context.
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return c, fmt.Errorf("configuration %q: sources wants a count of at least 1", spec)
			}
			c.Rerank.ContextSources = n
			continue
		}
		var dst *float64
		var v float64
		switch name {
		case "context":
			dst, v = &c.Rerank.Context, def.Context
		case "entity":
			dst, v = &c.Rerank.Entity, def.Entity
		case "answer":
			dst, v = &c.Rerank.Answer, def.Answer
		case "question":
			dst, v = &c.Rerank.Question, def.Question
		case "time":
			dst, v = &c.Rerank.Time, def.Time
		default:
			return c, fmt.Errorf("configuration %q: unknown step %q (want one of %s)", spec, name, strings.Join(rerankSteps, ", "))
		}
		if hasVal {
			var err error
			if v, err = strconv.ParseFloat(val, 64); err != nil || v < 0 || v > 1 {
				return c, fmt.Errorf("configuration %q: step %s wants a weight in [0,1]", spec, name)
			}
		}
		*dst = v
	}
	return c, nil
}

var sessionKey = regexp.MustCompile(`^session_(\d+)$`)

// loadLocomo reads the data set and cleans evidence ids as the study did.
func loadLocomo(path string) ([]locomoSample, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var samples []locomoSample
	if err := json.Unmarshal(b, &samples); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return samples, nil
}

// turns returns a conversation's turns with their session times, in order.
func (s locomoSample) turns() ([]locomoTurn, []time.Time, error) {
	var nums []int
	for k := range s.Conversation {
		if m := sessionKey.FindStringSubmatch(k); m != nil {
			n, _ := strconv.Atoi(m[1])
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	var turns []locomoTurn
	var times []time.Time
	for _, n := range nums {
		var ts []locomoTurn
		if err := json.Unmarshal(s.Conversation[fmt.Sprintf("session_%d", n)], &ts); err != nil {
			return nil, nil, fmt.Errorf("%s session %d: %w", s.ID, n, err)
		}
		var when string
		_ = json.Unmarshal(s.Conversation[fmt.Sprintf("session_%d_date_time", n)], &when)
		t, err := time.Parse("3:04 pm on 2 January, 2006", strings.TrimSpace(when))
		if err != nil {
			return nil, nil, fmt.Errorf("%s session %d date %q: %w", s.ID, n, when, err)
		}
		for i := range ts {
			turns = append(turns, ts[i])
			times = append(times, t.Add(time.Duration(i)*time.Second))
		}
	}
	return turns, times, nil
}

// evidence splits and repairs evidence ids ("D8:6; D9:17", "D:11:26") and
// keeps those naming a real turn.
func evidence(raw []string, known map[string]bool) []string {
	var out []string
	for _, r := range raw {
		for _, id := range strings.Split(r, ";") {
			id = strings.TrimSpace(id)
			if strings.HasPrefix(id, "D:") {
				id = "D" + id[2:]
			}
			if known[id] && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// metrics accumulates R@5, R@10 and MRR per category.
type metrics struct {
	n                 map[int]int
	r5, r10, mrr      map[int]float64
	searchNanos, hits int64
}

func newMetrics() *metrics {
	return &metrics{n: map[int]int{}, r5: map[int]float64{}, r10: map[int]float64{}, mrr: map[int]float64{}}
}

// add scores one question: ranked holds the turn ids each result stands
// for (a text said twice stands for both turns), best first.
func (m *metrics) add(cat int, ranked [][]string, gold []string) {
	want := map[string]bool{}
	for _, g := range gold {
		want[g] = true
	}
	var h5, h10 int
	rr := 0.0
	for i, ids := range ranked {
		for _, id := range ids {
			if !want[id] {
				continue
			}
			delete(want, id)
			if rr == 0 {
				rr = 1 / float64(i+1)
			}
			if i < 5 {
				h5++
			}
			if i < 10 {
				h10++
			}
		}
	}
	m.n[cat]++
	m.r5[cat] += float64(h5) / float64(len(gold))
	m.r10[cat] += float64(h10) / float64(len(gold))
	m.mrr[cat] += rr
}

// row returns R@5, R@10, MRR averaged over the categories given.
func (m *metrics) row(cats ...int) (r5, r10, mrr float64, n int) {
	for _, c := range cats {
		r5, r10, mrr, n = r5+m.r5[c], r10+m.r10[c], mrr+m.mrr[c], n+m.n[c]
	}
	if n == 0 {
		return 0, 0, 0, 0
	}
	return r5 / float64(n), r10 / float64(n), mrr / float64(n), n
}

// merge adds o's questions to m.
func (m *metrics) merge(o *metrics) {
	for c, n := range o.n {
		m.n[c] += n
		m.r5[c] += o.r5[c]
		m.r10[c] += o.r10[c]
		m.mrr[c] += o.mrr[c]
	}
	m.searchNanos += o.searchNanos
	m.hits += o.hits
}

// locomoRun holds the figures of every configuration, per conversation.
type locomoRun struct {
	convs []string                       // in data order
	by    map[string]map[string]*metrics // config → conversation → figures
}

// pooled returns a configuration's figures over the conversations for
// which keep is true.
func (r locomoRun) pooled(cfg string, keep func(conv string) bool) *metrics {
	m := newMetrics()
	for _, c := range r.convs {
		if keep(c) {
			m.merge(r.by[cfg][c])
		}
	}
	return m
}

// runLocomo ingests each conversation into a fresh store and measures every
// configuration against it.
func runLocomo(ctx context.Context, data, tokenizer string, cfgs []locomoConfig, base *Config, out io.Writer, logw io.Writer) (locomoRun, error) {
	run := locomoRun{by: map[string]map[string]*metrics{}}
	for _, c := range cfgs {
		run.by[c.Name] = map[string]*metrics{}
	}
	fail := func(err error) (locomoRun, error) { return locomoRun{}, err }
	samples, err := loadLocomo(data)
	if err != nil {
		return fail(err)
	}
	dir, err := os.MkdirTemp("", "locomo-*")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	emb, err := newEmbedder(base, newLogger(logw, base.LogLevel))
	if err != nil {
		return fail(err)
	}
	for _, s := range samples {
		turns, times, err := s.turns()
		if err != nil {
			return fail(err)
		}
		st := sqlite.New(filepath.Join(dir, s.ID+".db"))
		if tokenizer != "" {
			st.Tokenizer = tokenizer
		}
		if err := st.Open(ctx); err != nil {
			return fail(err)
		}
		svc := memory.NewService(st, emb)
		svc.RecordAccess = false
		svc.TimeExtractor = timeexpr.ExtractBounds
		if base.Candidates > 0 {
			svc.Candidates = base.Candidates
		}
		// One memory per distinct text; a text said twice carries both ids.
		known := map[string]bool{}
		byHash := map[string]int{} // content hash → index in batch
		var batch []memory.StoreRequest
		for i, t := range turns {
			known[t.DiaID] = true
			content := t.Speaker + ": " + t.Text
			if t.Caption != "" {
				content += " [image: " + t.Caption + "]"
			}
			h := memory.ContentHash(content)
			if j, ok := byHash[h]; ok {
				batch[j].Tags = append(batch[j].Tags, "dia:"+t.DiaID)
				continue
			}
			byHash[h] = len(batch)
			batch = append(batch, memory.StoreRequest{Content: content, Tags: []string{"dia:" + t.DiaID}, CreatedAt: times[i]})
		}
		start := time.Now()
		if _, err := svc.StoreBatch(ctx, batch); err != nil {
			st.Close()
			return fail(fmt.Errorf("%s: storing turns: %w", s.ID, err))
		}
		fmt.Fprintf(logw, "%s: %d turns stored in %s\n", s.ID, len(batch), time.Since(start).Round(time.Millisecond))
		for _, c := range cfgs {
			svc.Fusion, svc.SemanticWeight, svc.Rerank = c.Fusion, c.Weight, c.Rerank
			m := newMetrics()
			run.by[c.Name][s.ID] = m
			for _, qa := range s.QA {
				gold := evidence(qa.Evidence, known)
				if len(gold) == 0 {
					continue
				}
				t0 := time.Now()
				res, err := svc.Search(ctx, memory.SearchRequest{Query: qa.Question, Mode: c.Mode, Limit: 100})
				m.searchNanos += int64(time.Since(t0))
				m.hits++
				if err != nil {
					st.Close()
					return fail(fmt.Errorf("%s: %q: %w", s.ID, qa.Question, err))
				}
				ranked := make([][]string, len(res.Results))
				for i, r := range res.Results {
					for _, t := range r.Tags {
						if id, ok := strings.CutPrefix(t, "dia:"); ok {
							ranked[i] = append(ranked[i], strings.ToUpper(id))
						}
					}
				}
				m.add(qa.Category, ranked, gold)
			}
		}
		if err := st.Close(); err != nil {
			return fail(err)
		}
		run.convs = append(run.convs, s.ID)
	}
	results := map[string]*metrics{}
	for _, c := range cfgs {
		results[c.Name] = run.pooled(c.Name, func(string) bool { return true })
	}
	printLocomo(out, tokenizer, cfgs, results)
	return run, nil
}

// printLocomo prints one table per configuration set: overall and per
// category.
func printLocomo(out io.Writer, tokenizer string, cfgs []locomoConfig, results map[string]*metrics) {
	if tokenizer == "" {
		tokenizer = "default"
	}
	fmt.Fprintf(out, "\nLoCoMo dev, turn level (FTS5 tokenizer: %s). R@5 / R@10 / MRR; MRR over the top 100.\n", tokenizer)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "config\tall 1-5\t1-4\tc1 multi-hop\tc2 temporal\tc3 open\tc4 single-hop\tc5 adversarial\tn\tms/query\t")
	for _, c := range cfgs {
		m := results[c.Name]
		cell := func(cats ...int) string {
			r5, r10, mrr, _ := m.row(cats...)
			return fmt.Sprintf("%.3f/%.3f/%.3f", r5, r10, mrr)
		}
		_, _, _, n := m.row(1, 2, 3, 4, 5)
		ms := float64(m.searchNanos) / float64(max(m.hits, 1)) / 1e6
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%.2f\t\n", c.Name, cell(1, 2, 3, 4, 5), cell(1, 2, 3, 4),
			cell(1), cell(2), cell(3), cell(4), cell(5), n, ms)
	}
	tw.Flush()
}

// objective is what leave-one-conversation-out selection maximises: the
// mean of R@5, R@10 and MRR over all categories.
func (m *metrics) objective() float64 {
	r5, r10, mrr, _ := m.row(1, 2, 3, 4, 5)
	return (r5 + r10 + mrr) / 3
}

// printLOCO prints leave-one-conversation-out figures: for each
// conversation, the configuration with the best objective on the other
// conversations and its figures on the held-out one; then those held-out
// figures pooled over all conversations, per category.
func printLOCO(out io.Writer, cfgs []locomoConfig, run locomoRun) {
	fmt.Fprintf(out, "\nLeave-one-conversation-out over %d configurations (selection by mean of R@5, R@10, MRR on the other conversations).\n", len(cfgs))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "held out\tselected\tall 1-5 held out\t")
	pooled := newMetrics()
	for _, held := range run.convs {
		best, bestObj := "", -1.0
		for _, c := range cfgs {
			if o := run.pooled(c.Name, func(conv string) bool { return conv != held }).objective(); o > bestObj {
				best, bestObj = c.Name, o
			}
		}
		m := run.by[best][held]
		pooled.merge(m)
		r5, r10, mrr, _ := m.row(1, 2, 3, 4, 5)
		fmt.Fprintf(tw, "%s\t%s\t%.3f/%.3f/%.3f\t\n", held, best, r5, r10, mrr)
	}
	tw.Flush()
	printLocomo(out, "", []locomoConfig{{Name: "loco"}}, map[string]*metrics{"loco": pooled})
}

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

// runLocomo ingests each conversation into a fresh store and measures every
// configuration against it.
func runLocomo(ctx context.Context, data, tokenizer string, cfgs []locomoConfig, base *Config, out io.Writer, logw io.Writer) (map[string]*metrics, error) {
	samples, err := loadLocomo(data)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "locomo-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	results := map[string]*metrics{}
	for _, c := range cfgs {
		results[c.Name] = newMetrics()
	}
	emb, err := newEmbedder(base, newLogger(logw, base.LogLevel))
	if err != nil {
		return nil, err
	}
	for _, s := range samples {
		turns, times, err := s.turns()
		if err != nil {
			return nil, err
		}
		st := sqlite.New(filepath.Join(dir, s.ID+".db"))
		if tokenizer != "" {
			st.Tokenizer = tokenizer
		}
		if err := st.Open(ctx); err != nil {
			return nil, err
		}
		svc := memory.NewService(st, emb)
		svc.RecordAccess = false
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
			return nil, fmt.Errorf("%s: storing turns: %w", s.ID, err)
		}
		fmt.Fprintf(logw, "%s: %d turns stored in %s\n", s.ID, len(batch), time.Since(start).Round(time.Millisecond))
		for _, c := range cfgs {
			svc.Fusion, svc.SemanticWeight = c.Fusion, c.Weight
			m := results[c.Name]
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
					return nil, fmt.Errorf("%s: %q: %w", s.ID, qa.Question, err)
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
			return nil, err
		}
	}
	printLocomo(out, tokenizer, cfgs, results)
	return results, nil
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

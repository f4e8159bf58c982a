package openai_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/embed/openai"
)

// fakeReply is a canned non-embedding answer the fake gives once.
type fakeReply struct {
	status int
	body   string
	header map[string]string
}

// fakeRequest is what the fake received.
type fakeRequest struct {
	Path   string
	Query  string
	Auth   string
	Body   fakeBody
	hasKey bool // request carried an Authorization header at all
}

type fakeBody struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	EncodingFormat string   `json:"encoding_format"`
	Dimensions     int      `json:"dimensions"`
}

// switches select the fake's misbehaviour.
type switches struct {
	dim        int
	reorder    bool // reverse data order (indices stay correct)
	omitIndex  bool // leave out "index"
	base64     bool // send base64 strings whatever was asked
	wrongCount bool // drop the last embedding
	mixedDims  bool // make the last vector one element longer
	nanLiteral bool // write a bare NaN, as Python's json does
	nanBase64  bool // send base64 with a NaN inside
	hugeNumber bool // write 1e39, which does not fit a float32
	dimAfter   int  // from request number dimAfter (1-based) on, use dim2
	dim2       int
	block      bool // answer nothing until the client gives up
	cache      bool // answer a repeated request with the same bytes (benchmarks)
}

// fake is an OpenAI-compatible /v1/embeddings server with switches for
// misbehaviour. Vectors are a deterministic function of the text (see
// vecFor), deliberately not normalised.
type fake struct {
	srv *httptest.Server

	mu      sync.Mutex
	sw      switches
	replies []fakeReply // consumed one per request before normal answers
	reqs    []fakeRequest
	cached  map[string]string // request body → response body, with sw.cache
}

func newFake(t testing.TB, dim int) *fake {
	f := &fake{sw: switches{dim: dim}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// set changes switches under the lock.
func (f *fake) set(fn func(sw *switches)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(&f.sw)
}

// reply queues canned answers for the next requests.
func (f *fake) reply(r ...fakeReply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies = append(f.replies, r...)
}

func (f *fake) requests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.reqs...)
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var body fakeBody
	if err := json.Unmarshal(raw, &body); err != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	_, hasKey := r.Header["Authorization"]
	f.reqs = append(f.reqs, fakeRequest{
		Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: body, hasKey: hasKey,
	})
	n := len(f.reqs)
	var reply *fakeReply
	if len(f.replies) > 0 {
		reply = &f.replies[0]
		f.replies = f.replies[1:]
	}
	sw := f.sw
	dim := sw.dim
	if sw.dimAfter > 0 && n >= sw.dimAfter {
		dim = sw.dim2
	}
	f.mu.Unlock()

	if sw.block {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	}
	if reply != nil {
		for k, v := range reply.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(reply.status)
		io.WriteString(w, reply.body)
		return
	}
	if body.Model == "" || len(body.Input) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"message":"model and input are required"}}`)
		return
	}
	for _, in := range body.Input {
		if in == "" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"message":"input cannot be empty"}}`)
			return
		}
	}

	if sw.cache {
		f.mu.Lock()
		out, ok := f.cached[string(raw)]
		f.mu.Unlock()
		if ok {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, out)
			return
		}
	}

	var b strings.Builder
	b.WriteString(`{"object":"list","data":[`)
	count := len(body.Input)
	if sw.wrongCount {
		count--
	}
	for k := 0; k < count; k++ {
		i := k
		if sw.reorder {
			i = count - 1 - k
		}
		d := dim
		if sw.mixedDims && i == count-1 {
			d++
		}
		v := vecFor(body.Input[i], d)
		if k > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"object":"embedding",`)
		if !sw.omitIndex {
			fmt.Fprintf(&b, `"index":%d,`, i)
		}
		b.WriteString(`"embedding":`)
		switch {
		case sw.base64 || sw.nanBase64:
			if sw.nanBase64 {
				v[0] = float32(math.NaN())
			}
			buf := make([]byte, 4*len(v))
			for j, x := range v {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(x))
			}
			fmt.Fprintf(&b, `"%s"`, base64.StdEncoding.EncodeToString(buf))
		default:
			b.WriteByte('[')
			for j, x := range v {
				if j > 0 {
					b.WriteByte(',')
				}
				switch {
				case j == 1 && sw.nanLiteral:
					b.WriteString("NaN")
				case j == 1 && sw.hugeNumber:
					b.WriteString("1e39")
				default:
					b.WriteString(strconv.FormatFloat(float64(x), 'g', -1, 32))
				}
			}
			b.WriteByte(']')
		}
		b.WriteByte('}')
	}
	fmt.Fprintf(&b, `],"model":%q,"usage":{"prompt_tokens":%d,"total_tokens":%d}}`, body.Model, 3*len(body.Input), 3*len(body.Input))
	if sw.cache {
		f.mu.Lock()
		if f.cached == nil {
			f.cached = map[string]string{}
		}
		f.cached[string(raw)] = b.String()
		f.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, b.String())
}

// vecFor is the fake model: a deterministic, unnormalised vector per text.
func vecFor(text string, dim int) []float32 {
	h := fnv.New64a()
	io.WriteString(h, text)
	r := rand.New(rand.NewPCG(h.Sum64(), 7))
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.Float64()*4 - 2)
	}
	return v
}

// unit is vecFor normalised, what Embed should return.
func unit(text string, dim int) []float32 {
	v := vecFor(text, dim)
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	for i := range v {
		v[i] = float32(float64(v[i]) / math.Sqrt(s))
	}
	return v
}

// sleeper records the waits asked of Config.Sleep without waiting.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// newEmbedder makes an Embedder for f with a recording sleeper; edit may
// change the config.
func newEmbedder(t testing.TB, f *fake, edit func(*openai.Config)) (*openai.Embedder, *sleeper) {
	t.Helper()
	s := &sleeper{}
	cfg := openai.Config{
		URL:   f.srv.URL + "/v1/embeddings",
		Model: "nomic-embed-text",
		Sleep: s.sleep,
	}
	if edit != nil {
		edit(&cfg)
	}
	e, err := openai.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e, s
}

//go:build onnx

package onnx

// embedder.go: the Embedder: lazy loading, batching, inference, pooling,
// health report and Close.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/embed/wordpiece"
)

var (
	_ memory.Embedder         = (*Embedder)(nil)
	_ memory.Preloader        = (*Embedder)(nil)
	_ memory.EmbedderReporter = (*Embedder)(nil)
)

// ErrClosed is returned by an Embedder used after Close.
var ErrClosed = errors.New("onnx: embedder is closed")

// Graph input and output names of sentence-transformer ONNX exports.
const (
	inputIDs      = "input_ids"
	attentionMask = "attention_mask"
	tokenTypeIDs  = "token_type_ids"
	outSentence   = "sentence_embedding"
	outTokens     = "last_hidden_state"
)

// Embedder computes sentence embeddings with ONNX Runtime. Nothing is read
// or loaded until Preload or the first Embed; a failed load is final and
// its error is returned to every caller. It is safe for concurrent use.
type Embedder struct {
	cfg Config
	dim atomic.Int64 // known dimension (Config.Dim until loaded)

	start sync.Once
	ready chan struct{} // closed when loading has finished, well or not

	// Set by load before ready is closed; read-only afterwards.
	sess     *ort.DynamicAdvancedSession
	tok      *wordpiece.Tokenizer
	inputs   []string // graph inputs fed, in session order
	output   string   // graph output read
	pooled   bool     // output is [batch, dim], already pooled
	version  string
	loadTime time.Duration
	loadErr  error

	mu     sync.RWMutex // held for reading while running, for writing by Close
	closed bool

	texts, batches, tokens, padded atomic.Int64
	lastErr                        atomic.Pointer[string]
}

// New checks cfg and returns an Embedder that loads on first use.
func New(cfg Config) (*Embedder, error) {
	c, err := cfg.resolved()
	if err != nil {
		return nil, err
	}
	e := &Embedder{cfg: c, ready: make(chan struct{})}
	e.dim.Store(int64(c.Dim))
	return e, nil
}

// Model names the model; Dim is zero until loaded unless Config.Dim is set.
func (e *Embedder) Model() memory.ModelInfo {
	return memory.ModelInfo{Name: e.cfg.Name, Dim: int(e.dim.Load())}
}

// Preload loads the tokenizer, the runtime and the model now. It returns
// early with ctx's error if ctx ends first; loading then goes on.
func (e *Embedder) Preload(ctx context.Context) error {
	return e.ensure(ctx)
}

// ensure starts loading once and waits for it.
func (e *Embedder) ensure(ctx context.Context) error {
	e.start.Do(func() { go e.load() })
	select {
	case <-e.ready:
		return e.loadErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// load does the slow work and records its outcome.
func (e *Embedder) load() {
	defer close(e.ready)
	t0 := time.Now()
	err := e.loadModel()
	e.loadTime = time.Since(t0)
	if err != nil {
		e.loadErr = err
		e.noteErr(err)
	}
}

// loadModel reads the tokenizer, initialises the runtime, opens a session
// and runs one warm-up batch that also reveals the output dimension.
func (e *Embedder) loadModel() error {
	modelPath, tokPath, err := modelFiles(e.cfg.ModelDir)
	if err != nil {
		return err
	}
	tok, err := wordpiece.Load(tokPath, wordpiece.Options{MaxLength: e.cfg.MaxTokens})
	if err != nil {
		return fmt.Errorf("onnx: tokenizer: %w", err)
	}
	version, err := acquireRuntime(e.cfg.Library)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			_ = releaseRuntime()
		}
	}()
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return fmt.Errorf("onnx: session options: %w", err)
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(e.cfg.Threads); err != nil {
		return fmt.Errorf("onnx: set %d threads: %w", e.cfg.Threads, err)
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return fmt.Errorf("onnx: set inter-op threads: %w", err)
	}
	if err := opts.SetLogSeverityLevel(ort.LoggingLevelError); err != nil {
		return fmt.Errorf("onnx: set log level: %w", err)
	}
	ins, outs, err := graphIO(modelPath)
	if err != nil {
		return fmt.Errorf("onnx: read model %s: %w", modelPath, err)
	}
	inputs, output, pooled, err := e.pickIO(ins, outs)
	if err != nil {
		return fmt.Errorf("onnx: model %s: %w", modelPath, err)
	}
	sess, err := ort.NewDynamicAdvancedSession(modelPath, inputs, []string{output}, opts)
	if err != nil {
		return fmt.Errorf("onnx: open model %s: %w", modelPath, err)
	}
	e.sess, e.tok, e.inputs, e.output, e.pooled, e.version = sess, tok, inputs, output, pooled, version
	vecs, err := e.run(context.Background(), tok.EncodeBatch([]string{"warm up"}))
	if err == nil && e.cfg.Dim > 0 && len(vecs[0]) != e.cfg.Dim {
		err = fmt.Errorf("model output has dimension %d, but Config.Dim is %d", len(vecs[0]), e.cfg.Dim)
	}
	if err != nil {
		_ = sess.Destroy()
		e.sess = nil
		return fmt.Errorf("onnx: model %s: warm-up run: %w", modelPath, err)
	}
	e.dim.Store(int64(len(vecs[0])))
	ok = true
	return nil
}

// graphIO lists the graph's inputs and outputs. onnxruntime_go can only
// do that by opening a throw-away session, so it opens an unoptimised,
// single-threaded one, which is cheaper.
func graphIO(modelPath string) (ins, outs []ort.InputOutputInfo, err error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, nil, err
	}
	defer opts.Destroy()
	if err := opts.SetGraphOptimizationLevel(ort.GraphOptimizationLevelDisableAll); err != nil {
		return nil, nil, err
	}
	if err := opts.SetIntraOpNumThreads(1); err != nil {
		return nil, nil, err
	}
	if err := opts.SetLogSeverityLevel(ort.LoggingLevelError); err != nil {
		return nil, nil, err
	}
	return ort.GetInputOutputInfoWithOptions(modelPath, opts)
}

// pickIO chooses the inputs to feed and the output to read.
func (e *Embedder) pickIO(ins, outs []ort.InputOutputInfo) (inputs []string, output string, pooled bool, err error) {
	for _, in := range ins {
		switch in.Name {
		case inputIDs, attentionMask, tokenTypeIDs:
			if in.DataType != ort.TensorElementDataTypeInt64 {
				return nil, "", false, fmt.Errorf("input %s is %s, want int64", in.Name, in.DataType)
			}
			inputs = append(inputs, in.Name)
		default:
			return nil, "", false, fmt.Errorf("unexpected input %q (want input_ids, attention_mask, token_type_ids)", in.Name)
		}
	}
	if !slices.Contains(inputs, inputIDs) {
		return nil, "", false, errors.New("no input_ids input")
	}
	byName := map[string]ort.InputOutputInfo{}
	for _, o := range outs {
		byName[o.Name] = o
	}
	output = e.cfg.Output
	if output == "" {
		output = outTokens
		if _, ok := byName[outSentence]; ok {
			output = outSentence
		}
	}
	info, ok := byName[output]
	if !ok {
		names := make([]string, 0, len(outs))
		for _, o := range outs {
			names = append(names, o.Name)
		}
		return nil, "", false, fmt.Errorf("no output %q (outputs: %v)", output, names)
	}
	if info.DataType != ort.TensorElementDataTypeFloat {
		return nil, "", false, fmt.Errorf("output %s is %s, want float", output, info.DataType)
	}
	switch len(info.Dimensions) {
	case 2:
		pooled = true
	case 3:
	default:
		return nil, "", false, fmt.Errorf("output %s has shape %v, want [batch, dim] or [batch, seq, dim]", output, info.Dimensions)
	}
	return inputs, output, pooled, nil
}

// Embed returns one L2-normalised vector per text, in order. Texts are
// grouped by token length into batches of at most Config.BatchSize, each
// padded to its longest text.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	if err := e.ensure(ctx); err != nil {
		return nil, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return nil, ErrClosed
	}
	encs := make([]wordpiece.Encoding, len(texts))
	order := make([]int, len(texts))
	for i, t := range texts {
		encs[i] = e.tok.Encode(t)
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(encs[a].IDs) - len(encs[b].IDs) })
	out := make([][]float32, len(texts))
	batch := make([]wordpiece.Encoding, 0, e.cfg.BatchSize)
	for lo := 0; lo < len(order); lo += e.cfg.BatchSize {
		idx := order[lo:min(lo+e.cfg.BatchSize, len(order))]
		batch = batch[:0]
		for _, i := range idx {
			batch = append(batch, encs[i])
		}
		b := e.tok.Pad(batch)
		vecs, err := e.run(ctx, b)
		if err != nil {
			e.noteErr(err)
			return nil, fmt.Errorf("onnx: embed %d texts: %w", len(texts), err)
		}
		for k, i := range idx {
			out[i] = vecs[k]
		}
		e.batches.Add(1)
		for _, n := range b.Lengths {
			e.tokens.Add(int64(n))
		}
		e.padded.Add(int64(b.Size * b.SeqLen))
	}
	e.texts.Add(int64(len(texts)))
	return out, nil
}

// run feeds one padded batch through the model and returns its pooled,
// normalised vectors. Ending ctx terminates the run.
func (e *Embedder) run(ctx context.Context, b wordpiece.Batch) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	shape := ort.NewShape(int64(b.Size), int64(b.SeqLen))
	ins := make([]ort.Value, 0, len(e.inputs))
	defer func() {
		for _, v := range ins {
			_ = v.Destroy()
		}
	}()
	for _, name := range e.inputs {
		data := b.InputIDs
		switch name {
		case attentionMask:
			data = b.AttentionMask
		case tokenTypeIDs:
			data = b.TokenTypeIDs
		}
		t, err := ort.NewTensor(shape, data)
		if err != nil {
			return nil, fmt.Errorf("input tensor %s: %w", name, err)
		}
		ins = append(ins, t)
	}
	ro, err := ort.NewRunOptions()
	if err != nil {
		return nil, fmt.Errorf("run options: %w", err)
	}
	terminated := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = ro.Terminate()
		close(terminated)
	})
	outs := []ort.Value{nil}
	err = e.sess.RunWithOptions(ins, outs, ro)
	if !stop() {
		<-terminated // Terminate is running or ran: let it finish before Destroy
	}
	_ = ro.Destroy()
	if outs[0] != nil {
		defer outs[0].Destroy()
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return nil, err
	}
	t, ok := outs[0].(*ort.Tensor[float32])
	if !ok {
		return nil, fmt.Errorf("output %s is not a float tensor", e.output)
	}
	return pool(t.GetData(), t.GetShape(), b, e.pooled)
}

// pool turns the model output into one unit vector per row: rows of a
// [batch, dim] output, or the attention-masked mean over the sequence of a
// [batch, seq, dim] output.
func pool(data []float32, shape ort.Shape, b wordpiece.Batch, pooled bool) ([][]float32, error) {
	want := 3
	if pooled {
		want = 2
	}
	if len(shape) != want || shape[0] != int64(b.Size) || (!pooled && shape[1] != int64(b.SeqLen)) || shape[want-1] <= 0 {
		return nil, fmt.Errorf("output shape %v does not fit a batch of %d x %d", shape, b.Size, b.SeqLen)
	}
	dim := int(shape[want-1])
	flat := make([]float32, b.Size*dim) // one allocation for all vectors
	out := make([][]float32, b.Size)
	acc := make([]float64, dim)
	for i := range b.Size {
		v := flat[i*dim : (i+1)*dim : (i+1)*dim]
		if pooled {
			copy(v, data[i*dim:(i+1)*dim])
		} else {
			clear(acc)
			n := 0
			for j := range b.SeqLen {
				if b.AttentionMask[i*b.SeqLen+j] == 0 {
					continue
				}
				n++
				row := data[(i*b.SeqLen+j)*dim : (i*b.SeqLen+j+1)*dim]
				for k, x := range row {
					acc[k] += float64(x)
				}
			}
			for k := range v {
				v[k] = float32(acc[k] / float64(max(n, 1)))
			}
		}
		normalize(v)
		out[i] = v
	}
	return out, nil
}

// normalize scales v to unit length; a zero (or non-finite) vector becomes
// all zeros rather than NaN.
func normalize(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 || math.IsInf(ss, 0) || math.IsNaN(ss) {
		clear(v)
		return
	}
	inv := 1 / math.Sqrt(ss)
	for k, x := range v {
		v[k] = float32(float64(x) * inv)
	}
}

// noteErr records the latest error for Report.
func (e *Embedder) noteErr(err error) {
	s := err.Error()
	e.lastErr.Store(&s)
}

// Report describes the embedder for health checks: backend, model,
// model_dir, library, threads, batch_size, dim, loaded, texts, batches,
// tokens (real tokens embedded), padded_tokens (token positions run,
// padding included), last_error; once loading has ended also closed and
// load_ms, and after a successful load library_version, output and
// max_tokens.
func (e *Embedder) Report() map[string]any {
	r := map[string]any{
		"backend":       "onnx",
		"model":         e.cfg.Name,
		"model_dir":     e.cfg.ModelDir,
		"library":       e.cfg.Library,
		"threads":       e.cfg.Threads,
		"batch_size":    e.cfg.BatchSize,
		"dim":           int(e.dim.Load()),
		"loaded":        false,
		"texts":         e.texts.Load(),
		"batches":       e.batches.Load(),
		"tokens":        e.tokens.Load(),
		"padded_tokens": e.padded.Load(),
		"last_error":    "",
	}
	if p := e.lastErr.Load(); p != nil {
		r["last_error"] = *p
	}
	select {
	case <-e.ready:
		e.mu.RLock()
		r["loaded"] = e.loadErr == nil && !e.closed
		r["closed"] = e.closed
		e.mu.RUnlock()
		r["load_ms"] = e.loadTime.Milliseconds()
		if e.loadErr == nil {
			r["library_version"] = e.version
			r["output"] = e.output
			r["max_tokens"] = e.tok.MaxLength()
		}
	default:
	}
	return r
}

// Close releases the session and, with the last embedder, the runtime
// environment. It waits for a load in progress and for running Embeds.
// Later calls return ErrClosed; closing twice is harmless.
func (e *Embedder) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	e.start.Do(func() { // never loaded: make sure it never will be
		e.loadErr = ErrClosed
		close(e.ready)
	})
	<-e.ready
	if e.sess == nil {
		return nil
	}
	var errs []error
	if err := e.sess.Destroy(); err != nil {
		errs = append(errs, fmt.Errorf("onnx: destroy session: %w", err))
	}
	e.sess = nil
	errs = append(errs, releaseRuntime())
	return errors.Join(errs...)
}

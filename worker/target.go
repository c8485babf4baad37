package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/runtime/features"
)

// Deadlock guards, never hit by a working worker: how long a binary may
// take to say hello, and to exit once asked to.
const (
	helloTimeout = time.Minute
	exitTimeout  = 10 * time.Second
)

// ErrNotWorker marks a binary that does not serve this protocol: it
// predates `perfbench worker`, or speaks another version of it.
var ErrNotWorker = errors.New("not a perfbench worker of this protocol")

// Target is a side that lives in a worker process: every Open starts Bin
// as `Bin worker` and opens Workload with Features in it, so each instance
// has a process, a heap and a garbage collector of its own, and Close ends
// the process.
type Target struct {
	Bin      string // the perfbench binary
	Name     string // the build, e.g. "base" or "head": names the side and prefixes its stderr
	Workload string
	Features features.Set
	// Stderr receives the worker's stderr, each line prefixed with
	// "[Name] "; nil discards it.
	Stderr io.Writer
	// Env is added to the worker's environment (the tests' helper-process
	// switch; perfbench itself sets none).
	Env []string
	// Spares, if set, makes the target a measure.Prestarter: the engine
	// starts the worker of a round-side while the side before it is
	// opened and warmed up, and the next Open takes it (see Prestart).
	Spares *Spares
}

var (
	_ measure.Target         = Target{}
	_ measure.ProfiledRunner = (*proc)(nil)
	_ measure.Warmer         = (*proc)(nil)
)

func (t Target) String() string { return t.Name + ":" + t.Features.String() }

// Open starts a worker and opens the workload in it. A binary that exits
// before saying hello, or says it speaks another protocol, gives an error
// wrapping ErrNotWorker.
//
// When t has a prestarted worker (Prestart), Open waits for the oldest one
// and opens the workload in it instead of starting one.
func (t Target) Open(ctx context.Context) (measure.Instance, error) {
	var p *proc
	var err error
	if s := t.Spares.take(); s != nil {
		select {
		case <-s.ready:
		case <-ctx.Done():
			if <-s.ready; s.p != nil {
				s.p.kill()
			}
			return nil, ctx.Err()
		}
		p, err = s.p, s.err
	} else {
		p, err = start(ctx, t)
	}
	if err != nil {
		return nil, err
	}
	if _, err := p.call(ctx, Request{Op: OpOpen, Workload: t.Workload, Features: t.Features.String()}); err != nil {
		p.kill()
		return nil, fmt.Errorf("%s: open %s: %w", t, t.Workload, err)
	}
	return p, nil
}

// proc is one running worker with an open instance.
type proc struct {
	t      Target
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	msgs   chan message  // the worker's messages in order; closed when its stdout ends
	exited chan struct{} // closed once the process is reaped; waitErr is then set
	// abandon is closed when the parent stops listening, so the reader
	// never blocks on a message nobody will take.
	abandon  chan struct{}
	once     sync.Once
	waitErr  error
	readErr  error
	stderr   *lineWriter
	hello    Hello
	closeErr error
	closed   bool
}

func start(ctx context.Context, t Target) (*proc, error) {
	cmd := exec.Command(t.Bin, Command)
	cmd.Env = append(os.Environ(), t.Env...)
	cmd.SysProcAttr = sysProcAttr()
	dst := t.Stderr
	if dst == nil {
		dst = io.Discard
	}
	p := &proc{t: t, cmd: cmd, msgs: make(chan message), exited: make(chan struct{}), abandon: make(chan struct{}),
		stderr: &lineWriter{prefix: "[" + t.Name + "] ", dst: dst}}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t, err)
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("%s: %w", t, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start worker %s: %w", t, t.Bin, err)
	}
	go p.read(stdout)

	hctx, cancel := context.WithTimeout(ctx, helloTimeout)
	defer cancel()
	m, err := p.recv(hctx)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return nil, fmt.Errorf("%s: %s %s exited before saying hello (it predates `perfbench %s`?): %w: %w",
			t, t.Bin, Command, Command, ErrNotWorker, err)
	case m.Hello == nil:
		p.kill()
		return nil, fmt.Errorf("%s: %s %s did not start with a hello: %w", t, t.Bin, Command, ErrNotWorker)
	case m.Hello.Protocol != Protocol:
		p.kill()
		return nil, fmt.Errorf("%s: %s speaks worker protocol %d, this perfbench speaks %d: %w",
			t, t.Bin, m.Hello.Protocol, Protocol, ErrNotWorker)
	}
	p.hello = *m.Hello
	return p, nil
}

// read decodes the worker's stdout into msgs until it ends, then reaps
// the process.
func (p *proc) read(stdout io.Reader) {
	dec := json.NewDecoder(stdout)
	for {
		var m message
		if err := dec.Decode(&m); err != nil {
			if !errors.Is(err, io.EOF) {
				p.readErr = err
			}
			break
		}
		select {
		case p.msgs <- m:
		case <-p.abandon:
		}
	}
	_, _ = io.Copy(io.Discard, stdout) // let the worker finish writing if it still is
	p.waitErr = p.cmd.Wait()
	p.stderr.flush()
	close(p.msgs)
	close(p.exited)
}

// recv waits for the next message. If ctx ends first, the worker is
// killed: it may be in the middle of a long run. If the worker's output
// ends, the error says how it exited and what it last wrote to stderr.
func (p *proc) recv(ctx context.Context) (message, error) {
	select {
	case m, ok := <-p.msgs:
		if ok {
			return m, nil
		}
		return message{}, p.exitError()
	case <-ctx.Done():
		p.kill()
		return message{}, ctx.Err()
	}
}

func (p *proc) exitError() error {
	<-p.exited
	why := "worker exited"
	if p.waitErr != nil {
		why += " (" + p.waitErr.Error() + ")"
	}
	if p.readErr != nil {
		why += "; unreadable output: " + p.readErr.Error()
	}
	if tail := p.stderr.tail(); tail != "" {
		why += "; its stderr ended with: " + tail
	}
	return errors.New(why)
}

// call sends one request and waits for its response.
func (p *proc) call(ctx context.Context, r Request) (message, error) {
	if p.closed {
		return message{}, errors.New("worker already closed")
	}
	b, err := json.Marshal(r)
	if err != nil {
		return message{}, err
	}
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		// The worker is gone: say how.
		return message{}, p.exitError()
	}
	m, err := p.recv(ctx)
	if err != nil {
		return message{}, err
	}
	if m.Error != "" {
		return message{}, errors.New(m.Error)
	}
	return m, nil
}

func (p *proc) Run(ctx context.Context, n int) (map[string]float64, error) {
	m, err := p.call(ctx, Request{Op: OpRun, N: n})
	if err != nil {
		return nil, fmt.Errorf("%s: run %d: %w", p.t, n, err)
	}
	v := make(map[string]float64, len(m.Values))
	for k, x := range m.Values {
		v[k] = float64(x)
	}
	return v, nil
}

// RunProfiled is Run inside a CPU capture of exactly the measured span,
// taken by the worker (OpRunProfiled). A worker whose hello did not
// advertise CapRunProfiled (a build from before it) is not asked: the
// error says so, and a caller checks Hello.Can before it relies on this.
//
// The profile is handed on as the worker sent it: the engine keeps it
// encoded, and parses it when it merges a side's rounds.
func (p *proc) RunProfiled(ctx context.Context, n int) (map[string]float64, []byte, error) {
	if !p.hello.Can(CapRunProfiled) {
		return nil, nil, fmt.Errorf("%s: %s cannot profile a measured run: its worker does not advertise %q (a build from before it)",
			p.t, p.t.Bin, CapRunProfiled)
	}
	m, err := p.call(ctx, Request{Op: OpRunProfiled, N: n})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: run %d profiled: %w", p.t, n, err)
	}
	if len(m.Profile) == 0 {
		return nil, nil, fmt.Errorf("%s: run %d profiled: the worker sent no profile", p.t, n)
	}
	v := make(map[string]float64, len(m.Values))
	for k, x := range m.Values {
		v[k] = float64(x)
	}
	return v, m.Profile, nil
}

// Warm runs n operations in the worker and measures nothing (OpWarm). A
// worker whose hello did not advertise CapWarm (a build from before it) is
// not asked: the error says so, and a caller checks Hello.Can before it
// relies on this.
func (p *proc) Warm(ctx context.Context, n int) error {
	if !p.hello.Can(CapWarm) {
		return fmt.Errorf("%s: %s cannot warm up without measuring: its worker does not advertise %q (a build from before it)",
			p.t, p.t.Bin, CapWarm)
	}
	if _, err := p.call(ctx, Request{Op: OpWarm, N: n}); err != nil {
		return fmt.Errorf("%s: warm %d: %w", p.t, n, err)
	}
	return nil
}

func (p *proc) Profile(ctx context.Context, kind profiling.Kind, n int) (*profile.Profile, error) {
	m, err := p.call(ctx, Request{Op: OpProfile, Kind: string(kind), N: n})
	if err != nil {
		return nil, fmt.Errorf("%s: profile %s: %w", p.t, kind, err)
	}
	prof, err := profile.Parse(bytes.NewReader(m.Profile))
	if err != nil {
		return nil, fmt.Errorf("%s: %s profile from worker: %w", p.t, kind, err)
	}
	return prof, nil
}

// Close closes the instance, asks the worker to end (by closing its stdin)
// and reaps it; a worker that does not exit within exitTimeout is killed.
// It is safe to call more than once.
func (p *proc) Close() error {
	if p.closed {
		return p.closeErr
	}
	ctx, cancel := context.WithTimeout(context.Background(), exitTimeout)
	defer cancel()
	_, err := p.call(ctx, Request{Op: OpClose})
	p.closed = true
	p.stdin.Close()
	select {
	case <-p.exited:
	case <-ctx.Done():
		p.kill()
	}
	p.once.Do(func() { close(p.abandon) })
	if err != nil {
		p.closeErr = fmt.Errorf("%s: close: %w", p.t, err)
	}
	return p.closeErr
}

// CloseAsync is Close in the background: the worker is asked to close and
// exits and is reaped while the caller goes on; wait returns Close's
// error once it has.
func (p *proc) CloseAsync() (wait func() error) {
	done := make(chan struct{})
	var err error
	go func() {
		err = p.Close()
		close(done)
	}()
	return func() error {
		<-done
		return err
	}
}

// kill ends the worker at once and waits until it is reaped.
func (p *proc) kill() {
	p.closed = true
	p.once.Do(func() { close(p.abandon) })
	_ = p.cmd.Process.Kill()
	p.stdin.Close()
	<-p.exited
}

// lineWriter forwards a worker's stderr line by line with a prefix, so
// that the lines of several processes stay apart, and keeps the last few
// lines for error messages.
type lineWriter struct {
	prefix string
	dst    io.Writer
	mu     sync.Mutex
	buf    []byte
	last   []string
}

const tailLines = 5

// maxLine bounds a line held back waiting for its newline.
const maxLine = 64 << 10

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.emit(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > maxLine {
		w.emit(string(w.buf))
		w.buf = nil
	}
	return len(b), nil
}

func (w *lineWriter) emit(line string) {
	fmt.Fprintf(w.dst, "%s%s\n", w.prefix, line)
	w.last = append(w.last, line)
	if len(w.last) > tailLines {
		w.last = w.last[1:]
	}
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
}

func (w *lineWriter) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.last, " | ")
}

// Probe starts bin as a worker, reads its hello and ends it: a binary
// that cannot serve is found before anything is measured.
func Probe(ctx context.Context, bin string, env []string) (Hello, error) {
	p, err := start(ctx, Target{Bin: bin, Name: "probe", Env: env})
	if err != nil {
		return Hello{}, err
	}
	p.closed = true
	p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(exitTimeout):
		p.kill()
	}
	p.once.Do(func() { close(p.abandon) })
	return p.hello, nil
}

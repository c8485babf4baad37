package worker

import (
	"context"
	"sync"

	"github.com/perfbench/perfbench/measure"
)

// Spares holds the worker processes prestarted for a Target
// (measure.Prestarter): started up to their hello, idle, each waiting for
// the Open that takes it. A Target shares its Spares through the pointer
// in all its copies; the zero value is ready to use.
type Spares struct {
	mu    sync.Mutex
	queue []*spare // not yet taken, oldest first
}

// spare is one prestarted worker.
type spare struct {
	from  *Spares
	ready chan struct{} // closed once start has returned; p and err are then set
	p     *proc
	err   error
	taken bool // by an Open or by Discard; guarded by from.mu
}

var (
	_ measure.Prestarter  = Target{}
	_ measure.AsyncCloser = (*proc)(nil)
)

// Prestart starts a worker of t in the background up to its hello, for
// the next Open of t to take; nil when t keeps no Spares.
func (t Target) Prestart(ctx context.Context) measure.Spare {
	if t.Spares == nil {
		return nil
	}
	s := &spare{from: t.Spares, ready: make(chan struct{})}
	t.Spares.mu.Lock()
	t.Spares.queue = append(t.Spares.queue, s)
	t.Spares.mu.Unlock()
	go func() {
		s.p, s.err = start(ctx, t)
		close(s.ready)
	}()
	return s
}

// take removes the oldest spare, nil when there is none.
func (sp *Spares) take() *spare {
	if sp == nil {
		return nil
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if len(sp.queue) == 0 {
		return nil
	}
	s := sp.queue[0]
	sp.queue = sp.queue[1:]
	s.taken = true
	return s
}

// Ready waits until the worker has said hello or failed to start.
func (s *spare) Ready() error {
	<-s.ready
	return s.err
}

// Discard kills and reaps the worker if no Open took it.
func (s *spare) Discard() {
	s.from.mu.Lock()
	mine := !s.taken
	if mine {
		s.taken = true
		for i, q := range s.from.queue {
			if q == s {
				s.from.queue = append(s.from.queue[:i:i], s.from.queue[i+1:]...)
				break
			}
		}
	}
	s.from.mu.Unlock()
	if !mine {
		return
	}
	if <-s.ready; s.p != nil {
		s.p.kill()
	}
}

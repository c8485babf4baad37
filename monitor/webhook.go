package monitor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Webhook delivery is bounded in every direction, so that a slow or failing
// receiver can neither stop nor hold back the monitor: events wait in a
// queue of webhookQueue (when it is full the oldest is dropped and
// counted), one goroutine posts them, each POST has webhookTimeout and is
// tried webhookAttempts times with a doubling backoff from webhookBackoff.
// At shutdown the queue gets webhookGrace to drain; what is left is
// dropped and counted.
const (
	webhookQueue    = 64
	webhookTimeout  = 2 * time.Second
	webhookAttempts = 3
	webhookBackoff  = 200 * time.Millisecond
	webhookGrace    = time.Second
)

type webhookResult string

const (
	webhookOK      webhookResult = "ok"
	webhookFailed  webhookResult = "failed"
	webhookDropped webhookResult = "dropped"
)

// webhook posts events as JSON to a URL.
type webhook struct {
	url      string
	client   *http.Client
	report   func(webhookResult, Event, error) // called on the sender goroutine, or on send's for drops
	backoff  time.Duration
	mu       sync.Mutex
	queue    []Event
	wake     chan struct{}
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

func newWebhook(url string, report func(webhookResult, Event, error)) *webhook {
	w := &webhook{
		url: url, report: report, backoff: webhookBackoff,
		// A transport of its own: its idle connections are closed at stop,
		// so no keep-alive goroutine outlives the monitor.
		client: &http.Client{Timeout: webhookTimeout, Transport: &http.Transport{Proxy: nil}},
		wake:   make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
	}
	go w.run()
	return w
}

// send queues an event; it never blocks.
func (w *webhook) send(e Event) {
	w.mu.Lock()
	if len(w.queue) == webhookQueue {
		dropped := w.queue[0]
		w.queue = w.queue[1:]
		w.mu.Unlock()
		w.report(webhookDropped, dropped, fmt.Errorf("queue full (%d events)", webhookQueue))
		w.mu.Lock()
	}
	w.queue = append(w.queue, e)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *webhook) next() (Event, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) == 0 {
		return Event{}, false
	}
	e := w.queue[0]
	w.queue = w.queue[1:]
	return e, true
}

func (w *webhook) run() {
	defer close(w.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	draining := false
	for {
		for {
			e, ok := w.next()
			if !ok {
				break
			}
			err := w.post(ctx, e)
			switch {
			case err == nil:
				w.report(webhookOK, e, nil)
			case ctx.Err() != nil:
				w.report(webhookDropped, e, fmt.Errorf("monitor stopped: %w", err))
			default:
				w.report(webhookFailed, e, err)
			}
		}
		if draining {
			return
		}
		select {
		case <-w.wake:
		case <-w.quit:
			// Drain what is queued, within the grace period.
			draining = true
			t := time.AfterFunc(webhookGrace, cancel)
			defer t.Stop()
		}
	}
}

// post delivers one event, retrying with backoff.
func (w *webhook) post(ctx context.Context, e Event) error {
	body, err := marshalLine(e)
	if err != nil {
		return err
	}
	wait := w.backoff
	for attempt := 1; ; attempt++ {
		err = w.postOnce(ctx, body)
		if err == nil || attempt == webhookAttempts {
			if err != nil {
				err = fmt.Errorf("webhook %s: %d attempts: %w", w.url, attempt, err)
			}
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		wait *= 2
	}
}

func (w *webhook) postOnce(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// stop lets the queue drain for up to webhookGrace and waits for the
// sender to end.
func (w *webhook) stop() {
	w.stopOnce.Do(func() { close(w.quit) })
	<-w.done
	w.client.CloseIdleConnections()
}

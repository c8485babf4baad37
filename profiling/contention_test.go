package profiling

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

// One pass records both: a goroutine waiting on a channel shows in the
// block profile, a contended mutex in the mutex profile, each marked as
// its kind; the rates are put back after the pass, and a capture already
// running makes it fail with ErrBusy.
func TestCaptureContentionTakesBlockAndMutex(t *testing.T) {
	block, mutex, err := CaptureContention(context.Background(), func(context.Context) error {
		var mu sync.Mutex
		var wg sync.WaitGroup
		ch := make(chan struct{})
		wg.Add(3)
		go func() { defer wg.Done(); <-ch }()
		for range 2 {
			go func() {
				defer wg.Done()
				for range 200 {
					mu.Lock()
					time.Sleep(50 * time.Microsecond)
					mu.Unlock()
				}
			}()
		}
		time.Sleep(5 * time.Millisecond)
		close(ch)
		wg.Wait()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if k, err := KindOf(block); err != nil || k != Block || len(block.Sample) == 0 {
		t.Errorf("block: kind %s (%v), %d samples; want block with samples", k, err, len(block.Sample))
	}
	if k, err := KindOf(mutex); err != nil || k != Mutex || len(mutex.Sample) == 0 {
		t.Errorf("mutex: kind %s (%v), %d samples; want mutex with samples", k, err, len(mutex.Sample))
	}
	if prev := runtime.SetMutexProfileFraction(-1); prev != 0 {
		t.Errorf("mutex fraction left at %d, want 0", prev)
	}
	captureMu.Lock()
	_, _, err = CaptureContention(context.Background(), func(context.Context) error { return nil })
	captureMu.Unlock()
	if !errors.Is(err, ErrBusy) {
		t.Errorf("err = %v while another capture runs, want ErrBusy", err)
	}
}

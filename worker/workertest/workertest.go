// Package workertest helps tests play a worker built before a part of
// the protocol existed. It imports nothing of the worker, so that the
// worker's own tests can use it as well as the tests of its callers.
package workertest

import (
	"bufio"
	"encoding/json"
	"io"
)

// WithoutCaps runs serve (a worker writing its messages to the writer it
// is given) and copies its messages to out with the capabilities cut from
// the hello, as a worker from before they existed says it.
func WithoutCaps(serve func(io.Writer) error, out io.Writer) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := serve(pw)
		pw.CloseWithError(err)
		done <- err
	}()
	r := bufio.NewReader(pr)
	line, err := r.ReadBytes('\n')
	if err != nil {
		pr.CloseWithError(err)
		<-done
		return err
	}
	var hello map[string]map[string]any
	if err := json.Unmarshal(line, &hello); err != nil {
		pr.CloseWithError(err)
		<-done
		return err
	}
	delete(hello["hello"], "caps")
	if err := json.NewEncoder(out).Encode(hello); err != nil {
		pr.CloseWithError(err)
		<-done
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		pr.CloseWithError(err)
		<-done
		return err
	}
	return <-done
}

package cluster

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

// richSig builds the i-th signal from node from: every CloudEvents
// attribute, extensions, and data with nested maps and lists, integers,
// floats, strings and binaries of both sides of the BEAM's 64 B line.
func richSig(t testing.TB, from string, i int) *signal.Signal {
	t.Helper()
	opts := []signal.Option{
		signal.WithID(fmt.Sprintf("0190f0a1-%04x-7000-8000-%012d", i%0x10000, i)),
		signal.WithSubject(fmt.Sprintf("seq-%d", i)), signal.WithSchema("https://example.com/s/v1"),
		signal.WithTime(time.Date(2024, 5, 6, 7, 8, 9, i, time.UTC)),
		signal.WithExtension("traceparent", fmt.Sprintf("00-%032x-%016x-01", i, i)), signal.WithExtension("tenant", from),
	}
	switch i % 4 {
	case 1:
		opts[0] = signal.WithID(fmt.Sprintf("custom-id-%s-%d", from, i)) // not a UUID: travels as a string
	case 2:
		opts = append(opts, signal.WithTime(time.Date(2024, 5, 6, 9, 8, 9, i, time.FixedZone("", 2*3600))))
	case 3:
		opts = append(opts, signal.WithContentType("application/x-test"))
	}
	s, err := signal.New(fmt.Sprintf("test.rich.k%d", i%3), "/from/"+from, map[string]any{
		"i": i, "neg": int64(-i) * 1e12, "f": float64(i) / 8, "max": int64(math.MaxInt64),
		"s": strings.Repeat("é", i%5), "nil": nil, "ok": i%2 == 0,
		"small": bytes.Repeat([]byte{byte(i)}, i%65), "large": bytes.Repeat([]byte{byte(i), 0}, 40+i%50),
		"nested": map[string]any{"list": []any{int64(i), "x", []byte{1, 2}, map[string]any{"deep": []any{}}}, "empty": map[string]any{}},
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBatchCodecRoundTrip(t *testing.T) {
	type rec struct {
		agent string
		sent  int64
		req   uint64
		sig   *signal.Signal
	}
	base := time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC).UnixNano()
	batches := [][]rec{
		{{"agent-0", base, 0, richSig(t, "n0", 0)}},
		{
			{"agent-0", base + 5, 0, richSig(t, "n0", 1)}, {"agent-1", base + 10, 42, richSig(t, "n0", 2)},
			{"agent-0", base - 3, math.MaxUint64, richSig(t, "n0", 3)}, {"", base + 1e9, 0, richSig(t, "n0", 4)},
		},
		// A second batch through the same writer and reader: nothing of the
		// first may leak into it.
		{{"other", 1, 7, richSig(t, "n9", 5)}, {"other", 2, 0, richSig(t, "n9", 6)}},
	}
	var w batchWriter
	var r batchReader
	for bi, batch := range batches {
		for _, x := range batch {
			w.add(x.agent, x.sent, x.req, x.sig)
		}
		from := fmt.Sprintf("node-%d", bi)
		body := bytes.Clone(w.finish(from))
		gotFrom, n, err := r.open(body)
		if err != nil || gotFrom != from || n != len(batch) {
			t.Fatalf("batch %d: header from %q, %d records, %v; want %q, %d", bi, gotFrom, n, err, from, len(batch))
		}
		for i, want := range batch {
			agent, sent, req, sig, err := r.next()
			if err != nil {
				t.Fatalf("batch %d record %d: %v", bi, i, err)
			}
			if agent != want.agent || sent != want.sent || req != want.req {
				t.Errorf("batch %d record %d: (%q, %d, %d), want (%q, %d, %d)", bi, i, agent, sent, req, want.agent, want.sent, want.req)
			}
			gotJSON, _ := sig.MarshalJSON()
			wantJSON, _ := want.sig.MarshalJSON()
			if !sig.Equal(want.sig) || !bytes.Equal(gotJSON, wantJSON) || sig.DataSize() != want.sig.DataSize() {
				t.Errorf("batch %d record %d:\n got %s\nwant %s", bi, i, gotJSON, wantJSON)
			}
		}
		if _, _, _, _, err := r.next(); err == nil {
			t.Errorf("batch %d: a record past the count", bi)
		}
		if w.count != 0 || len(w.recs) != 0 || w.strs.Len() != 0 {
			t.Errorf("batch %d: the writer was not reset", bi)
		}
	}
}

// Every truncation of a batch body is an error, never a panic.
func TestBatchCodecTruncated(t *testing.T) {
	var w batchWriter
	for i := range 3 {
		w.add("agent-0", int64(i), 0, richSig(t, "n0", i))
	}
	full := bytes.Clone(w.finish("n0"))
	for n := 0; n < len(full); n++ {
		var r batchReader
		_, count, err := r.open(full[:n])
		for i := 0; i < count && err == nil; i++ {
			_, _, _, _, err = r.next()
		}
		if err == nil {
			t.Fatalf("prefix %d of %d decoded", n, len(full))
		}
	}
}

// orderRig is nodes each running one agent that records, in arrival
// order, the JSON of every signal it processed.
func orderRig(t *testing.T, url string, f features.Set, ids []string, batch BatchOptions) ([]*Node, *recorder) {
	t.Helper()
	rec := &recorder{got: map[string][]string{}}
	prefix := fmt.Sprintf("o%d", time.Now().UnixNano())
	var nodes []*Node
	for _, id := range ids {
		nc, err := nats.Connect(url, nats.Name(id))
		if err != nil {
			t.Fatal(err)
		}
		a, err := agent.Start(agent.Config{ID: "rec", Features: f,
			Routes:  []router.Route[agent.Binding]{{Pattern: "**", Handler: agent.Binding{Action: "rec"}}},
			Actions: map[string]agent.Action{"rec": rec.action(id)}})
		if err != nil {
			t.Fatal(err)
		}
		n, err := Start(Config{ID: id, Conn: nc, Features: f, Peers: ids, Agents: []*agent.Server{a}, Prefix: prefix, Batch: batch})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
		t.Cleanup(func() { n.Close(); a.Stop(); nc.Close() })
	}
	return nodes, rec
}

// The same signals sent across nodes arrive as the same signals, in the
// same order per sender, with XBatch off and on; on, they travel in
// batches (fewer messages than signals).
func TestXBatchSameSignalsSameOrderPerSender(t *testing.T) {
	s := startServer(t)
	ids := []string{"n0", "n1", "n2"}
	const perSender = 300
	var sent [2][]string
	for k, from := range ids[:2] {
		for i := range perSender {
			b, _ := richSig(t, from, i).MarshalJSON()
			sent[k] = append(sent[k], string(b))
		}
	}
	run := func(f features.Set) (map[string][]string, Counters) {
		nodes, rec := orderRig(t, s.ClientURL(), f, ids, BatchOptions{MaxBytes: 8 << 10, MaxDelay: 5 * time.Millisecond})
		for i := range perSender {
			for _, n := range nodes[:2] {
				if err := n.Send("n2", "rec", richSig(t, n.ID(), i)); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, n := range nodes {
			if err := n.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "deliveries", func() bool { return rec.count() == 2*perSender })
		rec.mu.Lock()
		defer rec.mu.Unlock()
		bySender := map[string][]string{}
		for _, j := range rec.got["n2"] {
			for _, from := range ids[:2] {
				if strings.Contains(j, `"source":"/from/`+from+`"`) {
					bySender[from] = append(bySender[from], j)
				}
			}
		}
		return bySender, nodes[0].Counters()
	}
	off, offC := run(features.Set{})
	on, onC := run(features.Set{XBatch: true})
	for k, from := range ids[:2] {
		if !slices.Equal(off[from], sent[k]) {
			t.Errorf("off: %s's signals arrived as %d, not the %d sent in order", from, len(off[from]), perSender)
		}
		if !slices.Equal(on[from], off[from]) {
			for i := range min(len(on[from]), len(off[from])) {
				if on[from][i] != off[from][i] {
					t.Fatalf("on: %s's signal %d differs:\n on %s\noff %s", from, i, on[from][i], off[from][i])
				}
			}
			t.Fatalf("on: %s: %d signals, off %d", from, len(on[from]), len(off[from]))
		}
	}
	if offC.Messages != perSender || onC.Messages >= perSender/4 || onC.Batches != onC.Messages {
		t.Errorf("messages from n0: off %d (want %d), on %d in %d batches (want under %d)", offC.Messages, perSender,
			onC.Messages, onC.Batches, perSender/4)
	}
}

// An outbox flushes at once what finds it idle for longer than MaxDelay and
// any request; otherwise a signal waits for the batch to fill or for
// MaxDelay, on the outbox's one timer.
func TestOutboxFlushRules(t *testing.T) {
	s := startServer(t)
	const delay = 300 * time.Millisecond
	nodes, rec := orderRig(t, s.ClientURL(), features.Set{XBatch: true}, []string{"n0", "n1"}, BatchOptions{MaxDelay: delay})
	from := nodes[0]
	msgs := func() uint64 { return from.Counters().Messages }
	ob := from.outboxes["n1"]
	timer := ob.timer

	// Idle since start: the first signal leaves at once, alone.
	if err := from.Send("n1", "rec", richSig(t, "n0", 0)); err != nil {
		t.Fatal(err)
	}
	if got := msgs(); got != 1 {
		t.Fatalf("an idle outbox: %d messages after one send, want 1 (sent at once)", got)
	}
	// Busy now: the next ones wait.
	start := time.Now()
	for i := 1; i <= 2; i++ {
		if err := from.Send("n1", "rec", richSig(t, "n0", i)); err != nil {
			t.Fatal(err)
		}
	}
	if got, waited := msgs(), time.Since(start); got != 1 && waited < delay {
		t.Fatalf("a busy outbox: %d messages within %s, want 1 (the rest wait)", got, waited)
	}
	// A request leaves at once, with what waits before it.
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := from.Request(ctx, "n1", "rec", richSig(t, "n0", 3)); err != nil {
		t.Fatal(err)
	}
	if got, waited := msgs(), time.Since(start); got != 2 || waited >= delay {
		t.Fatalf("a request on a busy outbox: %d messages after %s, want 2 before MaxDelay %s", got, waited, delay)
	}
	// The next signal waits for the timer, which fires MaxDelay after it.
	start = time.Now()
	if err := from.Send("n1", "rec", richSig(t, "n0", 4)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the timer's flush", func() bool { return msgs() == 3 })
	if waited := time.Since(start); waited < delay {
		t.Errorf("the batch left after %s, before MaxDelay %s", waited, delay)
	}
	waitFor(t, "5 deliveries", func() bool { return rec.count() == 5 })
	if ob.timer != timer {
		t.Error("the outbox made a new timer")
	}
}

// A batch that compression would only enlarge (one signal of random
// bytes) travels raw, and arrives.
func TestOutboxSendsRawWhatDoesNotCompress(t *testing.T) {
	s := startServer(t)
	nodes, rec := orderRig(t, s.ClientURL(), features.Set{XBatch: true}, []string{"n0", "n1"}, BatchOptions{})
	payload := make([]byte, 64)
	for i := range payload {
		payload[i] = byte(i*151 + i*i*7 + 13) // no repeats the compressor could use
	}
	sig, err := signal.New("a.b", "/s", map[string]any{"p": payload})
	if err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].Send("n1", "rec", sig); err != nil { // idle: sent at once, alone
		t.Fatal(err)
	}
	c := nodes[0].Counters()
	if c.Batches != 1 || c.PayloadBytes != c.RawBytes+1 {
		t.Fatalf("%d batches, %d payload bytes for %d raw; want 1 batch of raw + 1 codec byte", c.Batches, c.PayloadBytes, c.RawBytes)
	}
	waitFor(t, "delivery", func() bool { return rec.count() == 1 })
	got := rec.sorted()["n1"][0]
	want, _ := sig.MarshalJSON()
	if got != string(want) {
		t.Errorf("arrived %s, sent %s", got, want)
	}
}

// A signal added at or after its outbox's batch fell due leaves with that
// batch, without waiting for the timer: at high rates the traffic itself
// flushes on time. The clock is given: the signals are stamped an hour
// ahead, so the timer (on the real clock) never flushes meanwhile.
func TestOutboxFlushesDueBatchOnAdd(t *testing.T) {
	s := startServer(t)
	const delay = time.Millisecond
	nodes, rec := orderRig(t, s.ClientURL(), features.Set{XBatch: true}, []string{"n0", "n1"}, BatchOptions{MaxDelay: delay})
	from := nodes[0]
	ob := from.outboxes["n1"]
	base := time.Now().Add(time.Hour).UnixNano()
	us := int64(time.Microsecond)
	steps := []struct {
		at   int64  // µs after base
		msgs uint64 // messages sent after this signal
		why  string
	}{
		{0, 1, "idle for longer than MaxDelay: leaves at once"},
		{100, 1, "starts a batch due at 1100"},
		{500, 1, "joins it"},
		{1099, 1, "1 µs before the due time: joins it"},
		{1100, 2, "at the due time: leaves with the batch"},
		{1200, 2, "starts a batch due at 2200 (not idle: 100 µs since the last)"},
		{2199, 2, "joins it"},
		{2500, 3, "past the due time: leaves with the batch"},
		{3600, 4, "idle for 1100 µs > MaxDelay: leaves at once"},
	}
	for i, st := range steps {
		if err := ob.add("rec", base+st.at*us, 0, richSig(t, "n0", i)); err != nil {
			t.Fatal(err)
		}
		if got := from.Counters().Messages; got != st.msgs {
			t.Fatalf("signal at %d µs (%s): %d messages, want %d", st.at, st.why, got, st.msgs)
		}
	}
	ob.mu.Lock()
	armed := ob.armed
	ob.mu.Unlock()
	if armed {
		t.Error("the timer is armed after the last signal left")
	}
	waitFor(t, "deliveries", func() bool { return rec.count() == len(steps) })
}

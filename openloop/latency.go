package openloop

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram range: 1 ns to 10 minutes at 3 significant digits (±0.1 %).
// A value above the range is recorded as the highest trackable value and
// counted in Clamped, never dropped.
const (
	histLowest  = 1
	histHighest = int64(10 * time.Minute)
	histDigits  = 3
)

// Latency is a latency distribution in an HdrHistogram. It is not safe for
// concurrent use: each goroutine records into its own and they are merged
// once the goroutines are done.
type Latency struct {
	h       *hdr.Histogram
	clamped int64
}

// NewLatency returns an empty histogram (1 ns to 10 min, 3 significant
// digits); allocate it before a measurement, it is about 250 KB.
func NewLatency() *Latency { return &Latency{h: hdr.New(histLowest, histHighest, histDigits)} }

// Record adds one value in nanoseconds; negative values (clock skew cannot
// happen with the monotonic clock, but a bug could) count as 0.
func (l *Latency) Record(ns int64) { l.RecordN(ns, 1) }

// RecordN adds n values of ns nanoseconds at once, as Record would each:
// a burst hands over many operations at the same instant.
func (l *Latency) RecordN(ns, n int64) {
	if n <= 0 {
		return
	}
	if ns < 0 {
		ns = 0
	}
	if ns > histHighest {
		ns = histHighest
		l.clamped += n
	}
	if err := l.h.RecordValues(ns, n); err != nil {
		// Unreachable for values in range; keep the count honest anyway.
		l.clamped += n
		_ = l.h.RecordValues(histHighest, n)
	}
}

// Merge adds o's values into l.
func (l *Latency) Merge(o *Latency) {
	if o == nil {
		return
	}
	l.h.Merge(o.h)
	l.clamped += o.clamped
}

// Count is the number of recorded values.
func (l *Latency) Count() int64 {
	if l == nil {
		return 0
	}
	return l.h.TotalCount()
}

// Quantile returns the value at percentile q (0–100), to histogram
// precision; 0 when empty.
func (l *Latency) Quantile(q float64) time.Duration {
	if l == nil {
		return 0
	}
	return time.Duration(l.h.ValueAtQuantile(q))
}

// Max is the largest recorded value, to histogram precision.
func (l *Latency) Max() time.Duration {
	if l == nil || l.h.TotalCount() == 0 {
		return 0
	}
	return time.Duration(l.h.Max())
}

// Mean of the recorded values.
func (l *Latency) Mean() time.Duration {
	if l == nil || l.h.TotalCount() == 0 {
		return 0
	}
	return time.Duration(l.h.Mean())
}

// Clamped counts values above the histogram's range, recorded as its top.
func (l *Latency) Clamped() int64 {
	if l == nil {
		return 0
	}
	return l.clamped
}

// Percentiles are the quantiles every latency line shows.
var Percentiles = []float64{50, 90, 99, 99.9}

// Bucket is one bar of the coarse distribution: values in [From, To).
type Bucket struct {
	From  time.Duration `json:"from_ns"`
	To    time.Duration `json:"to_ns"`
	Count int64         `json:"count"`
}

// bucketEdges are the 1-2-5 edges of the coarse distribution, from 100 ns
// to 10 min.
var bucketEdges = func() []int64 {
	var e []int64
	for dec := int64(100); dec <= int64(10*time.Minute); dec *= 10 {
		for _, m := range []int64{1, 2, 5} {
			e = append(e, dec*m)
		}
	}
	return e
}()

// Buckets returns the distribution in 1-2-5 latency buckets (… 1–2 µs,
// 2–5 µs, 5–10 µs …) from the first to the last non-empty one. A value is
// placed by the lower end of its histogram cell, so a boundary is exact to
// histogram precision (±0.1 %). The first bucket starts at 0.
func (l *Latency) Buckets() []Bucket {
	if l == nil || l.h.TotalCount() == 0 {
		return nil
	}
	counts := make([]int64, len(bucketEdges)+1)
	for _, b := range l.h.Distribution() {
		if b.Count == 0 {
			continue
		}
		i := 0
		for i < len(bucketEdges) && b.From >= bucketEdges[i] {
			i++
		}
		counts[i] += b.Count
	}
	first, last := -1, -1
	for i, c := range counts {
		if c != 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	var out []Bucket
	for i := first; i <= last; i++ {
		from, to := int64(0), int64(math.MaxInt64)
		if i > 0 {
			from = bucketEdges[i-1]
		}
		if i < len(bucketEdges) {
			to = bucketEdges[i]
		}
		out = append(out, Bucket{From: time.Duration(from), To: time.Duration(to), Count: counts[i]})
	}
	return out
}

// Encoded is the histogram in HdrHistogram's V2 compressed, base64 form,
// lossless: hdrhistogram.Decode (or any HdrHistogram implementation) reads
// it back.
func (l *Latency) Encoded() (string, error) {
	b, err := l.h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil
}

// LatencyJSON is how a Latency appears in results.json (nanoseconds).
type LatencyJSON struct {
	Count   int64    `json:"count"`
	P50     int64    `json:"p50_ns"`
	P90     int64    `json:"p90_ns"`
	P99     int64    `json:"p99_ns"`
	P999    int64    `json:"p99_9_ns"`
	Max     int64    `json:"max_ns"`
	Mean    int64    `json:"mean_ns"`
	Clamped int64    `json:"clamped,omitempty"`
	Buckets []Bucket `json:"buckets"`
	// HdrV2 is the lossless histogram: base64 HdrHistogram V2 compressed
	// (1 ns to 10 min, 3 significant digits).
	HdrV2 string `json:"hdr_v2_base64"`
}

// JSON returns the summary results.json carries.
func (l *Latency) JSON() (LatencyJSON, error) {
	enc, err := l.Encoded()
	if err != nil {
		return LatencyJSON{}, err
	}
	return LatencyJSON{
		Count: l.Count(), P50: int64(l.Quantile(50)), P90: int64(l.Quantile(90)),
		P99: int64(l.Quantile(99)), P999: int64(l.Quantile(99.9)), Max: int64(l.Max()),
		Mean: int64(l.Mean()), Clamped: l.clamped, Buckets: l.Buckets(), HdrV2: enc,
	}, nil
}

// MarshalJSON writes LatencyJSON.
func (l *Latency) MarshalJSON() ([]byte, error) {
	j, err := l.JSON()
	if err != nil {
		return nil, err
	}
	return json.Marshal(j)
}

// WriteHgrm writes the percentile distribution in HdrHistogram's .hgrm
// text format, values in microseconds, which HdrHistogram's plotter reads.
func (l *Latency) WriteHgrm(w io.Writer) error {
	_, err := l.h.PercentilesPrint(w, 5, 1000)
	return err
}

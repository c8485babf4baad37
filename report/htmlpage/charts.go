package htmlpage

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"strings"

	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/stats"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Charts are drawn with gonum.org/v1/plot into SVG, in Go, when the page is
// written: the page then carries plain vector drawings that need no script,
// print well and cost a few KiB each, and nothing is fetched or run when it
// is viewed. A JavaScript chart library would have to be vendored into the
// binary and shipped in every page, for interactivity these figures do not
// need. Fonts are not embedded (the viewer's sans-serif is used), which
// keeps each figure small.

// Each side keeps one colour and one marker shape everywhere, so the
// figures read in grey too: off is a blue circle and solid line, on an
// orange triangle and dashed line.
var (
	offColor    = color.RGBA{R: 0x2f, G: 0x6d, B: 0xb5, A: 0xff}
	onColor     = color.RGBA{R: 0xe0, G: 0x7b, B: 0x1f, A: 0xff}
	neutral     = color.RGBA{R: 0x55, G: 0x5b, B: 0x62, A: 0xff}
	bandColor   = color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0x40}
	targetColor = color.RGBA{R: 0xb0, G: 0x1c, B: 0x1c, A: 0xff}
)

// series is one side's values in a figure.
type series struct {
	label string
	on    bool // draws in the "on" style
}

func (s series) color() color.Color {
	if s.on {
		return onColor
	}
	return offColor
}

func (s series) glyph() draw.GlyphDrawer {
	if s.on {
		return draw.TriangleGlyph{}
	}
	return draw.CircleGlyph{}
}

func (s series) dashes() []vg.Length {
	if s.on {
		return []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return nil
}

// sideSeries styles a side by its label: "off" and "all-off" draw as off.
func sideSeries(label string) series {
	return series{label: label, on: !strings.HasSuffix(label, "off")}
}

func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	// Sans-serif, like the page around the figures.
	for _, f := range []struct {
		font *font.Font
		size float64
	}{
		{&p.Title.TextStyle.Font, 11}, {&p.X.Tick.Label.Font, 9}, {&p.Y.Tick.Label.Font, 9},
		{&p.X.Label.TextStyle.Font, 10}, {&p.Y.Label.TextStyle.Font, 10}, {&p.Legend.TextStyle.Font, 9},
	} {
		f.font.Variant = "Sans"
		f.font.Size = vg.Points(f.size)
	}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

// unitTicks labels the default ticks with numfmt.Value, so an axis
// reads "1.50 µs" like the tables do.
func unitTicks(unit string) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		ts := plot.DefaultTicks{}.Ticks(min, max)
		for i := range ts {
			if ts[i].Label != "" {
				ts[i].Label = numfmt.Value(ts[i].Value, unit)
			}
		}
		return ts
	})
}

// logTicks labels powers of ten (and 2× and 5× of them when the range is
// narrow) with numfmt.Value.
func logTicks(unit string) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		var ts []plot.Tick
		steps := []float64{1, 2, 5}
		if max/min > 1e4 {
			steps = []float64{1}
		}
		for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
			for _, s := range steps {
				v := s * math.Pow(10, e)
				if v >= min && v <= max {
					ts = append(ts, plot.Tick{Value: v, Label: numfmt.Value(v, unit)})
				}
			}
		}
		return ts
	})
}

// svg draws plots side by side into one SVG of the given size in points.
func svg(w, h vg.Length, plots ...*plot.Plot) (template.HTML, error) {
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Points(14), PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(6)}
	canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[0][i])
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", fmt.Errorf("write svg: %w", err)
	}
	s := b.String()
	// Drop the XML prolog: the figure is inlined into HTML.
	if i := strings.Index(s, "<svg"); i > 0 {
		s = s[i:]
	}
	// gonum names its font only; give a viewer without Liberation Sans the
	// metric-compatible Arial, then any sans-serif.
	s = strings.ReplaceAll(s, "font-family:Liberation Sans", "font-family:'Liberation Sans',Arial,Helvetica,sans-serif")
	// The SVG is produced here from numbers and gonum's own markup; no text
	// of the input reaches it unescaped (gonum escapes labels).
	return template.HTML(s), nil
}

// roundsInput is one metric of a two-sided measurement.
type roundsInput struct {
	metric  string
	unit    string // for numfmt.Value
	off, on []float64
	offSum  stats.Summary
	onSum   stats.Summary
	ratios  []float64 // on/off per round pair, in round order
	paired  stats.Paired
	noise   float64 // the metric's noise band, as a fraction
	better  stats.Direction
}

// roundsChart draws a metric's rounds (left: each round a dot, the median a
// bar, its 95 % CI a shaded box, per side) and its paired ratios (right:
// on/off per round pair in round order, their median and its CI, the noise
// band around 1).
func roundsChart(in roundsInput) (template.HTML, error) {
	left := newPlot("rounds: " + in.metric)
	left.Y.Tick.Marker = unitTicks(in.unit)
	left.NominalX("off", "on")
	left.X.Min, left.X.Max = -0.6, 1.6
	for i, side := range []struct {
		s    series
		vals []float64
		sum  stats.Summary
	}{{series{label: "off"}, in.off, in.offSum}, {series{label: "on", on: true}, in.on, in.onSum}} {
		x := float64(i)
		if side.sum.HasCI {
			box, err := plotter.NewPolygon(plotter.XYs{{X: x - 0.28, Y: side.sum.Lo}, {X: x + 0.28, Y: side.sum.Lo}, {X: x + 0.28, Y: side.sum.Hi}, {X: x - 0.28, Y: side.sum.Hi}})
			if err != nil {
				return "", err
			}
			box.Color = withAlpha(side.s.color(), 0x38)
			box.LineStyle.Width = 0
			left.Add(box)
		}
		if side.sum.N > 0 {
			med, err := plotter.NewLine(plotter.XYs{{X: x - 0.34, Y: side.sum.Center}, {X: x + 0.34, Y: side.sum.Center}})
			if err != nil {
				return "", err
			}
			med.Color, med.Width = side.s.color(), vg.Points(2)
			left.Add(med)
		}
		if len(side.vals) > 0 {
			pts := make(plotter.XYs, len(side.vals))
			for j, v := range side.vals {
				pts[j] = plotter.XY{X: x + spread(j, len(side.vals)), Y: finite(v)}
			}
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return "", err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: side.s.color(), Radius: vg.Points(2.6), Shape: side.s.glyph()}
			left.Add(sc)
		}
	}
	plots := []*plot.Plot{left}
	if len(in.ratios) > 0 {
		right, err := ratioPlot(in)
		if err != nil {
			return "", err
		}
		plots = append(plots, right)
	}
	return svg(vg.Points(520), vg.Points(190), plots...)
}

func ratioPlot(in roundsInput) (*plot.Plot, error) {
	p := newPlot("paired ratio on/off per round")
	p.Y.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
		ts := plot.DefaultTicks{}.Ticks(min, max)
		for i := range ts {
			if ts[i].Label != "" {
				ts[i].Label = fmt.Sprintf("×%.3g", ts[i].Value)
			}
		}
		return ts
	})
	p.X.Label.Text = "round"
	n := float64(len(in.ratios))
	p.X.Min, p.X.Max = 0.5, n+0.5
	if in.noise > 0 {
		band, err := plotter.NewPolygon(plotter.XYs{{X: 0.5, Y: 1 - in.noise}, {X: n + 0.5, Y: 1 - in.noise}, {X: n + 0.5, Y: 1 + in.noise}, {X: 0.5, Y: 1 + in.noise}})
		if err != nil {
			return nil, err
		}
		band.Color, band.LineStyle.Width = bandColor, 0
		p.Add(band)
	}
	one, err := plotter.NewLine(plotter.XYs{{X: 0.5, Y: 1}, {X: n + 0.5, Y: 1}})
	if err != nil {
		return nil, err
	}
	one.Color, one.Dashes = neutral, []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(one)
	if in.paired.HasCI {
		ci, err := plotter.NewPolygon(plotter.XYs{{X: 0.5, Y: in.paired.Lo}, {X: n + 0.5, Y: in.paired.Lo}, {X: n + 0.5, Y: in.paired.Hi}, {X: 0.5, Y: in.paired.Hi}})
		if err != nil {
			return nil, err
		}
		ci.Color, ci.LineStyle.Width = withAlpha(onColor, 0x30), 0
		p.Add(ci)
	}
	med, err := plotter.NewLine(plotter.XYs{{X: 0.5, Y: in.paired.Ratio}, {X: n + 0.5, Y: in.paired.Ratio}})
	if err != nil {
		return nil, err
	}
	med.Color, med.Width = onColor, vg.Points(1.5)
	p.Add(med)
	pts := make(plotter.XYs, len(in.ratios))
	for i, r := range in.ratios {
		pts[i] = plotter.XY{X: float64(i + 1), Y: finite(r)}
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: neutral, Radius: vg.Points(2.4), Shape: draw.CircleGlyph{}}
	p.Add(sc)
	return p, nil
}

// spread places the j-th of n dots across a side's column, in round order.
func spread(j, n int) float64 {
	if n < 2 {
		return 0
	}
	return (float64(j)/float64(n-1) - 0.5) * 0.44
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	// Premultiplied, as color.RGBA requires.
	f := float64(a) / 0xff
	return color.RGBA{R: uint8(float64(r>>8) * f), G: uint8(float64(g>>8) * f), B: uint8(float64(b>>8) * f), A: a}
}

// finite keeps non-finite values from breaking an axis: they plot at 0.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// Percentiles plotted, HDR style: x is 1/(1−q) on a log axis, so p50, p90,
// p99, p99.9 and p99.99 are evenly spaced and the tail gets the room.
const (
	pctFrom   = 2.0   // p50
	pctTo     = 1e4   // p99.99
	pctPoints = 80    // per curve
	logYRatio = 50.0  // a y range wider than this is drawn on a log axis
	minLogY   = 1e-12 // guards the log axis from zeros
)

// quantileCurve is one side's latency distribution.
type quantileCurve struct {
	s        series
	quantile func(q float64) float64 // q in 0–100, value in ns
}

// target is a point a curve must stay below, e.g. p99 < 100 µs.
type target struct {
	q     float64 // 0–100
	value float64 // ns
}

// percentileChart draws latency percentiles p50..p99.99 of each curve,
// overlaid, with the targets marked.
func percentileChart(curves []quantileCurve, targets []target) (template.HTML, error) {
	p := newPlot("")
	p.X.Scale = plot.LogScale{}
	p.X.Min, p.X.Max = pctFrom, pctTo
	p.X.Label.Text = "percentile"
	p.X.Tick.Marker = plot.ConstantTicks([]plot.Tick{
		{Value: 2, Label: "p50"}, {Value: 10, Label: "p90"}, {Value: 100, Label: "p99"},
		{Value: 1000, Label: "p99.9"}, {Value: 1e4, Label: "p99.99"},
	})
	lo, hi := math.Inf(1), math.Inf(-1)
	var lines []*plotter.Line
	for _, c := range curves {
		pts := make(plotter.XYs, pctPoints)
		for i := range pts {
			x := pctFrom * math.Pow(pctTo/pctFrom, float64(i)/float64(pctPoints-1))
			y := c.quantile(100 * (1 - 1/x))
			pts[i] = plotter.XY{X: x, Y: y}
			if y > 0 {
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return "", err
		}
		l.Color, l.Width, l.Dashes = c.s.color(), vg.Points(1.6), c.s.dashes()
		lines = append(lines, l)
		p.Legend.Add(c.s.label, l)
	}
	var tpts plotter.XYs
	for _, t := range targets {
		tpts = append(tpts, plotter.XY{X: 1 / (1 - t.q/100), Y: t.value})
		lo, hi = math.Min(lo, t.value), math.Max(hi, t.value)
	}
	if math.IsInf(lo, 0) {
		lo, hi = 1, 10
	}
	if hi/lo > logYRatio {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks("ns")
		p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
		for _, l := range lines {
			for i := range l.XYs {
				l.XYs[i].Y = math.Max(l.XYs[i].Y, p.Y.Min)
			}
		}
	} else {
		p.Y.Tick.Marker = unitTicks("ns")
		p.Y.Min = 0
	}
	for _, l := range lines {
		p.Add(l)
	}
	if len(tpts) > 0 {
		sc, err := plotter.NewScatter(tpts)
		if err != nil {
			return "", err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: targetColor, Radius: vg.Points(5), Shape: draw.CrossGlyph{}}
		p.Add(sc)
		p.Legend.Add("target (must be below)", sc)
	}
	p.Legend.Left = true
	return svg(vg.Points(520), vg.Points(240), p)
}

// timeSeries is one side's values over time.
type timeSeries struct {
	s    series
	x, y []float64 // x in seconds
}

// timeChart draws values over time, one line per side.
func timeChart(unit string, all []timeSeries) (template.HTML, error) {
	p := newPlot("")
	p.X.Label.Text = "time since start"
	p.X.Tick.Marker = unitTicks("s")
	p.Y.Tick.Marker = unitTicks(unit)
	p.Y.Min = 0
	top := 0.0
	for _, ts := range all {
		for _, y := range ts.y {
			top = math.Max(top, finite(y))
		}
	}
	// Room above the lines for the legend.
	p.Y.Max = top * 1.25
	for _, ts := range all {
		pts := make(plotter.XYs, len(ts.x))
		for i := range ts.x {
			pts[i] = plotter.XY{X: ts.x[i], Y: finite(ts.y[i])}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return "", err
		}
		l.Color, l.Width, l.Dashes = ts.s.color(), vg.Points(1.4), ts.s.dashes()
		p.Add(l)
		p.Legend.Add(ts.s.label, l)
	}
	return svg(vg.Points(520), vg.Points(220), p)
}

// interval is one criterion's measured value with its 95 % bounds and
// the target it is judged against.
type interval struct {
	label         string
	value, lo, hi float64
	target        float64
	status        Status
}

// intervalChart draws intervals one row each, target marked: a forest
// plot, so a reader sees at once which ones clear their target and by how
// much, and which straddle it.
func intervalChart(axis string, rows []interval) (template.HTML, error) {
	p := newPlot("")
	p.X.Label.Text = axis
	names := make([]string, len(rows))
	var pts, tgt plotter.XYs
	errs := make(plotter.XErrors, 0, len(rows))
	for i, r := range rows {
		y := float64(len(rows) - 1 - i) // first row on top
		names[len(rows)-1-i] = r.label
		pts = append(pts, plotter.XY{X: finite(r.value), Y: y})
		errs = append(errs, struct{ Low, High float64 }{Low: finite(r.value) - finite(r.lo), High: finite(r.hi) - finite(r.value)})
		tgt = append(tgt, plotter.XY{X: r.target, Y: y})
	}
	p.NominalY(names...)
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return "", err
	}
	sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
		c := neutral
		switch rows[i].status {
		case StatusPass:
			c = color.RGBA{R: 0x17, G: 0x65, B: 0x2a, A: 0xff}
		case StatusFail:
			c = targetColor
		}
		return draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
	}
	bars := &plotter.XErrorBars{XYs: pts, XErrors: errs, LineStyle: draw.LineStyle{Color: neutral, Width: vg.Points(1.2)}, CapWidth: vg.Points(6)}
	ts, err := plotter.NewScatter(tgt)
	if err != nil {
		return "", err
	}
	ts.GlyphStyle = draw.GlyphStyle{Color: targetColor, Radius: vg.Points(5), Shape: draw.CrossGlyph{}}
	p.Add(bars, sc, ts)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		lo = math.Min(lo, math.Min(finite(r.lo), r.target))
		hi = math.Max(hi, math.Max(finite(r.hi), r.target))
	}
	pad := (hi - lo) * 0.05
	p.X.Min, p.X.Max = lo-pad, hi+pad
	p.Y.Min, p.Y.Max = -0.6, float64(len(rows))-0.4
	return svg(vg.Points(860), vg.Points(float64(46+20*len(rows))), p)
}

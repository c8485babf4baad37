package htmlpage

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/perfbench/perfbench/profiling"
)

// chromiumPath is Debian's chromium package.
const chromiumPath = "/usr/bin/chromium"

// browserLog collects what a page did that the test must check afterwards:
// every request it made and every error it reported.
type browserLog struct {
	mu       sync.Mutex
	requests []string
	errors   []string
}

func (b *browserLog) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.errors = append(b.errors, "console."+string(ev.Type)+": "+strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Text+" "+exceptionText(ev.ExceptionDetails))
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			b.errors = append(b.errors, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

// box is an element's size on screen, as getBoundingClientRect gives it.
type box struct {
	Sel    string  `json:"sel"`
	Width  float64 `json:"w"`
	Height float64 `json:"h"`
}

// Opened from disk as a reader would, each page loads with no error, asks
// for nothing beyond its own file, and shows its table, a chart and (for a
// profile run) pprof's flame graph with something drawn in it. A
// screenshot of each is kept for a person to look at.
func TestPagesInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("skipping the browser test: no Chromium at %s (Debian: apt-get install -y chromium)", chromiumPath)
	}
	out := os.Getenv("PERFBENCH_SCREENSHOTS")
	if out == "" {
		out = t.TempDir()
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // a deadlock guard only
	defer cancel()
	ctx, cancel = chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000),
		// Chromium leaves its singleton socket's directory in TMPDIR when it
		// exits: keep it in the test's own directory, which is removed.
		chromedp.Env("TMPDIR="+t.TempDir()),
		// The flame graphs live in sandboxed frames, which Chromium runs in
		// processes of their own, out of reach of the page's events. Kept in
		// the page's process, their requests, console errors and DOM are
		// checked with the page's.
		chromedp.Flag("disable-features", "IsolateSandboxedIframes,SitePerProcess"),
		chromedp.Flag("disable-site-isolation-trials", true))
	defer cancel()
	browser, cancel := chromedp.NewContext(ctx)
	defer cancel()

	tests := []struct {
		name   string
		page   []byte
		expect []string // selectors that must have a non-empty box
		flames int      // flame graphs that must show boxes
		bad    bool     // the control: the checks must catch its fetch and its error
	}{
		{"profile", render(t, "testdata/profile", "html"), []string{"#improvement table", "td.status", "figure.chart svg", "iframe.flamegraph"}, len(profiling.Kinds()), false},
		{"load", render(t, "testdata/load", "html"), []string{"#targets table", "td.status", "figure.chart svg"}, 0, false},
		{"bench", render(t, "testdata/bench", "html"), []string{"#criteria table", "td.status", "#runs table", "figure.chart svg"}, 0, false},
		{"monitor", render(t, "testdata/monitor", "html"), []string{"#events table", "td.status", "figure.chart svg"}, 0, false},
		{"compare", render(t, "testdata/compare", "html"), []string{"table", "td.status", "figure.chart svg", "iframe.flamegraph"}, 2, false},
		{"cluster", render(t, "testdata/cluster", "html"), []string{"#verdicts table", "td.status", "#latency figure.chart svg", "#broadcast figure.chart svg", "iframe.flamegraph"}, 1, false},
		{"control", append(render(t, "testdata/bench", "html"),
			`<img src="http://127.0.0.1:9/x.png"><script>console.error("control")</script>`...), []string{"table"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := filepath.Join(out, tt.name+".html")
			if err := os.WriteFile(page, tt.page, 0o644); err != nil {
				t.Fatal(err)
			}
			abs, err := filepath.Abs(page)
			if err != nil {
				t.Fatal(err)
			}
			tab, cancel := chromedp.NewContext(browser)
			defer cancel()
			var bl browserLog
			if err := chromedp.Listen(tab, bl.listen); err != nil {
				t.Fatal(err)
			}
			u := (&url.URL{Scheme: "file", Path: abs}).String()
			if err := chromedp.Do(tab, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("table"))); err != nil {
				t.Fatalf("open %s: %v", u, err)
			}
			js := fmt.Sprintf(`%q.split(",").map(s => { const e = document.querySelector(s); const r = e ? e.getBoundingClientRect() : {width: 0, height: 0}; return {sel: s, w: r.width, h: r.height}; })`,
				strings.Join(tt.expect, ","))
			boxes, err := chromedp.Run(tab, chromedp.Evaluate[[]box](js))
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range boxes {
				if b.Width <= 0 || b.Height <= 0 {
					t.Errorf("%s is not visible (box %gx%g)", b.Sel, b.Width, b.Height)
				}
			}
			checkFlames(t, tab, tt.flames)

			shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			png := filepath.Join(out, tt.name+".png")
			if err := os.WriteFile(png, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot of the %s page (%d KiB): %s", tt.name, len(tt.page)>>10, png)

			bl.mu.Lock()
			defer bl.mu.Unlock()
			var problems []string
			for _, r := range bl.requests {
				if !strings.HasPrefix(r, "file:") && !strings.HasPrefix(r, "data:") {
					problems = append(problems, "the page requested "+r+": nothing may leave the file")
				}
			}
			problems = append(problems, bl.errors...)
			if tt.bad {
				if len(problems) < 2 {
					t.Errorf("the control page's fetch and console error were not both caught: %q", problems)
				}
				return
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}

// checkFlames finds want flame-graph frames, each with pprof's boxes drawn,
// and clicks one (zooming must not fail in a saved page).
func checkFlames(t *testing.T, tab context.Context, want int) {
	t.Helper()
	if want == 0 {
		return
	}
	frames, err := chromedp.Run(tab, chromedp.Nodes(chromedp.CSSAll("iframe.flamegraph")))
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != want {
		t.Fatalf("%d flame graphs, want %d", len(frames), want)
	}
	for i, f := range frames {
		bm, err := chromedp.Run(tab, chromedp.Dimensions(chromedp.CSS("#stack-chart .boxbg"), chromedp.FromNode(f)))
		if err != nil {
			t.Fatalf("flame graph %d: %v", i, err)
		}
		if bm.Width <= 0 || bm.Height <= 0 {
			t.Errorf("flame graph %d: first box is %dx%d", i, bm.Width, bm.Height)
		}
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#stack-chart .boxbg"), chromedp.FromNode(frames[0]))); err != nil {
		t.Errorf("click in the flame graph: %v", err)
	}
}

// Package machine describes the machine and build a measurement was taken
// on (Go version, OS/arch, CPUs, GOMAXPROCS, CPU model, git commit), so
// that results carry it and a baseline check can say when two sets of
// numbers come from different machines.
package machine

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// Env is the machine and build a measurement was taken on. Numbers from
// different Envs are not directly comparable; Diff says why.
type Env struct {
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model,omitempty"`
	GitCommit  string `json:"git_commit,omitempty"`
	Hostname   string `json:"hostname,omitempty"`
}

// gitTimeout bounds the git fallback: a hung git (network file system,
// lock) must not stall a benchmark run for an optional field.
const gitTimeout = 2 * time.Second

// Current describes this process. Fields that cannot be found stay
// empty; their absence is not an error.
func Current() Env {
	e := Env{
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		CPUs:       runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		e.CPUModel = cpuModel(f)
		f.Close()
	}
	e.GitCommit = buildRevision()
	if e.GitCommit == "" {
		ctx, cancel := context.WithTimeout(context.Background(), gitTimeout)
		e.GitCommit = gitHead(ctx)
		cancel()
	}
	e.Hostname, _ = os.Hostname()
	return e
}

// cpuModel reads the first "model name" of /proc/cpuinfo (x86 and most
// others); ARM kernels may only offer "Hardware" or nothing.
func cpuModel(r io.Reader) string {
	var hardware string
	s := bufio.NewScanner(r)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			return strings.TrimSpace(v)
		case "Hardware":
			hardware = strings.TrimSpace(v)
		}
	}
	return hardware
}

// buildRevision uses what `go build` stamped into the binary; it is absent
// under `go run`/`go test` and with -buildvcs=false.
func buildRevision() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" && modified == "true" {
		// Numbers from uncommitted code must not pass for the commit's.
		rev += "-dirty"
	}
	return rev
}

func gitHead(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// String is the one-line form used in summaries. The host name is left out
// because summary.md is meant to be pasted into a public pull request.
func (e Env) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s/%s, %d CPUs, GOMAXPROCS %d", e.GoVersion, e.OS, e.Arch, e.CPUs, e.GOMAXPROCS)
	if e.CPUModel != "" {
		fmt.Fprintf(&b, ", %s", e.CPUModel)
	}
	if e.GitCommit != "" {
		c, dirty := strings.CutSuffix(e.GitCommit, "-dirty")
		if len(c) > 12 {
			c = c[:12]
		}
		if dirty {
			c += "-dirty"
		}
		fmt.Fprintf(&b, ", commit %s", c)
	}
	return b.String()
}

// Diff lists the fields in which o differs from e, as "field: e → o", in
// field order. All fields are compared; a caller checking a baseline may
// expect GitCommit to differ and skip it.
func (e Env) Diff(o Env) []string {
	var d []string
	add := func(name string, a, b any) {
		if a == b {
			return
		}
		show := func(v any) any {
			if v == "" {
				return "(unknown)"
			}
			return v
		}
		d = append(d, fmt.Sprintf("%s: %v → %v", name, show(a), show(b)))
	}
	add("go version", e.GoVersion, o.GoVersion)
	add("os", e.OS, o.OS)
	add("arch", e.Arch, o.Arch)
	add("cpus", e.CPUs, o.CPUs)
	add("gomaxprocs", e.GOMAXPROCS, o.GOMAXPROCS)
	add("cpu model", e.CPUModel, o.CPUModel)
	add("git commit", e.GitCommit, o.GitCommit)
	add("hostname", e.Hostname, o.Hostname)
	return d
}

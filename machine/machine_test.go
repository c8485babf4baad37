package machine

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestCPUModel(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"x86", "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\nflags\t: fpu\n\nprocessor\t: 1\nmodel name\t: other\n",
			"Intel(R) Xeon(R) CPU @ 2.20GHz"},
		{"arm hardware", "processor\t: 0\nBogoMIPS\t: 108.00\nHardware\t: BCM2835\n", "BCM2835"},
		{"nothing", "processor\t: 0\n", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		if got := cpuModel(strings.NewReader(tt.in)); got != tt.want {
			t.Errorf("%s: cpuModel = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCurrent(t *testing.T) {
	e := Current()
	if e.GoVersion != runtime.Version() || e.OS != runtime.GOOS || e.Arch != runtime.GOARCH ||
		e.CPUs != runtime.NumCPU() || e.GOMAXPROCS != runtime.GOMAXPROCS(0) {
		t.Errorf("Current = %+v", e)
	}
	if d := e.Diff(e); d != nil {
		t.Errorf("Diff with itself = %v", d)
	}
}

func TestEnvDiff(t *testing.T) {
	a := Env{GoVersion: "go1.26.0", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2, CPUModel: "A", GitCommit: "abc", Hostname: "h"}
	b := a
	b.GoVersion, b.GOMAXPROCS, b.CPUModel, b.GitCommit = "go1.26.1", 4, "", "def"
	want := []string{
		"go version: go1.26.0 → go1.26.1",
		"gomaxprocs: 2 → 4",
		"cpu model: A → (unknown)",
		"git commit: abc → def",
	}
	if got := a.Diff(b); !reflect.DeepEqual(got, want) {
		t.Errorf("Diff = %q, want %q", got, want)
	}
}

func TestEnvString(t *testing.T) {
	tests := []struct {
		e    Env
		want string
	}{
		{Env{GoVersion: "go1.26.0", OS: "linux", Arch: "arm64", CPUs: 8, GOMAXPROCS: 4},
			"go1.26.0 linux/arm64, 8 CPUs, GOMAXPROCS 4"},
		{Env{GoVersion: "go1.26.0", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2, GitCommit: "0123456789abcdef-dirty", Hostname: "h"},
			"go1.26.0 linux/amd64, 2 CPUs, GOMAXPROCS 2, commit 0123456789ab-dirty"},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("String = %q, want %q", got, tt.want)
		}
	}
}

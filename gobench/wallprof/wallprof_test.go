package wallprof

import (
	"crypto/sha256"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/profiling"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStart(t *testing.T) {
	tests := []struct {
		name string
		set  bool
	}{{"unset writes nothing", false}, {"set writes a wall profile", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "wall.pb.gz")
			if tt.set {
				t.Setenv(EnvVar, file)
			} else {
				t.Setenv(EnvVar, "")
			}
			stop := Start(t)
			var sum [32]byte
			for i := 0; i < 20000; i++ {
				sum = sha256.Sum256(sum[:])
			}
			stop()
			stop() // twice must not block (fgprof's own stop would)
			p, err := profiling.Load(file)
			if !tt.set {
				if err == nil {
					t.Fatal("a profile was written with the variable unset")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k, err := profiling.KindOf(p); err != nil || k != profiling.Wall {
				t.Errorf("kind %s (%v), want wall", k, err)
			}
		})
	}
}

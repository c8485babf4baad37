package htmlpage

import (
	"os"
	"testing"
)

func TestProto(t *testing.T) {
	for name, p := range map[string]string{"profile": "/tmp/pbrun/zerocopy/signal-pass/1k", "bench": "/tmp/pbbench", "load": "/tmp/pbload", "benchrun": "/tmp/pbbench/jit/route-match"} {
		r, err := Open(p)
		if err != nil { t.Fatal(err) }
		pg, err := r.Page()
		if err != nil { t.Fatal(err) }
		f, _ := os.Create("/tmp/page-" + name + ".html")
		if err := pg.Render(f); err != nil { t.Fatal(err) }
		st, _ := f.Stat()
		t.Log(name, st.Size()/1024, "KiB")
		f.Close()
	}
}

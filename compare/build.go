package compare

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/perfbench/perfbench/buildcache"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/results"
)

// Build is one side of the compare, as results.json records it.
type Build = results.Build

// git runs git in dir and returns its trimmed stdout.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// repo is the git repository perfbench is compared in, and the temporary
// places compare builds in; remove undoes everything.
type repo struct {
	top       string // the repository's top level
	prefix    string // the module's directory below top ("" at the top)
	dir       string // the module directory the command runs in
	tmp       string
	mu        sync.Mutex // both sides check out concurrently
	worktrees []string
}

func openRepo(ctx context.Context, dir string) (*repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
		return nil, cmderr.BadInputf("%s holds no go.mod: run compare in the perfbench module's directory", abs)
	}
	top, err := git(ctx, abs, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, cmderr.BadInputf("%s is not in a git repository (compare builds commits): %w", abs, err)
	}
	prefix, err := git(ctx, abs, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "perfbench-compare-*")
	if err != nil {
		return nil, err
	}
	return &repo{top: top, prefix: prefix, dir: abs, tmp: tmp}, nil
}

// resolve gives the full commit hash of ref.
func (r *repo) resolve(ctx context.Context, ref string) (string, error) {
	c, err := git(ctx, r.dir, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	if err != nil {
		return "", cmderr.BadInputf("unknown git ref %q: not a commit in %s", ref, r.top)
	}
	return c, nil
}

// checkout makes a detached worktree of commit and returns the module's
// directory in it.
func (r *repo) checkout(ctx context.Context, name, commit string) (string, error) {
	wt := filepath.Join(r.tmp, name)
	// git worktree add takes locks in the repository: one at a time.
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := git(ctx, r.dir, "worktree", "add", "--detach", wt, commit); err != nil {
		return "", err
	}
	r.worktrees = append(r.worktrees, wt)
	return filepath.Join(wt, r.prefix), nil
}

// remove deletes the worktrees and binaries, whatever state the run ended
// in; it does not use the run's context, which may be cancelled.
func (r *repo) remove() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	for _, wt := range r.worktrees {
		if _, err := git(ctx, r.dir, "worktree", "remove", "--force", wt); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(r.tmp); err != nil {
		errs = append(errs, err)
	}
	if len(r.worktrees) > 0 {
		if _, err := git(ctx, r.dir, "worktree", "prune"); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Builder builds the perfbench binary of the module in dir to out.
type Builder func(ctx context.Context, dir, tags, out string) error

// GoBuild is `go build -o out [-tags tags] .` with the go command on PATH,
// the same one for both sides. GOTOOLCHAIN=local keeps a ref whose go.mod
// asks for another Go from switching toolchains: it fails to build
// instead, so both sides always run on the same Go.
func GoBuild(ctx context.Context, dir, tags, out string) error {
	args := []string{"build", "-o", out}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, ".")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &errb, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + " …"
		}
		return fmt.Errorf("go build: %w\n%s", err, msg)
	}
	return nil
}

// Toolchain names the go command's version and target, which a cached
// build is keyed by along with its commit.
func Toolchain(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOVERSION", "GOOS", "GOARCH", "GOFLAGS", "CGO_ENABLED", "GOEXPERIMENT")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env: %w", err)
	}
	return strings.Join(strings.Fields(string(b)), " "), nil
}

// builder makes the sides' binaries, through the cache when there is one.
type builder struct {
	run       Builder
	cache     *buildcache.Cache // nil: always build
	toolchain string
}

// build makes one side's binary: from a temporary worktree of ref, or from
// the working tree as it is when ref is "". A committed state (a ref, or a
// clean working tree) is looked up in the cache by its full hash first and
// stored there after building; a dirty working tree is never cached.
// cached says the binary came from the cache.
func (r *repo) build(ctx context.Context, bd builder, name, ref, tags string) (out Build, cached bool, err error) {
	out = Build{Ref: ref, Tags: tags, Bin: filepath.Join(r.tmp, name+".bin")}
	if ref == "" {
		if out.Commit, err = r.resolve(ctx, "HEAD"); err != nil {
			return out, false, err
		}
		status, err := git(ctx, r.dir, "status", "--porcelain")
		if err != nil {
			return out, false, err
		}
		out.Dirty = status != ""
	} else if out.Commit, err = r.resolve(ctx, ref); err != nil {
		return out, false, err
	}
	key := buildcache.Key{Commit: out.Commit, Module: r.prefix, Tags: tags, Toolchain: bd.toolchain}
	useCache := bd.cache != nil && !out.Dirty
	if useCache {
		if hit, err := bd.cache.Get(key, out.Bin); err != nil || hit {
			return out, hit, err
		}
	}
	dir := r.dir
	if ref != "" {
		if dir, err = r.checkout(ctx, name, out.Commit); err != nil {
			return out, false, err
		}
	}
	if err := bd.run(ctx, dir, tags, out.Bin); err != nil {
		if ctx.Err() != nil {
			return out, false, ctx.Err()
		}
		what := "the working tree"
		if ref != "" {
			what = fmt.Sprintf("ref %s (%.12s)", ref, out.Commit)
		}
		return out, false, cmderr.BadInputf("%s does not build: %w", what, err)
	}
	if useCache {
		if err := bd.cache.Put(key, out.Bin); err != nil {
			return out, false, err
		}
	}
	return out, false, nil
}

// buildBoth builds base and head at the same time (before any measuring,
// so the builds never share the machine with measured rounds). A failure
// does not cancel the other build: a killed go build leaves its work
// directory behind, so the other one finishes; base's error wins when both
// fail.
func (r *repo) buildBoth(ctx context.Context, bd builder, o Plan) (base, head Build, cached [2]bool, err error) {
	var errs [2]error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		base, cached[0], errs[0] = r.build(ctx, bd, "base", o.Base, o.TagsBase)
	}()
	go func() {
		defer wg.Done()
		head, cached[1], errs[1] = r.build(ctx, bd, "head", o.Head, o.TagsHead)
	}()
	wg.Wait()
	return base, head, cached, cmp.Or(errs[0], errs[1])
}

package compare

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

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

// build makes one side's binary: from a temporary worktree of ref, or from
// the working tree as it is when ref is "".
func (r *repo) build(ctx context.Context, b Builder, name, ref, tags string) (Build, error) {
	out := Build{Ref: ref, Tags: tags, Bin: filepath.Join(r.tmp, name+".bin")}
	dir := r.dir
	var err error
	if ref == "" {
		if out.Commit, err = r.resolve(ctx, "HEAD"); err != nil {
			return out, err
		}
		status, err := git(ctx, r.dir, "status", "--porcelain")
		if err != nil {
			return out, err
		}
		out.Dirty = status != ""
	} else {
		if out.Commit, err = r.resolve(ctx, ref); err != nil {
			return out, err
		}
		if dir, err = r.checkout(ctx, name, out.Commit); err != nil {
			return out, err
		}
	}
	if err := b(ctx, dir, tags, out.Bin); err != nil {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		what := "the working tree"
		if ref != "" {
			what = fmt.Sprintf("ref %s (%.12s)", ref, out.Commit)
		}
		return out, cmderr.BadInputf("%s does not build: %w", what, err)
	}
	return out, nil
}

package compare

import (
	"context"

	"github.com/perfbench/perfbench/buildcache"
)

// Worktrees is the repository a compare runs in, with the temporary
// worktrees of the commits it checks out, for comparing other builds than
// perfbench's own (a user's test binaries): the same resolving, checkout
// and clean-up as compare's.
type Worktrees struct{ r *repo }

// OpenWorktrees opens the git repository holding the module at dir.
func OpenWorktrees(ctx context.Context, dir string) (*Worktrees, error) {
	r, err := openRepo(ctx, dir)
	if err != nil {
		return nil, err
	}
	return &Worktrees{r: r}, nil
}

// Resolve gives the full commit hash of ref; an unknown ref is bad input.
func (w *Worktrees) Resolve(ctx context.Context, ref string) (string, error) {
	return w.r.resolve(ctx, ref)
}

// Checkout makes a detached worktree of commit and returns the module's
// directory in it.
func (w *Worktrees) Checkout(ctx context.Context, name, commit string) (string, error) {
	return w.r.checkout(ctx, name, commit)
}

// Dirty reports whether the working tree has changes not committed.
func (w *Worktrees) Dirty(ctx context.Context) (bool, error) {
	status, err := git(ctx, w.r.dir, "status", "--porcelain")
	return status != "", err
}

// Dir is the module's directory in the working tree.
func (w *Worktrees) Dir() string { return w.r.dir }

// Key is the build cache's key of commit's build of the module with tags,
// for what names it (say a package's test binary).
func (w *Worktrees) Key(commit, what, tags, toolchain string) buildcache.Key {
	return buildcache.Key{Commit: commit, Module: w.r.prefix + "\x00" + what, Tags: tags, Toolchain: toolchain}
}

// Remove deletes the worktrees and temporary files.
func (w *Worktrees) Remove() error { return w.r.remove() }

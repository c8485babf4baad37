// Package buildcache keeps built binaries of git commits, so that comparing
// against the same base again does not build it again. An entry is a
// directory holding the binary and a manifest (its size and SHA-256); it
// is written under a temporary name and renamed into place, so a reader
// never sees half of one, and an entry whose binary does not match its
// manifest is treated as missing and replaced. The cache is bounded in
// bytes and entries; when an insertion exceeds a bound, the least recently
// used entries (by the access time the cache stamps on each hit) go.
package buildcache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Defaults and limits of the bounds.
const (
	DefaultMaxBytes   = 2 << 30
	DefaultMaxEntries = 64
	MaxMaxBytes       = 1 << 40
	MaxMaxEntries     = 10_000
	// EnvMax names the environment variable that sets the byte bound
	// ("2GiB", "500MiB", "0" turns the cache off).
	EnvMax = "PERFBENCH_BUILD_CACHE_MAX"
)

const (
	binName      = "bin"
	manifestName = "manifest.json"
	tmpPrefix    = ".tmp-"
)

// Cache is a directory of entries under two bounds.
type Cache struct {
	Dir        string
	MaxBytes   int64
	MaxEntries int
}

// Key names one build: the same commit built from the same module
// directory with the same tags and toolchain gives the same binary.
type Key struct {
	Commit    string // full hash
	Module    string // the module's directory below the repository's top
	Tags      string
	Toolchain string // e.g. `go version` and the target platform
}

// Name is the entry's directory name: the commit, then a digest of the
// rest of the key.
func (k Key) Name() string {
	h := sha256.Sum256([]byte(k.Module + "\x00" + k.Tags + "\x00" + k.Toolchain))
	return k.Commit + "-" + hex.EncodeToString(h[:6])
}

type manifest struct {
	Key    Key    `json:"key"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Default is the cache in the user cache directory
// (os.UserCacheDir()/perfbench/builds) with the byte bound read from
// EnvMax through getenv; nil with no error when that bound is 0.
func Default(getenv func(string) string) (*Cache, error) {
	maxBytes := int64(DefaultMaxBytes)
	if v := strings.TrimSpace(getenv(EnvMax)); v != "" {
		n, err := ParseSize(v)
		if err != nil || n > MaxMaxBytes {
			return nil, fmt.Errorf("invalid %s=%q: want a size up to 1TiB such as 2GiB, 500MiB or 0 (no build cache)", EnvMax, v)
		}
		if n == 0 {
			return nil, nil
		}
		maxBytes = n
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return nil, fmt.Errorf("build cache: %w (set %s=0 to build without one)", err, EnvMax)
	}
	return &Cache{Dir: filepath.Join(dir, "perfbench", "builds"), MaxBytes: maxBytes, MaxEntries: DefaultMaxEntries}, nil
}

// ParseSize reads a byte count with an optional binary unit (B, KiB, MiB,
// GiB, TiB).
func ParseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != s || n > (1<<62)/mult {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n * mult, nil
}

// Get links the binary of k to dst when the cache holds a sound entry of
// it, and stamps the entry as used. It reports false, having removed the
// entry, when the entry's binary does not match its manifest.
func (c *Cache) Get(k Key, dst string) (bool, error) {
	dir := filepath.Join(c.Dir, k.Name())
	m, err := readManifest(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err == nil && m.Key == k {
		err = verify(filepath.Join(dir, binName), m)
	} else if err == nil {
		err = fmt.Errorf("manifest of %s is for another key", k.Name())
	}
	if err != nil {
		// Unsound: move it out of the way first, so a concurrent reader
		// never links a binary that is being deleted.
		c.discard(dir)
		return false, nil
	}
	now := time.Now()
	_ = os.Chtimes(dir, now, now)
	if err := linkOrCopy(filepath.Join(dir, binName), dst); err != nil {
		return false, fmt.Errorf("build cache: %w", err)
	}
	return true, nil
}

// Put adds the binary at src as k's entry, then evicts least recently
// used entries until both bounds hold. A binary larger than MaxBytes is
// not kept. When another process inserted k meanwhile, its entry stays.
func (c *Cache) Put(k Key, src string) error {
	st, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	if st.Size() > c.MaxBytes {
		return nil
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	tmp, err := os.MkdirTemp(c.Dir, tmpPrefix)
	if err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	sum, size, err := copyFile(src, filepath.Join(tmp, binName), 0o755)
	if err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	b, err := json.Marshal(manifest{Key: k, Size: size, SHA256: sum})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, manifestName), b, 0o644); err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	dst := filepath.Join(c.Dir, k.Name())
	if err := os.Rename(tmp, dst); err != nil {
		if _, serr := os.Stat(filepath.Join(dst, manifestName)); serr != nil {
			return fmt.Errorf("build cache: %w", err)
		}
	}
	return c.Evict(k.Name())
}

// Entry is one cached build as Evict sees it.
type Entry struct {
	Name string
	Size int64
	Used time.Time
}

// Entries lists the cache's entries, least recently used first.
func (c *Cache) Entries() ([]Entry, error) {
	des, err := os.ReadDir(c.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("build cache: %w", err)
	}
	var out []Entry
	for _, de := range des {
		if !de.IsDir() || strings.HasPrefix(de.Name(), tmpPrefix) {
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue // removed by another process meanwhile
		}
		e := Entry{Name: de.Name(), Used: info.ModTime()}
		if bi, err := os.Stat(filepath.Join(c.Dir, de.Name(), binName)); err == nil {
			e.Size = bi.Size()
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return a.Used.Compare(b.Used) })
	return out, nil
}

// Evict removes least recently used entries, never keep, until the cache
// holds at most MaxEntries entries and MaxBytes bytes.
func (c *Cache) Evict(keep string) error {
	es, err := c.Entries()
	if err != nil {
		return err
	}
	var total int64
	for _, e := range es {
		total += e.Size
	}
	n := len(es)
	for _, e := range es {
		if total <= c.MaxBytes && n <= c.MaxEntries {
			break
		}
		if e.Name == keep {
			continue
		}
		c.discard(filepath.Join(c.Dir, e.Name))
		total -= e.Size
		n--
	}
	return nil
}

// discard renames an entry to a temporary name, then removes it: a rename
// is atomic, so no reader finds the entry half removed.
func (c *Cache) discard(dir string) {
	gone := filepath.Join(c.Dir, fmt.Sprintf("%sgone-%s-%d", tmpPrefix, filepath.Base(dir), time.Now().UnixNano()))
	if os.Rename(dir, gone) == nil {
		_ = os.RemoveAll(gone)
	}
}

func readManifest(dir string) (manifest, error) {
	var m manifest
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, derr := os.Stat(dir); derr == nil {
				return m, errors.New("entry without manifest")
			}
		}
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

func verify(bin string, m manifest) error {
	f, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	if n != m.Size || hex.EncodeToString(h.Sum(nil)) != m.SHA256 {
		return fmt.Errorf("%s: %d bytes, sha256 mismatch or size (want %d)", bin, n, m.Size)
	}
	return nil
}

// linkOrCopy gives dst the content of src: a hard link when both are on
// one file system (so a later eviction of src leaves dst whole), a copy
// otherwise.
func linkOrCopy(src, dst string) error {
	if os.Link(src, dst) == nil {
		return nil
	}
	_, _, err := copyFile(src, dst, 0o755)
	return err
}

// copyFile copies src to dst and returns the copy's SHA-256 and size.
func copyFile(src, dst string, mode fs.FileMode) (string, int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

package router

import (
	"fmt"
	"strings"
)

// Specificity weights; see the package doc. Literals outweigh "*" so that a
// route naming a segment beats one that merely counts it, and "**" adds
// nothing because it says nothing about the type it matches.
const (
	literalWeight = 3
	starWeight    = 2
	dstarWeight   = 0
)

const patternSyntax = `segments are literals of letters, digits, '_' and '-', "*" (one segment) or "**" (zero or more segments), joined by '.'`

// ValidatePattern reports whether p is a valid route pattern. The error wraps
// ErrInvalidPattern and says what is wrong and what would be valid.
func ValidatePattern(p string) error {
	if p == "" {
		return fmt.Errorf("%w: empty pattern; %s, e.g. \"user.created\", \"user.*\", \"user.**\"", ErrInvalidPattern, patternSyntax)
	}
	pos, start := 1, 0
	prevDouble := false
	for i := 0; i <= len(p); i++ {
		if i < len(p) && p[i] != '.' {
			continue
		}
		seg := p[start:i]
		switch {
		case seg == "":
			return fmt.Errorf("%w: %q has an empty segment at position %d (leading, trailing or doubled '.'); %s", ErrInvalidPattern, p, pos, patternSyntax)
		case seg == "**":
			if prevDouble {
				return fmt.Errorf("%w: %q has consecutive \"**\" segments at positions %d and %d; a single \"**\" already matches any number of segments", ErrInvalidPattern, p, pos-1, pos)
			}
			prevDouble = true
		case seg == "*":
			prevDouble = false
		default:
			if err := validateLiteral(p, seg, pos); err != nil {
				return err
			}
			prevDouble = false
		}
		start = i + 1
		pos++
	}
	return nil
}

func validateLiteral(p, seg string, pos int) error {
	for j := 0; j < len(seg); j++ {
		c := seg[j]
		if c == '*' {
			return fmt.Errorf("%w: %q segment %d %q mixes '*' with other characters; a wildcard must be a whole segment, \"*\" or \"**\"", ErrInvalidPattern, p, pos, seg)
		}
		if !isLiteralByte(c) {
			return fmt.Errorf("%w: %q has character %q in segment %d; %s", ErrInvalidPattern, p, c, pos, patternSyntax)
		}
	}
	return nil
}

func isLiteralByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// specificity scores a valid pattern; see the package doc.
func specificity(p string) int {
	score, start := 0, 0
	for i := 0; i <= len(p); i++ {
		if i < len(p) && p[i] != '.' {
			continue
		}
		switch p[start:i] {
		case "*":
			score += starWeight
		case "**":
			score += dstarWeight
		default:
			score += literalWeight
		}
		start = i + 1
	}
	return score
}

// isLiteralPattern reports whether a valid pattern has no wildcard, i.e. is
// itself the only type it matches.
func isLiteralPattern(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] == '*' {
			return false
		}
	}
	return true
}

// nextSegment returns the segment of typ starting at i and the index just
// past it (len(typ)+1 after the last one). Splitting by index lets the JIT
// path walk a type without strings.Split's allocation; it yields exactly the
// segments strings.Split(typ, ".") would, so both paths see the same input.
func nextSegment(typ string, i int) (seg string, next int) {
	j := i
	for j < len(typ) && typ[j] != '.' {
		j++
	}
	return typ[i:j], j + 1
}

// matchesPattern reports whether the valid pattern p matches all of typ,
// without allocating: the cache uses it to tell which entries a route
// change affects.
func matchesPattern(p, typ string) bool { return matchFrom(p, typ, false) }

// matchFrom matches p against the segments of t; done means t has none
// left (an empty string is otherwise one empty segment).
func matchFrom(p, t string, done bool) bool {
	seg, rest, more := strings.Cut(p, ".")
	if seg == "**" {
		for {
			if !more {
				return true
			}
			if matchFrom(rest, t, done) {
				return true
			}
			if done {
				return false
			}
			_, t, done = cutSegment(t)
		}
	}
	if done {
		return false
	}
	tseg, trest, tdone := cutSegment(t)
	if seg != "*" && seg != tseg {
		return false
	}
	if !more {
		return tdone
	}
	return matchFrom(rest, trest, tdone)
}

func cutSegment(t string) (seg, rest string, last bool) {
	seg, rest, ok := strings.Cut(t, ".")
	return seg, rest, !ok
}

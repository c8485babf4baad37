// Package htmlpage renders a saved perfbench run as one self-contained HTML
// page, for reviewers who would rather look than read: the verdict table
// (coloured and marked with symbols, so it reads without colour too), the
// rounds and paired ratios of every metric, latency percentile plots,
// pprof's own flame graph of each profile diff, two builds compared, and a
// monitor's history over time. Everything is inline (CSS, SVG charts,
// pprof's scripts): the page works from disk, as a CI artifact or a
// pull-request attachment, and fetches nothing. It reads runs; it never
// runs anything.
package htmlpage

//go:build usermod_broken

package usermod

// Compiled only with the usermod_broken tag, which the runner's bad-input
// test gives to see a build failure reported.
var _ = undefinedOnPurpose

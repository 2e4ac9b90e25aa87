// Package pkg is the root of the platform's shared libraries. Each
// subpackage provides one capability used by several services: config,
// logging, mongodb, eventbus, httpserver, problem, accesstoken, embedded and
// testkit.
package pkg

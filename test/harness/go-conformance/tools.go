//go:build tools

// Package tools keeps the conformance suite (built with `go test -c`) and its echo backend (a main
// package) in this module's build list.
package tools

import (
	_ "sigs.k8s.io/gateway-api/conformance"
	_ "sigs.k8s.io/gateway-api/conformance/echo-basic"
)

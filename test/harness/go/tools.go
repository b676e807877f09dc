//go:build tools

// Package tools keeps the kube-apiserver main package in this module's build list.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"

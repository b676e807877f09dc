//go:build tools

// Package tools keeps the Kubernetes main packages in this module's build list: kube-apiserver for
// the control plane, the node components for the single-node cluster (test/harness/cluster), and
// kubectl, which the cluster tests drive as users do.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)

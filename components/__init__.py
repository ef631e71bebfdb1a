"""Pulumi components that install and link Linkerd multicluster across Kubernetes clusters."""

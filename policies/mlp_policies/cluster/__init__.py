"""Cluster-layer rules: what `pulumi up` installs into each cluster (Helm releases, the GPU
runtime, the EKS autoscaler, workload service accounts, Kueue quotas). One rule per module,
as `RULE`."""

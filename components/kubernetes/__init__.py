"""The cluster layer: what `pulumi up` installs into the cluster, the same on EKS, GKE and
AKS (DESIGN.md, "Three layers"). Each cloud's platform.py passes what differs as plain data
(`pools.PoolFacts`, identity annotations, the StorageClass, the identity endpoints pods need)."""

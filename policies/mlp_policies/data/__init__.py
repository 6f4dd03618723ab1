"""Data-protection rules: versioning, protection of prod data, key deletion windows. One rule
per module, as `RULE`."""

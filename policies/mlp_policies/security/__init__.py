"""Security rules: encryption with customer keys, public access, TLS, key rotation, private
endpoints, audit logging, IMDSv2, IAM. One rule per module, as `RULE`."""

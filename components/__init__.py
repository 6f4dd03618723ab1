"""Pulumi ComponentResources for the ML platform, one folder per cloud."""

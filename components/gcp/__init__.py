"""GCP implementation of the ML platform components (`mlplat:gcp:<Type>`)."""

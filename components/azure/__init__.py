"""Azure implementation of the ML platform components (`mlplat:azure:<Type>`)."""

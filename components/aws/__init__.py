"""AWS implementation of the ML platform components (`mlplat:aws:<Type>`)."""

"""Self-study: practice by scope with immediate feedback, and the wrong-answer book."""

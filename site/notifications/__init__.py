"""站内通知: the notice centre (the bell on every page) and the background jobs that fill it."""

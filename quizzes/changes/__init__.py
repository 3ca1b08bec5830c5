"""Changes to an exam after it was published (edit, extend, cancel): an app of its own, with its
own tables, beside the exam engine's."""

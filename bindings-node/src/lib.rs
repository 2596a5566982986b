// Node bindings: see README.

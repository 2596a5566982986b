// Python bindings: see README.

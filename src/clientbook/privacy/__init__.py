"""A person's data: export (access, portability), erasure, retention."""

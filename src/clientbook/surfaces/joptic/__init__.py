"""J-Optic (seed 000): ``POST /customer`` (multipart) and ``GET /customer``."""

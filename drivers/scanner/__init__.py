"""Code scanners: camera decoding pipelines, keyboard-wedge and serial scanners."""

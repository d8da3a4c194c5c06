"""Cameras: frame sources for scanning codes and photographing documents."""

"""Receipts: the printed documents, their signed tokens, and printing them without loss."""

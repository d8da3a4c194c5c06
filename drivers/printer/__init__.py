"""Receipt printers (ESC/POS) and what they can do."""

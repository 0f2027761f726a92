"""The checks the checker runs, one module per family; each reports to a FindingCollector."""

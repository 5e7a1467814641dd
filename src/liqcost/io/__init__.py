"""Files in and out: readers per format, column mappings, validation with quarantine, datasets, samples.

Submodules are imported on use; this package imports nothing heavy.
"""

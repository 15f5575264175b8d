"""Pure domain logic: validation, Persian text catalogue, Jalali dates, codes.

Nothing here does I/O or imports ``telegram``; storage, rendering and handlers build on it.
"""

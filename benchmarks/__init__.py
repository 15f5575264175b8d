"""Benchmarks of the bot, each figure beside a baseline measured in the same run.

Run ``python -m benchmarks --help``; see ``benchmarks/README.md``.
"""

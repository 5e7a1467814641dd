"""Polars orchestration of the kernels: tick measures, bar estimators, daily metrics, profiles."""

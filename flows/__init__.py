"""Orchestration and I/O: Prefect flows, the ``shareable`` CLI, loading and publishing.

- ``release.py``  the ``release`` flow: load -> scan -> plan -> apply -> validate -> publish
- ``load.py``     sources (CSV, Parquet) read as bounded Arrow batches, with clear errors
- ``publish.py``  staging, atomic promotion to ``<root>/<dataset>/v<N>/``, manifests
- ``cli.py``      the ``shareable`` command
- ``settings.py`` ``SHAREABLE_HOME`` and the environment Prefect runs in
- ``sample_data.py`` synthetic restricted tables for examples, tests and benchmarks
"""

from flows.settings import configure_prefect_environment

configure_prefect_environment()

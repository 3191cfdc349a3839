"""Orchestration and I/O: the Prefect flow, the ``shareable`` CLI, loading and publishing.

See the README's layout section for a map of the modules. Importing this package changes
nothing in the environment: the CLI's entry point (:func:`flows.cli.main`) points Prefect at
``SHAREABLE_HOME`` (:func:`flows.settings.configure_prefect_environment`) before Prefect runs.
"""

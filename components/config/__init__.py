"""The stack configuration, in layers that import only downwards (tests/test_import_graph.py):

- `schema.py`: the pydantic models (`extra="forbid"`), their rules, and the names of keys
  (`PROJECT`, `key_path`, `ConfigError`); imports nothing of the program but `constants`;
- `chart_keys.py`, `supplied_certs.py`, `kubeconfig.py`: checks that need more than the models
  (the charts' value keys, certificates, kubeconfig files); each imports the schema;
- `loader.py`: the config as the Pulumi CLI passes it (or as a stack file holds it, for the
  tools), read back and run through the schema and every check; `load()` is what `__main__.py` calls.

This file imports nothing: import the module that holds a name (`components.config.schema`, …).
"""

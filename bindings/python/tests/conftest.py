"""The tests import the installed ``wsaccept`` package (``pip install ./bindings/python``;
tests/run.sh does it in a fresh venv). Run from the repository root, pytest puts only this
folder on ``sys.path``, so the source tree's ``bindings/python/wsaccept`` is never picked up by
accident; ``test_installed.py`` checks which copy was imported and which library it loaded."""

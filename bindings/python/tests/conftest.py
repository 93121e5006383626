import sys
from pathlib import Path

# Import the bindings from the source tree (bindings/python/wsaccept.py), no install step.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pathlib
import sys

# Let the tests import the shared client helpers beside them.
sys.path.insert(0, str(pathlib.Path(__file__).parent))

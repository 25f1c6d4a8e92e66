"""lifer-desk: the terminal service desk for lifer."""

import gc
import os
import sys

# As `lifer-desk` starts it builds objects that live as long as it does, hundreds of thousands of them (modules,
# classes, SQLAlchemy's and Textual's tables), and the collector's passes over them while they are imported cost
# a quarter of the desk's start-up (0.3-0.4 of 1.4 CPU-s, issue 16). So the program imports without it: the desk
# turns it back on once its first screen is up (`DeskApp.on_ready`, after `gc.freeze()`), every other command
# as it starts (`cli.main`). Anything else that imports lifer_desk (tests, benches) keeps its collector.
# os.path, not pathlib: the launcher's client imports this package, and each module it imports is its memory.
if os.path.basename(sys.argv[0]) == "lifer-desk":
    gc.disable()

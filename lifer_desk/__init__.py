"""lifer-desk: the terminal service desk for lifer."""

import gc
import sys
from pathlib import Path

# As `lifer-desk` starts it builds objects that live as long as it does, hundreds of thousands of them (modules,
# classes, SQLAlchemy's and Textual's tables), and the collector's passes over them while they are imported cost
# a quarter of the desk's start-up (0.3-0.4 of 1.4 CPU-s, issue 16). So the program imports without it: the desk
# turns it back on once its first screen is up (`DeskApp.on_ready`, after `gc.freeze()`), every other command
# as it starts (`cli.main`). Anything else that imports lifer_desk (tests, benches) keeps its collector.
if Path(sys.argv[0]).name == "lifer-desk":
    gc.disable()

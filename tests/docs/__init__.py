"""The docs stay true to the tree: every test a document cites exists."""

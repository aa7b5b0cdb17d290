from nodewatch.cli import entry_point

entry_point()

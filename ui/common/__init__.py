"""What every feature shares: table helpers, palette, badges, the background-task runner."""

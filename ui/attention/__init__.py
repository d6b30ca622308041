""" "Needs attention": who needs it and why, most severe first."""

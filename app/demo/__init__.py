"""The demo: a localstripe emulator in a child process, seeded with sample data.

With app.gateway, the only importer of stripe (the seeding speaks to the emulator)."""

"""The main window and what frames the features: header, banners, menus, first run, sync."""

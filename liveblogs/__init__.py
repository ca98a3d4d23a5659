"""Live pages for newsrooms: live blogs that update themselves, then become recaps."""

"""The site's demo newsroom, which ``manage.py demo`` loads; the wheel has none of it.

``content.py`` holds the fictional coverage as plain data, ``load.py`` stores it.
"""

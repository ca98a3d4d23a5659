"""The site's demo newsroom, which ``manage.py demo`` loads; the wheel has none of it.

``content.py`` holds the fictional coverage as plain data, ``pictures.py`` draws its photos with
Pillow, ``load.py`` stores them.
"""

"""WhiteNoise's hashed and compressed static files, with the ES modules' imports hashed too.

The live page loads one module (``liveblogs/livepage.js``) that imports the others by relative
address (``import "./livepage/share.js";``). Django's manifest storage rewrites those imports to
the hashed names only when asked (``support_js_module_import_aggregation``). Without it, the
entry's hashed name is cached forever while the modules it imports are asked for by their plain
names, cached for a minute, and a deploy can pair an old entry with new modules.
"""

from whitenoise import storage


class CompressedManifestStaticFilesStorage(storage.CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

// The live desk: the composer, the stream and its controls, The Latest, and the page's own
// controls, on one screen that updates itself. Each feature is a module of its own.

import { startComposer } from "./composer.js";
import { startLatest } from "./latest.js";
import { startStream } from "./stream.js";

const composer = startComposer();
startStream({ edit: (id) => composer.edit(id) });
startLatest();

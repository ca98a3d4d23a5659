// The desk's admin pages, over Django's own script: one feature a module, each doing nothing on a
// page without its elements; every form works without them.
import "./admin/autocomplete.js";
import "./admin/callouts.js";
import "./admin/ordering.js";

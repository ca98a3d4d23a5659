// Live page enhancements over the server-rendered page, one feature a module; everything works
// without them.
import "./livepage/share.js";
import "./livepage/older.js";
import "./livepage/live.js";
import "./livepage/embeds.js";

// Live page enhancements over the server-rendered page, one feature a module; everything works
// without them.
import "./livepage/share.js";
import "./livepage/older.js";
import "./livepage/live.js";

// Embeds' cards (their buttons, "Always load"): their module loads only once a card is on the
// page, at first or arriving with an update.
function withEmbeds() {
	if (!document.querySelector("[data-embed]")) return false;
	import("./livepage/embeds.js");
	return true;
}
if (!withEmbeds()) {
	new MutationObserver((_, observer) => {
		if (withEmbeds()) observer.disconnect();
	}).observe(document.body, { childList: true, subtree: true });
}

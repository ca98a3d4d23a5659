// "Show older updates": load the next batch in place instead of a new page.

document.addEventListener("click", (event) => {
	const more = event.target.closest(".show-older a");
	if (!more) return;
	event.preventDefault();
	const holder = more.parentNode;
	more.textContent = gettext("Loading…");
	more.setAttribute("aria-busy", "true");
	fetch(more.href, { headers: { Accept: "text/html" } })
		.then((response) => {
			if (!response.ok) throw new Error(response.status);
			return response.text();
		})
		.then((html) => {
			// Live updating replaced the stream (and this link) meanwhile.
			if (holder.isConnected) append(holder, new DOMParser().parseFromString(html, "text/html"));
		})
		.catch(() => {
			// Fall back to the plain link: a full page load always works.
			window.location.href = more.href;
		});
});

function append(holder, next) {
	const stream = document.querySelector(".update-stream");
	const days = stream.querySelectorAll(".day-heading");
	const lastDay = days.length ? days[days.length - 1].textContent : null;
	let first = null;
	for (const node of next.querySelector(".update-stream").children) {
		// The next batch may continue the day the current one ended on.
		if (node.classList.contains("day-heading") && node.textContent === lastDay && !first) continue;
		// Live updating may have placed it already (unpinned since the page loaded).
		if (node.id && document.getElementById(node.id)) continue;
		const adopted = document.importNode(node, true);
		stream.appendChild(adopted);
		if (!first && adopted.matches("article")) first = adopted;
	}
	// For live updating (live.js) to show their times as it shows the others'.
	stream.dispatchEvent(new Event("liveblogs:older"));
	const nextMore = next.querySelector(".show-older");
	if (nextMore) holder.replaceWith(document.importNode(nextMore, true));
	else holder.remove();
	// Keyboard and screen-reader users continue where the new updates begin.
	if (first) {
		const heading = first.querySelector(".update-headline");
		heading.setAttribute("tabindex", "-1");
		heading.focus();
	}
}

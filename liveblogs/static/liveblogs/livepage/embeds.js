// Embeds: a card made of our own data until the reader asks for the post; then the provider's
// frame, at the address the server built from the post's ids. Nothing is asked of a provider
// before that, unless the reader chose "Always load" for it (remembered in localStorage, never
// in a cookie). The words are the server's (data- attributes), so they are translated there.

const ALWAYS = "liveblogs:embeds:always";

function alwaysLoaded() {
	try {
		return new Set(JSON.parse(localStorage.getItem(ALWAYS) || "[]"));
	} catch {
		return new Set();
	}
}

function remember(slug, on) {
	const slugs = alwaysLoaded();
	if (on) slugs.add(slug);
	else slugs.delete(slug);
	try {
		localStorage.setItem(ALWAYS, JSON.stringify([...slugs]));
	} catch {
		// Storage refused (private mode, full): the choice lasts this page only.
	}
}

function load(embed, { focus = false } = {}) {
	const button = embed.querySelector("button[data-embed-src]");
	if (!button) return;
	const frame = document.createElement("iframe");
	frame.className = "embed-frame";
	frame.src = button.dataset.embedSrc;
	frame.title = button.dataset.embedTitle;
	frame.setAttribute("allow", "encrypted-media; fullscreen; picture-in-picture");
	frame.setAttribute("allowfullscreen", "");
	frame.setAttribute(
		"sandbox",
		"allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-presentation",
	);
	embed.replaceChildren(frame);
	embed.classList.add("is-loaded");
	if (focus) frame.focus();
}

function prepare(root) {
	const slugs = alwaysLoaded();
	for (const embed of root.querySelectorAll("[data-embed]")) {
		const controls = embed.querySelector("[data-embed-controls]");
		if (!controls) continue;
		controls.hidden = false;
		if (slugs.has(embed.dataset.embed)) load(embed);
	}
}

document.addEventListener("click", (event) => {
	const button = event.target.closest("button[data-embed-src]");
	if (button) load(button.closest("[data-embed]"), { focus: true });
});

document.addEventListener("change", (event) => {
	const box = event.target.closest("input[data-embed-always]");
	if (!box) return;
	const slug = box.dataset.embedAlways;
	remember(slug, box.checked);
	if (!box.checked) return;
	const mine = box.closest("[data-embed]");
	for (const embed of document.querySelectorAll(`[data-embed="${CSS.escape(slug)}"]`)) {
		load(embed, { focus: embed === mine });
	}
});

// Posts tell their frame's height to the page (X, Bluesky): the frame follows, within reason.
window.addEventListener("message", (event) => {
	const frame = [...document.querySelectorAll("iframe.embed-frame")].find(
		(f) => f.contentWindow === event.source,
	);
	if (!frame) return;
	let data = event.data;
	try {
		if (typeof data === "string") data = JSON.parse(data);
	} catch {
		return;
	}
	const resize = data?.["twttr.embed"]?.params?.[0]?.height;
	const height = Number(resize ?? data?.height);
	if (height >= 80 && height <= 3000) frame.style.height = `${Math.ceil(height)}px`;
});

prepare(document);
// Updates arriving live, and older ones loaded in place, bring their own cards.
new MutationObserver((records) => {
	for (const record of records) {
		for (const node of record.addedNodes) {
			if (node.nodeType === Node.ELEMENT_NODE) prepare(node.parentNode || node);
		}
	}
}).observe(document.body, { childList: true, subtree: true });

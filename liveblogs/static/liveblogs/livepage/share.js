// Share: the Web Share API where the device has it, else copy the permalink.

function say(link, text) {
	const status = link.parentNode.querySelector(".share-status");
	if (!status) return;
	status.textContent = text;
	setTimeout(() => {
		status.textContent = "";
	}, 4000);
}

function copy(text) {
	if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
	// Older browsers and plain-http pages: a hidden textarea and the copy command.
	return new Promise((resolve, reject) => {
		const area = document.createElement("textarea");
		area.value = text;
		area.setAttribute("readonly", "");
		area.style.position = "absolute";
		area.style.left = "-9999px";
		document.body.appendChild(area);
		area.select();
		const ok = document.execCommand("copy");
		document.body.removeChild(area);
		if (ok) resolve();
		else reject(new Error("copy failed"));
	});
}

document.addEventListener("click", (event) => {
	const link = event.target.closest("a.share");
	if (!link) return;
	event.preventDefault();
	const url = new URL(link.getAttribute("href"), window.location.href).href;
	if (navigator.share) {
		navigator.share({ title: link.dataset.title, url }).catch(() => {});
		return;
	}
	copy(url).then(
		() => say(link, gettext("Link copied")),
		() => {
			window.location.href = url;
		},
	);
});

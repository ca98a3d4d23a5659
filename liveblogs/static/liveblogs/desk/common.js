// What the desk's modules share: its configuration (addresses, translated words), posting with the
// CSRF token, and a polite announcement for screen readers.

const root = document.querySelector(".desk");
export const config = JSON.parse(document.getElementById(root.dataset.configId).textContent);
export const strings = config.strings;

export function say(template, values = {}) {
	return template.replace(/%\((\w+)\)s/g, (_, name) => values[name] ?? "");
}

export function announce(text) {
	const region = root.querySelector("[data-announce]");
	region.textContent = "";
	// A fresh node each time, so the same words twice are read twice.
	setTimeout(() => {
		region.textContent = text;
	}, 50);
}

function csrf() {
	return root.querySelector("input[name=csrfmiddlewaretoken]").value;
}

export function urlFor(template, id, verb) {
	return template.replace("/0/", `/${id}/`).replace("/verb/", `/${verb}/`);
}

// POST form data; resolves to {status, data}. A network failure rejects.
export async function post(url, body) {
	const response = await fetch(url, {
		method: "POST",
		body,
		headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
		credentials: "same-origin",
	});
	let data = {};
	try {
		data = await response.json();
	} catch {
		data = { ok: false, errors: { __all__: [response.statusText] } };
	}
	return { status: response.status, data };
}

export async function getJSON(url) {
	const response = await fetch(url, {
		headers: { Accept: "application/json" },
		credentials: "same-origin",
	});
	if (!response.ok) throw new Error(response.statusText);
	return response.json();
}

export function errorText(data) {
	if (data.conflict) return data.conflict;
	const errors = data.errors || {};
	return Object.values(errors).flat().join(" ");
}

export function fromHTML(html) {
	const template = document.createElement("template");
	template.innerHTML = html.trim();
	return template.content.firstElementChild;
}

export { root };

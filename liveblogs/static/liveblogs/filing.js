// The filing form on a phone: keep a copy of what was typed in this browser, upload photos as soon
// as they are picked (with progress), show Publish or Send to editors for the chosen page, and stop
// a double tap. Without this script the form still works: photos go with the form.

// Words from our catalogue (liveblogs:javascript_catalog), which the page loads before this module;
// English if it could not come (a bad connection), so uploads still work.
const gettext = globalThis.gettext ?? ((text) => text);
const interpolate =
	globalThis.interpolate ??
	((format, values) => format.replace(/%\((\w+)\)s/g, (_, name) => values[name]));

const PREFIX = "liveblogs:filing:";
const NOT_KEPT = ["csrfmiddlewaretoken", "action"];
const store = storage();

// The confirmation page: what was filed is safe on the server, so its local copy can go.
const filed = document.querySelector("[data-filed]");
if (filed && store) {
	store.removeItem(PREFIX + filed.getAttribute("data-draft-key"));
	const key = filed.getAttribute("data-filed");
	if (key && read("new")?.fields.filing_key === key) store.removeItem(`${PREFIX}new`);
}

const form = document.querySelector("form.filing-form");
if (form) enhance(form);

function storage() {
	try {
		localStorage.setItem(`${PREFIX}test`, "1");
		localStorage.removeItem(`${PREFIX}test`);
		return localStorage;
	} catch {
		return null; // private mode or storage full: the server copy still protects the text
	}
}

function read(which) {
	if (!store) return null;
	try {
		return JSON.parse(store.getItem(PREFIX + which));
	} catch {
		return null;
	}
}

function enhance(form) {
	const key = form.getAttribute("data-draft-key");
	const list = form.querySelector("[data-photo-list]");
	const uploads = form.querySelector("[data-uploads]");
	const fileInput = form.querySelector("input[name=new_photos]");
	const buttons = form.querySelectorAll("button[name=action]");
	let uploading = false;

	document.querySelector("[data-focus-me]")?.focus();

	function values() {
		const fields = {};
		const photos = [];
		for (const el of form.elements) {
			if (!el.name || el.type === "file" || NOT_KEPT.includes(el.name)) continue;
			if (el.name === "photos") {
				photos.push(el.value);
			} else if (el.type === "checkbox" || el.type === "radio") {
				fields[el.name] = fields[el.name] || [];
				if (el.checked) fields[el.name].push(el.value);
			} else {
				fields[el.name] = el.value;
			}
		}
		return { fields, photos };
	}

	let timer;
	function save() {
		clearTimeout(timer);
		timer = setTimeout(() => {
			if (!store) return;
			const copy = values();
			copy.savedAt = new Date().toISOString();
			try {
				store.setItem(PREFIX + key, JSON.stringify(copy));
			} catch {
				// full: nothing to do
			}
		}, 300);
	}

	// The same words, however their spaces and line breaks came back from the server.
	const words = (text) => (text || "").replace(/\s+/g, " ").trim();

	function differs(copy) {
		const now = values();
		return (
			["headline", "body"].some((name) => words(copy.fields[name]) !== words(now.fields[name])) ||
			copy.photos.join() !== now.photos.join()
		);
	}

	function restore(copy) {
		for (const [name, value] of Object.entries(copy.fields)) {
			for (const el of form.querySelectorAll(`[name='${name}']`)) {
				if (el.type === "checkbox" || el.type === "radio") el.checked = value.includes(el.value);
				else if (!el.disabled) el.value = value;
			}
		}
		for (const id of copy.photos) {
			if (!list.querySelector(`[data-photo='${id}']`)) fetchPhoto(id, copy.fields);
		}
		choosePublishButton();
	}

	function fetchPhoto(id, fields) {
		fetch(form.getAttribute("data-photo-url").replace(/0\/$/, `${id}/`))
			.then((response) => {
				if (response.status !== 200) return;
				return response.json().then((answer) => {
					addPhoto(answer.html);
					for (const name of ["caption", "credit", "alt_text"]) {
						const field = `photo-${id}-${name}`;
						const el = form.querySelector(`[name='${field}']`);
						if (el && fields[field] !== undefined) el.value = fields[field];
					}
				});
			})
			.catch(() => {}); // as with any other answer: the text comes back without this photo
	}

	const copy = read(key);
	const offer = document.querySelector("[data-restore-offer]");
	if (copy && offer && differs(copy)) {
		offer.querySelector("[data-saved-at]").textContent = interpolate(
			gettext("kept %(time)s"),
			{
				time: new Date(copy.savedAt).toLocaleString(document.documentElement.lang || undefined, {
					dateStyle: "medium",
					timeStyle: "short",
				}),
			},
			true,
		);
		offer.hidden = false;
		offer.querySelector("[data-restore]").addEventListener("click", () => {
			restore(copy);
			offer.hidden = true;
			save();
			form.querySelector("[name=headline]").focus();
		});
		offer.querySelector("[data-discard]").addEventListener("click", () => {
			store.removeItem(PREFIX + key);
			offer.hidden = true;
		});
	} else {
		save();
	}
	form.addEventListener("input", save);
	form.addEventListener("change", save);

	// Publish where this reporter may publish on the chosen page; otherwise Send to editors.
	const page = form.querySelector("select[name=live_page]");
	const publishable = (form.getAttribute("data-publishable") || "").split(" ");
	function choosePublishButton() {
		const publish = form.querySelector("[data-publish]");
		const submit = form.querySelector("[data-submit]");
		if (!publish || !submit) return;
		const can = !page || publishable.includes(page.value);
		publish.hidden = !can;
		submit.hidden = can;
		// "Publish at" is for those who may publish on the chosen page; with a time, Publish
		// schedules (the server decides the same from the field).
		const publishAt = form.querySelector("[data-publish-at]");
		if (!publishAt) return;
		publishAt.hidden = !can;
		const when = publishAt.querySelector("input");
		if (!can) when.value = "";
		publish.dataset.label ??= publish.textContent;
		publish.textContent = when.value ? gettext("Schedule") : publish.dataset.label;
	}
	page?.addEventListener("change", choosePublishButton);
	form.querySelector("[data-publish-at] input")?.addEventListener("input", choosePublishButton);
	choosePublishButton();

	function addPhoto(html) {
		const holder = document.createElement("div");
		holder.innerHTML = html;
		const fields = holder.firstElementChild;
		if (fields && !list.querySelector(`[data-photo='${fields.getAttribute("data-photo")}']`)) {
			list.appendChild(fields);
		}
		save();
	}

	function busy(on) {
		for (const b of buttons) b.disabled = on;
	}

	// Photos go up one at a time as soon as they are picked, each with its own progress bar.
	// XMLHttpRequest rather than fetch: only it reports upload progress.
	const queue = [];
	function next() {
		const item = queue.shift();
		if (!item) {
			uploading = false;
			busy(false);
			return;
		}
		const data = new FormData();
		data.append("image", item.file);
		data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
		const xhr = new XMLHttpRequest();
		xhr.open("POST", form.getAttribute("data-upload-url"));
		xhr.upload.onprogress = (event) => {
			if (event.lengthComputable) item.bar.value = event.loaded / event.total;
		};
		xhr.onload = () => {
			let answer = null;
			try {
				answer = JSON.parse(xhr.responseText);
			} catch {
				// a sign-in page, say
			}
			if (xhr.status === 200 && answer) {
				item.row.remove();
				addPhoto(answer.html);
			} else {
				fail(
					item,
					answer?.error ||
						interpolate(
							gettext(
								"“%(name)s” did not upload (%(status)s). Pick it again to retry; your text is kept.",
							),
							{ name: item.file.name, status: xhr.status || gettext("no connection") },
							true,
						),
				);
			}
			next();
		};
		xhr.onerror = xhr.ontimeout = () => {
			fail(
				item,
				interpolate(
					gettext(
						"“%(name)s” did not upload: no connection. Pick it again to retry; your text is kept.",
					),
					{ name: item.file.name },
					true,
				),
			);
			next();
		};
		xhr.send(data);
	}
	function fail(item, message) {
		item.row.textContent = message;
		item.row.setAttribute("role", "alert");
		item.row.className = "invalid-feedback";
	}
	if (fileInput && window.FormData) {
		fileInput.addEventListener("change", () => {
			for (const file of fileInput.files) {
				const row = document.createElement("li");
				const bar = document.createElement("progress");
				bar.max = 1;
				bar.value = 0;
				row.textContent = `${interpolate(gettext("Uploading “%(name)s”"), { name: file.name }, true)} `;
				row.appendChild(bar);
				uploads.appendChild(row);
				queue.push({ file, row, bar });
			}
			fileInput.value = ""; // sent already: the form must not send them a second time
			busy(true);
			if (!uploading) {
				uploading = true;
				next();
			}
		});
		// Photos picked on a slow connection before this script ran: sent now.
		if (fileInput.files.length) fileInput.dispatchEvent(new Event("change"));
	}

	// A keyboard's Go key in a one-line field moves on to the next field: sending is a choice made
	// with the buttons (Publish, Send to editors, Save draft), never by accident.
	form.addEventListener("keydown", (event) => {
		const el = event.target;
		if (event.key !== "Enter" || el.tagName !== "INPUT") return;
		if (el.type === "checkbox" || el.type === "file") return;
		event.preventDefault();
		const fields = Array.from(form.elements).filter(
			(f) =>
				f.type !== "hidden" && !f.disabled && f.offsetParent !== null && f.tagName !== "FIELDSET",
		);
		fields[fields.indexOf(el) + 1]?.focus();
	});

	// One tap sends once. The buttons come back after a while, for a retry on a dead connection:
	// the form's one-time key makes a retry find the update instead of making a second one.
	const sending = document.querySelector("[data-sending]");
	form.addEventListener("submit", () => {
		setTimeout(() => {
			busy(true);
			if (sending) sending.hidden = false;
		}, 0);
		setTimeout(() => {
			busy(false);
			if (sending) sending.hidden = true;
		}, 20000);
	});
	window.addEventListener("pageshow", () => busy(queue.length > 0));
}

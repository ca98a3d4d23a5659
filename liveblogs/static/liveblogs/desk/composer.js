// The composer: write an update (headline, rich text, bylines, photos, flags) and publish it with
// one press (or Ctrl/Cmd+Enter) without leaving the desk; edit any update in it. Nothing typed is
// lost: a copy is kept in this browser until the server has the update, a retry after a lost
// answer finds the update already made (the one-time filing key), and a stale edit is refused by
// the server with the editor's words left in place.

import { editorFor } from "../prose.js";
import {
	announce,
	config,
	errorText,
	getJSON,
	post,
	root,
	say,
	strings,
	urlFor,
} from "./common.js";

const form = root.querySelector("[data-composer]");
const heading = root.querySelector("[data-composer-heading]");
const errorsBox = form.querySelector("[data-errors]");
const bylines = form.querySelector("[data-bylines]");
const bylineInput = form.querySelector("[data-byline-input]");
const bylineChoices = form.querySelector("[data-byline-choices]");
const photoList = form.querySelector("[data-photos]");
const photoInput = form.querySelector("[data-photo-input]");
const publishButton = form.querySelector("[data-publish]");
const draftButton = form.querySelector("[data-draft]");
const cancelButton = form.querySelector("[data-cancel]");
const restoreBox = root.querySelector("[data-restore]");
const publishAt = form.querySelector("[data-publish-at]");
const STORE = `liveblogs:desk:${config.pageId}:`;
const labels = {
	heading: heading.textContent,
	publish: publishButton.textContent,
	save: form.dataset.saveLabel,
};
// The editor's own byline, which every new update starts with.
const ownChip = bylines.querySelector("li");
const own = ownChip && { id: ownChip.dataset.id, name: ownChip.childNodes[1].textContent.trim() };

let editing = null; // {id, status, headline} while an update is open in the composer
let busy = false;

// The body: the rich-text editor (prose.js) keeps its textarea in step; read that, and write
// through the editor when it has started (without script the textarea is the field).
function body() {
	return form.elements.body;
}
function setBody(html) {
	const editor = editorFor(body());
	if (!editor) {
		body().value = html;
	} else if (html) {
		editor.commands.setContent(html);
	} else {
		editor.commands.clearContent(true);
	}
}

// Bylines ------------------------------------------------------------------------------------------

function addByline(id, name) {
	if (bylines.querySelector(`[data-id="${id}"]`)) return;
	const chip = document.createElement("li");
	chip.className = "chip";
	chip.dataset.id = id;
	const hidden = document.createElement("input");
	hidden.type = "hidden";
	hidden.name = "authors";
	hidden.value = id;
	const remove = document.createElement("button");
	remove.type = "button";
	remove.className = "chip-remove";
	remove.dataset.remove = "";
	remove.textContent = "×";
	remove.setAttribute("aria-label", say(strings.removeByline, { name }));
	chip.append(hidden, name, " ", remove);
	bylines.append(chip);
}

bylines.addEventListener("click", (event) => {
	const remove = event.target.closest("[data-remove]");
	if (!remove) return;
	remove.closest("li").remove();
	bylineInput.focus();
	keep();
});

let lookup;
bylineInput.addEventListener("input", () => {
	const typed = bylineInput.value.trim();
	const chosen = [...bylineChoices.options].find((o) => o.value === typed);
	if (chosen) {
		addByline(chosen.dataset.id, chosen.value);
		bylineInput.value = "";
		keep();
		return;
	}
	clearTimeout(lookup);
	if (typed.length < 2) return;
	lookup = setTimeout(async () => {
		const query = new URLSearchParams({
			app_label: "liveblogs",
			model_name: "updateauthor",
			field_name: "reporter",
			term: typed,
		});
		try {
			const data = await getJSON(`${config.reporters}?${query}`);
			bylineChoices.replaceChildren(
				...data.results.map((result) => {
					const option = document.createElement("option");
					option.value = result.text;
					option.dataset.id = result.id;
					return option;
				}),
			);
		} catch {
			// the list stays as it was; typing on tries again
		}
	}, 200);
});

// Photos -------------------------------------------------------------------------------------------

function field(photo, name, label, value, multiline) {
	const id = `photo-${photo.id}-${name}`;
	const wrap = document.createElement("p");
	const labelEl = document.createElement("label");
	labelEl.htmlFor = id;
	labelEl.textContent = label;
	const input = document.createElement(multiline ? "textarea" : "input");
	if (multiline) input.rows = 2;
	input.id = id;
	input.name = id;
	input.value = value || "";
	wrap.append(labelEl, input);
	return wrap;
}

function addPhoto(photo) {
	const card = document.createElement("li");
	card.className = "photo-card";
	card.dataset.id = photo.id;
	card.draggable = true;
	const hidden = document.createElement("input");
	hidden.type = "hidden";
	hidden.name = "photos";
	hidden.value = photo.id;
	const image = document.createElement("img");
	image.src = photo.thumbnail;
	image.alt = "";
	image.width = 120;
	image.height = Math.round((120 * (photo.height || 3)) / (photo.width || 4));
	const words = document.createElement("div");
	words.className = "photo-words";
	words.append(
		field(photo, "caption", strings.caption, photo.caption, true),
		field(photo, "credit", strings.credit, photo.credit),
		field(photo, "alt_text", strings.altText, photo.alt_text, true),
	);
	const tools = document.createElement("p");
	tools.className = "row-tools";
	for (const [move, label] of [
		[-1, strings.moveUp],
		[1, strings.moveDown],
	]) {
		const button = document.createElement("button");
		button.type = "button";
		button.className = "button";
		button.dataset.move = move;
		button.textContent = label;
		tools.append(button);
	}
	const remove = document.createElement("button");
	remove.type = "button";
	remove.className = "button";
	remove.dataset.removePhoto = "";
	remove.textContent = strings.removePhoto;
	tools.append(remove);
	card.append(hidden, image, words, tools);
	photoList.append(card);
	labelPhotoTools();
}

// Move buttons name the photo's place, so a screen reader says which one moves.
function labelPhotoTools() {
	const cards = [...photoList.children];
	cards.forEach((card, index) => {
		for (const button of card.querySelectorAll("[data-move]")) {
			const label = button.dataset.move === "-1" ? strings.moveUp : strings.moveDown;
			button.setAttribute("aria-label", `${label} (${index + 1}/${cards.length})`);
		}
	});
}

photoList.addEventListener("click", (event) => {
	const card = event.target.closest(".photo-card");
	if (!card) return;
	if (event.target.closest("[data-remove-photo]")) {
		card.remove();
	} else if (event.target.closest("[data-move]")) {
		const button = event.target.closest("[data-move]");
		const sibling =
			button.dataset.move === "-1"
				? card.previousElementSibling
				: card.nextElementSibling?.nextElementSibling;
		if (button.dataset.move === "-1" && !sibling) return;
		photoList.insertBefore(card, sibling || null);
		button.focus(); // the same button, in the photo's new place
	} else {
		return;
	}
	labelPhotoTools();
	keep();
});

let dragged = null;
photoList.addEventListener("dragstart", (event) => {
	dragged = event.target.closest(".photo-card");
	event.dataTransfer.effectAllowed = "move";
});
photoList.addEventListener("dragover", (event) => {
	if (!dragged) return;
	event.preventDefault();
	const over = event.target.closest(".photo-card");
	if (over && over !== dragged) {
		const after = event.clientY > over.getBoundingClientRect().top + over.offsetHeight / 2;
		photoList.insertBefore(dragged, after ? over.nextSibling : over);
	}
});
photoList.addEventListener("dragend", () => {
	dragged = null;
	labelPhotoTools();
	keep();
});

function upload(file) {
	return new Promise((resolve) => {
		const request = new XMLHttpRequest();
		const data = new FormData();
		data.append("image", file);
		const note = document.createElement("li");
		note.className = "photo-uploading";
		const progress = document.createElement("progress");
		progress.max = 100;
		note.append(say(strings.uploading, { name: file.name }), " ", progress);
		photoList.append(note);
		request.upload.addEventListener("progress", (event) => {
			if (event.lengthComputable) progress.value = (100 * event.loaded) / event.total;
		});
		request.addEventListener("load", () => {
			note.remove();
			let answer = {};
			try {
				answer = JSON.parse(request.responseText);
			} catch {
				answer = { error: request.statusText };
			}
			if (request.status === 200 && answer.photo) {
				addPhoto(answer.photo);
				keep();
			} else {
				showErrors(say(strings.uploadFailed, { name: file.name, error: answer.error || "" }));
			}
			resolve();
		});
		request.addEventListener("error", () => {
			note.remove();
			showErrors(say(strings.uploadFailed, { name: file.name, error: strings.offline }));
			resolve();
		});
		request.open("POST", config.uploadPhoto);
		request.setRequestHeader(
			"X-CSRFToken",
			form.querySelector("input[name=csrfmiddlewaretoken]").value,
		);
		request.send(data);
	});
}

async function uploadAll(files) {
	for (const file of files) await upload(file); // one at a time: a phone's bandwidth, a server's memory
}

photoInput.addEventListener("change", () => {
	uploadAll([...photoInput.files]);
	photoInput.value = "";
});
const drop = form.querySelector("[data-drop]");
drop.addEventListener("dragover", (event) => {
	if (event.dataTransfer?.types.includes("Files")) {
		event.preventDefault();
		drop.classList.add("is-dropping");
	}
});
drop.addEventListener("dragleave", () => drop.classList.remove("is-dropping"));
drop.addEventListener("drop", (event) => {
	if (!event.dataTransfer?.files.length) return;
	event.preventDefault();
	drop.classList.remove("is-dropping");
	uploadAll([...event.dataTransfer.files].filter((f) => f.type.startsWith("image/") || !f.type));
});

// The local copy -----------------------------------------------------------------------------------

function storeKey() {
	return STORE + (editing ? editing.id : "new");
}

function snapshot() {
	return {
		headline: form.elements.headline.value,
		body: body().value,
		key_event: form.elements.key_event.checked,
		pinned: form.elements.pinned.checked,
		callout: form.elements.callout.value,
		correction_note: form.elements.correction_note.value,
		publish_at: publishAt.value,
		authors: [...bylines.children].map((chip) => ({
			id: chip.dataset.id,
			name: chip.childNodes[1].textContent.trim(),
		})),
		photos: [...photoList.querySelectorAll(".photo-card")].map((card) => ({
			id: card.dataset.id,
			thumbnail: card.querySelector("img").src,
			width: 120,
			height: card.querySelector("img").height,
			caption: card.querySelector("[name$=caption]").value,
			credit: card.querySelector("[name$=credit]").value,
			alt_text: card.querySelector("[name$=alt_text]").value,
		})),
		revision: form.querySelector("[data-revision]").value,
		filing_key: form.querySelector("[data-filing-key]").value,
		savedAt: new Date().toISOString(),
	};
}

let keepTimer;
function keep() {
	clearTimeout(keepTimer);
	keepTimer = setTimeout(() => {
		const copy = snapshot();
		try {
			if (copy.headline || copy.body.replace(/<[^>]+>/g, "").trim() || copy.photos.length) {
				localStorage.setItem(storeKey(), JSON.stringify(copy));
			} else {
				localStorage.removeItem(storeKey());
			}
		} catch {
			// private mode or full: the server still refuses to lose anything
		}
	}, 300);
}
form.addEventListener("input", keep);
form.addEventListener("change", keep);

function fill(data) {
	form.elements.headline.value = data.headline || "";
	setBody(data.body || "");
	form.elements.key_event.checked = Boolean(data.key_event);
	form.elements.pinned.checked = Boolean(data.pinned);
	form.elements.callout.value = data.callout || "";
	form.elements.correction_note.value = data.correction_note || "";
	form.elements.minor.checked = false;
	publishAt.value = data.publish_at || "";
	labelPublish();
	bylines.replaceChildren();
	for (const author of data.authors || []) addByline(author.id, author.name);
	photoList.replaceChildren();
	for (const photo of data.photos || []) addPhoto(photo);
	form.querySelector("[data-revision]").value = data.revision ?? "";
	if (data.filing_key) form.querySelector("[data-filing-key]").value = data.filing_key;
}

function offerRestore() {
	let copy = null;
	try {
		copy = JSON.parse(localStorage.getItem(storeKey()));
	} catch {
		copy = null;
	}
	if (!copy) {
		restoreBox.hidden = true;
		return;
	}
	restoreBox.querySelector("[data-restore-text]").textContent = say(strings.restore, {
		time: new Date(copy.savedAt).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }),
	});
	restoreBox.hidden = false;
	restoreBox.querySelector("[data-restore-yes]").onclick = () => {
		fill(copy);
		restoreBox.hidden = true;
		form.elements.headline.focus();
	};
	restoreBox.querySelector("[data-restore-no]").onclick = () => {
		localStorage.removeItem(storeKey());
		restoreBox.hidden = true;
	};
}

// Sending ------------------------------------------------------------------------------------------

function showErrors(text) {
	errorsBox.textContent = text;
	errorsBox.hidden = !text;
	if (text) errorsBox.focus();
}

function newKey() {
	return crypto.randomUUID
		? crypto.randomUUID()
		: "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
				(c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16),
			);
}

// With a "publish at" time, Publish schedules: say so on the button. A published update has
// nothing to schedule (its button saves).
function labelPublish() {
	if (publishButton.value !== "publish") return;
	publishButton.textContent = publishAt.value ? gettext("Schedule") : labels.publish;
}
publishAt.addEventListener("input", labelPublish);

function reset() {
	editing = null;
	fill({ authors: own ? [own] : [], filing_key: newKey() });
	form.querySelector("[data-revision]").value = "";
	form.querySelector("[data-edit-only]").hidden = true;
	cancelButton.hidden = true;
	heading.textContent = labels.heading;
	publishButton.textContent = labels.publish;
	publishButton.value = "publish";
	draftButton.hidden = false;
	publishAt.closest("[data-publish-at-field]").hidden = false;
	form.setAttribute("action", config.new);
}

async function send(action) {
	if (busy) return;
	if (!form.elements.headline.value.trim()) {
		// Ours, not the browser's validation message: that one is in the browser's language.
		showErrors(strings.noHeadline);
		form.elements.headline.focus();
		return;
	}
	busy = true;
	form.setAttribute("aria-busy", "true");
	const data = new FormData(form);
	data.set("action", action);
	const wasEditing = editing;
	const key = storeKey();
	try {
		const { status, data: answer } = await post(form.getAttribute("action"), data);
		if (status === 200 && answer.ok) {
			localStorage.removeItem(key);
			showErrors("");
			root.dispatchEvent(new CustomEvent("desk:card", { detail: answer.update }));
			const words = answer.update.publish_at
				? gettext("Scheduled: %(headline)s")
				: answer.update.status === "published"
					? wasEditing
						? strings.updated
						: strings.published
					: strings.saved;
			announce(say(words, { headline: answer.update.headline }));
			// An embed whose provider did not answer: readers see a link, the desk is told.
			if (answer.notices?.length) showErrors(answer.notices.join(" "));
			reset();
			form.elements.headline.focus();
		} else if (status === 409) {
			showErrors(`${strings.conflict} ${answer.conflict}`);
		} else {
			showErrors(say(strings.failed, { error: errorText(answer) }));
		}
	} catch {
		showErrors(strings.offline);
	} finally {
		busy = false;
		form.removeAttribute("aria-busy");
	}
}

form.addEventListener("submit", (event) => {
	event.preventDefault();
	send(event.submitter?.value || "draft");
});
// Ctrl/Cmd+Enter publishes from anywhere in the composer: caught before the editor, which would
// take it for a line break.
form.addEventListener(
	"keydown",
	(event) => {
		if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
			event.preventDefault();
			event.stopPropagation();
			send(publishButton.value);
		}
	},
	true,
);
cancelButton.addEventListener("click", () => {
	localStorage.removeItem(storeKey());
	reset();
	offerRestore();
	form.elements.headline.focus();
});

async function edit(id) {
	const data = await getJSON(urlFor(config.update, id));
	editing = { id: data.id, status: data.status, headline: data.headline };
	fill(data);
	form.setAttribute("action", urlFor(config.update, id));
	form.querySelector("[data-edit-only]").hidden = data.status !== "published";
	cancelButton.hidden = false;
	heading.textContent = say(strings.editing, { headline: data.headline });
	if (data.status === "published") {
		publishButton.value = "save";
		publishButton.textContent = labels.save;
		draftButton.hidden = true;
		publishAt.closest("[data-publish-at-field]").hidden = true;
	}
	showErrors("");
	form.scrollIntoView({ block: "start" });
	form.elements.headline.focus();
	offerRestore();
}

export function startComposer() {
	// The headline has the focus from the moment the page arrives (autofocus), before the
	// editor's bundle has loaded: keep what was typed into it meanwhile.
	const typed = form.elements.headline.value;
	reset();
	form.elements.headline.value = typed;
	offerRestore();
	return { edit };
}

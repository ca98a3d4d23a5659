// The Latest, edited in place: add, reorder (buttons, so the keyboard can), delete, then save
// the whole list at once. A colleague's change arrives by polling and replaces the list, unless
// this editor is in the middle of changing it.

import { initialize } from "../prose.js";
import { announce, errorText, fromHTML, post, root, say, strings } from "./common.js";

const form = root.querySelector("[data-key-points]");
const holder = form.querySelector("[data-key-points-list]");
let dirty = false;

function rows() {
	return [...holder.querySelectorAll(".key-point-row")];
}

// Labels that say which point a button moves.
function renumber() {
	const all = rows();
	all.forEach((row, index) => {
		for (const button of row.querySelectorAll("[data-move], [data-delete-point]")) {
			button.setAttribute(
				"aria-label",
				`${button.textContent.trim()} (${index + 1}/${all.length})`,
			);
		}
	});
}

let added = 0;
// A new row: the template's, with ids of its own (its editor is started once it is in place).
function emptyRow() {
	const row = document
		.querySelector("[data-key-point-template]")
		.content.firstElementChild.cloneNode(true);
	const id = `point-new-${++added}`;
	row.querySelector("textarea").id = id;
	row.querySelector("label").htmlFor = id;
	return row;
}

form.addEventListener("click", (event) => {
	const row = event.target.closest(".key-point-row");
	const button = event.target.closest("button");
	if (!button) return;
	if (button.matches("[data-add-key-point]")) {
		const list = holder.querySelector("ol");
		const row = emptyRow();
		list.append(row);
		const [editor] = initialize(row);
		dirty = true;
		renumber();
		if (editor) editor.commands.focus();
		else row.querySelector("textarea").focus();
	} else if (row && button.matches("[data-move]")) {
		const up = button.dataset.move === "-1";
		const sibling = up ? row.previousElementSibling : row.nextElementSibling?.nextElementSibling;
		if (up && !sibling) return;
		row.parentNode.insertBefore(row, sibling || null);
		dirty = true;
		renumber();
		button.focus();
	} else if (row && button.matches("[data-delete-point]")) {
		const next = row.nextElementSibling || row.previousElementSibling;
		row.remove();
		dirty = true;
		renumber();
		(
			next?.querySelector("[contenteditable]") ||
			next?.querySelector("textarea") ||
			form.querySelector("[data-add-key-point]")
		).focus();
	}
});
form.addEventListener("input", () => {
	dirty = true;
});

function show(keyPoints) {
	holder.replaceChildren(fromHTML(keyPoints.html));
	initialize(holder);
	renumber();
	dirty = false;
	root.dispatchEvent(new CustomEvent("desk:key-points-saved", { detail: keyPoints }));
}

form.addEventListener("submit", async (event) => {
	event.preventDefault();
	try {
		const { status, data } = await post(form.getAttribute("action"), new FormData(form));
		if (status === 200 && data.ok) {
			show(data.key_points);
			announce(strings.keyPointsSaved);
		} else {
			announce(say(strings.failed, { error: errorText(data) }));
		}
	} catch {
		announce(strings.offline);
	}
});

export function startLatest() {
	renumber();
	root.addEventListener("desk:key-points", (event) => {
		if (!dirty && !form.contains(document.activeElement)) show(event.detail);
	});
}

// The stream and its queues: each update's card in its place (on the page, waiting for approval,
// drafts), its one-click controls (publish, pin, key event, withdraw, send back), the page's own
// controls, and polling for what colleagues and reporters did, without touching the composer or
// moving the focus.

import {
	announce,
	config,
	errorText,
	fromHTML,
	getJSON,
	post,
	root,
	say,
	strings,
	urlFor,
} from "./common.js";

const lists = {
	stream: root.querySelector('[data-place="stream"]'),
	waiting: root.querySelector('[data-place="waiting"]'),
	drafts: root.querySelector('[data-place="drafts"]'),
	scheduled: root.querySelector('[data-place="scheduled"]'),
};
const dialog = root.querySelector("[data-dialog]");
const dialogTexts = document.getElementById("dialog-texts").content;
let since = Number.parseFloat(root.dataset.now);
let keyPointsVersion = root.dataset.keyPointsVersion;

function revisionOf(id) {
	return root.querySelector(`.desk-card[data-id="${id}"]`)?.dataset.revision;
}

// Put ``data``'s card where it belongs, replacing its old one. Focus inside the old card moves to
// the same control in the new one, so a keyboard user keeps their place.
function place(data) {
	const old = root.querySelector(`.desk-card[data-id="${data.id}"]`);
	const focused = old?.contains(document.activeElement) ? document.activeElement : null;
	const control = focused?.dataset.act
		? "[data-act]"
		: focused?.hasAttribute("data-edit")
			? "[data-edit]"
			: null;
	old?.closest("li").remove();
	if (data.place && lists[data.place]) {
		const item = document.createElement("li");
		item.append(fromHTML(data.html));
		item.firstElementChild.dataset.publishedAt = data.published_at ?? "";
		item.firstElementChild.dataset.pinned = data.pinned ? "1" : "";
		item.firstElementChild.dataset.publishAt = data.publish_at ?? "";
		insert(lists[data.place], item, data);
		if (control) {
			const same = [...item.querySelectorAll(control)].find(
				(el) => el.textContent === focused.textContent,
			);
			(same || item.querySelector("[data-edit]")).focus();
		}
	}
	counts();
}

function insert(list, item, data) {
	if (list === lists.scheduled) {
		// Soonest first: what goes out next leads.
		const later = [...list.children].find(
			(other) => Number(other.firstElementChild.dataset.publishAt) > data.publish_at,
		);
		list.insertBefore(item, later || null);
		return;
	}
	if (list !== lists.stream) {
		list.prepend(item);
		return;
	}
	// Pinned first, then newest first, as readers see it.
	const key = (card) => [card.dataset.pinned ? 1 : 0, Number(card.dataset.publishedAt || 0)];
	const mine = [data.pinned ? 1 : 0, data.published_at || 0];
	for (const other of list.children) {
		const theirs = key(other.firstElementChild);
		if (mine[0] > theirs[0] || (mine[0] === theirs[0] && mine[1] >= theirs[1])) {
			list.insertBefore(item, other);
			return;
		}
	}
	list.append(item);
}

function counts() {
	root.querySelector('[data-count="waiting"]').textContent = lists.waiting.children.length;
	root.querySelector('[data-empty="stream"]').hidden = lists.stream.children.length > 0;
	root.querySelector('[data-count="scheduled"]').textContent = lists.scheduled.children.length;
	root.querySelector("[data-scheduled-section]").hidden = lists.scheduled.children.length === 0;
}

// Dialogs: withdraw (a reason), send back (a note), end coverage ------------------------------------

function ask(verb) {
	const texts = dialogTexts.querySelector(`[data-verb="${verb}"]`);
	dialog.querySelector("[data-dialog-heading]").textContent = texts.dataset.heading;
	dialog.querySelector("[data-dialog-text]").textContent = texts.dataset.text;
	dialog.querySelector("[data-dialog-confirm]").textContent = texts.dataset.confirm;
	const noteField = dialog.querySelector("[data-dialog-note-field]");
	const note = dialog.querySelector("[data-dialog-note]");
	noteField.hidden = !texts.dataset.label;
	dialog.querySelector("[data-dialog-note-label]").textContent = texts.dataset.label || "";
	note.value = "";
	note.required = verb === "send-back";
	dialog.querySelector("[data-dialog-error]").hidden = true;
	return new Promise((resolve) => {
		dialog.addEventListener(
			"close",
			() => resolve(dialog.returnValue === "confirm" ? note.value : null),
			{ once: true },
		);
		dialog.showModal();
		(noteField.hidden ? dialog.querySelector("[data-dialog-confirm]") : note).focus();
	});
}

// Actions on a card ----------------------------------------------------------------------------------

async function act(button) {
	const card = button.closest(".desk-card");
	const verb = button.dataset.act;
	const body = new FormData();
	if (button.dataset.dialogVerb) {
		const note = await ask(button.dataset.dialogVerb);
		if (note === null) {
			button.focus();
			return;
		}
		body.set("note", note);
	}
	button.disabled = true;
	try {
		const { status, data } = await post(urlFor(config.act, card.dataset.id, verb), body);
		if (status === 200 && data.ok) {
			place(data.update);
			announce(data.said);
		} else {
			button.disabled = false;
			announce(say(strings.failed, { error: errorText(data) }));
			showCardError(card, errorText(data));
		}
	} catch {
		button.disabled = false;
		announce(strings.offline);
	}
}

function showCardError(card, text) {
	let box = card.querySelector(".card-error");
	if (!box) {
		box = document.createElement("p");
		box.className = "card-error errornote";
		box.setAttribute("role", "alert");
		card.append(box);
	}
	box.textContent = text;
}

// The page's own controls ------------------------------------------------------------------------------

function showPage(status, label) {
	const badge = root.querySelector("[data-page-status]");
	if (label) badge.textContent = label;
	badge.className = `lb-status lb-status-${status}`;
	root.querySelector('[data-page-action="go-live"]').hidden = status === "live";
	root.querySelector('[data-page-action="end"]').hidden = status !== "live";
}

for (const form of root.querySelectorAll("[data-page-action]")) {
	form.addEventListener("submit", async (event) => {
		event.preventDefault();
		const verb = form.dataset.pageAction;
		if (verb === "end" && (await ask("end")) === null) return;
		try {
			const { status, data } = await post(urlFor(config.page, 0, verb), new FormData(form));
			if (status === 200 && data.ok) {
				showPage(data.page.status, data.page.label);
				announce(data.page.status === "live" ? strings.pageLive : strings.pageEnded);
				root
					.querySelector(`[data-page-action="${verb === "end" ? "go-live" : "end"}"] button`)
					.focus();
			} else {
				announce(say(strings.failed, { error: errorText(data) }));
			}
		} catch {
			announce(strings.offline);
		}
	});
}

// Polling -----------------------------------------------------------------------------------------------

async function poll() {
	const query = new URLSearchParams({ since, key_points: keyPointsVersion });
	try {
		const data = await getJSON(`${config.changes}?${query}`);
		since = data.now;
		for (const update of data.updates) {
			if (String(update.revision) === revisionOf(update.id)) continue;
			const isNew = !revisionOf(update.id);
			place(update);
			if (isNew && update.place === "stream") announce(say(strings.arrived, update));
			if (isNew && update.place === "waiting") announce(say(strings.waiting, update));
		}
		const submissions = root.querySelector('[data-count="submissions"]');
		if (submissions) submissions.textContent = data.new_submissions;
		showPage(data.page.status);
		if (data.key_points)
			root.dispatchEvent(new CustomEvent("desk:key-points", { detail: data.key_points }));
		schedule(config.pollSeconds);
	} catch {
		schedule(config.pollSeconds * 3); // the server is away or busy: ask less often
	}
}

function schedule(seconds) {
	clearTimeout(schedule.timer);
	schedule.timer = setTimeout(poll, (document.hidden ? seconds * 6 : seconds) * 1000);
}

export function startStream({ edit }) {
	root.addEventListener("click", (event) => {
		const button = event.target.closest("button[data-act]");
		if (button) {
			act(button);
			return;
		}
		const editButton = event.target.closest("button[data-edit]");
		if (editButton) edit(editButton.dataset.edit);
	});
	root.addEventListener("desk:card", (event) => place(event.detail));
	root.addEventListener("desk:key-points-saved", (event) => {
		keyPointsVersion = String(event.detail.version);
	});
	document.addEventListener("visibilitychange", () => {
		if (!document.hidden) poll();
	});
	schedule(config.pollSeconds);
	return { keyPointsVersion: (version) => (keyPointsVersion = String(version)) };
}

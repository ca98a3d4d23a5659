// Live updating: apply what changes.json says changed, never moving what the reader is reading
// (DESIGN.md, "Live updates").
const language = document.documentElement.lang || "en";

const root = document.querySelector(".live-page[data-changes-url]");
const section = root?.querySelector("section.updates");
const stream = root?.querySelector(".update-stream");
if (stream && section && root.dataset.status === "live" && window.fetch) follow();

function follow() {
	const keyOnly = root.hasAttribute("data-key-only");
	const storeKey = `liveblogs:paused:${root.dataset.slug}`;
	const dayFormat = formatter({ month: "long", day: "numeric" });
	// Words: gettext() (JavaScriptCatalog). Numbers, times: Intl, right in every language for free.
	const ago = new Intl.RelativeTimeFormat(language, { style: "short" });
	const number = new Intl.NumberFormat(language);
	const pending = new Map(); // new updates held back while the reader is further down,
	let resetTo = null; // or a whole new stream: {list, older}
	let since = parseInt(root.dataset.version, 10) || 0;
	let interval = parseInt(root.dataset.pollInterval, 10) || 10; // seconds
	let failures = 0;
	let timer = null;
	let busy = false;
	let stopped = false;
	let paused = remembered();
	let title = document.title;
	// "LIVE: " in the tab title, as the server wrote it.
	const tabTitle = (s) => interpolate(s, { title: "" }, true);
	const seen = new Set();

	// steady() keeps the reader's place; scroll anchoring would do it twice.
	document.documentElement.classList.add("live-updating");
	root.insertAdjacentHTML(
		"beforeend",
		'<p class="visually-hidden" role="status" aria-live="polite"></p>',
	);
	const region = root.lastChild;
	const heading = section.querySelector("h2");
	heading.insertAdjacentHTML(
		"afterend",
		'<div class="live-controls"><span class="live-state"></span> ' +
			'<button type="button" class="live-toggle"></button></div>' +
			'<button type="button" class="new-updates" hidden>' +
			'<span aria-hidden="true">\u2191 </span><span></span></button>',
	);
	const controls = section.querySelector(".live-controls");
	const state = controls.firstChild;
	const toggle = controls.lastChild;
	toggle.textContent = gettext("Pause live updates");
	const button = controls.nextSibling;
	showPaused();

	toggle.addEventListener("click", () => {
		paused = !paused;
		try {
			if (paused) localStorage[storeKey] = "1";
			else localStorage.removeItem(storeKey);
		} catch {
			// no storage: paused for this visit only
		}
		showPaused();
		announce(paused ? gettext("Live updates paused") : gettext("Live updates resumed"));
		if (paused) clearTimeout(timer);
		else poll();
	});
	button.addEventListener("click", () => reveal(true));
	document.addEventListener("visibilitychange", () => {
		if (document.visibilityState !== "visible") return;
		if (!failures) poll(); // at once, unless backing off after errors
	});

	// Relative times for the updates "Show older updates" brings (older.js).
	const relabel = () => label(stream);
	stream.addEventListener("liveblogs:older", relabel);
	label(root);
	const ticker = setInterval(() => label(root), 60000);
	schedule();

	function schedule() {
		clearTimeout(timer);
		if (stopped || paused) return;
		let delay = interval * (document.visibilityState === "hidden" ? 3 : 1);
		if (failures) delay = Math.min(delay * 2 ** failures, Math.max(300, delay));
		timer = setTimeout(poll, delay * 1000);
	}

	function poll() {
		clearTimeout(timer);
		if (stopped || paused || busy) return;
		busy = true;
		// A plain GET: readers at one version ask one URL, for caches and the ETag to answer.
		fetch(`${root.dataset.changesUrl}?since=${since}`)
			.then((response) => {
				if (response.status === 304) return null;
				if (!response.ok) throw new Error(response.status);
				return response.json();
			})
			.then((data) => {
				if (data) apply(data);
				failures = 0;
			})
			.catch(() => {
				failures += 1;
			})
			.then(() => {
				busy = false;
				schedule();
			});
	}

	function apply(data) {
		if (data.poll_interval > 0) interval = data.poll_interval;
		const top = atTop();
		const reset = data.reset || "older_url" in data;
		// Changes further back than the page shows wait for "Show older updates".
		const limit = reset ? -Infinity : edge();
		const list = data.updates.filter(
			(u) => (!keyOnly || u.key_event) && (u.pinned || parseTime(u.published_at) >= limit),
		);
		const fresh = list.filter((u) => !seen.has(u.id) && !byId(u.id) && seen.add(u.id)).length;
		steady(() => {
			if (data.key_points_html) swapKeyPoints(data.key_points_html);
			stampUpdated(data.updated, data.updated_text);
			if (reset) {
				resetTo = { list, older: data.older_url };
				pending.clear();
				if (!top) prune();
			} else {
				data.withdrawn.forEach(drop);
				for (const u of data.updates) {
					if (!list.includes(u)) drop(u.id);
					else if (byId(u.id)) change(u);
					else pending.set(u.id, u);
				}
				// Later changes on top of a reset still held back.
				if (resetTo) {
					const ids = data.withdrawn.concat(data.updates.map((u) => u.id));
					resetTo.list = resetTo.list.filter((u) => !ids.includes(u.id)).concat(list);
				}
			}
			tidy();
		});
		since = data.version;
		if (top) reveal(false);
		else count();
		if (fresh) announce(newUpdates(fresh));
		if (data.status !== "live") end();
	}

	function end() {
		stopped = true;
		clearTimeout(timer);
		clearInterval(ticker);
		stream.removeEventListener("liveblogs:older", relabel);
		root.dataset.status = "ended";
		title = title.replace(
			tabTitle(pgettext("browser tab title", "LIVE: %(title)s")),
			tabTitle(pgettext("browser tab title", "RECAP: %(title)s")),
		);
		count();
		steady(() => {
			const badge = root.querySelector(".page-state");
			if (badge)
				badge.replaceChildren(
					element("span", "badge badge-recap", pgettext("badge: the page has ended", "Recap")),
				);
			controls.remove();
			// A recap asks readers nothing, as the server renders it.
			for (const el of root.querySelectorAll(".callout")) el.remove();
			for (const time of root.querySelectorAll("time[data-absolute]")) {
				time.textContent = time.dataset.absolute;
				time.removeAttribute("data-absolute");
				time.removeAttribute("title");
			}
		});
		announce(gettext("This live page has ended. Live updates have stopped."));
	}

	// An edit replaces the update in place; a pinned change or a new time moves it.
	function change(u) {
		const old = byId(u.id);
		const el = build(u);
		if (u.pinned ? pinnedSlot(old) : !pinnedSlot(old) && when(old) === when(el)) {
			old.replaceWith(el);
		} else {
			old.remove();
			place(el, u.pinned);
		}
	}

	function drop(id) {
		byId(id)?.remove();
		pending.delete(id);
	}

	// Pinned slot, or stream by time under its day. False if "Show older updates" will bring it.
	function place(el, pinned) {
		if (pinned) {
			section.insertBefore(el, section.querySelector(":scope > article") || stream);
			return true;
		}
		const list = stream.querySelectorAll(":scope > article");
		let i = 0;
		while (i < list.length && !older(list[i], el)) i += 1;
		const next = list[i];
		const prev = list[i - 1];
		const day = dayOf(el);
		if (!next && prev && section.querySelector(".show-older")) return false;
		if (prev && dayOf(prev) === day) {
			prev.after(el);
		} else if (next && dayOf(next) === day) {
			next.before(el); // next opens its day: between its heading and it
		} else {
			const h = element("h2", "day-heading", day);
			if (prev) prev.after(h);
			else stream.prepend(h);
			h.after(el);
		}
		return true;
	}

	// Show what was held back: the reader is at the top, or asked with the button.
	function reveal(asked) {
		if (!pending.size && !resetTo) return;
		let fresh = [];
		steady(() => {
			if (resetTo) {
				fresh = replaceAll(resetTo);
			} else {
				for (const u of pending.values()) {
					const el = build(u);
					drop(u.id);
					if (place(el, u.pinned)) fresh.push(el);
				}
			}
			resetTo = null;
			pending.clear();
			tidy();
		});
		for (const el of fresh) {
			el.classList.add("is-new");
			el.addEventListener("animationend", () => el.classList.remove("is-new"));
		}
		count();
		if (asked) {
			const target = section.querySelector(".is-new") || stream;
			const headline = target.querySelector(".update-headline");
			target.scrollIntoView();
			// Keyboard and screen-reader users carry on from there.
			if (headline) {
				headline.setAttribute("tabindex", "-1");
				headline.focus({ preventScroll: true });
			}
		}
	}

	// The pinned and latest updates replace the stream. Returns those that were not on the page.
	function replaceAll(reset) {
		const before = new Set();
		const fresh = [];
		const more = section.querySelector(".show-older");
		let lastDay = null;
		for (const el of section.querySelectorAll("article.update")) before.add(el.id);
		for (const el of section.querySelectorAll(":scope > article")) el.remove();
		section.querySelector("h2").after(button);
		stream.textContent = "";
		const sorted = reset.list
			.slice()
			.sort(
				(a, b) =>
					b.pinned - a.pinned ||
					parseTime(b.published_at) - parseTime(a.published_at) ||
					b.id - a.id,
			);
		for (const u of sorted) {
			const el = build(u);
			const day = dayOf(el);
			if (u.pinned) {
				section.insertBefore(el, stream);
			} else {
				if (day !== lastDay) stream.appendChild(element("h2", "day-heading", day));
				lastDay = day;
				stream.appendChild(el);
			}
			if (!before.has(el.id)) fresh.push(el);
		}
		more?.remove();
		if (reset.older) {
			const link = element("a", "button", gettext("Show older updates"));
			link.rel = "next";
			link.href = keyOnly ? reset.older.replace("?", "?key=1&") : reset.older;
			section.append(element("p", "show-older"));
			section.lastChild.append(link);
		}
		return fresh;
	}

	// A reset held back: what it shows was withdrawn goes at once.
	function prune() {
		const ids = resetTo.list.map((u) => u.id);
		const limit = edge();
		for (const el of section.querySelectorAll("article.update")) {
			const covered = (!resetTo.older || !pinnedSlot(el)) && when(el) >= limit;
			if (covered && !ids.includes(idOf(el))) el.remove();
		}
	}

	// The oldest time shown, when "Show older updates" has the rest.
	function edge() {
		if (resetTo) {
			return resetTo.older
				? Math.min(...resetTo.list.map((u) => (u.pinned ? Infinity : parseTime(u.published_at))))
				: -Infinity;
		}
		const last = stream.querySelector(":scope > article:last-of-type");
		return last && section.querySelector(".show-older") ? when(last) : -Infinity;
	}

	function swapKeyPoints(html) {
		const now = root.querySelector(".key-points");
		const next = parse(html).querySelector(".key-points");
		if (now && next) now.replaceWith(next);
	}

	// The server's words for the time, in the page's language and its time zone.
	function stampUpdated(iso, text) {
		const time = root.querySelector(".page-header .updated time");
		const at = parseTime(iso);
		if (!time || !text || Number.isNaN(at) || parseTime(time.dateTime) === at) return;
		time.dateTime = iso;
		time.textContent = text;
	}

	// Empty day headings go, and "No updates yet" once there are some.
	function tidy() {
		for (const h of stream.querySelectorAll(":scope > .day-heading")) {
			const next = h.nextElementSibling;
			if (!next || next.matches(".day-heading")) h.remove();
		}
		const none = section.querySelector(".no-updates");
		if (none) none.hidden = !!section.querySelector("article.update");
	}

	// Whatever changes above the reader, what they read stays where it is on the screen.
	function steady(mutate) {
		const marks = [];
		for (const el of root.querySelectorAll(
			".page-header, .key-points, .key-events, .callout, .live-controls, " +
				"section.updates > article, .update-stream > :not(button), .show-older",
		)) {
			const box = el.getBoundingClientRect();
			if (box.bottom > 0 && box.height > 0) marks.push({ el, top: box.top });
			if (marks.length === 3) break;
		}
		mutate();
		for (const mark of marks) {
			// Edited updates and The Latest are new elements.
			const el = mark.el.id
				? document.getElementById(mark.el.id)
				: mark.el.isConnected
					? mark.el
					: mark.el.matches(".key-points")
						? root.querySelector(".key-points")
						: null;
			if (el) {
				const shift = el.getBoundingClientRect().top - mark.top;
				if (shift) window.scrollBy(0, shift);
				return;
			}
		}
	}

	// The reader sees the top of the stream, or is above it: new updates may go straight in.
	function atTop() {
		return stream.getBoundingClientRect().top >= -1;
	}

	function count() {
		const n = resetTo ? resetTo.list.filter((u) => !byId(u.id)).length : pending.size;
		const wanted =
			(n ? interpolate(pgettext("browser tab title", "(%s) "), [number.format(n)]) : "") + title;
		if (n && button.hidden) {
			// In the tab order next to what the reader reads, not pages of links away.
			const here = Array.from(stream.querySelectorAll(":scope > article")).find(
				(el) => el.getBoundingClientRect().bottom > 0,
			);
			const before = here?.previousElementSibling;
			if (here) (before?.matches(".day-heading") ? before : here).before(button);
		}
		button.hidden = !n;
		button.lastChild.textContent = newUpdates(n);
		if (document.title !== wanted) document.title = wanted;
	}

	function showPaused() {
		toggle.setAttribute("aria-pressed", paused);
		controls.classList.toggle("is-paused", paused);
		state.textContent = paused ? gettext("Live updates paused") : gettext("Live updates on");
	}

	function announce(text) {
		region.textContent = ""; // so the same words twice are announced twice
		setTimeout(() => {
			region.textContent = text;
		}, 100);
	}

	function newUpdates(n) {
		return interpolate(ngettext("%s new update", "%s new updates", n), [number.format(n)]);
	}

	// "just now", "4 min. ago", "2 hr. ago" within a day; the server's words go in the title.
	function label(scope) {
		const now = Date.now();
		for (const time of scope.querySelectorAll(".update-meta time[datetime]")) {
			if (!time.dataset.absolute) time.dataset.absolute = time.title = time.textContent;
			const minutes = Math.floor((now - parseTime(time.dateTime)) / 60000);
			const text =
				minutes < -1 || !(minutes < 1440)
					? time.dataset.absolute
					: minutes < 1
						? gettext("just now")
						: minutes < 60
							? ago.format(-minutes, "minute")
							: ago.format(-Math.floor(minutes / 60), "hour");
			if (time.textContent !== text) time.textContent = text;
		}
	}

	function remembered() {
		try {
			return localStorage[storeKey] === "1";
		} catch {
			return false;
		}
	}

	function element(tag, className, text) {
		const el = document.createElement(tag);
		el.className = className;
		el.textContent = text || "";
		return el;
	}

	function parse(html) {
		const template = document.createElement("template");
		template.innerHTML = html;
		return template.content;
	}

	function build(u) {
		const el = parse(u.html).querySelector("article");
		if (!stopped) label(el);
		return el;
	}

	function byId(id) {
		return document.getElementById(`update-${id}`);
	}

	function idOf(el) {
		return parseInt(el.id.slice(7), 10);
	}

	function pinnedSlot(el) {
		return el.parentNode === section;
	}

	function when(el) {
		const time = el.querySelector(".update-meta time");
		return time ? parseTime(time.dateTime) : 0;
	}

	function older(a, b) {
		return when(a) < when(b) || (when(a) === when(b) && idOf(a) < idOf(b));
	}

	// Python's microseconds are more digits than some browsers' Date.parse takes.
	function parseTime(iso) {
		return Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1"));
	}

	// A zone this browser does not know throws, and the page stays as the server sent it.
	function formatter(options) {
		return new Intl.DateTimeFormat(language, { timeZone: root.dataset.timeZone, ...options });
	}

	// The day heading the server wrote for it (in the page's language), else the browser's.
	function dayOf(el) {
		return el.dataset.day || dayFormat.format(when(el));
	}
}

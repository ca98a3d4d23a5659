// Rows of a table inline in order (key points, bylines, photos): drag a row by its handle, or
// press its Move up and Move down buttons. The position boxes, there for a page without script,
// are hidden, and rewritten 1, 2, 3… after each move and when the form is sent, where the order
// on screen is not theirs already (so an untouched table saves nothing). The words come
// translated on each position box (data-move-up and the others; see OrderedInline).

const ROWS = ":scope > tr.form-row:not(.empty-form)";

const rowsOf = (body) => Array.from(body.querySelectorAll(ROWS));
const boxOf = (row) => row.querySelector("input[data-ordering]");
const middle = (row) => {
	const box = row.getBoundingClientRect();
	return box.top + box.height / 2;
};

// A row and the row of its errors just above it, which travel together.
function unit(row) {
	const errors = row.previousElementSibling;
	return errors?.classList.contains("row-form-errors") ? [errors, row] : [row];
}

// Moving the neighbour rather than the row itself keeps the focus on its button, and the drag on
// its handle.
function moveUp(row) {
	const rows = rowsOf(row.parentElement);
	const above = rows[rows.indexOf(row) - 1];
	if (!above) return false;
	row.after(...unit(above));
	return true;
}

function moveDown(row) {
	const rows = rowsOf(row.parentElement);
	const below = rows[rows.indexOf(row) + 1];
	if (!below) return false;
	unit(row)[0].before(...unit(below));
	return true;
}

// A blank extra row is left alone: Django ignores it only while nothing in it changed.
function inUse(row) {
	if (row.classList.contains("has_original")) return true;
	return Array.from(row.querySelectorAll("input, select, textarea")).some(
		(field) =>
			!["hidden", "checkbox"].includes(field.type) &&
			!("ordering" in field.dataset) &&
			field.value.trim() !== "",
	);
}

function number(body) {
	const boxes = rowsOf(body).filter(inUse).map(boxOf);
	const values = boxes.map((box) => Number.parseInt(box.value, 10));
	const inOrder = values.every(
		(value, i) => Number.isInteger(value) && (i === 0 || value > values[i - 1]),
	);
	if (inOrder) return;
	boxes.forEach((box, i) => {
		box.value = String(i + 1);
	});
}

// The ends cannot move further out; aria-disabled, not disabled, so the focus stays put.
function refresh(body) {
	const rows = rowsOf(body);
	rows.forEach((row, i) => {
		row.querySelector(".lb-move-up")?.setAttribute("aria-disabled", String(i === 0));
		row
			.querySelector(".lb-move-down")
			?.setAttribute("aria-disabled", String(i === rows.length - 1));
	});
}

function button(className, label, arrow) {
	const button = document.createElement("button");
	button.type = "button";
	button.className = `lb-move ${className}`;
	button.setAttribute("aria-label", label);
	button.title = label;
	button.textContent = arrow;
	return button;
}

function enhance(row) {
	const box = boxOf(row);
	if (!box || row.querySelector(".lb-move")) return;
	box.type = "hidden";
	const handle = document.createElement("span");
	handle.className = "lb-drag-handle";
	handle.title = box.dataset.drag;
	handle.setAttribute("aria-hidden", "true"); // the buttons are the keyboard's way
	handle.textContent = "⠿";
	box.after(
		handle,
		button("lb-move-up", box.dataset.moveUp, "↑"),
		button("lb-move-down", box.dataset.moveDown, "↓"),
	);
}

function start(body) {
	for (const row of rowsOf(body)) enhance(row);
	const table = body.closest("table");
	if (!table.nextElementSibling?.classList.contains("lb-order-status")) {
		const status = document.createElement("p");
		status.className = "lb-order-status visually-hidden";
		status.setAttribute("role", "status");
		table.after(status);
	}
	refresh(body);
}

function announce(row) {
	const body = row.parentElement;
	const status = body.closest("table").nextElementSibling;
	const rows = rowsOf(body);
	status.textContent = boxOf(row)
		.dataset.moved.replace("%(position)s", rows.indexOf(row) + 1)
		.replace("%(count)s", rows.length);
}

function bodies(root) {
	const found = new Set();
	for (const box of root.querySelectorAll("tbody > tr input[data-ordering]")) {
		found.add(box.closest("tbody"));
	}
	return found;
}

document.addEventListener("click", (event) => {
	const button = event.target.closest(".lb-move");
	if (!button || button.getAttribute("aria-disabled") === "true") return;
	const row = button.closest("tr");
	const moved = button.classList.contains("lb-move-up") ? moveUp(row) : moveDown(row);
	if (!moved) return;
	refresh(row.parentElement);
	number(row.parentElement);
	announce(row);
});

document.addEventListener("pointerdown", (event) => {
	const handle = event.target.closest(".lb-drag-handle");
	if (!handle || event.button !== 0) return;
	event.preventDefault(); // no text selection while dragging
	const row = handle.closest("tr");
	const body = row.parentElement;
	row.classList.add("lb-dragging");
	const follow = (move) => {
		// Past a neighbour's middle, it changes places with the row: as often as the pointer went.
		while (true) {
			const rows = rowsOf(body);
			const i = rows.indexOf(row);
			if (i > 0 && move.clientY < middle(rows[i - 1])) moveUp(row);
			else if (i < rows.length - 1 && move.clientY > middle(rows[i + 1])) moveDown(row);
			else break;
		}
	};
	const drop = () => {
		document.removeEventListener("pointermove", follow);
		document.removeEventListener("pointerup", drop);
		document.removeEventListener("pointercancel", drop);
		row.classList.remove("lb-dragging");
		refresh(body);
		number(body);
	};
	document.addEventListener("pointermove", follow);
	document.addEventListener("pointerup", drop);
	document.addEventListener("pointercancel", drop);
});

// Rows added with "Add another …" (Django's inlines.js), and rows taken away again.
document.addEventListener("formset:added", (event) => {
	if (!boxOf(event.target)) return;
	enhance(event.target);
	refresh(event.target.parentElement);
});
document.addEventListener("formset:removed", () => {
	for (const body of bodies(document)) refresh(body);
});

// Rows filled in since the last move are numbered too.
document.addEventListener(
	"submit",
	(event) => {
		for (const body of bodies(event.target)) number(body);
	},
	true,
);

for (const body of bodies(document)) start(body);
